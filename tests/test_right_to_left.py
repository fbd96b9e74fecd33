"""Right to left: an Arabic handout mirrors the page (title, lists, checkboxes, pictograms, the page
number), and phone numbers keep their left-to-right order inside its lines. Measured on the PDF."""

import io

import pdfplumber
import pytest
from arabic_project import make_arabic_project

from conftest import pdf_reader

LETTER_WIDTH, SIDE_MARGIN = 612, 0.45 * 72  # handout.css: @page margin 0.45in on each side
DIALLED = "()0123456789-"


@pytest.fixture(scope="module")
def arabic(tmp_path_factory):
    return make_arabic_project(tmp_path_factory.mktemp("arabic") / "clinic")


@pytest.fixture(scope="module")
def arabic_pdf(arabic) -> bytes:
    from click.testing import CliRunner

    from handouts.cli import cli

    out = arabic / "handout.pdf"
    result = CliRunner().invoke(
        cli, ["build", "trigger-point-injection", "--lang", "ar", "--project", str(arabic), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def first_page(data: bytes) -> tuple[list[dict], list[dict]]:
    """The first page's characters and curves (a rounded box is drawn as a curve)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return pdf.pages[0].chars, pdf.pages[0].curves


def lines(data: bytes) -> list[list[dict]]:
    """The first page's characters, line by line from the top, each line's characters from left to right."""
    by_top: dict[int, list[dict]] = {}
    for char in first_page(data)[0]:
        by_top.setdefault(round(char["top"] / 3), []).append(char)  # a line's marks sit a little higher
    return [sorted(by_top[top], key=lambda char: char["x0"]) for top in sorted(by_top)]


def dialled(line: list[dict]) -> str:
    """The line's digits and phone punctuation as they stand on the page, left to right."""
    return "".join(char["text"] for char in line if char["text"] in DIALLED)


def test_the_page_is_marked_arabic_and_right_to_left(arabic_pdf):
    catalog = pdf_reader(arabic_pdf).trailer["/Root"]
    assert catalog["/Lang"] == "ar"


def test_the_title_starts_at_the_right_margin(arabic_pdf):
    title = [char for char in first_page(arabic_pdf)[0] if char["size"] > 19]  # the 20 pt h1, on one line
    assert max(char["x1"] for char in title) == pytest.approx(LETTER_WIDTH - SIDE_MARGIN, abs=1)
    assert min(char["x0"] for char in title) > LETTER_WIDTH / 2  # a short title: the left half stays empty


def test_phone_numbers_read_left_to_right_inside_arabic_lines(arabic_pdf):
    found = [dialled(line) for line in lines(arabic_pdf)]
    # "When to call us": the day line first (on the right), then after hours, each in dialling order
    assert "(555)010-2499(555)010-2400" in found
    # the summary's {phone}, filled into an Arabic sentence
    assert any("(555)010-2400" in digits and "830" in digits for digits in found), found


def test_checkboxes_key_and_page_number_are_mirrored(arabic_pdf):
    chars, curves = first_page(arabic_pdf)
    boxes = [curve for curve in curves if all(abs(curve[size] - 9.6) < 0.05 for size in ("width", "height"))]  # 0.8em
    assert len(boxes) == 4  # the handout's "before" item and the 3 of the shared block
    body = [char for char in chars if char["size"] == 12]
    assert all(box["x0"] > max(char["x1"] for char in body) - 15 for box in boxes)  # right of the text
    key = {char["text"]: char["x0"] for char in chars if abs(char["size"] - 9.5) < 0.1 and char["text"] in "123"}
    assert key["1"] > key["2"] > key["3"]  # the diagram's key runs from the right
    footer = sorted((char for char in chars if char["top"] > 792 - 0.55 * 72), key=lambda char: char["x0"])
    assert footer[0]["text"] == "1" and footer[0]["x0"] == pytest.approx(SIDE_MARGIN, abs=1)  # "Page 1 of 1", mirrored


def test_check_names_the_measure_it_used_for_arabic(arabic, run):
    result = run("check", "trigger-point-injection", "--lang", "ar", "--project", arabic)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ar/trigger-point-injection: average sentence length in words ")
