"""Reading level of what a patient reads: the rendered handout text, measured with textstat."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import textstat

BLOCK_TAGS = {"h1", "h2", "h3", "p", "li"}
VOID_TAGS = {"br", "img", "meta", "hr", "input", "link"}
HIDDEN_TAGS = ("head", "style", "script")
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’»)]))\s+")  # a closing quote may follow the stop


class _PageText(HTMLParser):
    """In one pass: the text of each block element inside <main>, leaving out the sources list, and
    every piece of text the page prints."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.visible: list[str] = []
        self._current: list[str] | None = None
        self._depth_in_main = 0
        self._skipping: int = 0
        self._open: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in HIDDEN_TAGS
        classes = (dict(attrs).get("class") or "").split()
        if tag == "main":
            self._depth_in_main += 1
        if self._skipping or "sources" in classes:
            self._skipping += 1 if tag not in VOID_TAGS else 0
            return
        if self._depth_in_main and tag in BLOCK_TAGS and self._current is None:
            self._current, self._open = [], [tag]
        elif self._current is not None and tag not in VOID_TAGS:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in HIDDEN_TAGS
        if tag == "main":
            self._depth_in_main -= 1
        if self._skipping:
            self._skipping -= 1
            return
        if self._current is not None and self._open:
            self._open.pop()
            if not self._open:
                text = " ".join("".join(self._current).split())
                if text:
                    self.blocks.append(text)
                self._current = None

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.visible.append(data)
        if self._current is not None and not self._skipping:
            self._current.append(data)


@dataclass(frozen=True)
class PageText:
    """What a rendered handout says: the blocks a patient reads, in reading order, without sources
    (`blocks`), and every character the page prints, headers and sources included (`visible`)."""

    blocks: list[str]
    visible: str


def page_text(html: str) -> PageText:
    parser = _PageText()
    parser.feed(html)
    return PageText(parser.blocks, "".join(parser.visible))


def patient_text(html: str) -> list[str]:
    """The handout's headings, paragraphs and list items, in reading order, without sources."""
    return page_text(html).blocks


def sentences(blocks: list[str]) -> list[str]:
    return [sentence for block in blocks for sentence in SENTENCE_END.split(block) if sentence]


def as_prose(blocks: list[str]) -> str:
    """One text in which every heading and list item ends as a sentence does."""
    return " ".join(block if block[-1] in ".!?:" else f"{block}." for block in blocks)


Bound = str | float  # a clinic.yaml `reading:` key, or a bound fixed here


@dataclass(frozen=True)
class Formula:
    """A readability measure of one language, and its bounds: clinic.yaml `reading:` keys, or
    numbers fixed here. `validated` formulas count syllables and score sections too; the length
    limits of a language without one score only the whole handout."""

    name: str
    score: Callable[[str], float]
    higher_is_easier: bool
    limit: Bound
    target: Bound
    section_margin: Bound = 0  # how far past the target one section may be
    validated: bool = True

    def bounds(self, thresholds: object) -> tuple[float, float, float]:
        """(limit, target, section margin), read from the clinic's thresholds where they are keys."""

        def read(bound: Bound) -> float:
            return float(getattr(thresholds, bound)) if isinstance(bound, str) else bound

        return read(self.limit), read(self.target), read(self.section_margin)

    def beyond(self, bound: float, margin: float) -> float:
        """The bound moved `margin` towards harder text."""
        return bound - margin if self.higher_is_easier else bound + margin

    def fails(self, score: float, bound: float) -> bool:
        return score < bound if self.higher_is_easier else score > bound

    def describe(self, score: float, bound: float, what: str = "") -> str:
        side = "below" if self.higher_is_easier else "above"
        return f"{self.name} {score:.1f} is {side} {what}{bound:g}"


SPACELESS = {"zh", "ja"}  # scripts written without spaces between words: lengths count characters
LENGTH_END = re.compile(r"[.!?。！？؟]+(?!\d)")


def is_letter(character: str) -> bool:
    """A letter or a mark on one (a vowel sign, an accent written apart): what a word is made of."""
    return unicodedata.category(character)[0] in "LM"


def letters(text: str) -> int:
    return sum(map(is_letter, text))


def words(text: str) -> list[str]:
    return [word for word in text.split() if letters(word)]


def sentence_length(language: str) -> Callable[[str], float]:
    """The average sentence's length: in characters in a script without spaces, else in words."""

    def average(text: str) -> float:
        parts = [part for part in LENGTH_END.split(text) if letters(part)]
        count = letters if language in SPACELESS else lambda part: len(words(part))
        return sum(map(count, parts)) / len(parts) if parts else 0.0

    return average


def word_length(text: str) -> float:
    """The average word's length in letters (marks included)."""
    found = words(text)
    return sum(map(letters, found)) / len(found) if found else 0.0


@dataclass(frozen=True)
class Lengths:
    """Limits where no validated formula is known: the average sentence (limit, target) and, in a
    script with spaces, the average word's letters (a warning above it)."""

    sentence_limit: float
    sentence_target: float
    word_limit: float | None

    def formula(self, language: str) -> Formula:
        unit = "characters" if language in SPACELESS else "words"
        return Formula(
            f"average sentence length in {unit}",
            sentence_length(language),
            False,
            self.sentence_limit,
            self.sentence_target,
            validated=False,
        )


DEFAULT_LENGTHS = Lengths(15, 12, 6.0)
LENGTHS = {  # docs/content.md, "Adding a language", gives the reasons for each
    "zh": Lengths(30, 25, None),
    "ja": Lengths(40, 35, None),
    "ko": Lengths(12, 10, 4.0),
    "vi": Lengths(22, 18, 5.0),
    "ru": Lengths(13, 10, 7.0),
    "ar": Lengths(15, 12, 6.0),
}

FORMULAS = {
    "en": Formula(
        "Flesch-Kincaid grade",
        textstat.flesch_kincaid_grade,
        False,
        "max_grade",
        "target_grade",
        "section_grade_margin",
    ),
    "es": Formula(
        "Fernández-Huerta",
        textstat.fernandez_huerta,
        True,
        "min_fernandez_huerta",
        "target_fernandez_huerta",
        "section_fernandez_huerta_margin",
    ),
    "de": Formula(
        "Wiener Sachtextformel grade",
        lambda text: textstat.wiener_sachtextformel(text, 1),
        False,
        "max_grade",
        "target_grade",
        "section_grade_margin",
    ),
    "it": Formula("Gulpease", textstat.gulpease_index, True, 60, 70, 10),
}


def formula_of(language: str) -> Formula:
    """The language's validated formula, else its length limits (the default ones when it has none)."""
    return FORMULAS.get(language) or LENGTHS.get(language, DEFAULT_LENGTHS).formula(language)


def word_limit(language: str) -> float | None:
    """The average word's letters a language without a validated formula should keep under."""
    return None if language in FORMULAS else LENGTHS.get(language, DEFAULT_LENGTHS).word_limit


@dataclass(frozen=True)
class Reading:
    """The score of the language's measure, SMOG for English, and the average word's letters where
    the measure is length limits."""

    formula: Formula
    score: float
    smog: float | None
    word_length: float | None = None


def measure(blocks: list[str], language: str = "en") -> Reading:
    """Scores the text a patient reads, each heading and list item counted as a sentence."""
    text = as_prose(blocks)
    textstat.set_lang(language if language in FORMULAS else "en")
    formula = formula_of(language)
    if not formula.validated:  # an accent typed as a separate mark is still one letter
        text = unicodedata.normalize("NFC", text)
    return Reading(
        formula,
        formula.score(text),
        textstat.smog_index(text) if language == "en" else None,
        None if formula.validated else word_length(text),
    )
