"""Sign-off tied to the text: `handouts approve`, the footer, `check --require-approved`, `review-report`."""

import json
import subprocess
import sys

import pytest

from handouts.project import open_project
from handouts.render import Renderer
from handouts.targets import RenderRequest

from conftest import REPO, invoke, pdf_text

ESI = "epidural-steroid-injection"


def footer(project, language: str = "en") -> str:
    result = invoke("build", ESI, "--lang", language, "-o", "-", "--project", project)
    assert result.exit_code == 0, result.output
    return " ".join(pdf_text(result.stdout_bytes).split())


def approve(project, *extra: str):
    return invoke("approve", ESI, "--by", "A. Lee, MD", "--date", "2026-03-02", "--project", project, *extra)


def edit_one_word(project) -> None:
    content = project / "content" / "en"
    content.mkdir(parents=True, exist_ok=True)
    text = (REPO / "content" / "en" / f"{ESI}.yaml").read_text()
    assert "Most people" in text
    (content / f"{ESI}.yaml").write_text(text.replace("Most people", "Many people", 1))


def test_approve_names_the_reviewer_in_the_footer(clinic_project):
    assert "Draft: not yet approved by" in footer(clinic_project)
    result = approve(clinic_project)
    assert result.exit_code == 0, result.output
    assert "approved en/epidural-steroid-injection" in result.output
    assert "approved es/epidural-steroid-injection" in result.output
    text = footer(clinic_project)
    assert "Reviewed by A. Lee, MD on March 2, 2026" in text and "Draft" not in text
    assert "Revisado por A. Lee, MD el 2 de marzo de 2026" in footer(clinic_project, "es")
    record = (clinic_project / "approvals.yaml").read_text()
    assert "approved_by: A. Lee, MD" in record and "next_review: 2027-03-02" in record
    assert invoke("check", ESI, "--lang", "en", "--require-approved", "--project", clinic_project).exit_code == 0


def test_editing_one_word_undoes_the_approval(clinic_project):
    assert approve(clinic_project, "--lang", "en").exit_code == 0
    edit_one_word(clinic_project)
    result = invoke("check", ESI, "--lang", "en", "--require-approved", "--project", clinic_project)
    assert result.exit_code == 1
    changed = [line for line in result.output.splitlines() if "changed since A. Lee, MD approved" in line]
    assert changed and f"content/en/{ESI}.yaml" in changed[0] and "error" in changed[0]
    without = invoke("check", ESI, "--lang", "en", "--project", clinic_project)
    assert any(line.strip().startswith("warning") and "changed since" in line for line in without.output.splitlines())
    text = footer(clinic_project)
    assert "Draft: not yet approved by" in text and "Reviewed by" not in text


def test_a_policy_change_undoes_the_approval(clinic_project):
    assert approve(clinic_project, "--lang", "en").exit_code == 0
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("fasting_food_hours: 8", "fasting_food_hours: 6"))
    assert "Draft: not yet approved by" in footer(clinic_project)


def test_the_built_in_library_is_refused():
    result = invoke("approve", ESI, "--by", "A. Lee, MD", "--project", REPO)
    assert result.exit_code == 1
    assert "never go into the built-in library" in result.output
    assert not (REPO / "approvals.yaml").exists()


def test_unknown_handout_writes_nothing(clinic_project):
    result = invoke("approve", ESI, "no-such-handout", "--by", "A. Lee, MD", "--project", clinic_project)
    assert result.exit_code == 1 and "no-such-handout: no such handout" in result.output
    assert not (clinic_project / "approvals.yaml").exists()


def test_fingerprint_is_stable_across_processes(clinic_project):
    code = (
        "import sys; from pathlib import Path; from handouts.project import open_project; "
        "from handouts.render import Renderer; from handouts.targets import RenderRequest; "
        f"print(Renderer(open_project(Path(sys.argv[1]))).page(RenderRequest({ESI!r}, 'es', 'letter')).approval.fingerprint)"
    )
    here = Renderer(open_project(clinic_project)).page(RenderRequest(ESI, "es", "letter")).approval.fingerprint
    other = subprocess.run(
        [sys.executable, "-c", code, str(clinic_project)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO), "PYTHONHASHSEED": "12345"},
    )
    assert other.stdout.strip() == here and here.startswith("sha256:")


@pytest.mark.slow
def test_review_report_lists_every_handout_with_its_status(clinic_project, tmp_path):
    assert approve(clinic_project, "--lang", "en").exit_code == 0
    catalog = open_project(clinic_project).catalog()
    result = invoke("review-report", "--json", "--project", clinic_project, "--out", tmp_path / "none")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == sum(len(languages) for languages in catalog.values())
    by_key = {(row["slug"], row["language"]): row for row in rows}
    assert by_key[(ESI, "en")]["status"] == "approved" and by_key[(ESI, "en")]["reviewer"] == "A. Lee, MD"
    assert by_key[(ESI, "es")]["status"] == "draft"
    assert all(row["pages"] is None for row in rows)
    # no readability formula is known for Chinese yet
    assert all(row["reading_score"] is not None for row in rows if row["language"] != "zh")

    edit_one_word(clinic_project)
    table = invoke("review-report", "--project", clinic_project, "--out", tmp_path / "none").output
    line = next(line for line in table.splitlines() if line.startswith(ESI) and " en " in line)
    assert "changed" in line and "A. Lee, MD" in line

    page = tmp_path / "report.html"
    assert invoke("review-report", "-o", page, "--project", clinic_project, "--out", tmp_path / "none").exit_code == 0
    html = page.read_text()
    assert html.count("<tr class=") == len(rows) and "Riverside Spine &amp; Pain Center" in html


def test_review_report_takes_pages_from_a_current_build(clinic_project):
    out = clinic_project / "output"
    assert invoke("build", ESI, "--project", clinic_project, "--out", out).exit_code == 0
    rows = json.loads(invoke("review-report", "--json", "--project", clinic_project, "--out", out).output)
    pages = {(row["slug"], row["language"]): row["pages"] for row in rows}
    assert pages[(ESI, "en")] == 2 and pages[("pain-diary", "en")] is None
