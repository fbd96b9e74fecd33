"""The command line, through Click's test runner: exit codes, messages, real PDFs."""

import json
import socket
import subprocess
import sys

import pytest
import yaml

from handouts import __version__
from handouts.cli import cli

from conftest import REPO, handout_bookmarks, invoke, pdf_fonts, pdf_reader, pdf_text

SLUG = "epidural-steroid-injection"
LETTER = (612, 792)
A4 = (595, 842)


def run(*args: str):
    return invoke(*args)


@pytest.mark.parametrize("command", [[], *[[name] for name in cli.commands]])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(command, flag):
    result = run(*command, flag)
    assert result.exit_code == 0
    assert "Usage: " in result.output
    description = cli if not command else cli.commands[command[0]]
    assert description.help and description.help.split("\n")[0] in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"handouts, version {__version__}\n"


def test_list_shows_slug_title_languages_and_status():
    result = run("list")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith(SLUG))
    assert line.split() == [SLUG, "en,es,ko,vi,zh", "draft", "Epidural", "steroid", "injection"]


def test_list_json():
    rows = json.loads(run("list", "--json").output)
    esi = next(row for row in rows if row["slug"] == SLUG)
    version = yaml.safe_load((REPO / "content" / "en" / f"{SLUG}.yaml").read_text(encoding="utf-8"))["review"][
        "version"
    ]
    assert esi == {
        "slug": SLUG,
        "title": "Epidural steroid injection",
        "languages": ["en", "es", "ko", "vi", "zh"],
        "status": "draft",
        "version": version,
    }


def test_build_one_in_every_language_and_print_size_of_the_clinic(tmp_path):
    result = run("build", "pain-diary", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert result.output == f"Built 4 of 4 PDFs in {tmp_path / 'out'}/\n"
    slug = "pain-diary"
    files = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert files == [
        "out/.handouts-manifest.json",
        "out/.handouts.lock",
        f"out/en/large-print/{slug}.pdf",
        f"out/en/{slug}.pdf",
        f"out/es/large-print/{slug}.pdf",
        f"out/es/{slug}.pdf",
        "out/index.html",
    ]


def test_built_pdf_has_sections_brand_fonts_and_metadata(tmp_path, library_project):
    target = tmp_path / "esi.pdf"
    assert run("build", SLUG, "-o", str(target)).exit_code == 0
    pdf = target.read_bytes()
    reader = pdf_reader(pdf)
    text = " ".join(pdf_text(pdf).split())
    labels = library_project.labels("en")
    for heading in [
        labels.summary,
        labels.what_it_is,
        labels.why_it_is_done,
        labels.how_it_is_done,
        labels.before,
        labels.after,
        labels.risks,
        labels.call_us,
        labels.call_911,
        labels.questions,
        "Riverside Spine & Pain Center",
        "(555) 010-2499",
    ]:
        assert heading in text
    assert "Page 1 of 2" in text and "Draft: not yet approved by Riverside Spine & Pain Center" in text
    assert len(reader.pages) == 2
    assert [round(float(side)) for side in reader.pages[0].mediabox[2:]] == list(LETTER)
    assert pdf_fonts(pdf) == {"Atkinson-Hyperlegible", "Atkinson-Hyperlegible-Bold"}
    assert reader.metadata.title == "Epidural steroid injection"
    assert reader.metadata.author == "Riverside Spine & Pain Center"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]


LONG_NAME = "Riverside Comprehensive Interventional Spine, Pain Management & Regenerative Medicine Associates"


@pytest.mark.parametrize("size", [[], ["--large-print"]], ids=["standard", "large"])
def test_a_long_clinic_name_keeps_the_page_number_on_one_line(clinic_project, size):
    """The footer's draft notice names the clinic; a long name once pushed "Page 1 of 2" onto two lines."""
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(
        clinic.read_text(encoding="utf-8").replace("name: Riverside Spine & Pain Center", f"name: {LONG_NAME}"),
        encoding="utf-8",
    )
    target = clinic_project / "esi.pdf"
    assert run("build", SLUG, *size, "--project", str(clinic_project), "-o", str(target)).exit_code == 0
    pages = pdf_reader(target.read_bytes()).pages
    assert size or len(pages) == 2
    for number, page in enumerate(pages, start=1):
        lines = page.extract_text().splitlines()
        assert any(line.rstrip().endswith(f"Page {number} of {len(pages)}") for line in lines), lines[-4:]


def test_page_size_option(tmp_path):
    target = tmp_path / "esi.pdf"
    assert run("build", SLUG, "--page-size", "a4", "-o", str(target)).exit_code == 0
    page = pdf_reader(target.read_bytes()).pages[0]
    assert [round(float(side)) for side in page.mediabox[2:]] == list(A4)


def test_build_to_standard_output():
    result = invoke("build", SLUG, "-o", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"%PDF-")


@pytest.mark.parametrize(
    "args,message",
    [
        (["build"], "Error: name one or more handouts, or use --all"),
        (["build", SLUG, "--all"], "Error: name one or more handouts, or use --all"),
        (["build", "--all", "-o", "x.pdf"], "Error: -o takes named handouts in one language"),
        (
            ["build", SLUG, "--patient", "A. Patient"],
            "Error: visit details need -o FILE: a personalised handout never goes into the output folder",
        ),
        (["build", SLUG, "--page-size", "legal"], "Error: Invalid value for '--page-size'"),
        (["build", SLUG, "-o", "new-folder/"], "Error: Invalid value for '-o': 'new-folder/' names a folder"),
        (["review-report", "-o", "new-folder/"], "Error: Invalid value for '-o': 'new-folder/' names a folder"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_schema_is_json_schema():
    schema = json.loads(run("schema").output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"title", "summary", "before", "call_us", "review"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    clinic = json.loads(run("schema", "clinic").output)
    assert "after_hours_phone" in clinic["properties"]
    labels = json.loads(run("schema", "labels").output)
    assert {"summary", "call_us", "booklet_title"} <= set(labels["required"])
    blocks = json.loads(run("schema", "blocks").output)
    assert {"every_procedure", "sedation", "implanted_device"} <= set(blocks["properties"])


def test_init_creates_a_project_and_never_overwrites(tmp_path):
    project = tmp_path / "new-clinic"
    result = run("init", str(project))
    assert result.exit_code == 0
    assert sorted(str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()) == [
        "assets/README.md",
        "clinic.yaml",
        "content/README.md",
    ]
    assert run("list", "--project", str(project)).exit_code == 0

    (project / "clinic.yaml").write_text("name: Mine\n")
    again = run("init", str(project))
    assert again.exit_code == 1
    assert again.output == (
        f"Error: {project / 'clinic.yaml'}, {project / 'content/README.md'}, "
        f"{project / 'assets/README.md'}: already exists; nothing was written\n"
    )
    assert (project / "clinic.yaml").read_text() == "name: Mine\n"


def test_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "handouts", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == f"handouts, version {__version__}\n"


def test_list_does_not_import_weasyprint():
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "handouts", "list"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "handouts.cli" in result.stderr and "weasyprint" not in result.stderr


def test_interrupted_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from handouts import files

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(tmp_path / "en" / "x.pdf", b"%PDF-1.7 ...")
    assert list((tmp_path / "en").iterdir()) == []


def test_visit_details_and_packet_go_only_where_o_says(tmp_path):
    target = tmp_path / "packet.pdf"
    result = run(
        "build",
        SLUG,
        "pain-diary",
        "--lang",
        "es",
        "--patient",
        "Rosa Quiñones",
        "--date",
        "2026-12-03",
        "--arrive",
        "08:30",
        "--physician",
        "Dra. Lee",
        "--location",
        "Sala 2",
        "--note",
        "Traiga sus lentes",
        "-o",
        str(target),
    )
    assert result.exit_code == 0, result.output
    assert [path.name for path in tmp_path.iterdir()] == ["packet.pdf"]
    reader = pdf_reader(target.read_bytes())
    assert [item.title for item in handout_bookmarks(reader)] == [
        "Inyección epidural de esteroides",
        "Diario del dolor",
    ]
    text = " ".join(pdf_text(target.read_bytes()).split())
    for expected in [
        "Su cita",
        "Rosa Quiñones",
        "jueves 3 de diciembre",
        "8:30",
        "Dra. Lee",
        "Sala 2",
        "Traiga sus lentes",
    ]:
        assert text.count(expected) == 2, expected  # in the box of each handout


def test_english_visit_date_and_time(tmp_path):
    target = tmp_path / "esi.pdf"
    assert run("build", SLUG, "--date", "2026-12-03", "--arrive", "13:15", "-o", str(target)).exit_code == 0
    text = " ".join(pdf_text(target.read_bytes()).split())
    assert "Your appointment" in text and "Thursday, December 3" in text and "1:15 PM" in text


def test_bad_visit_details_name_the_field_not_the_value(tmp_path):
    result = run("build", SLUG, "--date", "03/12/2026", "--patient", "N" * 101, "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert result.output == (
        "Error: patient name: too long (at most 100 characters)\nError: procedure date: not a date like 2026-12-03\n"
    )
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    ("seconds", "problem"),
    [
        ("nan", "not a number of seconds from 1 to 300"),
        ("-nan", "not a number of seconds from 1 to 300"),
        ("inf", "inf is not in the range 1<=x<=300."),
        ("-1", "-1.0 is not in the range 1<=x<=300."),
        ("0", "0.0 is not in the range 1<=x<=300."),
    ],
)
def test_serve_refuses_queue_seconds_that_are_no_time_to_wait(seconds, problem):
    """nan got through the range (every comparison with it is false), and each packet then failed with HTTP 500."""
    result = run("serve", "--queue-seconds", seconds)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: Invalid value for '--queue-seconds': {problem}"


def test_serve_on_a_port_in_use_is_an_error_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")
