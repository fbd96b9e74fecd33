"""What a clinic meets on its first day: where the output goes, `check`'s totals, `approve --all`,
`build -v`, and a review report a person can read."""

import json
import re

import pytest
import yaml
from test_check import FILE, write_topic

from handouts.project import open_project

from conftest import REPO, invoke, pdf_reader

DIARY = "pain-diary"


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """The command runs from a folder that is not the project."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_build_run_from_elsewhere_writes_into_the_projects_own_output_folder(clinic_project, elsewhere):
    result = invoke("build", DIARY, "--project", clinic_project)
    assert result.exit_code == 0, result.output
    output = clinic_project / "output"
    assert result.output.splitlines()[-1] == f"Built 1 of 1 PDFs in {output}/"
    assert len(pdf_reader((output / "en" / f"{DIARY}.pdf").read_bytes()).pages) == 2
    assert not (elsewhere / "output").exists()
    report = invoke("review-report", "--json", "--project", clinic_project)
    rows = {row["slug"]: row for row in json.loads(report.output) if row["language"] == "en"}
    assert rows[DIARY]["pages"] == 2


def test_out_still_names_another_folder(clinic_project, elsewhere):
    result = invoke("build", DIARY, "--project", clinic_project, "--out", "here")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Built 1 of 1 PDFs in here/"
    assert (elsewhere / "here" / "en" / f"{DIARY}.pdf").is_file()
    assert not (clinic_project / "output").exists()


def finding_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.split(" ", 1)[0] in ("error", "warning", "note")]


def test_check_prints_errors_then_warnings_then_notes_and_a_line_of_counts(clinic_project):
    write_topic(clinic_project, call_us=["You need to utilize the phone."], call_911=[])
    result = invoke("check", "test-topic", "--project", clinic_project)
    assert result.exit_code == 1
    lines = finding_lines(result.output)
    severities = [line.split(" ", 1)[0] for line in lines]
    assert severities == sorted(severities, key=["error", "warning", "note"].index)
    assert lines[0] == f"error   {FILE}: call_911: say when to call 911 or go to the emergency room"
    assert f'warning {FILE}:5: call_us[1]: "utilize": try "use", or explain it in bold' in lines
    assert lines[-1] == f"note    {FILE}:9: review.status: draft, not yet approved"
    assert result.output.splitlines()[-1] == "1 error, 1 warning, 1 note"


def test_check_quiet_leaves_out_the_notes_but_counts_them(clinic_project):
    write_topic(clinic_project, call_us=["You need to utilize the phone."])
    loud = invoke("check", "test-topic", DIARY, "--lang", "en", "--project", clinic_project)
    quiet = invoke("check", "test-topic", DIARY, "--lang", "en", "--quiet", "--project", clinic_project)
    assert (loud.exit_code, quiet.exit_code) == (0, 0)
    notes = [line for line in finding_lines(loud.output) if line.startswith("note")]
    assert len(notes) == 2
    assert finding_lines(quiet.output) == [line for line in finding_lines(loud.output) if line not in notes] != []
    assert quiet.output.splitlines()[-1] == loud.output.splitlines()[-1] == "0 errors, 1 warning, 2 notes"


def approvals(project) -> dict:
    return yaml.safe_load((project / "approvals.yaml").read_text())["approvals"]


def test_approve_all_in_one_language(clinic_project):
    write_topic(clinic_project)  # in English only: left out, not an error
    catalog = open_project(clinic_project).catalog()
    spanish = [slug for slug, languages in catalog.items() if "es" in languages]
    assert "test-topic" in catalog and "test-topic" not in spanish
    result = invoke("approve", "--all", "--lang", "es", "--by", "A. Lee, MD", "--project", clinic_project)
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == len(spanish)
    recorded = approvals(clinic_project)
    assert sorted(recorded) == sorted(spanish)
    assert all(list(languages) == ["es"] for languages in recorded.values())


def test_approve_all_takes_every_handout_in_every_language(clinic_project):
    result = invoke("approve", "--all", "--by", "A. Lee, MD", "--project", clinic_project)
    assert result.exit_code == 0, result.output
    catalog = open_project(clinic_project).catalog()
    assert {slug: sorted(languages) for slug, languages in approvals(clinic_project).items()} == catalog


@pytest.mark.parametrize("args", [(), (DIARY, "--all")])
def test_approve_needs_handouts_or_all_not_both(clinic_project, args):
    result = invoke("approve", *args, "--by", "A. Lee, MD", "--project", clinic_project)
    assert result.exit_code == 2
    assert "Error: name one or more handouts, or use --all" in result.output
    assert not (clinic_project / "approvals.yaml").exists()


def build_verbosely(project, *extra: str) -> list[str]:
    result = invoke("build", DIARY, "--project", project, *extra)
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("en/")]


def test_verbose_build_says_which_input_made_each_pdf(clinic_project):
    assert build_verbosely(clinic_project) == []  # quiet by default
    (clinic_project / "output" / "en" / f"{DIARY}.pdf").unlink()
    assert build_verbosely(clinic_project, "-v") == [f"en/{DIARY}: made (the PDF is gone from the folder)"]
    assert build_verbosely(clinic_project, "--verbose") == [f"en/{DIARY}: skipped (up to date)"]
    content = clinic_project / "content" / "en"
    content.mkdir(parents=True)
    (content / f"{DIARY}.yaml").write_text((REPO / "content" / "en" / f"{DIARY}.yaml").read_text() + "\n")
    assert build_verbosely(clinic_project, "-v") == [f"en/{DIARY}: made (changed: content file)"]
    (content / "_labels.yaml").write_text("summary: The main thing to know today\n")
    assert build_verbosely(clinic_project, "-v") == [f"en/{DIARY}: made (changed: labels)"]
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("arrive_minutes_before: 30", "arrive_minutes_before: 45"))
    assert build_verbosely(clinic_project, "-v") == [f"en/{DIARY}: made (changed: policies, clinic.yaml)"]
    assert build_verbosely(clinic_project, "-v", "--force") == [f"en/{DIARY}: made (--force)"]


def test_verbose_build_after_an_edited_manifest_gives_a_reason(clinic_project):
    """A fingerprint changed by hand, its inputs left alone, printed "made ()"."""
    assert build_verbosely(clinic_project) == []
    manifest = clinic_project / "output" / ".handouts-manifest.json"
    data = json.loads(manifest.read_text())
    data["outputs"][f"en/{DIARY}.pdf"]["fingerprint"] = "0" * 64
    manifest.write_text(json.dumps(data))
    assert build_verbosely(clinic_project, "-v") == [
        f"en/{DIARY}: made (its fingerprint in the manifest does not match its inputs)"
    ]


def test_verbose_build_of_a_new_folder_says_never_built(clinic_project, tmp_path):
    assert build_verbosely(clinic_project, "-v", "--out", tmp_path / "new") == [f"en/{DIARY}: made (never built)"]


def test_review_report_shows_titles_and_says_what_the_reading_figure_means(clinic_project):
    rows = json.loads(invoke("review-report", "--json", "--project", clinic_project).output)
    diary = next(row for row in rows if row["slug"] == DIARY and row["language"] == "en")
    spanish = next(row for row in rows if row["slug"] == DIARY and row["language"] == "es")
    table = invoke("review-report", "--project", clinic_project).output.splitlines()
    assert table[0].split()[:3] == ["handout", "title", "lang"]
    line = next(line for line in table if line.startswith(f"{DIARY} ") and " en " in line)
    grade = round(diary["reading_score"])
    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(grade, f"{grade}th")
    assert re.search(
        rf"^{DIARY} +{re.escape(diary['title'])} +en +.*grade {diary['reading_score']:.1f}: "
        rf"about the reading level of a {ordinal} grader",
        line,
    ), line
    line = next(line for line in table if line.startswith(f"{DIARY} ") and " es " in line)
    assert spanish["title"] in line
    assert f"Fernández-Huerta {spanish['reading_score']:.1f}: " in line
    assert "to read (0 to 100, higher is easier)" in line
