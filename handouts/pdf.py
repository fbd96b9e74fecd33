"""HTML to PDF bytes through WeasyPrint; imported only where a PDF is made (the
import is slow).

Every handout of a clinic carries the same stylesheet, so the `<style>` elements of the document's head
are taken out of the HTML and parsed once per process (keyed by their text), then handed to WeasyPrint in the
same order as `stylesheets`: a render parses only the styles it has not seen before.

What a process loads once and keeps (modules, fonts, parsed stylesheets, templates) is moved out of the
cyclic garbage collector's reach: a layout makes hundreds of thousands of short-lived objects, and every
full collection would otherwise walk the long-lived ones again (13% of a warm render's time, measured).
"""

import gc
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pydyf
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


_fonts: list[FontConfiguration] = []


def _fonts_of_its_own() -> None:
    """In a forked worker: the fonts it inherited, in a font folder of its own. WeasyPrint writes each
    new font into its configuration's folder and skips one whose file is there already, and removes
    the folder when the configuration goes: sharing the parent's folder, a worker's new font made the
    parent skip loading it (a Chinese page then printed boxes), and a worker's exit removed the folder.
    The inherited files are linked into the new folder, so fonts already loaded are not loaded twice."""
    for inherited in _fonts:
        shared = getattr(inherited, "_folder", None)
        if shared is None or not shared.exists():
            continue
        own = Path(tempfile.mkdtemp(prefix="weasyprint-"))
        for font in shared.iterdir():
            try:
                os.link(font, own / font.name)
            except OSError:
                shutil.copyfile(font, own / font.name)
        inherited._folder = own


os.register_at_fork(after_in_child=_fonts_of_its_own)


def font_configuration() -> FontConfiguration:
    """One per process: fonts are loaded once and shared by every render."""
    if not _fonts:
        _fonts.append(FontConfiguration())
    return _fonts[0]


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


PDF_VARIANT = "pdf/ua-1"
"""Every PDF declares PDF/UA-1: WeasyPrint tags it, writes the XMP identifier and shows the title."""
FOOTER_ARTIFACT = pydyf.Dictionary({"Type": "/Pagination", "Subtype": "/Footer"})


@dataclass(frozen=True)
class Part:
    """Laid-out pages of one handout (or a booklet's front), in the language its text is in."""

    document: "weasyprint.document.Document"
    language: str


def write_pdf(parts: list[Part], title: str | None = None, language: str | None = None) -> bytes:
    """One tagged PDF of the parts' pages, each part after the first starting on a right-hand page
    (a new sheet when printed on both sides). Each part keeps its own footer, page numbers and
    bookmarks; its structure elements carry its language; the title and the document's language
    are the first part's unless given."""
    pages: list[weasyprint.Page] = []
    languages: list[str | None] = []
    for part in parts:
        if len(pages) % 2:
            pages.append(blank_page(pages[-1].width, pages[-1].height))
            languages.append(None)
        pages += part.document.pages
        languages += [part.language] * len(part.document.pages)
    document = parts[0].document if len(parts) == 1 else parts[0].document.copy(pages)
    if len(parts) > 1:  # the first part's metadata stands for all: its keywords become everyone's
        keywords = (keyword for part in parts for keyword in part.document.metadata.keywords or [])
        document.metadata.keywords = list(dict.fromkeys(keywords))
    if title is not None:
        document.metadata.title = title
    if language is not None:
        document.metadata.lang = language
    return document.write_pdf(pdf_variant=PDF_VARIANT, finisher=partial(finish_tags, languages=languages))


@lru_cache(maxsize=4)
def blank_page(width: float, height: float) -> "weasyprint.Page":
    """An empty page of this size (CSS px), to put before a part that would start on a left-hand page."""
    html = f"<html><head><style>@page {{ size: {width}px {height}px; }}</style></head></html>"
    return weasyprint.HTML(string=html).render(font_config=font_configuration()).pages[0]


def finish_tags(laid_out: "weasyprint.document.Document", pdf: pydyf.PDF, languages: list[str | None]) -> None:
    """What WeasyPrint's tags leave to do: the running footer (the page margins' text) becomes a
    pagination artifact instead of content outside the structure tree, every top-level structure
    element says the language of the part its page belongs to, every header cell its scope, every link
    what it leads to and every figure where it is; a decoration's empty element is left out."""
    finish_boxes(laid_out)
    objects = pdf.objects
    drop_empty_elements(objects)
    root = objects[number(pdf.catalog["StructTreeRoot"])]
    document = objects[number(root["K"][0])]
    pages = {reference: index for index, reference in enumerate(pdf.page_references)}
    place_figures(objects, laid_out.pages, pages)
    for reference in document["K"]:
        element = objects[number(reference)]
        language = languages[pages[element["Pg"]]]
        if language is not None:
            element["Lang"] = pydyf.String(language)
    listed = set(document["K"])
    orphans = [
        element
        for element in objects
        if isinstance(element, pydyf.Dictionary)
        and element.get("Type") == "/StructElem"
        and element.get("P") == document.reference
        and element.reference not in listed
    ]
    nums = objects[number(root["ParentTree"])]["Nums"]
    for orphan in orphans:
        for page, mcid in marked_content(objects, orphan):
            index = pages[page]
            nums[2 * index + 1][mcid] = "null"
            mark_as_artifact(objects[number(objects[number(page)]["Contents"])], mcid)


DECORATIONS = ("/NonStruct", "/Span")
"""The structure types WeasyPrint gives a box holding no text when it is only drawn (a bullet's dot, a
checkbox, a heading's pictogram): its drawing is an artifact, and the element itself stays empty."""


def drop_empty_elements(objects: list) -> None:
    """WeasyPrint tags every box, an empty one too: a decoration's element, holding nothing for a screen
    reader to read, is taken out of the structure tree (and so is a parent it leaves empty). Table cells
    and other elements with a meaning of their own stay, even empty."""
    empty = [
        element
        for element in objects
        if isinstance(element, pydyf.Dictionary)
        and element.get("Type") == "/StructElem"
        and element.get("S") in DECORATIONS
        and not element["K"]
    ]
    while empty:
        element = empty.pop()
        parent = objects[number(element["P"])]
        parent["K"].remove(element.reference)
        element.clear()  # no longer a structure element: nothing points to it
        if not parent["K"] and parent.get("S") in DECORATIONS:
            empty.append(parent)


POINTS_PER_PIXEL = 0.75
"""WeasyPrint lays out in CSS pixels and writes points (at its default zoom of 1)."""


def place_figures(objects: list, laid_out_pages: list, pages: dict[bytes, int]) -> None:
    """WeasyPrint (70) writes a Figure's bounding box (/BBox of its layout attributes) in CSS pixels from the
    page's top; PDF measures in points from the page's bottom: each box is moved to where it is drawn."""
    for element in objects:
        if isinstance(element, pydyf.Dictionary) and element.get("S") == "/Figure" and "A" in element:
            left, top, right, bottom = element["A"]["BBox"]
            height = laid_out_pages[pages[element["Pg"]]].height
            element["A"]["BBox"] = pydyf.Array(
                [POINTS_PER_PIXEL * value for value in (left, height - bottom, right, height - top)]
            )


SCOPES = {"col": "/Column", "row": "/Row"}
"""A `<th scope>` and the /Scope of its TH element's table attributes."""


def finish_boxes(document: "weasyprint.document.Document") -> None:
    """What WeasyPrint (70) leaves out of what it keeps on the laid-out boxes while it writes the PDF:
    a `<th>` is tagged as a TH without its scope (kept on the cell's box as `mark` while WeasyPrint links
    cells to headers), and a link's annotation describes it by its address (`Contents`, read by a screen
    reader on the link): each TH gets the /Scope its `scope` says, each link the text it shows, on
    every box of it (a part of the link set apart in its own element, like a source's site, included)."""

    def boxes(box: Any, link_text: str) -> Iterator[tuple[Any, str]]:
        if getattr(box, "element_tag", None) == "a":
            link_text = " ".join("".join(box.element.itertext()).split())
        yield box, link_text
        for child in getattr(box, "children", []):
            yield from boxes(child, link_text)

    for page in document.pages:
        for box, link_text in boxes(page._page_box, ""):
            if getattr(box, "element_tag", None) == "th" and hasattr(box, "mark"):
                scope = SCOPES.get(box.element.get("scope", ""))
                if scope is not None:
                    box.mark["A"]["Scope"] = scope
            annotation = getattr(box, "link_annotation", None)
            if annotation is not None and link_text:
                annotation["Contents"] = pydyf.String(link_text)


def number(reference: bytes) -> int:
    """The object number of an indirect reference (`b"12 0 R"`)."""
    return int(reference.split()[0])


def marked_content(objects: list, element: pydyf.Dictionary) -> Iterator[tuple[bytes, int]]:
    """(page, MCID) of every piece of content under a structure element."""
    for kid in element["K"]:
        if isinstance(kid, int):
            yield element["Pg"], kid
        else:
            yield from marked_content(objects, objects[number(kid)])


def mark_as_artifact(stream: pydyf.Stream, mcid: int) -> None:
    """`/Span <</MCID n>> BDC` in a page's content becomes `/Artifact <</Type /Pagination ...>> BDC`."""
    operations = stream.stream
    for index, operation in enumerate(operations):
        if isinstance(operation, pydyf.Dictionary) and operation.get("MCID") == mcid and index:
            operations[index - 1], operations[index] = "/Artifact", FOOTER_ARTIFACT
            return


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


def only_sources_on_last_page(document: Any) -> bool:
    """Whether the last page of a laid-out WeasyPrint document prints no word but the sources'
    (the running footer, in the page's margin boxes, aside)."""

    def words(box: Any, in_sources: bool) -> Iterator[bool]:
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        in_sources = in_sources or "sources" in classes
        if getattr(box, "text", "").strip():
            yield in_sources
        for child in getattr(box, "children", []):
            yield from words(child, in_sources)

    page = document.pages[-1]._page_box
    html = page.children[0]  # the page's root box; the margin boxes follow it
    found = list(words(html, False))
    return bool(found) and all(found)
