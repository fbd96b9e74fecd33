"""The booklet of one language: a cover, a table of contents, then every standard-print handout,
each starting on a right-hand page, with a bookmark per handout. It is put together from the
handout PDFs already built, so no handout is laid out twice."""

import io
from dataclasses import dataclass
from pathlib import Path

from handouts.build import Builder

BOOKLET_FILE = "booklet.pdf"
TEMPLATE = "booklet.html"


@dataclass(frozen=True)
class Part:
    title: str
    path: Path
    pages: int


def first_pages(front_pages: int, parts: list[Part]) -> list[int]:
    """The page number each part starts on: the next odd (right-hand) page after what comes before."""
    starts, page = [], front_pages + 1
    for part in parts:
        page += page % 2 == 0
        starts.append(page)
        page += part.pages
    return starts


def make_booklet(builder: Builder, language: str, page_size: str, parts: list[Part]) -> tuple[bytes, int]:
    """The booklet's bytes and page count."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    from handouts.pdf import render_document, write_pdf

    renderer, project = builder.renderer, builder.project
    context = renderer.brand(language, page_size)
    front_pages = 2  # cover and one page of contents, unless the contents run longer
    for _ in range(3):
        starts = first_pages(front_pages, parts)
        contents = [{"title": part.title, "page": start} for part, start in zip(parts, starts)]
        html = renderer.render_template(TEMPLATE, {**context, "contents": contents})
        document = render_document(html, project.root, project.asset_roots)
        if len(document.pages) == front_pages:
            break
        front_pages = len(document.pages)

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(write_pdf(document))), import_outline=False)
    width, height = (float(side) for side in writer.pages[0].mediabox[2:])
    for part, start in zip(parts, starts):
        while len(writer.pages) < start - 1:
            writer.add_blank_page(width, height)
        writer.append(PdfReader(part.path), outline_item=part.title, import_outline=False)
    writer.add_metadata({"/Title": f"{project.clinic.name}: {context['labels'].booklet_title}",
                         "/Author": project.clinic.name})
    writer.root_object[NameObject("/Lang")] = TextStringObject(language)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), len(writer.pages)
