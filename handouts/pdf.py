"""HTML to PDF bytes through WeasyPrint; imported only where a PDF is made (the import is slow).

Every handout of a clinic carries the same stylesheet, so the `<style>` elements of the document's head
are taken out of the HTML and parsed once per process (keyed by their text), then handed to WeasyPrint in the
same order as `stylesheets`: a render parses only the styles it has not seen before.

What a process loads once and keeps (modules, fonts, parsed stylesheets, templates) is moved out of the
cyclic garbage collector's reach: a layout makes hundreds of thousands of short-lived objects, and every
full collection would otherwise walk the long-lived ones again (13% of a warm render's time, measured).
"""

import gc
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from handouts.errors import RenderError

gc.freeze()  # the modules loaded so far stay for the life of the process


class AssetFetcher(weasyprint.URLFetcher):
    """Serves local files under the allowed asset folders and nothing else."""

    def __init__(self, folders: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.folders = [folder.resolve() for folder in folders]

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("data:"):  # made by our own templates (recoloured pictograms); no file is read
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise PermissionError(f"{url}: only files in the project's assets/ folder may be used")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.folders):
            raise PermissionError(f"{url}: outside the project's assets/ folder")
        if not path.is_file():
            raise FileNotFoundError(f"{url}: file not found")
        return super().fetch(path.as_uri(), headers)


@cache
def font_configuration() -> FontConfiguration:
    """One per process: fonts are loaded once and shared by every render."""
    return FontConfiguration()


@cache
def counter_styles() -> CounterStyle:
    """One per process, like the fonts: the stylesheets parsed once and every render share it."""
    return CounterStyle()


# A plain `<style>` element (no attributes); one with a `media` or `type` is left in the document. WeasyPrint
# ranks `stylesheets` after the document's own styles, so the cascade is the same while all are plain.
STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@lru_cache(maxsize=32)
def stylesheet(css: str, base_url: str, asset_folders: tuple[Path, ...]) -> weasyprint.CSS:
    """The text of one `<style>` element, parsed; its fonts join the process's font configuration."""
    return weasyprint.CSS(
        string=css,
        base_url=base_url,
        url_fetcher=AssetFetcher(list(asset_folders)),
        font_config=font_configuration(),
        counter_style=counter_styles(),
    )


@cache
def freeze_what_the_first_render_loaded() -> None:
    """Once per process, before its second layout: the fonts, stylesheets and templates the first one
    loaded are kept from then on; its garbage is collected first, so none of it is kept."""
    gc.collect()
    gc.freeze()


def render_document(html: str, base: Path, asset_folders: list[Path]) -> "weasyprint.document.Document":
    """Lay out the pages; relative URLs resolve against `base`, assets come only from `asset_folders`."""
    if stylesheet.cache_info().currsize:  # not the process's first layout
        freeze_what_the_first_render_loaded()
    base_url = base.as_uri() + "/"
    try:
        # only the head's: a `<style>` inside an inline SVG belongs to that drawing
        head, end_of_head, body = html.partition("</head>")
        stylesheets = [stylesheet(css, base_url, tuple(asset_folders)) for css in STYLE_ELEMENT.findall(head)]
        document = weasyprint.HTML(
            string=STYLE_ELEMENT.sub("", head) + end_of_head + body,
            base_url=base_url,
            url_fetcher=AssetFetcher(asset_folders),
        )
        return document.render(
            stylesheets=stylesheets, font_config=font_configuration(), counter_style=counter_styles(), pdf_tags=True
        )
    except FatalURLFetchingError as error:
        raise RenderError(f"asset refused: {error.__cause__ or error}") from None


def write_pdf(document: "weasyprint.document.Document") -> bytes:
    """The laid-out pages as a tagged PDF."""
    return document.write_pdf(pdf_tags=True)


def printed_text(document: "weasyprint.document.Document") -> str:
    """Every word the laid-out pages draw, in order, one space apart: text in a box that is hidden
    (`visibility: hidden`, or inside one of `opacity: 0`) is left out, as it prints nothing."""

    def words(box: Any, shown: bool) -> Iterator[str]:
        style = getattr(box, "style", None)
        shown = shown and (style is None or style["opacity"] > 0)
        if shown and getattr(box, "text", "") and style is not None and style["visibility"] == "visible":
            yield box.text
        for child in getattr(box, "children", []):
            yield from words(child, shown)

    return " ".join(" ".join(" ".join(words(page._page_box, True)) for page in document.pages).split())
