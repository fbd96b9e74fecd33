"""Layout whatever the text: a large-print handout never ends on a page holding only its sources
(and `handouts check` names one that does), and the running footer stays on one line."""

import io
from pathlib import Path

import pdfplumber
import pytest
import yaml

from handouts.library import library_root
from handouts.maker import Maker
from handouts.pdf import only_sources_on_last_page
from handouts.project import open_project
from handouts.targets import RenderRequest

from conftest import REPO, invoke, sample

LIBRARY = open_project(library_root())
HANDOUTS = [(language, slug) for slug, languages in LIBRARY.catalog().items() for language in languages]
SLUG = "pain-diary"
FILLER = "What should I write down on a day with no pain at all?"
FOOTER_MARGIN = {False: 0.55 * 72, True: 72.0}  # the page's bottom margin, in points, by large print


def large_print_project(project: Path) -> Path:
    """The clinic project printing large print too, as the example clinic does."""
    clinic = project / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8").replace("print_sizes: [standard]", "print_sizes: [standard, large]")
    clinic.write_text(text, encoding="utf-8")
    return project


def write_questions(project: Path, extra: int) -> None:
    """The library's pain diary with `extra` more questions: its text grows line by line."""
    data = yaml.safe_load((REPO / f"content/en/{SLUG}.yaml").read_text(encoding="utf-8"))
    data["questions"] += [FILLER] * extra
    path = project / f"content/en/{SLUG}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def large_print_layout(project: Path, language: str, slug: str):
    from handouts.pdf import render_document

    maker = Maker(open_project(project))
    html = maker.renderer.page(RenderRequest(slug, language, "letter", large_print=True)).html
    return render_document(html, maker.project.root, maker.project.asset_roots)


@pytest.mark.slow
def test_check_names_a_large_print_handout_that_ends_on_its_sources_alone(clinic_project):
    large_print_project(clinic_project)
    write_questions(clinic_project, 0)
    templates = clinic_project / "templates"
    templates.mkdir()
    css = (REPO / "templates/large-print.css").read_text(encoding="utf-8")
    (templates / "large-print.css").write_text(css + "\n.sources { break-before: page; }\n", encoding="utf-8")
    result = invoke("check", SLUG, "--project", clinic_project, "--out", clinic_project / "none")
    assert result.exit_code == 1, result.output
    assert (
        f"error   content/en/{SLUG}.yaml: large print ends on a page holding only the sources: "
        "keep them with the text before (templates/large-print.css)"
    ) in result.output.splitlines()


@pytest.mark.slow
def test_sources_that_spill_onto_a_new_page_take_text_with_them(clinic_project):
    """Questions are added one by one until the large print needs one more page: the sources
    were the first to spill over; they must not stand alone there."""
    pages = None
    for extra in range(40):
        write_questions(clinic_project, extra)
        document = large_print_layout(clinic_project, "en", SLUG)
        if pages is not None and len(document.pages) > pages:
            assert not only_sources_on_last_page(document), f"{extra} extra questions"
            return
        pages = len(document.pages)
    pytest.fail("the handout never grew by a page")


@pytest.mark.parametrize("language,slug", sample(HANDOUTS))
def test_no_large_print_handout_ends_on_its_sources_alone(language, slug):
    assert not only_sources_on_last_page(large_print_layout(library_root(), language, slug))


@pytest.mark.parametrize(
    ("language", "page_size", "large_print"),
    sample(
        [
            ("es", "letter", True),
            ("en", "a4", False),
            ("es", "letter", False),
            ("es", "a4", True),
            ("es", "a4", False),
            ("en", "letter", True),
            ("en", "letter", False),
            ("en", "a4", True),
        ]
    ),
)
def test_the_footer_is_one_line_on_every_page(maker, language, page_size, large_print):
    pdf = maker.pdf(RenderRequest(SLUG, language, page_size, large_print=large_print))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            footer = [char for char in page.chars if char["top"] > page.height - FOOTER_MARGIN[large_print]]
            text = "".join(char["text"] for char in footer)
            # one line: every character shares a band of height (large print sets the page numbers larger)
            assert max(char["top"] for char in footer) < min(char["bottom"] for char in footer), (
                f"page {number}: the footer takes more than one line: {text!r}"
            )
            labels = LIBRARY.labels(language)
            assert text.endswith(f"{labels.page} {number} {labels.of} {len(document.pages)}"), text
