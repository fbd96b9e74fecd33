"""Any script prints: a visit detail or a clinic's own content in a script Atkinson Hyperlegible lacks
is drawn by the bundled Noto fonts, and a character no bundled font draws is refused at its place."""

import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, invoke, pdf_fonts, pdf_text, sample

UNDRAWN = "\U00010000"  # LINEAR B SYLLABLE B008 A: in no bundled font
HOUSE_FONTS = {"Atkinson-Hyperlegible", "Atkinson-Hyperlegible-Bold"}

NAMES = [
    # (name, the font that draws it, what the PDF's text layer gives back). Extraction reads glyphs:
    # Noto draws "ị" as "i" and a mark, which pypdf takes for a space; Devanagari's vowel signs are
    # reordered by shaping, so only a first word without them is read back as written.
    ("王小明", "noto-sans-sc-chinese-simplified", "王小明"),
    ("김민준", "noto-sans-kr-korean", "김민준"),
    ("Nguyễn Thị Hương", "noto-sans", "Nguyễn Th ị Hương"),
    ("Иван Петров", "noto-sans", "Иван Петров"),
    ("محمد علي", "noto-sans-arabic-arabic", "محمد علي"),
    ("अमित शर्मा", "noto-sans", "अमित"),
]


@pytest.mark.parametrize(("name", "font", "read_back"), sample(NAMES, keep=3))
def test_a_name_in_another_script_prints_in_its_font(run, tmp_path, name, font, read_back):
    out = tmp_path / "visit.pdf"
    result = run("build", "pain-diary", "--patient", name, "-o", out)
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert f"Name: {read_back}" in pdf_text(data)
    assert pdf_fonts(data) == HOUSE_FONTS | {font}


@pytest.mark.parametrize("name", ["\ue000", f"Ann {UNDRAWN}"])
def test_a_name_no_bundled_font_draws_is_still_refused(run, tmp_path, name):
    out = tmp_path / "visit.pdf"
    result = run("build", "pain-diary", "--patient", name, "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == "Error: patient name: this name has characters we cannot print\n"


def test_an_arabic_name_reads_right_to_left_in_an_english_line(run, tmp_path):
    """The first word (محمد) is drawn to the right of the second (علي)."""
    out = tmp_path / "visit.pdf"
    assert run("build", "pain-diary", "--patient", "محمد علي", "-o", out).exit_code == 0
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", out, "-"], capture_output=True, text=True, check=True
    ).stdout
    # each word's left edge, by its text as drawn (Arabic letters in visual order)
    left = {text: float(x) for x, text in re.findall(r'<word xMin="([0-9.]+)"[^>]*>([^<]+)</word>', boxes)}
    first = next(x for text, x in left.items() if "ح" in text)
    second = next(x for text, x in left.items() if "ع" in text)
    assert first > second


def planted(project: Path) -> Path:
    """The clinic's own pain diary, its line 3 holding a character no bundled font draws."""
    content = project / "content" / "en"
    content.mkdir(parents=True)
    text = (REPO / "content" / "en" / "pain-diary.yaml").read_text(encoding="utf-8")
    (content / "pain-diary.yaml").write_text(
        text.replace("also_known_as: [pain log,", f"also_known_as: [pain log {UNDRAWN},"), encoding="utf-8"
    )
    return content


BOX = f"the character {UNDRAWN!r} (U+10000) is in no bundled font: it would print as a box"


def test_content_no_bundled_font_draws_stops_build_and_check_at_its_line(run, clinic_project, tmp_path):
    planted(clinic_project)
    out = tmp_path / "diary.pdf"
    built = run("build", "pain-diary", "-o", out, "--project", clinic_project)
    assert built.exit_code == 1 and not out.exists()
    assert built.stderr == f"Error: content/en/pain-diary.yaml:3: {BOX}\n"
    checked = run("check", "pain-diary", "--project", clinic_project)
    assert checked.exit_code == 1
    assert f"error   content/en/pain-diary.yaml:3: {BOX}" in checked.output


def test_a_label_no_bundled_font_draws_stops_the_build_at_its_line(run, clinic_project, tmp_path):
    (planted(clinic_project) / "_labels.yaml").write_text(f"summary: Key points\ncall_us: Call {UNDRAWN}\n")
    out = tmp_path / "diary.pdf"
    built = run("build", "preparing-for-your-procedure", "-o", out, "--project", clinic_project)
    assert built.exit_code == 1 and not out.exists()
    assert built.stderr == f"Error: content/en/_labels.yaml:2: {BOX}\n"


def test_content_in_chinese_prints_in_its_font(run, clinic_project, tmp_path):
    content = planted(clinic_project)
    text = (content / "pain-diary.yaml").read_text(encoding="utf-8").replace(UNDRAWN, "")
    (content / "pain-diary.yaml").write_text(text.replace("title: Pain diary", "title: Pain diary 疼痛日记"))
    out = tmp_path / "diary.pdf"
    assert run("build", "pain-diary", "-o", out, "--project", clinic_project).exit_code == 0
    assert "Pain diary 疼痛日记" in pdf_text(out.read_bytes())
    assert any(font.startswith("noto-sans-sc-chinese-simplified") for font in pdf_fonts(out.read_bytes()))


@pytest.mark.slow
def test_a_chinese_page_after_forked_workers_ended_still_has_its_font(maker, tmp_path):
    """Forked workers shared the parent's font folder: a worker that loaded the Chinese font first wrote
    its file there, so the parent later skipped loading it and printed boxes (and a worker's exit
    removed the folder)."""
    from handouts.targets import RenderRequest

    maker.pdf(RenderRequest("pain-diary", "en", "letter"))  # the parent's fonts and their folder
    result = invoke("check", "pain-diary", "facet-joint-injection", "--lang", "zh", "--out", tmp_path, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "硬膜外类固醇注射" in pdf_text(maker.pdf(RenderRequest("epidural-steroid-injection", "zh", "a4")))
