"""Spanish next to English: labels, dates, PDF language, fallback and out-of-date translations."""

import re
from datetime import date

import pytest
import yaml

from handouts.library import library_root
from handouts.project import open_project
from handouts.render import long_date
from handouts.targets import RenderRequest

from conftest import REPO, invoke, pdf_reader, pdf_text, sample

LIBRARY = open_project(library_root())
SPANISH = [slug for slug, languages in LIBRARY.catalog().items() if "es" in languages]
SLUG = "epidural-steroid-injection"


def test_every_english_handout_has_a_current_spanish_translation():
    catalog = LIBRARY.catalog()
    assert [slug for slug, languages in catalog.items() if languages[:2] != ["en", "es"]] == []
    for slug, languages in catalog.items():
        for language in languages[1:]:  # Spanish everywhere; Chinese where it is done
            translation = LIBRARY.handout(language, slug).review.translation_of
            english = LIBRARY.handout("en", slug).review.version
            assert (translation.language, translation.version) == ("en", english), (language, slug)


def english_label_words(labels_en, labels_es) -> list[str]:
    """English headings and phrases to look for: whole words, leaving out short ones like "of"
    and any that Spanish shares."""
    spanish = set(labels_es.model_dump().values())
    phrases = [
        value
        for key, value in labels_en.model_dump().items()
        if "{" not in value and len(value) > 3 and value not in spanish and key != "language_name"
    ]
    return phrases


@pytest.mark.parametrize("slug", sample(SPANISH))
def test_spanish_pdf_has_no_english_label(maker, library_project, slug):
    pdf = maker.pdf(RenderRequest(slug, "es", "letter"))
    text = " ".join(pdf_text(pdf).split())
    handout = library_project.handout("es", slug)
    for source in handout.review.sources:  # source titles stay in their own language
        text = text.replace(" ".join(source.title.split()), "")
    labels_es = library_project.labels("es")
    for phrase in english_label_words(library_project.labels("en"), labels_es):
        assert not re.search(rf"\b{re.escape(phrase)}\b", text), phrase
    assert labels_es.summary in text and labels_es.call_us in text and "Página 1 de 2" in text


def test_pdf_declares_its_language_and_title(maker):
    for language, title in [("en", "Epidural steroid injection"), ("es", "Inyección epidural de esteroides")]:
        reader = pdf_reader(maker.pdf(RenderRequest(SLUG, language, "letter")))
        assert reader.trailer["/Root"]["/Lang"] == language
        assert reader.metadata.title == title


def test_long_dates_follow_the_language():
    assert long_date(date(2026, 12, 3), "es") == "3 de diciembre de 2026"
    assert long_date(date(2026, 12, 3), "en") == "December 3, 2026"


def approve(path, on="2026-12-03"):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["review"].update(status="approved", reviewed_by="Dr. Ana Ruiz", reviewed_on=on)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def copy_into(project, language, slug=SLUG):
    target = project / "content" / language / f"{slug}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((REPO / "content" / language / f"{slug}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_review_date_in_the_footer_is_written_in_the_handouts_language(clinic_project):
    for language, expected in [
        ("en", "Reviewed by Dr. Ana Ruiz on December 3, 2026"),
        ("es", "Revisado por Dr. Ana Ruiz el 3 de diciembre de 2026"),
    ]:
        approve(copy_into(clinic_project, language))
        out = clinic_project / f"{language}.pdf"
        result = invoke("build", SLUG, "--lang", language, "-o", str(out), "--project", str(clinic_project))
        assert result.exit_code == 0, result.output
        assert expected in " ".join(pdf_text(out.read_bytes()).split())


def test_changed_english_version_flags_the_translation(clinic_project):
    english = copy_into(clinic_project, "en")
    text = english.read_text(encoding="utf-8")
    version = int(re.search(r"(?m)^  version: (\d+)$", text).group(1))
    english.write_text(text.replace(f"  version: {version}\n", f"  version: {version + 1}\n"), encoding="utf-8")
    result = invoke("check", SLUG, "--lang", "es", "--project", str(clinic_project))
    assert result.exit_code == 1
    spanish = (REPO / "content/es" / f"{SLUG}.yaml").read_text(encoding="utf-8")
    line = spanish[: spanish.index("translation_of:")].count("\n") + 1
    assert (
        f"error   (built-in) content/es/{SLUG}.yaml:{line}: review.translation_of: translated from en "
        f"version {version}, which is now version {version + 1}: update the translation"
    ) in result.output.splitlines()


def english_only_topic(project):
    path = project / "content/en/parking.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        yaml.safe_dump(
            {
                "title": "Parking at our clinic",
                "kind": "topic",
                "summary": "You can park for free in the lot behind the clinic.",
                "call_us": ["You cannot find a place to park."],
                "review": {"version": 1, "sources": [{"title": "Clinic", "url": "https://clinic.example/"}]},
            }
        )
    )


def test_missing_language_is_an_error_unless_a_fallback_is_given(clinic_project):
    english_only_topic(clinic_project)
    out = clinic_project / "output"
    args = ["build", "parking", "--lang", "es", "--out", str(out), "--project", str(clinic_project)]
    refused = invoke(*args)
    assert refused.exit_code == 1
    assert refused.output == "Error: parking: no es version (there is: en)\n"
    assert not out.exists()

    result = invoke(*args, "--fallback", "en")
    assert result.exit_code == 0, result.output
    pdf = (out / "es/parking.pdf").read_bytes()
    assert pdf_reader(pdf).trailer["/Root"]["/Lang"] == "en"
    assert "The main thing to know" in pdf_text(pdf)


def test_list_shows_the_languages_of_each_handout(clinic_project):
    english_only_topic(clinic_project)
    result = invoke("list", "--project", str(clinic_project))
    lines = {line.split()[0]: line.split()[1] for line in result.output.splitlines()}
    assert lines["parking"] == "en" and lines[SLUG] == "en,es,ko,vi,zh"


def test_spanish_visit_time_is_on_the_12_hour_clock(tmp_path):
    target = tmp_path / "esi.pdf"
    result = invoke("build", SLUG, "--lang", "es", "--date", "2026-12-03", "--arrive", "14:30", "-o", target)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(target.read_bytes()).replace("\u202f", " ").replace("\u00a0", " ").split())
    assert "2:30 p. m." in text and "jueves 3 de diciembre" in text
    assert "14:30" not in text


def with_headings(path, headings):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["headings"] = headings
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_handout_can_give_a_section_its_own_heading(clinic_project):
    with_headings(copy_into(clinic_project, "es"), {"why_it_is_done": "¿En qué le puede ayudar?"})
    out = clinic_project / "es.pdf"
    result = invoke("build", SLUG, "--lang", "es", "-o", str(out), "--project", str(clinic_project))
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "¿En qué le puede ayudar?" in text and "¿Para qué se hace?" not in text


def test_only_known_sections_can_take_their_own_heading(clinic_project):
    with_headings(copy_into(clinic_project, "es"), {"side_effects": "Otros"})
    out = clinic_project / "es.pdf"
    result = invoke("build", SLUG, "--lang", "es", "-o", str(out), "--project", str(clinic_project))
    assert result.exit_code == 1 and "side_effects" in result.output and not out.exists()
