"""One vocabulary per language: `content/<lang>/_glossary.yaml` names each concept's preferred
wording and the variants to avoid, so the same thing is called the same way in every handout."""

import re
from functools import cache, cached_property

from pydantic import Field, RootModel

from handouts.content import Listed, Strict, Text

PARENTHESIS = re.compile(r"\s*\([^)]*\)")


class Concept(Strict):
    """One concept: its English name, the wording to use, and the variants to avoid."""

    en: Text = Field(description="The English term, as English handouts write it.")
    use: Text = Field(description="The preferred wording, e.g. 'anticoagulante (medicina para adelgazar la sangre)'.")
    term: Text | None = Field(
        None, description="The term itself, set in bold where it is explained. Default: `use` without its parenthesis."
    )
    avoid: Listed[Text] = Field(default_factory=list, description="Variants to avoid; matched as whole words.")

    @property
    def bold_term(self) -> str:
        return self.term or PARENTHESIS.sub("", self.use).strip()


class Glossary(RootModel[dict[str, Concept]]):
    """Concept key (like `blood_thinner`) -> its wording: `content/<lang>/_glossary.yaml`."""

    @cached_property
    def any_avoided(self) -> re.Pattern[str]:
        """Every avoided variant as whole words in one pattern: a text it finds nothing in uses none."""
        variants = [variant for concept in self.root.values() for variant in concept.avoid]
        return re.compile("|".join(whole_words(variant).pattern for variant in variants), re.IGNORECASE)


@cache
def whole_words(phrase: str) -> re.Pattern[str]:
    """The phrase as whole words, case-insensitive; accents count as written."""
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)


def avoided_in(text: str, glossary: Glossary) -> list[tuple[str, str, Concept]]:
    """(variant as found, concept key, concept) for each avoided variant the text uses."""
    found: list[tuple[str, str, Concept]] = []
    if not glossary.any_avoided.search(text):
        return found
    for key, concept in glossary.root.items():
        for variant in concept.avoid:
            match = whole_words(variant).search(text)
            if match:
                found.append((match.group(0), key, concept))
    return found


def in_bold(term: str, bold_spans: set[str]) -> bool:
    """Whether a bold span of the handout holds the term."""
    pattern = whole_words(term)
    return any(pattern.search(span) for span in bold_spans)
