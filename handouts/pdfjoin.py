"""Joining PDFs into one for double-sided printing: each part starts on a right-hand page (a new sheet),
with a bookmark per part. Used for booklets and for a visit's packet of handouts."""

import io
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Part:
    title: str
    pdf: bytes | Path
    pages: int


def first_pages(front_pages: int, parts: list[Part]) -> list[int]:
    """The page number each part starts on: the next odd (right-hand) page after what comes before."""
    starts, page = [], front_pages + 1
    for part in parts:
        page += page % 2 == 0
        starts.append(page)
        page += part.pages
    return starts


def join_pdfs(parts: list[Part], *, title: str, author: str, language: str, front: bytes | None = None) -> bytes:
    """One PDF: the front pages (if any), then every part from its right-hand page on."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter()
    if front is not None:
        writer.append(PdfReader(io.BytesIO(front)), import_outline=False)
    front_pages = len(writer.pages)
    for part, start in zip(parts, first_pages(front_pages, parts), strict=True):
        reader = PdfReader(io.BytesIO(part.pdf) if isinstance(part.pdf, bytes) else part.pdf)
        while len(writer.pages) < start - 1:
            width, height = (float(side) for side in reader.pages[0].mediabox[2:])
            writer.add_blank_page(width, height)
        writer.append(reader, outline_item=part.title, import_outline=False)
    writer.add_metadata({"/Title": title, "/Author": author})
    writer.root_object[NameObject("/Lang")] = TextStringObject(language)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
