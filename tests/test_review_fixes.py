"""Fixes of a clinical review (#22), checked on the printed handouts in every language the library has."""

import pytest

from handouts.usecases import make_packet

from conftest import pdf_text

MBB = "medial-branch-block"
SCS_TRIAL = "spinal-cord-stimulator-trial"


def printed(maker, slug: str, language: str) -> str:
    """The handout's printed text with every space and line break taken out (Chinese has none to keep)."""
    return "".join(pdf_text(make_packet(maker, [slug], language)).split())


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(
    ("language", "medicare", "old"),
    [
        (
            "en",
            "Medicare pays for RFA only after 2 blocks on different days. Each one must ease your pain by about 80%",
            "Many clinics",
        ),
        (
            "es",
            "Medicare paga la ablación solo después de 2 bloqueos en días distintos. Cada uno debe bajar su dolor cerca de un 80%",
            "Muchas clínicas",
        ),
        (
            "zh",
            "Medicare要在不同的日子做2次阻滞，才会支付RFA。每一次在麻药有效的时间里，疼痛都要减少大约80%",
            "很多诊所",
        ),
    ],
)
def test_the_medial_branch_block_gives_medicares_80_percent_on_both_blocks(maker, language, medicare, old):
    """CMS LCD L38765: 2 diagnostic blocks, each with at least 80% relief, before RFA."""
    text = printed(maker, MBB, language)
    assert squeezed(medicare) in text and old not in text


@pytest.mark.parametrize(
    ("language", "allergy"),
    [
        ("en", "allergy to numbing medicine, latex, chlorhexidine or povidone-iodine (Betadine)."),
        ("es", "al látex, a la clorhexidina o a la povidona yodada (Betadine)."),
        ("zh", "或者洗必泰、聚维酮碘 (Betadine) 这类皮肤消毒液过敏"),
    ],
)
def test_the_allergy_question_names_the_iodine_skin_cleaner_not_iodine(maker, language, allergy):
    """A shellfish or "iodine" allergy does not predict a contrast reaction: ask about the skin cleaner by name."""
    text = printed(maker, "epidural-steroid-injection", language)
    assert squeezed(allergy) in text
    assert not any(squeezed(iodine) in text for iodine in ("or iodine.", "o al yodo.", "或碘过敏"))


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "en",
            (
                "Back pain that gets worse, with a fever.",
                "Sudden jolts or shocks, or pulses in a new place. Turn the trial stimulator off and call us.",
                "ibuprofen (Advil, Motrin)",
            ),
        ),
        (
            "es",
            (
                "Dolor de espalda que empeora, con fiebre.",
                "Sacudidas o choques de repente, o pulsos en otro lugar. Apague el estimulador y llámenos.",
                "ibuprofeno (Advil, Motrin)",
            ),
        ),
        (
            "zh",
            (
                "背痛越来越重，而且发烧。",
                "突然有电击感，或在新的地方感觉到电脉冲。请关掉试验刺激器",
                "布洛芬 (Advil, Motrin)",
            ),
        ),
    ],
)
def test_the_stimulator_trial_says_when_to_call_for_a_fever_with_back_pain_and_for_jolts(maker, language, lines):
    text = printed(maker, SCS_TRIAL, language)
    assert all(squeezed(line) in text for line in lines)
