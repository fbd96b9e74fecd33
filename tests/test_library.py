"""The quality bars, checked on every built-in handout as it is rendered."""

import pytest

from handouts.library import library_root
from handouts.project import Reading, open_project
from handouts.readability import measure, patient_text
from handouts.render import Request
from handouts.visit import Visit

from conftest import pdf_reader

LIBRARY = open_project(library_root())
HANDOUTS = [(language, slug) for slug, languages in LIBRARY.catalog().items() for language in languages]
READING = Reading()
MAX_SENTENCE_WORDS = 25


@pytest.mark.parametrize("language,slug", HANDOUTS)
@pytest.mark.parametrize("page_size", ["letter", "a4"])
def test_fits_one_double_sided_sheet(builder, language, slug, page_size):
    pdf = builder.pdf(Request(slug, language, page_size))
    assert len(pdf_reader(pdf).pages) <= 2


@pytest.mark.parametrize("language,slug", HANDOUTS)
def test_reads_plainly(builder, language, slug):
    blocks = patient_text(builder.renderer.html(Request(slug, language, "letter")))
    reading = measure(blocks, language)
    limit = getattr(READING, reading.formula.limit_key)
    assert not reading.formula.fails(reading.score, limit), reading.formula.describe(reading.score, limit)
    assert len(reading.longest_sentence.split()) <= MAX_SENTENCE_WORDS, reading.longest_sentence


@pytest.mark.parametrize("language,slug", HANDOUTS)
def test_has_the_sections_every_handout_needs(language, slug):
    handout = LIBRARY.handout(language, slug)
    assert handout.summary and handout.call_us and handout.review.status == "draft"
    assert len(handout.review.sources) >= 2
    if handout.kind == "procedure":
        assert handout.before and handout.how_it_is_done and handout.call_911


@pytest.mark.parametrize("language,slug", HANDOUTS)
def test_still_fits_with_the_appointment_box_filled_in(builder, language, slug):
    visit = Visit.from_fields({"patient": "Maria Guadalupe Hernandez", "date": "2026-12-03", "arrive": "08:30",
                               "physician": "Dr. Lee", "location": "Riverside Surgery Center, 2nd floor",
                               "note": "Stop aspirin 7 days before, only if your heart doctor agrees."})
    html = builder.renderer.html(Request(slug, language, "letter", visit=visit))
    assert builder.page_count(html) <= 2
