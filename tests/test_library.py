"""The built-in library meets `handouts check`'s bars: wording, structure and governance on every
handout (cheap), and the page limit on Letter and A4 (a layout each: slow)."""

import pytest

from handouts.check import Checker
from handouts.library import library_root
from handouts.project import open_project
from handouts.targets import RenderRequest
from handouts.visit import Visit

from conftest import pdf_reader, sample

LIBRARY = open_project(library_root())
HANDOUTS = [(language, slug) for slug, languages in LIBRARY.catalog().items() for language in languages]


@pytest.mark.slow
def test_every_handout_passes_checks_bars_apart_from_page_counts(maker):
    checker = Checker(maker, count_pages=False)
    problems = [
        finding
        for language, slug in HANDOUTS
        for finding in checker.check(language, slug).findings
        if finding.severity != "note"
    ]
    assert problems == []
    assert all(checker.check(language, slug).score is not None for language, slug in HANDOUTS[:2])


@pytest.mark.slow
@pytest.mark.parametrize("language,slug", HANDOUTS)
@pytest.mark.parametrize("page_size", ["letter", "a4"])
def test_fits_one_double_sided_sheet(maker, language, slug, page_size):
    pdf = maker.pdf(RenderRequest(slug, language, page_size))
    assert len(pdf_reader(pdf).pages) <= 2


@pytest.mark.parametrize("language,slug", sample(HANDOUTS))
def test_still_fits_with_the_appointment_box_filled_in(maker, language, slug):
    visit = Visit.from_fields(
        {
            "patient": "Maria Guadalupe Hernandez",
            "date": "2026-12-03",
            "arrive": "08:30",
            "physician": "Dr. Lee",
            "location": "Riverside Surgery Center, 2nd floor",
            "note": "Stop aspirin 7 days before, only if your heart doctor agrees.",
        }
    )
    html = maker.renderer.html(RenderRequest(slug, language, "letter", visit=visit))
    assert maker.layout(html).pages <= 2
