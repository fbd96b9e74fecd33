"""Shared fixtures: the built-in project, a warm builder, PDF text extraction."""

import io
import logging
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.build import Builder
from handouts.library import library_root
from handouts.project import Project, open_project

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def library_project() -> Project:
    return open_project(library_root())


@pytest.fixture(scope="session")
def builder(library_project) -> Builder:
    return Builder(library_project)


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(caplog):
    """A render that makes WeasyPrint warn (missing font, bad CSS) fails its test."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    warnings = [record.getMessage() for record in caplog.get_records("call")
                if record.name == "weasyprint" and record.levelno >= logging.WARNING]
    assert not warnings, f"WeasyPrint warned: {warnings}"


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


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


@pytest.fixture
def clinic_project(tmp_path) -> Path:
    """A fresh clinic project folder with a copy of the example clinic.yaml and logo, narrowed to
    English standard print so that building one slug makes one PDF."""
    project = tmp_path / "clinic"
    (project / "assets").mkdir(parents=True)
    clinic = (REPO / "clinic.yaml").read_text(encoding="utf-8")
    clinic = clinic.replace("languages: [en, es]", "languages: [en]")
    clinic = clinic.replace("print_sizes: [standard, large]", "print_sizes: [standard]")
    (project / "clinic.yaml").write_text(clinic, encoding="utf-8")
    shutil.copy(REPO / "assets" / "logo.svg", project / "assets" / "logo.svg")
    return project
