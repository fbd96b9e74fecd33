"""The booklet of one language: a cover, a table of contents, then every standard-print handout,
each starting on a right-hand page, with a bookmark per handout. It is put together from the
handout PDFs already built, so no handout is laid out twice."""

from typing import TYPE_CHECKING

from handouts.pdfjoin import Part, first_pages, join_pdfs

if TYPE_CHECKING:
    from handouts.maker import Maker

BOOKLET_FILE = "booklet.pdf"
TEMPLATE = "booklet.html"


def make_booklet(maker: "Maker", language: str, page_size: str, parts: list[Part]) -> tuple[bytes, int]:
    """The booklet's bytes and page count."""
    from handouts.logs import collected_warnings, report
    from handouts.pdf import render_document, write_pdf

    renderer, project = maker.renderer, maker.project
    context = renderer.brand(language, page_size)
    front_pages = 2  # cover and one page of contents, unless the contents run longer
    for _ in range(3):
        starts = first_pages(front_pages, parts)
        contents = [{"title": part.title, "page": start} for part, start in zip(parts, starts, strict=True)]
        html = renderer.render_template(TEMPLATE, {**context, "contents": contents})
        with collected_warnings() as warnings:
            document = render_document(html, project.root, project.asset_roots)
        if len(document.pages) == front_pages:
            break
        front_pages = len(document.pages)
    report(f"{language}/{BOOKLET_FILE}", warnings)
    title = f"{project.clinic.name}: {context['labels'].booklet_title}"
    pdf = join_pdfs(parts, title=title, author=project.clinic.name, language=language, front=write_pdf(document))
    return pdf, starts[-1] + parts[-1].pages - 1
