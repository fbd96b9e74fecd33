"""Bad input of every kind: one `Error:` line naming the file (and line), exit 1, nothing written."""

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts.cli import cli

from conftest import REPO, pdf_text

ESI = (REPO / "content/en/epidural-steroid-injection.yaml").read_text()


def build(project: Path, *args: str):
    out = project / "output"
    result = CliRunner().invoke(cli, ["build", *args, "--project", str(project), "--out", str(out)])
    assert "Traceback" not in result.output
    return result, out


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def write_handout(project: Path, text: str, slug: str = "test-handout") -> Path:
    path = project / "content" / "en" / f"{slug}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def esi_with(old: str, new: str) -> str:
    assert old in ESI
    return ESI.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize("case,text,message", [
    ("syntax", "title: [unclosed\nsummary: x\n",
     "Error: content/en/test-handout.yaml:2: YAML syntax error: expected ',' or ']', but got ':'"),
    ("not a mapping", "- just\n- a list\n",
     "Error: content/en/test-handout.yaml:1: expected a mapping of keys and values"),
])
def test_malformed_yaml_names_file_and_line(clinic_project, case, text, message):
    write_handout(clinic_project, text)
    result, out = build(clinic_project, "test-handout")
    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert files_under(out) == []


def test_wrong_type_names_field_and_line(clinic_project):
    text = esi_with("before:\n  - If you have diabetes, check your blood sugar on the morning of your procedure.",
                    "before: Check your blood sugar.")
    write_handout(clinic_project, text)
    result, out = build(clinic_project, "test-handout")
    assert result.exit_code == 1
    assert result.output == f"Error: content/en/test-handout.yaml:{line_of(text, 'before:')}: before: expected a list\n"
    assert files_under(out) == []


def test_every_problem_of_a_file_at_once(clinic_project):
    text = esi_with("summary: >-", "colour: blue\nsumary: >-")
    text = re.sub(r"(?m)^  version: \d+$", "  version: one", text, count=1)
    write_handout(clinic_project, text)
    result, _ = build(clinic_project, "test-handout")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: content/en/test-handout.yaml:1: summary: required, but missing",
        f"Error: content/en/test-handout.yaml:{line_of(text, 'colour:')}: colour: unknown key",
        f"Error: content/en/test-handout.yaml:{line_of(text, 'sumary:')}: sumary: unknown key",
        f"Error: content/en/test-handout.yaml:{line_of(text, '  version:')}: review.version: expected a whole number",
    ]


def test_non_utf8_file(clinic_project):
    path = write_handout(clinic_project, "")
    path.write_bytes(b"title: Caf\xe9\nsummary: x\n")
    result, out = build(clinic_project, "test-handout")
    assert result.exit_code == 1
    assert result.output == "Error: content/en/test-handout.yaml:1: not UTF-8 text (save the file as UTF-8)\n"


@pytest.mark.parametrize("slug,message", [
    ("no-such-handout", "Error: no-such-handout: no such handout (see `handouts list`)"),
    ("../../etc/passwd", "Error: '../../etc/passwd' is not a handout name: use lowercase letters, digits and hyphens"),
    ("Epidural", "Error: 'Epidural' is not a handout name: use lowercase letters, digits and hyphens"),
])
def test_unknown_or_hostile_slug(clinic_project, slug, message):
    result, out = build(clinic_project, slug)
    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert files_under(out) == []


def test_missing_language_names_the_ones_that_exist(clinic_project):
    result, _ = build(clinic_project, "epidural-steroid-injection", "--lang", "fr")
    assert result.exit_code == 1
    assert result.output == "Error: epidural-steroid-injection: no fr version (there is: en, es)\n"


def test_hostile_text_is_printed_as_text_and_reads_nothing_outside(clinic_project):
    text = esi_with("summary: >-\n",
                    "summary: >-\n  <script>alert(1)</script> <img src=\"file:///etc/passwd\">\n")  # file: links: test_hardening.py
    write_handout(clinic_project, text)
    result, out = build(clinic_project, "test-handout")
    assert result.exit_code == 0, result.output
    pdf = (out / "en" / "test-handout.pdf").read_bytes()
    text_in_pdf = pdf_text(pdf)
    assert "<script>alert(1)</script>" in text_in_pdf
    assert '<img src="file:///etc/passwd">' in " ".join(text_in_pdf.split())
    assert "root:" not in text_in_pdf and b"/etc/passwd\x00" not in pdf
    assert b"/URI (file:" not in pdf


@pytest.mark.parametrize("logo,message", [
    ("../outside.svg", "Error: clinic.yaml:3: logo: must be a path inside the project's assets/ folder, like assets/logo.svg"),
    ("/etc/passwd", "Error: clinic.yaml:3: logo: must be a path inside the project's assets/ folder, like assets/logo.svg"),
    ("assets/missing.svg", "Error: clinic.yaml: assets/missing.svg: file not found"),
    ("assets/escape.svg", "Error: clinic.yaml: assets/escape.svg: points outside the project's assets/ folder"),
])
def test_logo_outside_the_project(clinic_project, tmp_path, logo, message):
    outside = tmp_path / "outside.svg"
    outside.write_text((REPO / "assets/logo.svg").read_text())
    os.symlink(outside, clinic_project / "assets" / "escape.svg")
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("logo: assets/logo.svg", f"logo: {logo}"))
    result, out = build(clinic_project, "epidural-steroid-injection")
    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert files_under(out) == []


@pytest.mark.parametrize("url", ["file:///etc/hostname", "https://example.org/logo.png", "assets/nothing-here.png"])
def test_template_cannot_fetch_outside_assets(clinic_project, url):
    templates = clinic_project / "templates"
    templates.mkdir()
    (templates / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}{% block header %}<img src="' + url + '">{% endblock %}')
    result, out = build(clinic_project, "epidural-steroid-injection")
    assert result.exit_code == 1
    assert result.output.startswith("Error: en/epidural-steroid-injection: asset refused: ")
    assert files_under(out) == []


def test_missing_clinic_yaml(tmp_path):
    result = CliRunner().invoke(cli, ["list", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path}: no clinic.yaml here (make one with `handouts init {tmp_path}`)\n"


def test_bad_clinic_yaml_field(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace('primary: "#1d5b79"', 'primary: blue'))
    result = CliRunner().invoke(cli, ["list", "--project", str(clinic_project)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: clinic.yaml:6: colors.primary: string should match pattern")
