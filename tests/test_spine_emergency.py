"""The 911 line for pressure on the nerves of the spine (cauda equina, bleeding or an abscess by
the spine) is said once: the `near_spine` block prints it in every handout whose needle or device
is at or near the spine, exactly once, and nowhere else; a handout that words it itself is flagged."""

import pytest
import yaml
from test_said_once import copy_handout

from handouts.targets import RenderRequest

from conftest import REPO, invoke, pdf_text, sample

SPINE_911 = {
    "en": "Sudden new weakness or numbness in your legs, numbness between your legs (where you sit),"
    " or you cannot pass urine or control your bowels.",
    "es": "Debilidad o adormecimiento repentino en las piernas o entre ellas (donde se sienta),"
    " o no puede orinar ni controlar las heces (excremento).",
}
# Needles or devices at or near the spine: each must carry the flag.
SPINE_PROCEDURES = {
    "basivertebral-nerve-ablation",
    "dorsal-root-ganglion-stimulation",
    "epidural-blood-patch",
    "epidural-steroid-injection",
    "facet-joint-injection",
    "intrathecal-pump",
    "medial-branch-block",
    "percutaneous-discectomy",
    "radiofrequency-ablation",
    "sacroiliac-joint-injection",
    "si-joint-fusion",
    "spinal-cord-stimulator-implant",
    "spinal-cord-stimulator-trial",
    "spinal-stenosis-procedures",
    "sympathetic-nerve-block",
    "vertebroplasty-kyphoplasty",
    "blood-thinners-and-your-procedure",
}


def near_spine() -> list[str]:
    return sorted(
        path.stem
        for path in (REPO / "content" / "en").glob("[!_]*.yaml")
        if (yaml.safe_load(path.read_text(encoding="utf-8")).get("flags") or {}).get("near_spine")
    )


def printed(maker, slug: str, language: str) -> str:
    return " ".join(pdf_text(maker.pdf(RenderRequest(slug, language, "letter"))).split())


def test_every_spine_procedure_is_flagged_in_every_language(library_project):
    assert set(near_spine()) >= SPINE_PROCEDURES
    for language in ("en", "es", "zh"):
        flagged = {slug for slug in near_spine() if library_project.handout(language, slug).flags.near_spine}
        assert flagged == set(near_spine()), language


@pytest.mark.parametrize(
    ("slug", "language"),
    sample([(slug, language) for slug in near_spine() for language in ("en", "es")], keep=2),
)
def test_a_spine_handout_prints_the_spine_911_line_once(maker, slug, language):
    assert printed(maker, slug, language).count(SPINE_911[language]) == 1


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_handout_away_from_the_spine_does_not_print_it(maker, library_project, language):
    slug = "genicular-nerve-block-and-rfa"
    assert not library_project.handout(language, slug).flags.near_spine
    text = printed(maker, slug, language)
    assert "911" in text
    assert SPINE_911[language] not in text


@pytest.mark.parametrize(
    ("language", "old", "new"),
    [
        ("en", "Keep up your exercises.", "Numbness between your legs is an emergency."),
        ("es", "Puede ducharse hoy.", "Si no puede orinar, llame al 911."),
    ],
)
def test_a_handout_wording_the_spine_line_itself_is_flagged(clinic_project, language, old, new):
    path = copy_handout(clinic_project, "epidural-steroid-injection", language)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(number for number, row in enumerate(path.read_text().splitlines(), 1) if new in row)

    result = invoke("check", "epidural-steroid-injection", "--lang", language, "--strict", "--project", clinic_project)
    assert result.exit_code == 1
    assert f"content/{language}/epidural-steroid-injection.yaml:{line}: " in result.output
    assert "restates the clinic's spine_emergency rule" in result.output
