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
