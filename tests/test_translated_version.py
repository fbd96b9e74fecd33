"""The version line of a translation names the version of the original it follows, so that staff
can match a printed translation with the English it was made from; and a printed source's site is
never broken across lines."""

import pytest

from handouts.targets import RenderRequest

from conftest import pdf_text

SLUG = "spinal-cord-stimulator-trial"


def printed_lines(maker, slug: str, language: str, large_print: bool = False) -> list[str]:
    pdf = maker.pdf(RenderRequest(slug, language, "letter", large_print))
    return [" ".join(line.split()) for line in pdf_text(pdf).splitlines()]


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("es", "Versión {version} (del inglés, versión {original}) · Borrador"),
        ("zh", "版本 {version}（译自英语第 {original} 版） · 草稿"),
    ],
)
def test_a_translation_prints_the_version_of_the_original_it_follows(maker, language, line):
    review = maker.project.handout(language, SLUG).review
    assert review.translation_of is not None
    original = maker.project.handout("en", SLUG).review.version
    assert review.translation_of.version == original
    expected = line.format(version=review.version, original=original)
    lines = printed_lines(maker, SLUG, language)
    assert sum(expected in printed for printed in lines) >= 2  # the footer of each page
    english = " ".join(printed_lines(maker, SLUG, "en"))  # the original: its own version only
    assert f"Version {original} · Draft" in english and "translation of" not in english
