"""Clinic policies in clinic.yaml print through the shared blocks, in every language."""

import pytest

from handouts.policies import Policies
from handouts.project import open_project
from handouts.readability import patient_text
from handouts.render import Renderer
from handouts.targets import RenderRequest

from conftest import REPO, invoke, pdf_text

SEDATION = sorted(
    path.stem for path in (REPO / "content" / "en").glob("[!_]*.yaml") if "sedation: true" in path.read_text()
)
EXAMPLE_POLICIES = "\n# The clinic's own rules"
FAST = ["epidural-steroid-injection"]  # every sedation handout: the slow test below


def without_policies(project):
    """The project's clinic.yaml with the example's policies block taken out: every policy at its default."""
    clinic = project / "clinic.yaml"
    clinic.write_text(clinic.read_text().split(EXAMPLE_POLICIES)[0])
    return project


def with_policies(project, text: str):
    clinic = without_policies(project) / "clinic.yaml"
    clinic.write_text(clinic.read_text() + "policies:\n" + text)
    return project


def printed(project, slug: str, language: str) -> str:
    result = invoke("build", slug, "--lang", language, "-o", "-", "--project", project)
    assert result.exit_code == 0, result.output
    return " ".join(pdf_text(result.stdout_bytes).split())


def assert_six_hours(project, slugs: list[str]) -> None:
    for slug in slugs:
        english, spanish = printed(project, slug, "en").lower(), printed(project, slug, "es").lower()
        assert "do not eat for 6 hours" in english, slug
        assert "deje de comer 6 horas" in spanish, slug
        assert "8 hours" not in english and "8 horas" not in spanish, slug


@pytest.mark.slow
def test_fasting_hours_print_in_both_languages(clinic_project):
    assert_six_hours(with_policies(clinic_project, "  fasting_food_hours: 6\n"), FAST)


@pytest.mark.slow
def test_fasting_hours_print_in_every_sedation_handout(clinic_project):
    assert len(SEDATION) > 10
    assert_six_hours(with_policies(clinic_project, "  fasting_food_hours: 6\n"), SEDATION)


def html_text(project_dir, slug: str, language: str) -> str:
    page = Renderer(open_project(project_dir)).page(RenderRequest(slug, language, "letter"))
    return " ".join(" ".join(patient_text(page.html)).split())


def test_defaults_print_todays_rules():
    text = html_text(REPO, "epidural-steroid-injection", "en")
    assert "do not eat for 8 hours before your procedure time" in text and "Until 2 hours before it" in text
    assert "Milk, shakes and juice with pulp count as food." in text
    assert "After that, only a sip of water to take your morning medicines." in text
    assert "We may ask you to have only clear liquids the day before." in text
    assert "Arrive 30 minutes before" in text and "An adult must stay with you for 24 hours" in text
    assert "Bring an adult to drive you home" in text
    assert (
        "Never stop or restart one on your own. Ask the doctor who prescribed it, or call us at (555) 010-2400" in text
    )
    spanish = html_text(REPO, "epidural-steroid-injection", "es")
    assert "Llegue 30 minutos antes" in spanish and "24 horas" in spanish
    assert "La leche, los batidos y el jugo con pulpa cuentan como comida." in spanish
    assert "Luego, solo un traguito de agua con sus medicinas." in spanish
    assert "{" not in text and "{" not in spanish


def test_singular_units_and_every_number_policy(clinic_project):
    with_policies(
        clinic_project,
        "  fasting_food_hours: 1\n  clear_liquids_until_hours: 1\n  arrive_minutes_before: 45\n  adult_stays_hours: 12\n",
    )
    text = html_text(clinic_project, "epidural-steroid-injection", "en")
    assert "do not eat for 1 hour before" in text and "Until 1 hour before" in text
    assert "Arrive 45 minutes before" in text and "stay with you for 12 hours" in text
    assert "1 hora antes" in html_text(clinic_project, "epidural-steroid-injection", "es")


@pytest.mark.parametrize(
    ("driver", "in_sedation", "in_other"),
    [("sedation", True, False), ("all", True, True), ("none", False, False)],
)
def test_driver_rule(clinic_project, driver, in_sedation, in_other):
    with_policies(clinic_project, f"  driver_required: {driver}\n")
    driver_line = "Bring an adult to drive you home"
    assert (driver_line in html_text(clinic_project, "facet-joint-injection", "en")) is in_sedation
    assert (driver_line in html_text(clinic_project, "trigger-point-injection", "en")) is in_other


def test_clinic_text_for_medicines(clinic_project):
    with_policies(
        clinic_project,
        "  blood_thinners:\n    en: Our nurse calls you about blood thinners.\n"
        "    es: Nuestra enfermera le llama por los anticoagulantes.\n",
    )
    assert "Our nurse calls you about blood thinners." in html_text(clinic_project, "epidural-steroid-injection", "en")
    assert "Nuestra enfermera le llama" in html_text(clinic_project, "epidural-steroid-injection", "es")


@pytest.mark.parametrize(
    ("policies", "line", "message"),
    [
        ("  fasting_food_hours: -1\n", 2, "policies.fasting_food_hours: input should be greater than or equal to 0"),
        ("  fasting_food_hours: 2\n  clear_liquids_until_hours: 4\n", 3, "clear liquids must stop no earlier"),
        ("  fasting_hours: 6\n", 2, "policies.fasting_hours: unknown key"),
        ("  driver_required: sometimes\n", 2, "policies.driver_required"),
    ],
)
def test_impossible_policies_are_file_line_errors(clinic_project, policies, line, message):
    lines = len((without_policies(clinic_project) / "clinic.yaml").read_text().splitlines())
    with_policies(clinic_project, policies)
    result = invoke("list", "--project", clinic_project)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: clinic.yaml:{lines + line}: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_placeholder_in_a_block_is_a_file_line_error(clinic_project):
    blocks = clinic_project / "content" / "en"
    blocks.mkdir(parents=True)
    (blocks / "_blocks.yaml").write_text("steroid:\n  after:\n    - Rest for {rest_hours}.\n")
    result = invoke("build", "epidural-steroid-injection", "-o", "-", "--project", clinic_project)
    assert result.exit_code == 1
    assert "Error: content/en/_blocks.yaml:3: unknown placeholder {rest_hours}" in result.output


def test_check_notes_each_policy_left_at_default(clinic_project):
    with_policies(clinic_project, "  fasting_food_hours: 6\n")
    result = invoke("check", "pain-diary", "--lang", "en", "--project", clinic_project)
    notes = [line for line in result.output.splitlines() if "left at the default" in line]
    assert len(notes) == len(Policies.model_fields) - 2  # fasting_food_hours is set; a follow-up is optional
    assert not any("fasting_food_hours" in line for line in notes)
    assert any("policies.arrive_minutes_before: left at the default (30)" in line for line in notes)


def test_scaffold_documents_every_policy(tmp_path):
    assert invoke("init", tmp_path / "new").exit_code == 0
    scaffold = (tmp_path / "new" / "clinic.yaml").read_text()
    example = (REPO / "clinic.yaml").read_text()
    for name in Policies.model_fields:
        assert name in scaffold and name in example, name
    assert open_project(tmp_path / "new").clinic.policies == Policies()
