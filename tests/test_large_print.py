"""Large print: 18 pt body, no italics, no page that ends on a heading and no page but the last left
more than 30% empty; checked in the PDF."""

import io
from collections import Counter

import pdfplumber
import pytest
import yaml

from handouts.library import library_root
from handouts.project import open_project
from handouts.targets import RenderRequest

from conftest import invoke, pdf_fonts, sample

LIBRARY = open_project(library_root())
HANDOUTS = [(language, slug) for slug, languages in LIBRARY.catalog().items() for language in languages]
BODY_SIZE = 18
HEADING_SIZE = 19  # headings are set larger than the body; h3 is the smallest at 19 pt
MOST_EMPTY = 0.30  # share of a page's text area that may stay blank below its last line (but on the last page)
MARGIN = 72  # the 1-inch page margins, in points


def text_lines(page) -> list[tuple[float, float, str]]:
    """Each line of the page above the footer margin: (top, largest character size, text)."""
    lines: dict[float, list] = {}
    for char in page.chars:
        if char["bottom"] < page.height - MARGIN:  # the footer sits in the 1-inch bottom margin
            lines.setdefault(round(char["top"]), []).append(char)
    return [
        (top, max(char["size"] for char in chars), "".join(char["text"] for char in chars))
        for top, chars in sorted(lines.items())
    ]


def empty_share(page) -> float:
    """How much of the page's text area is blank below its lowest text, box border or drawn line."""
    bottom = page.height - MARGIN
    drawn = page.chars + page.rects + page.lines + page.curves + page.images
    lowest = max(thing["bottom"] for thing in drawn if thing["bottom"] < bottom)
    return (bottom - lowest) / (page.height - 2 * MARGIN)


@pytest.mark.parametrize("language,slug", sample(HANDOUTS, keep=1))
def test_large_print_is_18_point_keeps_headings_with_their_text_and_fills_pages(maker, language, slug):
    pdf = maker.pdf(RenderRequest(slug, language, "letter", large_print=True))
    diagram = yaml.safe_load((library_root() / "content" / language / f"{slug}.yaml").read_text()).get("diagram")
    diagram_caption = (diagram["caption"],) if diagram else ()  # a drawing never splits either
    assert not any("Italic" in font for font in pdf_fonts(pdf))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        sizes = Counter(round(char["size"]) for page in document.pages for char in page.chars)
        assert sizes.most_common(1)[0][0] == BODY_SIZE
        labels = LIBRARY.labels(language)
        for number, page in enumerate(document.pages[:-1], start=1):
            _, size, text = text_lines(page)[-1]
            assert size < HEADING_SIZE, f"page {number} ends with the heading {text!r}"
            # What never splits may leave the page before it emptier: a call box, and the sources (18 pt,
            # whole, with the end of the text before them) that make the last page.
            next_text = text_lines(document.pages[number])[0][2]
            whole_box_next = next_text.startswith((labels.call_us, labels.call_911[:20], *diagram_caption))
            sources_next = number == len(document.pages) - 1
            assert whole_box_next or sources_next or empty_share(page) <= MOST_EMPTY, (
                f"page {number} is {empty_share(page):.0%} empty"
            )


def test_large_print_goes_to_its_own_folder(clinic_project):
    out = clinic_project / "output"
    result = invoke("build", "pain-diary", "--large-print", "--out", str(out), "--project", str(clinic_project))
    assert result.exit_code == 0, result.output
    assert [str(path.relative_to(out)) for path in out.rglob("*.pdf")] == ["en/large-print/pain-diary.pdf"]


def test_large_print_sources_name_the_site_and_link_the_whole_address():
    from pypdf import PdfReader

    result = invoke("build", "epidural-steroid-injection", "--large-print", "-o", "-")
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(result.stdout_bytes))
    last = reader.pages[-1]
    text = " ".join(last.extract_text().split())
    assert ": fda.gov" in text and "https://" not in text
    links = [annotation.get_object()["/A"]["/URI"] for annotation in last.get("/Annots", [])]
    assert any(str(link).startswith("https://www.fda.gov/drugs/") for link in links)


def test_large_print_keeps_the_questions_together_with_their_heading(maker):
    """The Spanish epidural handout once left its last question on a page with only the sources."""
    pdf = maker.pdf(RenderRequest("epidural-steroid-injection", "es", "letter", large_print=True))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = [" ".join((page.extract_text() or "").split()) for page in document.pages]
    questions = yaml.safe_load((library_root() / "content/es/epidural-steroid-injection.yaml").read_text("utf-8"))
    holding = [text for text in pages if "Preguntas que puede hacernos" in text]
    assert len(holding) == 1
    assert all(question in holding[0] for question in questions["questions"])


@pytest.mark.parametrize(("language", "slug"), [("en", "epidural-steroid-injection"), ("es", "pain-diary")])
def test_large_print_sets_every_line_a_patient_reads_at_18_point(maker, language, slug):
    """Every line above the footer, the version line under the sources too (it is read aloud): at least
    the body's 18 pt. The footer's version, a pagination artifact for staff, may be smaller."""
    pdf = maker.pdf(RenderRequest(slug, language, "letter", large_print=True))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        small = [
            (text, size) for page in document.pages for _, size, text in text_lines(page) if round(size) < BODY_SIZE
        ]
        smallest = min(char["size"] for page in document.pages for char in page.chars)
    assert small == [] and smallest < BODY_SIZE  # the footer's staff line: still there, still small
