"""A handout's sections, each scored on its own: an easy average over the whole handout can hide a
hard passage, and the summary, read first and sometimes alone, must be easy by itself."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import textstat

from handouts.content import Handout, Item
from handouts.markup import plain_pieces
from handouts.readability import as_prose, formula_of

Location = tuple[str | int, ...]
WORD = re.compile(r"[^\W\d_]+")
# A long word: 3 syllables in English; Spanish (German, Italian) words run longer, so plain Spanish
# ("medicina", "Díganos") stays under the bar only at 4.
LONG_WORD_SYLLABLES = {"en": 3, "es": 4, "de": 4, "it": 4}
MIN_SCORED_WORDS = 30  # formulas swing wildly on a few words: shorter sections (the summary aside) are not scored
LIST_SECTIONS = ("how_it_is_done", "before", "after", "call_us", "call_911", "questions")


@dataclass(frozen=True)
class Section:
    """One part of a handout as printed: its location in the file (like ("extras", 2)) and its texts."""

    location: Location
    texts: list[str]

    @cached_property
    def blocks(self) -> list[str]:
        """The plain text of each paragraph and list item."""
        return [piece for text in self.texts for piece in plain_pieces(text) if piece]

    @cached_property
    def words(self) -> list[str]:
        return WORD.findall(" ".join(self.blocks))


def sections(handout: Handout) -> Iterator[Section]:
    """The summary, what it is, why it is done, each list and each extra, in printed order; empty
    ones are left out."""
    candidates = [
        Section(("summary",), [handout.summary]),
        Section(("what_it_is",), [handout.what_it_is] if handout.what_it_is else []),
        Section(("why_it_is_done",), [handout.why_it_is_done] if handout.why_it_is_done else []),
        *(Section((name,), texts(getattr(handout, name))) for name in LIST_SECTIONS[:3]),
        Section(("risks",), texts([*handout.risks.common, *handout.risks.rare])),
        *(Section((name,), texts(getattr(handout, name))) for name in LIST_SECTIONS[3:]),
        *(Section(("extras", index), [extra.heading, extra.text]) for index, extra in enumerate(handout.extras)),
    ]
    yield from (section for section in candidates if section.blocks)


def texts(items: list[Item] | list[str]) -> list[str]:
    """The text of each list item (an item may carry a pictogram beside its text)."""
    return [item.text if isinstance(item, Item) else item for item in items]


def section_score(section: Section, language: str) -> float:
    """The language's readability measure on this section alone; each list item counts as a
    sentence, as in the whole-handout score."""
    textstat.set_lang(language)
    return float(formula_of(language).score(as_prose(section.blocks)))


def long_words(section: Section, language: str, explained: set[str]) -> list[str]:
    """Long words the handout does not explain, in order of appearance."""
    textstat.set_lang(language)
    syllables = LONG_WORD_SYLLABLES.get(language, 3)
    return [
        word for word in section.words if word.lower() not in explained and textstat.syllable_count(word) >= syllables
    ]


def words_of(texts: list[str]) -> set[str]:
    """The lowercased words of some texts, e.g. of the terms a handout sets in bold."""
    return {word.lower() for text in texts for word in WORD.findall(text)}
