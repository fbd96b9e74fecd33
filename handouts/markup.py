"""The safe Markdown subset of content text: bold, italics, lists and links; raw HTML is shown as text."""

from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("zero", {"html": False}).enable(["emphasis", "link", "list"])


def markdown_block(text: str) -> Markup:
    """Paragraphs and lists."""
    return Markup(_markdown.render(text))


def markdown_inline(text: str) -> Markup:
    """One line: a list item, a step, a heading."""
    return Markup(_markdown.renderInline(text))


def css_string(text: str) -> Markup:
    """A quoted CSS string literal that cannot end the string or the <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>\n\r' else char for char in str(text)
    )
    return Markup(f'"{escaped}"')
