"""The booklet of one language: a cover, a table of contents, then every standard-print handout,
each starting on a right-hand page, written as one tagged document with a bookmark per handout."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handouts.maker import LaidOut, Maker
    from handouts.targets import RenderRequest

BOOKLET_FILE = "booklet.pdf"
TEMPLATE = "booklet.html"
FRONT_TRIES = 3  # the contents are laid out again while their own length moves the pages they list


def first_pages(front_pages: int, page_counts: list[int]) -> list[int]:
    """The page number each handout starts on: the next odd (right-hand) page after what comes before."""
    starts, page = [], front_pages + 1
    for count in page_counts:
        page += page % 2 == 0
        starts.append(page)
        page += count
    return starts


def make_booklet(maker: "Maker", language: str, page_size: str, requests: "list[RenderRequest]") -> tuple[bytes, int]:
    """The booklet's bytes and page count; the handouts in the order of their titles."""
    from handouts.logs import report
    from handouts.pdf import Part, render_document

    renderer, project = maker.renderer, maker.project
    laid: list[LaidOut] = sorted(map(maker.lay_out, requests), key=lambda one: one.handout.title.casefold())
    counts = [len(one.part.document.pages) for one in laid]
    context = renderer.brand(language, page_size)
    front_pages, label = 2, f"{language}/{BOOKLET_FILE}"  # cover and one page of contents, unless they run longer
    for _ in range(FRONT_TRIES):
        starts = first_pages(front_pages, counts)
        contents = [{"title": one.handout.title, "page": start} for one, start in zip(laid, starts, strict=True)]
        html = renderer.render_template(TEMPLATE, {**context, "contents": contents})
        with maker.watched(private=False) as warnings:
            front = render_document(html, project.root, project.asset_roots)
        if len(front.pages) == front_pages:
            break
        front_pages = len(front.pages)
    title = f"{project.clinic.name}: {context['labels'].booklet_title}"
    pdf, written = maker.write_pdf([Part(front, language), *(one.part for one in laid)], title, language)
    report(label, [*warnings, *(warning for one in laid for warning in one.warnings), *written])
    return pdf, starts[-1] + counts[-1] - 1
