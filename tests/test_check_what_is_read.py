"""`handouts check` measures what a patient reads: the risks section is scored on its own like every
other section, and the glossary reads the words as printed, not the Markdown they are written in."""

import pytest
from test_check import (
    EASY_EXTRAS,
    FILE,
    LONG_WINDED,
    SPANISH_FILE,
    check,
    findings,
    without_draft_note,
    write_glossary,
    write_spanish_topic,
    write_topic,
)

GLOSSARY = """\
side_effects:
  en: side effects
  use: efectos secundarios
  avoid: [efectos malos]
contrast_dye:
  en: contrast dye
  use: tinte de contraste
  avoid: [colorante]
"""


def test_a_risks_section_far_above_the_target_is_reported(clinic_project):
    write_topic(clinic_project, risks={"common": [LONG_WINDED]}, extras=EASY_EXTRAS)
    result, data = check(clinic_project, "--strict")
    assert result.exit_code == 1
    [(severity, where, message)] = without_draft_note(findings(data))
    assert (severity, where) == ("warning", f"{FILE}:17")
    assert message.startswith("risks: Flesch-Kincaid grade ") and message.endswith(", far past the target 6")


def assert_glossary_warns(project, line: str, field: str, warned: list[str]) -> None:
    """`check --strict` in Spanish warns of each avoided variant at this line and field, and of nothing else."""
    result, data = check(project, "--lang", "es", "--strict")
    expected = [
        ("warning", line, f'{field}: "{variant}": say "efectos secundarios" (glossary: side_effects)')
        for variant in warned
    ]
    assert without_draft_note(findings(data)) == expected
    assert result.exit_code == (1 if warned else 0)


@pytest.mark.parametrize(
    "summary,warned",
    [
        # bold around one word: the patient reads "efectos malos", the Markdown says "**efectos** malos"
        ("Usted puede tener **efectos** malos. Con gusto le ayudamos.", ["efectos malos"]),
        # a link's address is never printed: only "nuestra página" is read
        ("Lea [nuestra página](https://clinica.example/colorante) hoy. Con gusto le ayudamos.", []),
    ],
)
def test_the_glossary_reads_the_printed_words_not_the_markup(clinic_project, summary, warned):
    write_glossary(clinic_project, GLOSSARY)
    write_spanish_topic(clinic_project, summary)
    assert_glossary_warns(clinic_project, f"{SPANISH_FILE}:3", "summary", warned)


@pytest.mark.parametrize(
    "item,warned",
    [
        ("Puede tener **efectos** malos por la medicina para relajarse.", ["efectos malos"]),
        ("Vea [la lista](https://clinica.example/colorante) de medicinas para relajarse.", []),
    ],
)
def test_the_glossary_reads_the_shared_blocks_as_printed(clinic_project, item, warned):
    write_glossary(clinic_project, GLOSSARY)
    (clinic_project / "content/es/_blocks.yaml").write_text(f"sedation:\n  before:\n    - {item}\n", encoding="utf-8")
    write_spanish_topic(clinic_project, "Usted puede llamarnos a cualquier hora. Con gusto le ayudamos.")
    assert_glossary_warns(clinic_project, "content/es/_blocks.yaml:3", "sedation.before[1]", warned)
