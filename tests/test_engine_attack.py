"""The build engine's half of last week's attack run: a render budget WeasyPrint cannot swallow,
memory errors anywhere in a worker, a manifest that records the text a PDF was made from, bounded
manifest numbers, no temp folders left behind, and `check`'s large print within the budget."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handouts.files import MANIFEST_FILE
from handouts.render import Renderer

from conftest import REPO, invoke, pdf_reader, pdf_text, sample

SLUG = "pain-diary"
OTHER = "why-see-a-pain-specialist"


def build(project: Path, *args: str | Path):
    return invoke("build", *args, "--project", project, "--out", project / "output")


# --- the manifest records the text the PDF was made from -------------------------------------------


def test_content_changed_during_a_render_and_reverted_is_built_again(clinic_project, monkeypatch):
    content = clinic_project / "content" / "en" / f"{SLUG}.yaml"
    content.parent.mkdir(parents=True)
    original = (REPO / "content" / "en" / f"{SLUG}.yaml").read_text(encoding="utf-8")
    content.write_text(original, encoding="utf-8")
    edited = original.replace("title: Pain diary", "title: Pain notebook", 1)
    assert edited != original
    page = Renderer.page

    def edited_while_building(self, request):  # the build has read the file; someone saves an edit
        content.write_text(edited, encoding="utf-8")
        return page(self, request)

    monkeypatch.setattr(Renderer, "page", edited_while_building)
    assert build(clinic_project, SLUG).exit_code == 0
    monkeypatch.setattr(Renderer, "page", page)
    pdf = clinic_project / "output" / "en" / f"{SLUG}.pdf"
    assert "Pain notebook" in pdf_text(pdf.read_bytes())
    content.write_text(original, encoding="utf-8")  # the edit is undone

    result = build(clinic_project, SLUG)

    assert result.exit_code == 0, result.output
    assert result.output == f"Built 1 of 1 PDFs in {clinic_project / 'output'}/\n"
    assert "Pain notebook" not in pdf_text(pdf.read_bytes())
    entry = json.loads((clinic_project / "output" / MANIFEST_FILE).read_text())["outputs"][f"en/{SLUG}.pdf"]
    assert entry["title"] == "Pain diary"


# --- manifest numbers are bounded -------------------------------------------------------------------


@pytest.mark.warnings_expected
@pytest.mark.parametrize(
    ("key", "value"), sample([("pages", 10**9), ("version", -1), ("pages", 0), ("version", 10**30)])
)
def test_a_manifest_number_out_of_bounds_drops_the_entry(clinic_project, key, value):
    assert build(clinic_project, SLUG).exit_code == 0
    manifest = clinic_project / "output" / MANIFEST_FILE
    data = json.loads(manifest.read_text())
    built = data["outputs"][f"en/{SLUG}.pdf"][key]
    data["outputs"][f"en/{SLUG}.pdf"][key] = value
    manifest.write_text(json.dumps(data))

    result = build(clinic_project, SLUG)

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Warning: {manifest}: ignored the entry 'en/{SLUG}.pdf': {key} does not fit; built again\n"
        f"Built 1 of 1 PDFs in {clinic_project / 'output'}/\n"
    )
    assert json.loads(manifest.read_text())["outputs"][f"en/{SLUG}.pdf"][key] == built


# --- the render budget holds even where WeasyPrint swallows the alarm ------------------------------


BUDGET = "8"  # seconds: a loaded machine lays out a handout in 3
TOOK_TOO_LONG = f"took longer than {BUDGET} seconds to make (HANDOUTS_RENDER_SECONDS sets the limit)"


def slow_svg_in_pain_diary(monkeypatch, deaf: bool) -> None:
    """Drawing each SVG of the pain diary takes a minute, against a budget of 8 seconds. WeasyPrint
    catches every exception while it draws one, the alarm's included; `deaf`: the alarm cannot even
    get in, as in a C library that never comes back to Python, so only the parent can stop it.
    Workers inherit the patch."""
    import weasyprint.svg

    from handouts.maker import Maker

    slow = {"now": False}
    draw, write = weasyprint.svg.SVG.draw, Maker.write

    def slow_draw(self, *args, **kwargs):
        if slow["now"]:
            if deaf:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)
        return draw(self, *args, **kwargs)

    def write_noting_which(self, target):
        slow["now"] = target.request.slug == SLUG
        return write(self, target)

    monkeypatch.setattr(weasyprint.svg.SVG, "draw", slow_draw)
    monkeypatch.setattr(Maker, "write", write_noting_which)
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", BUDGET)


@pytest.mark.slow
@pytest.mark.warnings_expected  # WeasyPrint logs the SVG it failed to draw
def test_a_worker_past_the_budget_is_ended_and_the_others_go_on(clinic_project, monkeypatch):
    slow_svg_in_pain_diary(monkeypatch, deaf=True)
    began = time.monotonic()

    result = build(clinic_project, SLUG, OTHER, "--jobs", "2")

    assert time.monotonic() - began < 40
    assert result.exit_code == 1
    assert result.output == (f"Built 1 of 2 PDFs in {clinic_project / 'output'}/\nError: en/{SLUG}: {TOOK_TOO_LONG}\n")
    assert sorted(path.name for path in (clinic_project / "output" / "en").iterdir()) == [f"{OTHER}.pdf"]


@pytest.mark.warnings_expected  # WeasyPrint logs the SVG it failed to draw
@pytest.mark.slow
def test_a_render_in_process_keeps_its_budget_though_weasyprint_swallows_the_alarm(clinic_project, monkeypatch):
    slow_svg_in_pain_diary(monkeypatch, deaf=False)
    began = time.monotonic()

    result = build(clinic_project, SLUG)

    assert time.monotonic() - began < 30
    assert result.exit_code == 1
    assert result.output == f"Error: en/{SLUG}: {TOOK_TOO_LONG}\n"
    assert not (clinic_project / "output" / "en").exists()


# --- a MemoryError anywhere in a write is the memory-limit line -------------------------------------

OUT_OF_MEMORY = "needed more than 2048 MB of memory to make (HANDOUTS_RENDER_MEMORY_MB sets the limit)"


def out_of_memory_writing_the_pdf(monkeypatch):
    from handouts import maker

    write = maker.write_atomically

    def write_atomically(path, data, mode=None):
        if path.name == f"{SLUG}.pdf":
            raise MemoryError
        write(path, data, mode)

    monkeypatch.setattr(maker, "write_atomically", write_atomically)


def out_of_memory_handing_the_outcome_back(monkeypatch):
    from handouts.targets import Outcome

    def reduce_ex(self, protocol):
        if self.target.request.slug == SLUG:
            raise MemoryError
        return object.__reduce_ex__(self, protocol)

    monkeypatch.setattr(Outcome, "__reduce_ex__", reduce_ex, raising=False)


@pytest.mark.parametrize(
    ("jobs", "where"),
    [
        ("1", out_of_memory_writing_the_pdf),
        pytest.param("2", out_of_memory_writing_the_pdf, marks=pytest.mark.slow),
        pytest.param("2", out_of_memory_handing_the_outcome_back, marks=pytest.mark.slow),
    ],
)
def test_a_memory_error_outside_the_render_is_one_error_line(clinic_project, monkeypatch, jobs, where):
    where(monkeypatch)

    result = build(clinic_project, SLUG, OTHER, "--jobs", jobs)

    assert result.exit_code == 1
    assert result.output == (f"Built 1 of 2 PDFs in {clinic_project / 'output'}/\nError: en/{SLUG}: {OUT_OF_MEMORY}\n")
    assert list(json.loads((clinic_project / "output" / MANIFEST_FILE).read_text())["outputs"]) == [f"en/{OTHER}.pdf"]
    assert not list((clinic_project / "output").rglob("*.part"))


# --- nothing left in TMPDIR -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["build", SLUG, "-o", "visit.pdf", "--patient", "Ada Quill"],
        pytest.param(["build", SLUG, OTHER, "--jobs", "2", "--out", "output"], marks=pytest.mark.slow),
        pytest.param(["check", SLUG, OTHER, "--jobs", "2"], marks=pytest.mark.slow),
    ],
)
def test_a_run_leaves_nothing_in_its_temp_folder(clinic_project, tmp_path, args):
    temp = tmp_path / "temp"
    temp.mkdir()

    result = subprocess.run(
        [sys.executable, "-m", "handouts", *args, "--project", str(clinic_project)],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(temp)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert list(temp.iterdir()) == []


# --- house items ------------------------------------------------------------------------------------


def test_a_packet_checks_the_visit_once_per_handout_and_the_plan_still_comes_first(maker, monkeypatch):
    from handouts import maker as making
    from handouts.usecases import make_packet

    checked = []
    require_printable = making.require_printable

    def counted(visit, coverage):
        checked.append(visit.patient)
        require_printable(visit, coverage)

    monkeypatch.setattr(making, "require_printable", counted)
    fields = {"patient": "Ana Ruiz", "date": "2026-12-08", "time": "07:00"}

    pdf = make_packet(maker, ["epidural-steroid-injection", SLUG], "en", visit_fields=fields)

    assert checked == ["Ana Ruiz", "Ana Ruiz"]
    first = " ".join(pdf_reader(pdf).pages[0].extract_text().split())
    assert first.startswith("Riverside Spine") and "Your plan: Ana Ruiz" in first


@pytest.mark.slow
def test_check_lays_out_large_print_within_the_render_budget(clinic_project, monkeypatch):
    from handouts import pdf

    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("print_sizes: [standard]", "print_sizes: [standard, large]"))
    large = (REPO / "templates" / "large-print.css").read_text(encoding="utf-8").strip().splitlines()[0]
    render_document = pdf.render_document

    def slow_in_large_print(html, *args):
        if large in html:
            time.sleep(60)
        return render_document(html, *args)

    monkeypatch.setattr(pdf, "render_document", slow_in_large_print)
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", BUDGET)
    began = time.monotonic()

    result = invoke("check", SLUG, "--lang", "en", "--project", clinic_project, "--jobs", "1")

    assert time.monotonic() - began < 40
    assert result.exit_code == 1
    assert (f"error   (built-in) content/en/{SLUG}.yaml: large print: {TOOK_TOO_LONG}") in result.output.splitlines()
