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
from weasyprint.formatting_structure import boxes as weasyprint_boxes
from weasyprint.layout import inline as weasyprint_inline
from weasyprint.pdf import tags as weasyprint_tags
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


# WeasyPrint (70) takes the space off where a line breaks (as CSS says): inside a text box (the space between
# the line's part and the next line's) or at its end; and it draws each line's text as a piece of its own.
# Read in tag order, the last word of a line ran into the first of the next ("yourdoctor"). The text box
# that ends a line at a space is noted here, while the lines are made, for its element to say the space.
_split_text_box = weasyprint_inline.split_text_box
_remove_last_whitespace = weasyprint_inline.remove_last_whitespace


def _split_text_box_noting_the_space(context: Any, box: Any, width: Any, skip: Any, **options: Any) -> Any:
    """WeasyPrint's `split_text_box`; the part it keeps notes a break at a space."""
    part, resume, preserved_line_break = _split_text_box(context, box, width, skip, **options)
    if part is not None and resume is not None and not preserved_line_break:
        start = (skip or 0) + len(part.text.encode())
        skipped = box.text.encode()[start:resume]
        if skipped and not skipped.strip(b" "):
            part.space_at_line_end = True
    return part, resume, preserved_line_break


def _remove_last_whitespace_noting_it(context: Any, line: Any) -> None:
    """WeasyPrint's `remove_last_whitespace`; the text box it took a space from notes it."""
    last = line
    while isinstance(last, weasyprint_boxes.LineBox | weasyprint_boxes.InlineBox) and last.children:
        last = last.children[-1]
    text = getattr(last, "text", None)
    _remove_last_whitespace(context, line)
    if isinstance(last, weasyprint_boxes.TextBox) and last.text != text:
        last.space_at_line_end = True


weasyprint_inline.split_text_box = _split_text_box_noting_the_space
weasyprint_inline.remove_last_whitespace = _remove_last_whitespace_noting_it

_tag_box = weasyprint_tags._build_box_tree


def _tag_box_as_its_html_says(
    box: Any, parent: pydyf.Dictionary, pdf: pydyf.PDF, page: int, nums: dict, annotations: list, tags: dict
) -> Iterator[pydyf.Dictionary]:
    """What WeasyPrint (70) leaves out of each box's structure element, while it makes them: the language
    its HTML element says (a line of the language help notice in its own), as /Lang; the space a line
    ended with, as the /ActualText of the line's last Span; and a list split by a page break (WeasyPrint
    #2903), or by a line break when it runs inline (the sources), stays one list: the items of each later
    part join the element of its first. WeasyPrint calls this for every box, through its module (its own
    recursion included); an element is finished when it is yielded. `finish_tags` then keeps a /Lang only
    where it changes."""
    html = getattr(box, "element", None)
    language = html.get("lang") if html is not None else None
    ends = [(tags[text]["mcid"], text.text) for text in line_ends(box) if text in tags]
    for element in _tag_box(box, parent, pdf, page, nums, annotations, tags):
        if language:
            element["Lang"] = pydyf.String(language)
        for mcid, text in ends:
            say_the_space(pdf, nums, mcid, text)
        ends = []
        if element["S"] == "/L" and joined_to_its_start(pdf, html, element):
            continue
        yield element


def say_the_space(pdf: pydyf.PDF, nums: dict, mcid: int, text: str) -> None:
    """The element of a line's text says it ends with a space (/ActualText). WeasyPrint puts each line of a
    link straight into the link's element: that line gets a Span of its own inside the link, to say it."""
    element = pdf.objects[number(nums[mcid])]
    if element["S"] == "/Link":
        line = pydyf.Dictionary(
            {"Type": "/StructElem", "S": "/Span", "K": pydyf.Array([mcid]), "Pg": element["Pg"], "P": element.reference}
        )
        pdf.add_object(line)
        element["K"][element["K"].index(mcid)] = line.reference
        nums[mcid] = line.reference
        element = line
    element["ActualText"] = pydyf.String(text + " ")


def line_ends(box: Any) -> Iterator[Any]:
    """The text boxes right under a box (in its lines) that lost the space ending their line."""
    for child in getattr(box, "children", []):
        lines = child.children if isinstance(child, weasyprint_boxes.LineBox) else [child]
        yield from (text for text in lines if getattr(text, "space_at_line_end", False))


def joined_to_its_start(pdf: pydyf.PDF, html: Any, element: pydyf.Dictionary) -> bool:
    """Whether a list's element went into the element of the same HTML list's first part (its items moved
    there, itself emptied); a first part is kept, to be found by the parts after it."""
    start = pdf.__dict__.setdefault("list_starts", {}).setdefault(id(html), element)  # HTML list -> first part
    if start is element or not all(isinstance(kid, bytes) for kid in element["K"]) or inside(pdf, start, element):
        return False
    for kid in element["K"]:
        pdf.objects[number(kid)]["P"] = start.reference
    start["K"].extend(element["K"])
    element.clear()  # no longer a structure element: nothing points to it
    return True


def inside(pdf: pydyf.PDF, element: pydyf.Dictionary, outer: pydyf.Dictionary) -> bool:
    """Whether a structure element is below another."""
    while element.get("Type") == "/StructElem":
        if element["P"] == outer.reference:
            return True
        element = pdf.objects[number(element["P"])]
    return False


weasyprint_tags._build_box_tree = _tag_box_as_its_html_says

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
    what it leads to, every figure where it is and what caption goes with it; a decoration's empty element
    is left out."""
    finish_boxes(laid_out)
    objects = pdf.objects
    drop_empty_elements(objects)
    group_captions(objects)
    root = objects[number(pdf.catalog["StructTreeRoot"])]
    document = objects[number(root["K"][0])]
    pages = {reference: index for index, reference in enumerate(pdf.page_references)}
    place_figures(objects, laid_out.pages, pages)
    for reference in document["K"]:
        element = objects[number(reference)]
        language = languages[pages[element["Pg"]]]
        if language is not None:
            element["Lang"] = pydyf.String(language)
        said_once(objects, element, element["Lang"].string if "Lang" in element else None)
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


def group_captions(objects: list) -> None:
    """WeasyPrint (70) tags a `<figure>` as a NonStruct, which groups nothing: its caption stood loose
    beside the drawing. The element holding a Caption becomes a Div, so the caption, the Figure and its key
    are one group. (A table's caption is inside its Table already.)"""
    for element in objects:
        if isinstance(element, pydyf.Dictionary) and element.get("S") == "/Caption":
            parent = objects[number(element["P"])]
            if parent.get("S") == "/NonStruct":
                parent["S"] = "/Div"


def said_once(objects: list, element: pydyf.Dictionary, language: str | None) -> None:
    """Below a structure element in `language`, a /Lang that says the same again is taken out: a line's
    language is said on the element of its HTML element, not again on each box WeasyPrint made for it."""
    for kid in element["K"]:
        child = objects[number(kid)] if isinstance(kid, bytes) else None
        if not isinstance(child, pydyf.Dictionary) or child.get("Type") != "/StructElem":
            continue
        if "Lang" in child and child["Lang"].string == language:
            del child["Lang"]
        said_once(objects, child, child["Lang"].string if "Lang" in child else language)


MEANINGLESS_WHEN_EMPTY = ("/NonStruct", "/Span", "/Div", "/Sect", "/Part", "/Art")
"""The structure types WeasyPrint gives a box holding no text when it is only drawn (a bullet's dot, a
checkbox, a heading's pictogram, a line to write on): its drawing is an artifact, and the element itself
stays empty; and the groups a page break split whose only content joined the page before (a list's part)."""


def drop_empty_elements(objects: list) -> None:
    """WeasyPrint tags every box, an empty one too: a decoration's element or an empty group, holding
    nothing for a screen reader to read, is taken out of the structure tree (and so is a parent it leaves
    empty). Table cells and other elements with a meaning of their own stay, even empty."""
    empty = [
        element
        for element in objects
        if isinstance(element, pydyf.Dictionary)
        and element.get("Type") == "/StructElem"
        and element.get("S") in MEANINGLESS_WHEN_EMPTY
        and not element["K"]
    ]
    while empty:
        element = empty.pop()
        parent = objects[number(element["P"])]
        parent["K"].remove(element.reference)
        element.clear()  # no longer a structure element: nothing points to it
        if not parent["K"] and parent.get("S") in MEANINGLESS_WHEN_EMPTY:
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
    reader on the link): each TH gets the /Scope its `scope` says, each link the text it shows."""

    def boxes(box: Any) -> Iterator[Any]:
        yield box
        for child in getattr(box, "children", []):
            yield from boxes(child)

    for page in document.pages:
        for box in boxes(page._page_box):
            if getattr(box, "element_tag", None) == "th" and hasattr(box, "mark"):
                scope = SCOPES.get(box.element.get("scope", ""))
                if scope is not None:
                    box.mark["A"]["Scope"] = scope
            annotation = getattr(box, "link_annotation", None)
            if annotation is not None and (shown := " ".join("".join(box.element.itertext()).split())):
                annotation["Contents"] = pydyf.String(shown)


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
