"""Bad input of every kind: one `Error:` line naming the file (and line), exit 1, nothing written."""

import os
import re
from pathlib import Path

import pytest

from handouts.batch import LOCK_FILE

from conftest import REPO, form_token, invoke, pdf_text

ESI = (REPO / "content/en/epidural-steroid-injection.yaml").read_text()


def build(project: Path, *args: str):
    out = project / "output"
    result = invoke("build", *args, "--project", str(project), "--out", str(out))
    return result, out


def files_under(folder: Path) -> list[Path]:
    """What a build left in a folder, but its empty lock file (which holds nothing and stays)."""
    paths = folder.rglob("*") if folder.exists() else []
    return [path for path in paths if path.is_file() and path.name != LOCK_FILE]


def write_handout(project: Path, text: str, slug: str = "test-handout") -> Path:
    path = project / "content" / "en" / f"{slug}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def esi_with(old: str, new: str) -> str:
    assert old in ESI
    return ESI.replace(old, new, 1)


def override_template(project: Path, blocks: str) -> None:
    """A project handout.html that extends the built-in one and replaces the given blocks."""
    (project / "templates").mkdir()
    (project / "templates/handout.html").write_text('{% extends "builtin/handout.html" %}' + blocks)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize(
    "case,text,message",
    [
        (
            "syntax",
            "title: [unclosed\nsummary: x\n",
            "Error: content/en/test-handout.yaml:2: YAML syntax error: expected ',' or ']', but got ':'",
        ),
        (
            "not a mapping",
            "- just\n- a list\n",
            "Error: content/en/test-handout.yaml:1: expected a mapping of keys and values",
        ),
    ],
)
def test_malformed_yaml_names_file_and_line(clinic_project, case, text, message):
    write_handout(clinic_project, text)
    result, out = build(clinic_project, "test-handout")
    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert files_under(out) == []


def test_wrong_type_names_field_and_line(clinic_project):
    text = esi_with(
        "before:\n  - If you have diabetes, check your blood sugar on the morning of your procedure.",
        "before: Check your blood sugar.",
    )
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
    result, _ = build(clinic_project, "test-handout")
    assert result.exit_code == 1
    assert result.output == "Error: content/en/test-handout.yaml:1: not UTF-8 text (save the file as UTF-8)\n"


@pytest.mark.parametrize(
    "slug,message",
    [
        ("no-such-handout", "Error: no-such-handout: no such handout (see `handouts list`)"),
        (
            "../../etc/passwd",
            "Error: '../../etc/passwd' is not a handout name: use lowercase letters, digits and hyphens",
        ),
        ("Epidural", "Error: 'Epidural' is not a handout name: use lowercase letters, digits and hyphens"),
    ],
)
def test_unknown_or_hostile_slug(clinic_project, slug, message):
    result, out = build(clinic_project, slug)
    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert files_under(out) == []


def test_missing_language_names_the_ones_that_exist(clinic_project):
    result, _ = build(clinic_project, "epidural-steroid-injection", "--lang", "fr")
    assert result.exit_code == 1
    assert result.output == "Error: epidural-steroid-injection: no fr version (there is: en, es, ko, vi, zh)\n"


def test_hostile_text_is_printed_as_text_and_reads_nothing_outside(clinic_project):
    text = esi_with(
        "summary: >-\n", 'summary: >-\n  <script>alert(1)</script> <img src="file:///etc/passwd">\n'
    )  # file: links: test_hardening.py
    write_handout(clinic_project, text)
    result, out = build(clinic_project, "test-handout")
    assert result.exit_code == 0, result.output
    pdf = (out / "en" / "test-handout.pdf").read_bytes()
    text_in_pdf = pdf_text(pdf)
    assert "<script>alert(1)</script>" in text_in_pdf
    assert '<img src="file:///etc/passwd">' in " ".join(text_in_pdf.split())
    assert "root:" not in text_in_pdf and b"/etc/passwd\x00" not in pdf
    assert b"/URI (file:" not in pdf


@pytest.mark.parametrize(
    "logo,message",
    [
        (
            "../outside.svg",
            "Error: clinic.yaml:3: logo: must be a path inside the project's assets/ folder, like assets/logo.svg",
        ),
        (
            "/etc/passwd",
            "Error: clinic.yaml:3: logo: must be a path inside the project's assets/ folder, like assets/logo.svg",
        ),
        ("assets/missing.svg", "Error: clinic.yaml: assets/missing.svg: file not found"),
        ("assets/escape.svg", "Error: clinic.yaml: assets/escape.svg: points outside the project's assets/ folder"),
    ],
)
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
    override_template(clinic_project, '{% block header %}<img src="' + url + '">{% endblock %}')
    result, out = build(clinic_project, "epidural-steroid-injection")
    assert result.exit_code == 1
    assert result.output.startswith("Error: en/epidural-steroid-injection: asset refused: ")
    assert files_under(out) == []


def test_missing_clinic_yaml(tmp_path):
    result = invoke("list", "--project", str(tmp_path))
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path}: no clinic.yaml here (make one with `handouts init {tmp_path}`)\n"


def test_bad_clinic_yaml_field(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace('primary: "#1d5b79"', "primary: blue"))
    result = invoke("list", "--project", str(clinic_project))
    assert result.exit_code == 1
    assert result.output.startswith("Error: clinic.yaml:6: colors.primary: string should match pattern")


def test_packet_into_a_folder_that_is_a_file(clinic_project, tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    result = invoke("build", "pain-diary", "-o", tmp_path / "afile/x.pdf", "--project", clinic_project)
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'afile'}: cannot make this folder (File exists)\n"


def test_output_language_folder_that_is_a_file(clinic_project):
    out = clinic_project / "output"
    out.mkdir()
    (out / "en").write_text("not a folder")
    result, _ = build(clinic_project, "pain-diary")
    assert result.exit_code == 1
    assert result.output == f"Error: en/pain-diary: {out / 'en'}: cannot make this folder (File exists)\n"


def test_init_inside_a_file(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    result = invoke("init", tmp_path / "afile/proj")
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'afile/proj/clinic.yaml'}: cannot create it (Not a directory)\n"


def test_language_that_dates_cannot_be_written_in(clinic_project):
    hmong = clinic_project / "content/hmn"
    hmong.mkdir(parents=True)
    for name in ("_labels.yaml", "_blocks.yaml", "pain-diary.yaml"):
        (hmong / name).write_text((REPO / "content/en" / name).read_text())
    result, out = build(clinic_project, "pain-diary", "--lang", "hmn")
    assert result.exit_code == 1
    assert result.output == (
        "Error: hmn: not a language code that dates and language names can be written in (Babel does not know it)\n"
    )
    assert files_under(out) == []


@pytest.mark.parametrize(
    "line,message",
    [
        ("{{ clinic.name | shout }}", "templates/handout.html:3: template error: No filter named 'shout'."),
        (
            "{{ clinic.nmae }}",
            "templates/handout.html:3: template error: 'handouts.project.Clinic object' has no attribute 'nmae'",
        ),
    ],
)
def test_override_template_errors_name_file_and_line(clinic_project, line, message):
    override_template(clinic_project, "\n{% block summary %}\n" + line + "{% endblock %}\n")
    result, out = build(clinic_project, "pain-diary")
    assert result.exit_code == 1
    assert result.output == f"Error: en/pain-diary: {message}\n"
    assert files_under(out) == []


OUTSIDE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
    'height="10"><image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>'
)


@pytest.mark.parametrize(
    "logo,error",
    [
        (OUTSIDE_SVG, "assets/logo.svg: <image> is not allowed in a picture (only plain SVG drawing)"),
        ("this is not an SVG", "assets/logo.svg:1: not well-formed SVG"),
    ],
)
def test_broken_logo_is_an_error_naming_it(clinic_project, logo, error):
    """A logo passes the diagrams' SVG reader, before any rendering."""
    (clinic_project / "assets/logo.svg").write_text(logo)
    target = clinic_project / "x.pdf"
    result = invoke("build", "pain-diary", "-o", target, "--project", clinic_project)
    assert (result.exit_code, result.output) == (1, f"Error: {error}\n")
    assert not target.exists()


@pytest.mark.slow
@pytest.mark.warnings_expected
def test_warnings_of_pool_workers_are_reported(clinic_project):
    (clinic_project / "templates").mkdir()
    (clinic_project / "templates/pictures.css").write_text(
        (REPO / "templates/pictures.css").read_text() + "\n.summary { color: no-such-colour; }\n"
    )
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("print_sizes: [standard]", "print_sizes: [standard, large]"))
    result, _ = build(clinic_project, "pain-diary", "--jobs", "2", "--strict")
    assert result.exit_code == 1
    assert sorted(line.split(": Ignored")[0] for line in result.output.splitlines() if line.startswith("Warning:")) == [
        "Warning: en/large-print/pain-diary",
        "Warning: en/pain-diary",
    ]


def front_desk(project_dir: Path):
    from handouts.project import open_project
    from handouts.server import create_app

    return create_app(open_project(project_dir)).test_client()


def test_front_page_with_a_language_babel_does_not_know(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("languages: [en]", "languages: [en, hmn]"))
    response = front_desk(clinic_project).get("/")
    assert response.status_code == 200
    assert '<option value="hmn" lang="hmn">hmn</option>' in response.text


def test_front_desk_answers_a_broken_template_with_a_4xx(clinic_project):
    override_template(clinic_project, "\n{% block summary %}{{ clinic.nmae }}{% endblock %}\n")
    client = front_desk(clinic_project)
    token = form_token(client)  # as the page sends it
    response = client.post("/pdf", data={"slug": "pain-diary", "language": "en", "csrf_token": token})
    assert response.status_code == 422
    assert "templates/handout.html:2: template error: " in response.text
