"""`handouts check`: each finding from a fixture made to trigger exactly it."""

import json

import pytest
import textstat
import yaml

from handouts.build import Builder
from handouts.check import Checker
from handouts.project import open_project
from handouts.readability import as_prose, patient_text
from handouts.render import Request

from conftest import invoke

TOPIC = {
    "title": "Test topic",
    "kind": "topic",
    "summary": "You can call us at any time. We are glad to help you.",
    "call_us": ["You have a question about your care."],
    "call_911": ["Trouble breathing or chest pain."],
    "review": {"version": 1, "status": "draft", "next_review": "2099-01-01",
               "sources": [{"title": "A", "url": "https://a.example/"}, {"title": "B", "url": "https://b.example/"}]},
}
FILE = "content/en/test-topic.yaml"


def write_topic(project, **changes):
    handout = {**TOPIC, **changes}
    path = project / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(handout, sort_keys=False))
    return path


def check(project, *args):
    result = invoke("check", "test-topic", "--json", "--project", str(project), *args)
    return result, json.loads(result.output) if result.output.startswith("{") else None


def findings(data):
    clinic = [(item["severity"], item["where"], item["message"]) for item in data["clinic"]]
    return clinic + [(item["severity"], item["where"], item["message"])
                     for report in data["handouts"] for item in report["findings"]]


def without_draft_note(items):
    return [item for item in items if item[2] != "review.status: draft, not yet approved"]


@pytest.mark.parametrize("flag,severity,exit_code", [("--strict", "note", 0), ("--require-approved", "error", 1)])
def test_draft_status_is_a_note_unless_approval_is_required(clinic_project, flag, severity, exit_code):
    write_topic(clinic_project)
    result, data = check(clinic_project, flag)
    assert result.exit_code == exit_code
    assert findings(data) == [(severity, f"{FILE}:10", "review.status: draft, not yet approved")]


def test_too_hard_to_read(clinic_project):
    write_topic(clinic_project, summary="Comprehensive interdisciplinary rehabilitation necessitates "
                                        "individualized pharmacological optimization. Multidisciplinary "
                                        "evaluation facilitates sophisticated personalized interventions.")
    result, data = check(clinic_project)
    assert result.exit_code == 1
    grade = data["handouts"][0]["score"]
    assert without_draft_note(findings(data)) == [
        ("error", FILE, f"Flesch-Kincaid grade {grade:.1f} is above 7")]


def test_long_sentence(clinic_project):
    long = "You can call us at any time of the day or night and we will do our best to help you with all of it today."
    write_topic(clinic_project, summary=long)
    result, data = check(clinic_project)
    assert result.exit_code == 0
    assert without_draft_note(findings(data)) == [
        ("warning", f"{FILE}:3", 'summary: sentence of 26 words: "You can call us at any time of ..."')]
    assert check(clinic_project, "--strict")[0].exit_code == 1


def test_jargon(clinic_project):
    write_topic(clinic_project, call_us=["You need to utilize the phone."])
    _, data = check(clinic_project)
    assert without_draft_note(findings(data)) == [
        ("warning", f"{FILE}:5", 'call_us[1]: "utilize": try "use", or explain it in bold')]


def test_jargon_explained_in_bold_is_allowed(clinic_project):
    write_topic(clinic_project, summary="A **local anesthetic** is a numbing medicine. You get it first.")
    _, data = check(clinic_project)
    assert without_draft_note(findings(data)) == []


def test_missing_summary(clinic_project):
    topic = {key: value for key, value in TOPIC.items() if key != "summary"}
    (clinic_project / "content/en").mkdir(parents=True)
    (clinic_project / FILE).write_text(yaml.safe_dump(topic, sort_keys=False))
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert findings(data) == [("error", f"{FILE}:1", "summary: required, but missing")]


def test_missing_911(clinic_project):
    write_topic(clinic_project, call_911=[])
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("error", FILE, "call_911: say when to call 911 or go to the emergency room")]


def test_overdue_review(clinic_project):
    write_topic(clinic_project, review={**TOPIC["review"], "next_review": "2020-01-01"})
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("error", f"{FILE}:11", "review.next_review: 2020-01-01 has passed")]


def test_three_pages(clinic_project):
    extras = [{"heading": f"Part {number}", "text": "- You can call us.\n" * 30} for number in range(8)]
    write_topic(clinic_project, extras=extras)
    result, data = check(clinic_project)
    assert result.exit_code == 1
    pages = data["handouts"][0]["pages"]
    assert pages > 2
    assert without_draft_note(findings(data)) == [
        ("error", FILE, f"{pages} pages at letter: standard print must fit one double-sided sheet (2 pages)")]


def test_bad_colour(clinic_project):
    write_topic(clinic_project)
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace('primary: "#1d5b79"', 'primary: "#aaccee"'))
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("error", "clinic.yaml:6", "colors.primary: contrast 1.7:1 against white paper, below 4.5:1 (WCAG AA)")]


def test_uncovered_character(clinic_project):
    write_topic(clinic_project, summary="You can call us at any time. ☎ We are glad to help you.")
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("error", FILE, "characters not in the bundled fonts: '☎' (U+260E)")]


def test_missing_logo(clinic_project):
    write_topic(clinic_project)
    (clinic_project / "assets/logo.svg").unlink()
    result = invoke("check", "--project", str(clinic_project))
    assert result.exit_code == 1
    assert result.output == "Error: clinic.yaml: assets/logo.svg: file not found\n"


def test_grade_is_textstat_on_the_rendered_text(clinic_project):
    write_topic(clinic_project)
    project = open_project(clinic_project)
    builder = Builder(project)
    report = Checker(builder).check("en", "test-topic")
    text = as_prose(patient_text(builder.renderer.html(Request("test-topic", "en", "letter"))))
    textstat.set_lang("en")
    assert report.score == round(textstat.flesch_kincaid_grade(text), 1)
    assert report.smog == round(textstat.smog_index(text), 1)


def test_table_on_a_terminal(clinic_project):
    write_topic(clinic_project, call_us=["You need to utilize the phone."])
    result = invoke("check", "test-topic", "--project", str(clinic_project))
    lines = result.output.splitlines()
    assert lines[0].startswith("en/test-topic: Flesch-Kincaid grade ") and lines[0].endswith("1 pages, 0 errors, 1 warnings")
    assert f'  warning {FILE}:5: call_us[1]: "utilize": try "use", or explain it in bold' in lines


@pytest.mark.slow
def test_builtin_library_passes_strict():
    result = invoke("check", "--strict")
    assert result.exit_code == 0, result.output


def test_page_counts_of_unchanged_pdfs_come_from_the_built_folder(clinic_project, monkeypatch):
    from handouts import pdf

    write_topic(clinic_project)
    out = clinic_project / "output"
    assert invoke("build", "test-topic", "--project", clinic_project, "--out", out).exit_code == 0
    layouts = []
    lay_out = pdf.render_document
    monkeypatch.setattr(pdf, "render_document", lambda *args: layouts.append(args) or lay_out(*args))
    result, data = check(clinic_project, "--out", str(out))
    assert result.exit_code == 0 and data["handouts"][0]["pages"] == 1
    assert layouts == []

    extras = [{"heading": f"Part {number}", "text": "- You can call us.\n" * 30} for number in range(8)]
    write_topic(clinic_project, extras=extras)  # three pages now; the built PDF had one
    result, data = check(clinic_project, "--out", str(out))  # changed since the build: laid out again
    assert len(layouts) == 1
    assert result.exit_code == 1 and data["handouts"][0]["pages"] > 2
