"""A new language is a folder: a language the clinic lists without the files every language needs
is one error naming them, from `build` and from `check`, and nothing is written."""

import shutil

import pytest

from conftest import REPO

NEEDS = "missing _labels.yaml, _blocks.yaml, _glossary.yaml, at least one handout (<slug>.yaml)"


def list_language(project, language: str) -> None:
    clinic = project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("languages: [en]", f"languages: [en, {language}]"))


@pytest.mark.parametrize("command", [("build", "--all"), ("check",)])
def test_a_listed_language_without_a_folder_is_one_error_naming_its_files(clinic_project, run, command, monkeypatch):
    list_language(clinic_project, "fr")
    monkeypatch.chdir(clinic_project)
    result = run(*command)
    assert result.exit_code == 1
    assert result.output.count("Error:") == 1, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"Error: content/fr/: language 'fr' is not ready: {NEEDS} (a language needs _labels.yaml")
    assert 'see docs/content.md, "Adding a language"' in first
    assert not (clinic_project / "output").exists()


def test_the_error_names_only_the_files_still_missing(clinic_project, run, monkeypatch):
    list_language(clinic_project, "fr")
    folder = clinic_project / "content/fr"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "content/es/_labels.yaml", folder / "_labels.yaml")
    shutil.copy(REPO / "content/es/pain-diary.yaml", folder / "pain-diary.yaml")
    monkeypatch.chdir(clinic_project)
    result = run("build", "--all")
    assert result.exit_code == 1
    assert "missing _blocks.yaml, _glossary.yaml (a language needs" in result.output
