"""What is printed beside each source: for a page in another language than English (under a language
folder) the page's own address, so that typing it opens that page in that language; for an English
page the host a reader types."""

import pytest

from handouts.markup import site_of
from handouts.targets import RenderRequest

from conftest import pdf_text


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://medlineplus.gov/spanish/ency/article/007484.htm", "medlineplus.gov/spanish/ency/article/007484.htm"),
        ("https://www.radiologyinfo.org/es/info/spinalinjection", "radiologyinfo.org/es/info/spinalinjection"),
        (
            "https://www.mayoclinic.org/es/diseases-conditions/chronic-pain/",
            "mayoclinic.org/es/diseases-conditions/chronic-pain",
        ),
        ("https://www.example.org/es-us/salud", "example.org/es-us/salud"),
        ("https://988lifeline.org/es/", "988lifeline.org/es"),
        ("https://www.nejm.org/doi/full/10.1056/NEJMoa0900429", "nejm.org"),
        ("https://www.radiologyinfo.org/en/info/spinalinjection", "radiologyinfo.org"),
        ("https://medlineplus.gov/chronicpain.html", "medlineplus.gov"),
        ("https://www.fda.gov/drugs/drug-safety", "fda.gov"),
        ("https://neuromodulation.abbott/us/en/chronic-pain", "neuromodulation.abbott"),
        ("https://988lifeline.org/", "988lifeline.org"),
    ],
)
def test_a_page_in_another_language_prints_its_address_an_english_one_its_site(url, site):
    assert site_of(url) == site


def test_a_spanish_handout_prints_the_spanish_pages_it_links(maker):
    text = " ".join(pdf_text(maker.pdf(RenderRequest("facet-joint-injection", "es", "letter"))).split())
    assert "MedlinePlus en español, Dolor de espalda: medlineplus.gov/spanish/backpain.html ·" in text
