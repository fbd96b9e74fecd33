"""A language's rules for dates, times and names, from Babel: the one check that a language code
can be written in, shared by planning a build and by rendering."""

from typing import TYPE_CHECKING

from handouts.errors import RenderError

if TYPE_CHECKING:  # Babel loads when a language is first looked up, not when this is imported
    from babel import Locale


def babel_locale(language: str) -> "Locale":
    """The language's rules for dates, times and names; a code Babel does not know is an error."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        raise RenderError(
            f"{language}: not a language code that dates and language names can be written in (Babel does not know it)"
        ) from None


def writes_right_to_left(language: str) -> bool:
    """Whether the language's script runs right to left (Arabic, Persian, Urdu, Hebrew), as Babel says."""
    return babel_locale(language).character_order == "right-to-left"


MARKS = {"ltr": "\u200e", "rtl": "\u200f"}  # Unicode's left-to-right and right-to-left marks


def text_direction(text: str) -> str:
    """`rtl` or `ltr`, as its first letter of a strong direction says (ltr when it has none, like a
    phone number): what HTML's dir="auto" would find."""
    import unicodedata

    strong = (unicodedata.bidirectional(character) for character in text)
    return "rtl" if next((kind for kind in strong if kind in ("L", "R", "AL")), "L") != "L" else "ltr"


def set_apart(text: str, page_direction: str) -> str:
    """A text (a phone number, web address, time, name) kept in its own direction inside a line of the
    page's other one: a mark of its direction on each side. WeasyPrint lays a line's text out in one
    direction whatever an inline element's `dir` says, so <bdi dir="ltr"> alone would print
    "120 Main Street" as "Main Street 120" in an Arabic line; the marks order it."""
    own = text_direction(text)
    return text if not text or own == page_direction else MARKS[own] + text + MARKS[own]
