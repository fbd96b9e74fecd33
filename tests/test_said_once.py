"""Each clinic rule is said once: duplicate YAML keys are errors, `check` flags a handout that
restates a rule in its own words, and flags switch on the shared blocks that say it."""

import shutil

import pytest
from test_policies import with_policies

from conftest import REPO, invoke, pdf_text


def copy_handout(project, slug: str, language: str = "en"):
    folder = project / "content" / language
    folder.mkdir(parents=True, exist_ok=True)
    return shutil.copy(REPO / "content" / language / f"{slug}.yaml", folder / f"{slug}.yaml")


def printed(project, slug: str, language: str = "en") -> str:
    result = invoke("build", slug, "--lang", language, "-o", "-", "--project", project)
    assert result.exit_code == 0, result.output
    return " ".join(pdf_text(result.stdout_bytes).split())


def test_duplicate_key_in_a_handout_is_a_file_line_error(clinic_project):
    path = copy_handout(clinic_project, "trigger-point-injection")
    lines = path.read_text().splitlines()
    title = next(number for number, line in enumerate(lines) if line.startswith("title:"))
    lines.insert(title + 1, "title: Another title")
    path.write_text("\n".join(lines) + "\n")
    shown = "content/en/trigger-point-injection.yaml"
    message = f"{shown}:{title + 2}: duplicate key 'title' (first at line {title + 1})"

    built = invoke("build", "trigger-point-injection", "-o", str(clinic_project / "x.pdf"), "--project", clinic_project)
    assert built.exit_code == 1
    assert built.output == f"Error: {message}\n"
    assert not (clinic_project / "x.pdf").exists()

    checked = invoke("check", "trigger-point-injection", "--lang", "en", "--strict", "--project", clinic_project)
    assert checked.exit_code == 1
    assert f"error   {message}" in checked.output


def test_duplicate_key_in_clinic_yaml_is_a_file_line_error(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text() + "name: Second Name\n")
    lines = len(clinic.read_text().splitlines())
    result = invoke("list", "--project", clinic_project)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: clinic.yaml:{lines}: duplicate key 'name' (first at line ")
    assert "Traceback" not in result.output


def test_planted_policy_restatement_is_flagged_with_file_and_line(clinic_project):
    path = copy_handout(clinic_project, "trigger-point-injection")
    text = path.read_text()
    assert "Most people go back to their usual day." in text
    path.write_text(text.replace("Most people go back to their usual day.", "Most people can drive home."))
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if "can drive home" in row)

    result = invoke("check", "trigger-point-injection", "--lang", "en", "--strict", "--project", clinic_project)
    assert result.exit_code == 1
    assert f"content/en/trigger-point-injection.yaml:{line}: after[" in result.output
    assert '"drive home" restates the clinic\'s driver rule' in result.output

    relaxed = invoke("check", "trigger-point-injection", "--lang", "en", "--project", clinic_project)
    assert relaxed.exit_code == 0, relaxed.output


def test_planted_spanish_restatement_is_flagged(clinic_project):
    path = copy_handout(clinic_project, "trigger-point-injection", "es")
    text = path.read_text()
    old = "Casi todos pueden seguir con su día normal."
    assert old in text
    path.write_text(text.replace(old, "No coma nada 6 horas antes de llegar."))
    result = invoke("check", "trigger-point-injection", "--lang", "es", "--strict", "--project", clinic_project)
    assert result.exit_code == 1
    assert "restates the clinic's fasting rule" in result.output


def test_bad_pattern_is_a_file_line_error(clinic_project):
    folder = clinic_project / "content" / "en"
    folder.mkdir(parents=True)
    (folder / "_said_once.yaml").write_text("driver:\n  - 'drive (home'\n")
    result = invoke("check", "trigger-point-injection", "--lang", "en", "--project", clinic_project)
    assert result.exit_code == 1
    assert result.output.startswith("Error: content/en/_said_once.yaml:2: driver[1]: not a regular expression (")


@pytest.mark.slow  # checks (and lays out) the whole library
@pytest.mark.parametrize("language", ["en", "es"])
def test_library_restates_no_rule(language):
    result = invoke("check", "--lang", language, "--strict", "--project", REPO)
    assert "restates the clinic's" not in result.output


@pytest.mark.slow
def test_numb_limb_prints_its_driver_line_even_when_the_clinic_needs_none(clinic_project):
    with_policies(clinic_project, "  driver_required: none\n")
    numb = printed(clinic_project, "joint-and-bursa-injection")
    assert "Do not drive until it feels normal and strong." in numb
    assert "Bring an adult to drive you home." in numb
    other = printed(clinic_project, "trigger-point-injection")
    assert "Bring an adult to drive you home." not in other
    assert "numb or weak for some hours" not in other


@pytest.mark.slow
def test_pain_diary_flag_prints_the_clinics_times(clinic_project):
    with_policies(clinic_project, "  pain_diary_minutes: [15, 45, 90, 180]\n")
    text = printed(clinic_project, "medial-branch-block")
    assert "Rate it again 15 minutes, 45 minutes, 90 minutes, and 3 hours after it." in text
    assert "Rate it again" not in printed(clinic_project, "trigger-point-injection")


def test_pain_diary_times_must_be_in_order(clinic_project):
    with_policies(clinic_project, "  pain_diary_minutes: [60, 30]\n")
    result = invoke("list", "--project", clinic_project)
    assert result.exit_code == 1
    assert "policies.pain_diary_minutes: list the times earliest first" in result.output


def test_trial_prints_its_own_device_rules_not_the_lasting_devices(clinic_project):
    text = printed(clinic_project, "spinal-cord-stimulator-trial")
    assert "While the trial leads are in, do not drive or have an MRI scan" in text
    assert "You will get a card about your device" not in text
    assert "Some devices allow an MRI" not in text


def test_a_topic_explains_only_the_rules_it_names(clinic_project):
    path = copy_handout(clinic_project, "blood-thinners-and-your-procedure")
    slug_check = ("check", "blood-thinners-and-your-procedure", "--lang", "en", "--strict", "--project", clinic_project)
    assert invoke(*slug_check).exit_code == 0

    text = path.read_text()
    path.write_text(text.replace("explains_rules: [blood_thinners]\n", ""))
    unnamed = invoke(*slug_check)
    assert unnamed.exit_code == 1
    assert "restates the clinic's blood_thinners rule" in unnamed.output

    path.write_text(text.replace("explains_rules: [blood_thinners]", "explains_rules: [blood_thinners, driving]"))
    unknown = invoke(*slug_check)
    assert unknown.exit_code == 1
    assert "explains_rules: no clinic rule 'driving' (known: " in unknown.output


def test_only_a_topic_may_explain_a_rule(clinic_project):
    path = copy_handout(clinic_project, "trigger-point-injection")
    path.write_text(path.read_text().replace("\nreview:\n", "\nexplains_rules: [driver]\nreview:\n", 1))
    result = invoke(
        "build", "trigger-point-injection", "-o", str(clinic_project / "x.pdf"), "--project", clinic_project
    )
    assert result.exit_code == 1
    assert "explains_rules: only a topic may explain a clinic rule in its own words" in result.output


# A ketamine infusion sedates by itself: its fasting and adult-at-home rules carry no "if".
ALWAYS_SEDATED = {
    "en": ("The medicine you get makes you sleepy, so these rules are always for you.", "If you will get medicine"),
    "es": (
        "La medicina que le damos da sueño, así que siempre debe seguir estas reglas para comer y beber.",
        "Si le vamos a dar medicina",
    ),
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.slow
def test_sedation_always_prints_the_rules_without_if(language):
    always, conditional = ALWAYS_SEDATED[language]
    text = printed(REPO, "ketamine-and-lidocaine-infusions", language)
    assert always in text and conditional not in text
    assert ("An adult must stay with you for 24 hours" if language == "en" else "quedarse con usted 24 horas") in text
    assert "If you had medicine to relax" not in text and "Si le dimos medicina" not in text
    assert "Ozempic" in text  # the medicines line prints with either wording
    other = printed(REPO, "epidural-steroid-injection", language)
    assert conditional in other and always not in other and "Ozempic" in other


def test_sedation_always_without_sedation_is_a_file_line_error(clinic_project):
    path = copy_handout(clinic_project, "ketamine-and-lidocaine-infusions")
    text = path.read_text()
    path.write_text(text.replace("  sedation: true\n", "  sedation: false\n"))
    flags = text[: text.index("flags:\n")].count("\n") + 1
    result = invoke("build", "ketamine-and-lidocaine-infusions", "-o", "-", "--project", clinic_project)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: content/en/ketamine-and-lidocaine-infusions.yaml:{flags}: flags: sedation_always: needs sedation:"
        " true as well\n"
    )
