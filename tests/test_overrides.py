"""A clinic project overrides built-in content, labels and templates by path."""



from conftest import REPO, invoke, pdf_text

SLUG = "epidural-steroid-injection"


def test_project_overrides_content_label_and_template(clinic_project):
    content = clinic_project / "content" / "en"
    content.mkdir(parents=True)
    esi = (REPO / "content/en" / f"{SLUG}.yaml").read_text()
    (content / f"{SLUG}.yaml").write_text(esi.replace("title: Epidural steroid injection",
                                                      "title: Epidural injection at Riverside"))
    (content / "_labels.yaml").write_text("call_us: Call our nurse line if\n")
    templates = clinic_project / "templates"
    templates.mkdir()
    (templates / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n'
        '{% block summary %}<p class="notice">{{ clinic.address }}</p>{{ super() }}{% endblock %}\n')

    out = clinic_project / "output"
    result = invoke("build", SLUG, "--project", str(clinic_project), "--out", str(out))
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text((out / "en" / f"{SLUG}.pdf").read_bytes()).split())
    assert "Epidural injection at Riverside" in text
    assert "Call our nurse line if" in text and "When to call us" not in text
    assert "120 River Road, Suite 200, Springfield" in text
    assert "The main thing to know" in text  # the rest of the built-in labels still apply


def test_new_handout_in_project_is_listed(clinic_project):
    content = clinic_project / "content" / "en"
    content.mkdir(parents=True)
    esi = (REPO / "content/en" / f"{SLUG}.yaml").read_text()
    (content / "our-special-block.yaml").write_text(esi.replace("title: Epidural steroid injection",
                                                                "title: Our special block"))
    result = invoke("list", "--project", str(clinic_project))
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()}
    assert rows["our-special-block"] == ["en", "draft", "Our", "special", "block"]
    assert SLUG in rows


def test_label_override_with_unknown_key_names_the_project_file(clinic_project):
    content = clinic_project / "content" / "en"
    content.mkdir(parents=True)
    (content / "_labels.yaml").write_text("summary: Key points\ncall_uss: typo\n")
    result = invoke("build", SLUG, "-o", "-", "--project", str(clinic_project))
    assert result.exit_code == 1
    assert result.output == "Error: content/en/_labels.yaml:2: call_uss: unknown key\n"
