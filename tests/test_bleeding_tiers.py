"""Each bleeding tier prints its own shared block: what a patient reads on the PDF of a real handout
of that tier, in English and Spanish. Intermediate and high carry the 911 line about sudden back
pain with numbness; low does not."""

import pytest
import yaml

from handouts.targets import RenderRequest

from conftest import REPO, pdf_text, sample

NUMBNESS_911 = {
    "en": "Sudden, bad back or neck pain with new numbness or weakness.",
    "es": "Dolor fuerte y repentino de espalda o cuello, con adormecimiento o debilidad nueva.",
}
# What the tier's blood-thinner line says about stopping them, as each language prints it.
STOPPING = {
    "low": {"en": "Most people keep taking them", "es": "Casi todos las siguen tomando en este caso"},
    "intermediate": {"en": "You may need to stop some of them", "es": "Tal vez deba dejar de tomar algunas"},
    "high": {"en": "You will likely need to stop them", "es": "Lo más seguro es que deba dejar de tomarlas"},
}
# A handout of each tier whose own text has no numbness line: only the block can print it.
HANDOUT = {
    "low": "trigger-point-injection",
    "intermediate": "epidural-steroid-injection",
    "high": "vertebroplasty-kyphoplasty",
}


def printed(maker, slug: str, language: str) -> str:
    return " ".join(pdf_text(maker.pdf(RenderRequest(slug, language, "letter"))).split())


@pytest.mark.parametrize(
    ("tier", "language"),
    sample(
        [("low", "en"), ("intermediate", "es"), ("high", "en"), ("low", "es"), ("intermediate", "en"), ("high", "es")],
        keep=3,
    ),
)
def test_each_bleeding_tier_prints_its_own_block(maker, library_project, tier, language):
    assert library_project.handout(language, HANDOUT[tier]).flags.bleeding_risk.value == tier
    text = printed(maker, HANDOUT[tier], language)
    assert (NUMBNESS_911[language] in text) == (tier != "low")
    assert STOPPING[tier][language] in text
    others = [STOPPING[other][language] for other in STOPPING if other != tier]
    assert not [line for line in others if line in text]


def tiered(tiers: set[str]) -> list[str]:
    return sorted(
        path.stem
        for path in (REPO / "content" / "en").glob("[!_]*.yaml")
        if yaml.safe_load(path.read_text(encoding="utf-8")).get("flags", {}).get("bleeding_risk") in tiers
    )


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("slug", tiered({"intermediate", "high"}))
def test_every_intermediate_and_high_handout_prints_the_911_numbness_line(maker, library_project, slug, language):
    if language not in library_project.catalog()[slug]:
        pytest.skip(f"no {language} version")
    assert NUMBNESS_911[language] in printed(maker, slug, language)


# Trial leads stay in for days: the restart waits until they come out, and no other restart line prints.
ASK_RESTART = {"en": "ask when to restart", "es": "pregunte cuándo volver a tomar"}
TRIAL_RESTART = {
    "en": "When the leads come out, ask when to restart them.",
    "es": "Al sacarle los electrodos, pregunte cuándo volver a tomarlas.",
}


@pytest.mark.parametrize("language", sample(["en", "es"], keep=1))
def test_a_trial_handout_prints_one_restart_line_for_when_the_leads_come_out(maker, library_project, language):
    flags = library_project.handout(language, "spinal-cord-stimulator-trial").flags
    assert flags.device_trial and flags.bleeding_risk.value == "high"
    text = printed(maker, "spinal-cord-stimulator-trial", language)
    assert TRIAL_RESTART[language] in text
    assert text.count(ASK_RESTART[language]) == 1
    assert NUMBNESS_911[language] in text
