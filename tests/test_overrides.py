"""A clinic project overrides built-in content, labels and templates by path."""

from conftest import REPO, invoke, pdf_reader, pdf_text

SLUG = "epidural-steroid-injection"


def test_project_overrides_content_label_and_template(clinic_project):
    content = clinic_project / "content" / "en"
    content.mkdir(parents=True)
    esi = (REPO / "content/en" / f"{SLUG}.yaml").read_text()
    (content / f"{SLUG}.yaml").write_text(
        esi.replace("title: Epidural steroid injection", "title: Epidural injection at Riverside")
    )
    (content / "_labels.yaml").write_text("call_us: Call our nurse line if\n")
    templates = clinic_project / "templates"
    templates.mkdir()
    (templates / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n'
        '{% block summary %}<p class="notice">{{ clinic.address }}</p>{{ super() }}{% endblock %}\n'
    )

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
    (content / "our-special-block.yaml").write_text(
        esi.replace("title: Epidural steroid injection", "title: Our special block")
    )
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


def test_override_template_replaces_body_call_and_sources(clinic_project):
    templates = clinic_project / "templates"
    templates.mkdir()
    (templates / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n'
        "{% block body %}<p>Our own body text.</p>{% endblock %}\n"
        "{% block call %}<p>Our own call box: {{ clinic.phone }}.</p>{% endblock %}\n"
        "{% block sources %}<p>Our own sources.</p>{% endblock %}\n"
    )
    target = clinic_project / "esi.pdf"
    result = invoke("build", SLUG, "-o", target, "--project", clinic_project)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(target.read_bytes()).split())
    assert "Our own body text." in text and "Our own call box: (555) 010-2400." in text
    assert "Our own sources." in text
    for replaced in ["How is it done?", "When to call us", "Sources:"]:
        assert replaced not in text, replaced
    assert "The main thing to know" in text  # the summary block is still the built-in one


def test_partial_blocks_file_replaces_only_its_own_blocks(clinic_project):
    content = clinic_project / "content" / "en"
    content.mkdir(parents=True)
    (content / "_blocks.yaml").write_text(
        "sedation:\n  before:\n    - 'Our sedation rule: nothing to eat after midnight.'\n"
    )
    target = clinic_project / "esi.pdf"
    result = invoke("build", SLUG, "-o", target, "--project", clinic_project)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(target.read_bytes()).split())
    assert "Our sedation rule: nothing to eat after midnight." in text
    assert "do not eat for 8 hours" not in text  # the built-in sedation block is replaced
    assert "Tell us if you are pregnant or might be pregnant." in text  # every other block still comes from the library


def test_page_size_a4_in_clinic_yaml(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("page_size: letter", "page_size: a4"))
    target = clinic_project / "esi.pdf"
    assert invoke("build", SLUG, "-o", target, "--project", clinic_project).exit_code == 0
    page = pdf_reader(target.read_bytes()).pages[0]
    assert [round(float(side)) for side in page.mediabox[2:]] == [595, 842]
