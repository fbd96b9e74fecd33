"""The safe Markdown subset of content text: bold, italics, lists and links; raw HTML is shown as text."""

from itertools import pairwise

from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("zero", {"html": False}).enable(["emphasis", "link", "list"])


def markdown_block(text: str) -> Markup:
    """Paragraphs and lists."""
    return Markup(_markdown.render(text))


def markdown_inline(text: str) -> Markup:
    """One line: a list item, a step, a heading."""
    return Markup(_markdown.renderInline(text))


def plain_pieces(text: str) -> list[str]:
    """The words of each paragraph and list item of a Markdown text, without markup."""
    return [" ".join("".join(child.content for child in token.children if child.type == "text").split())
            for token in _markdown.parse(text) if token.children]


def plain_text(text: str) -> str:
    """The words of a Markdown text as a reader sees them, without markup."""
    return " ".join(plain_pieces(text))


def paragraphs(text: str) -> list[str]:
    """The plain text of each paragraph; list items are not paragraphs."""
    tokens = _markdown.parse(text)
    return [
        "".join(child.content for child in inline.children or [] if child.type == "text")
        for opening, inline in pairwise(tokens)
        if opening.type == "paragraph_open" and not opening.hidden and inline.type == "inline"
    ]


def defined_terms(text: str) -> set[str]:
    """Words set in bold: the handout's way of marking a term it explains."""
    terms = set()
    for token in _markdown.parse(text):
        children = token.children or []
        for before, inside in pairwise(children):
            if before.type == "strong_open" and inside.type == "text":
                terms.add(inside.content.lower())
    return terms


def css_string(text: str) -> Markup:
    """A quoted CSS string literal that cannot end the string or the <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>\n\r' else char for char in str(text)
    )
    return Markup(f'"{escaped}"')
