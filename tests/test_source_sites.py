"""The site printed beside each source: the host a reader types, with the language folder kept where
a site's other-language part lives under one, so that typing the printed site opens that language."""

import pytest

from handouts.markup import site_of
from handouts.targets import RenderRequest

from conftest import pdf_text


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://medlineplus.gov/spanish/ency/article/007484.htm", "medlineplus.gov/spanish"),
        ("https://www.radiologyinfo.org/es/info/spinalinjection", "radiologyinfo.org/es"),
        ("https://www.mayoclinic.org/es/diseases-conditions/chronic-pain", "mayoclinic.org/es"),
        ("https://www.example.org/es-us/salud", "example.org/es-us"),
        ("https://www.radiologyinfo.org/en/info/spinalinjection", "radiologyinfo.org"),
        ("https://medlineplus.gov/chronicpain.html", "medlineplus.gov"),
        ("https://www.fda.gov/drugs/drug-safety", "fda.gov"),
        ("https://neuromodulation.abbott/us/en/chronic-pain", "neuromodulation.abbott"),
        ("https://988lifeline.org/", "988lifeline.org"),
    ],
)
def test_the_printed_site_keeps_a_language_folder_and_nothing_else(url, site):
    assert site_of(url) == site


def test_a_spanish_handout_prints_the_spanish_sites_it_links(maker):
    text = " ".join(pdf_text(maker.pdf(RenderRequest("facet-joint-injection", "es", "letter"))).split())
    assert "MedlinePlus en español, Dolor de espalda: medlineplus.gov/spanish ·" in text
