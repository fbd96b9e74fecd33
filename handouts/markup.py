"""The safe Markdown subset of content text: bold, italics, lists and links; raw HTML is shown as text.

A link may only lead to a web page over https, an email address or a phone number: a relative
or `file:` link would point into the machine that built the PDF."""

from functools import lru_cache
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_LINKS = ("https://", "mailto:", "tel:")
RULES = ["emphasis", "link", "list"]


def is_allowed_link(url: str) -> bool:
    return url.lower().startswith(ALLOWED_LINKS)


_markdown = MarkdownIt("zero", {"html": False}).enable(RULES)
_markdown.validateLink = is_allowed_link  # type: ignore[method-assign]  # any other link is printed as text, even if it got past loading
_every_link = MarkdownIt("zero", {"html": False}).enable(RULES)
_every_link.validateLink = lambda url: True  # type: ignore[method-assign]


def refused_links(text: str) -> list[str]:
    """The targets of links in the text that are not https:, mailto: or tel:."""
    targets = [
        child.attrs["href"]
        for token in _every_link.parse(text)
        for child in token.children or []
        if child.type == "link_open"
    ]
    return [str(target) for target in targets if not is_allowed_link(str(target))]


def markdown_block(text: str) -> Markup:
    """Paragraphs and lists."""
    return Markup(_markdown.render(text))


def markdown_inline(text: str) -> Markup:
    """One line: a list item, a step, a heading."""
    return Markup(_markdown.renderInline(text))


@lru_cache(maxsize=1024)
def _tokens(text: str) -> list[Token]:
    """The text parsed once for the readers of plain text below, which only read the tokens:
    `handouts check` asks each of them about every text of a handout."""
    return _markdown.parse(text)


def plain_pieces(text: str) -> list[str]:
    """The words of each paragraph and list item of a Markdown text, without markup."""
    return [
        " ".join("".join(child.content for child in token.children if child.type == "text").split())
        for token in _tokens(text)
        if token.children
    ]


def plain_text(text: str) -> str:
    """The words of a Markdown text as a reader sees them, without markup."""
    return " ".join(plain_pieces(text))


def paragraphs(text: str) -> list[str]:
    """The plain text of each paragraph; list items are not paragraphs."""
    tokens = _tokens(text)
    return [
        "".join(child.content for child in inline.children or [] if child.type == "text")
        for opening, inline in pairwise(tokens)
        if opening.type == "paragraph_open" and not opening.hidden and inline.type == "inline"
    ]


def defined_terms(text: str) -> set[str]:
    """Words set in bold: the handout's way of marking a term it explains."""
    terms = set()
    for token in _tokens(text):
        children = token.children or []
        for before, inside in pairwise(children):
            if before.type == "strong_open" and inside.type == "text":
                terms.add(inside.content.lower())
    return terms


def css_string(text: str) -> Markup:
    """A quoted CSS string literal that cannot end the string or the <style> element: quotes,
    backslashes, angle brackets and every character that is not printable (a form feed ends a CSS
    string as a newline does) are written as hex escapes."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in "\"'\\<>" or not char.isprintable() else char for char in str(text)
    )
    return Markup(f'"{escaped}"')


def site_of(url: object) -> str:
    """Where a source lives, as a reader would type it, printed beside its title (the link keeps the
    whole address). A page in another language than English, under a language folder, is its own page's
    address, so that typing it opens that page in that language (a site's root in that language leaves
    the reader to find it): `https://medlineplus.gov/spanish/backpain.html` ->
    `medlineplus.gov/spanish/backpain.html`. A page in English is its site: `https://www.fda.gov/drugs/...`
    -> `fda.gov` (a handout in another language marks it as in English in its title)."""
    from urllib.parse import urlsplit

    address = str(url)
    parts = urlsplit(address)
    host = (parts.hostname or address).removeprefix("www.")
    path = parts.path.strip("/") if parts.hostname else ""
    return f"{host}/{path}" if names_a_language(path.split("/")[0]) else host


def names_a_language(segment: str) -> bool:
    """Whether a URL path segment names a language other than English: a 2-letter code (`es`, `es-us`;
    a 3-letter one is more often a word, as `doi`, than a site's language folder) or an English language
    name (`spanish`)."""
    from babel import Locale, UnknownLocaleError

    try:
        language = Locale.parse(segment, sep="-").language
    except (ValueError, UnknownLocaleError):
        names = {name.lower(): code for code, name in Locale("en").languages.items()}
        language = names.get(segment.lower(), "en")
    return len(language) == 2 and language != "en"
