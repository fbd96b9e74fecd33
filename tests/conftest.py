"""Shared fixtures: the built-in project, a warm maker, an honest command runner, PDF text
extraction, and the guard that fails a test on any warning of WeasyPrint or of the package."""

import datetime
import io
import logging
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from handouts.cli import cli
from handouts.library import library_root
from handouts.maker import Maker
from handouts.project import Project, open_project

REPO = Path(__file__).resolve().parent.parent
PASSCODE = "river-bend-2026"  # the front desk's passcode in the tests that lock it
WATCHED_LOGGERS = ("weasyprint", "handouts")


def invoke(*args: str | Path) -> Result:
    """Run the command line in-process; an unexpected exception fails the test with its traceback
    (Click's runner would otherwise catch it and leave only an exit code)."""
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


@pytest.fixture
def run():
    """`run("build", "pain-diary", "-o", path)`: the command line, exceptions not caught."""
    return invoke


@pytest.fixture(scope="session")
def library_project() -> Project:
    return open_project(library_root())


@pytest.fixture(scope="session")
def maker(library_project) -> Maker:
    return Maker(library_project)


CLINIC_TODAY = datetime.date(2026, 10, 1)
"""The clinic's today in every test that does not ask for the real clock (`real_clock`): a visit on a
fixed day, such as 2026-12-08, stays in the future, and the plan's "call us today" rows keep their days."""


@pytest.fixture(autouse=True)
def fixed_clinic_today(request, monkeypatch):
    """Renders in this process count from CLINIC_TODAY; a pool worker or a server process has the real clock."""
    if not request.node.get_closest_marker("real_clock"):
        monkeypatch.setattr("handouts.plan.clinic_today", lambda policies: CLINIC_TODAY)


@pytest.fixture(autouse=True)
def no_warnings(request, caplog):
    """A render that makes WeasyPrint warn (missing font, bad CSS, a broken image), here or in a
    pool worker (whose warnings the parent logs under `handouts`), fails its test, unless the test
    is marked `warnings_expected`."""
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("warnings_expected"):
        return
    warnings = [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.get_records("call")
        if record.name.split(".")[0] in WATCHED_LOGGERS and record.levelno >= logging.WARNING
    ]
    assert not warnings, f"warned: {warnings}"


def assert_no_warning_lines(stderr: str) -> None:
    """The guard for subprocesses and the server: warnings print as `Warning:` lines."""
    lines = [line for line in stderr.splitlines() if "Warning:" in line or "Traceback" in line]
    assert not lines, lines


def page_token(page: str) -> str:
    """The CSRF token that a front-desk page's forms carry."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def form_token(client, path: str = "/") -> str:
    """The CSRF token of this Flask test client's session, read from the page at `path`."""
    return page_token(client.get(path).get_data(as_text=True))


def sign_in(client, passcode: str = PASSCODE):
    """Post the passcode with the login page's token, as the desk's browser does."""
    return client.post("/login", data={"passcode": passcode, "csrf_token": form_token(client, "/login")})


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def handout_bookmarks(reader: PdfReader) -> list:
    """The outline's top level, one bookmark per handout (each handout's headings are nested under it)."""
    return [item for item in reader.outline if not isinstance(item, list)]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(data).pages)


def pdf_fonts(data: bytes) -> set[str]:
    """Base names of every font embedded in the PDF, subset prefix removed."""
    names = set()
    for page in pdf_reader(data).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def sample(cases: list, keep: int = 2) -> list:
    """Parametrize over every case, but only the first `keep` run in the fast tier."""
    slow = pytest.mark.slow
    return [
        case
        if index < keep
        else pytest.param(*case, marks=slow)
        if isinstance(case, tuple)
        else pytest.param(case, marks=slow)
        for index, case in enumerate(cases)
    ]


def make_clinic_project(project: Path, languages: str = "[en]") -> Path:
    """A clinic project folder with a copy of the example clinic.yaml and logo, narrowed to the given
    languages and standard print so that building one slug in one language makes one PDF."""
    (project / "assets").mkdir(parents=True)
    clinic = (REPO / "clinic.yaml").read_text(encoding="utf-8")
    clinic = clinic.replace("languages: [en, es]", f"languages: {languages}")
    clinic = clinic.replace("print_sizes: [standard, large]", "print_sizes: [standard]")
    (project / "clinic.yaml").write_text(clinic, encoding="utf-8")
    shutil.copy(REPO / "assets" / "logo.svg", project / "assets" / "logo.svg")
    return project


@pytest.fixture
def clinic_project(tmp_path) -> Path:
    """A fresh clinic project: the example clinic, English standard print."""
    return make_clinic_project(tmp_path / "clinic")
