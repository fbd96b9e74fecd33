"""A label is part of what prints, so it is part of the sign-off: a clinic that changes a label in
its own `content/<lang>/_labels.yaml` after approving a handout has a handout that is no longer
approved (README, "Sign-off")."""

from conftest import invoke, pdf_text

ESI = "epidural-steroid-injection"


def override_label(project, key: str, value: str) -> None:
    labels = project / "content" / "en" / "_labels.yaml"
    labels.parent.mkdir(parents=True, exist_ok=True)
    labels.write_text(f"{key}: {value}\n", encoding="utf-8")


def require_approved(project):
    return invoke("check", ESI, "--lang", "en", "--require-approved", "--project", project)


def test_changing_a_label_undoes_the_approval(clinic_project):
    approved = invoke(
        "approve", ESI, "--by", "A. Lee, MD", "--date", "2026-03-02", "--lang", "en", "--project", clinic_project
    )
    assert approved.exit_code == 0, approved.output
    assert require_approved(clinic_project).exit_code == 0

    override_label(clinic_project, "risks", "What could go wrong")

    check = require_approved(clinic_project)
    assert check.exit_code == 1
    assert any("changed since A. Lee, MD approved" in line and "error" in line for line in check.output.splitlines())
    built = invoke("build", ESI, "--lang", "en", "-o", "-", "--project", clinic_project)
    assert built.exit_code == 0, built.output
    text = " ".join(pdf_text(built.stdout_bytes).split())
    assert "What could go wrong" in text
    assert "Draft: not yet approved by" in text and "Reviewed by" not in text
