"""Reading level of what a patient reads: the rendered handout text, measured with textstat."""

import re
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


@dataclass(frozen=True)
class Formula:
    """A readability formula of one language, and the clinic.yaml `reading:` keys that bound it."""

    name: str
    score: Callable[[str], float]
    higher_is_easier: bool
    limit_key: str
    target_key: str
    section_margin_key: str  # how far past the target one section may be

    def beyond(self, bound: float, margin: float) -> float:
        """The bound moved `margin` towards harder text."""
        return bound - margin if self.higher_is_easier else bound + margin

    def fails(self, score: float, bound: float) -> bool:
        return score < bound if self.higher_is_easier else score > bound

    def describe(self, score: float, bound: float, what: str = "") -> str:
        side = "below" if self.higher_is_easier else "above"
        return f"{self.name} {score:.1f} is {side} {what}{bound:g}"


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
}


@dataclass(frozen=True)
class Reading:
    """The score of the language's formula (none for a language without one), and SMOG for English."""

    formula: Formula | None
    score: float | None
    smog: float | None


def measure(blocks: list[str], language: str = "en") -> Reading:
    """Scores the text a patient reads, each heading and list item counted as a sentence."""
    text = as_prose(blocks)
    textstat.set_lang(language)
    formula = FORMULAS.get(language)
    return Reading(
        formula, formula.score(text) if formula else None, textstat.smog_index(text) if language == "en" else None
    )
