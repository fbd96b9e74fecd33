"""The Vietnamese library: a handout builds from content/vi/ with its title, its safety lines and its
language, on 2 pages, its letters copied out of the PDF whole, and visit times print on the 12-hour
clock with the part of the day that Vietnamese readers in the US use ("7:30 sáng")."""

from datetime import time

import pytest
import yaml

from handouts.render import clock_time
from handouts.targets import RenderRequest

from conftest import REPO, invoke, pdf_reader, pdf_text

SLUG = "epidural-steroid-injection"
SOURCE = yaml.safe_load((REPO / "content" / "vi" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
BLOCKS = yaml.safe_load((REPO / "content" / "vi" / "_blocks.yaml").read_text(encoding="utf-8"))


def flat(text: str) -> str:
    """Extracted text with each run of spaces and line breaks as one space."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def esi_pdf(tmp_path_factory) -> bytes:
    target = tmp_path_factory.mktemp("vi") / "esi.pdf"
    result = invoke("build", SLUG, "--lang", "vi", "-o", target)
    assert result.exit_code == 0, result.output
    return target.read_bytes()


def test_vietnamese_esi_prints_its_title_and_safety_lines(esi_pdf):
    text = flat(pdf_text(esi_pdf))
    assert SOURCE["title"] in text
    assert SOURCE["call_911"][1] in text  # Không nín được tiểu hay đi cầu, hoặc bị tê vùng giữa hai chân.
    assert SOURCE["call_us"][0] in text


def test_vietnamese_letters_copy_out_whole(esi_pdf):
    """ọ, ị and ơ are neither patched in from a second font ("quý v ị") nor split into a letter and a
    dot that copies as the letter twice ("moọi")."""
    text = flat(pdf_text(esi_pdf))
    pregnancy = BLOCKS["every_procedure"]["before"][1]["text"]
    assert pregnancy in text  # Báo cho chúng tôi nếu quý vị đang có thai hay có thể có thai.
    assert "Báo cho chúng tôi mọi thuốc làm loãng máu quý vị đang dùng" in text


def test_vietnamese_esi_is_two_pages_declared_vietnamese(esi_pdf):
    reader = pdf_reader(esi_pdf)
    assert len(reader.pages) == 2
    assert reader.trailer["/Root"]["/Lang"] == "vi"
    assert reader.metadata.title == SOURCE["title"]


def test_vietnamese_esi_stays_on_two_a4_pages(maker):
    assert len(pdf_reader(maker.pdf(RenderRequest(SLUG, "vi", "a4"))).pages) == 2


@pytest.mark.parametrize(
    ("moment", "printed"),
    [
        (time(7, 0), "7:00 sáng"),
        (time(12, 0), "12:00 trưa"),
        (time(13, 30), "1:30 chiều"),
        (time(20, 0), "8:00 tối"),
        (time(23, 15), "11:15 đêm"),
    ],
)
def test_vietnamese_clock_is_12_hour_with_the_part_of_the_day(moment, printed):
    assert clock_time(moment, "vi") == printed


def test_vietnamese_plan_prints_its_clock_times_with_the_day(tmp_path):
    target = tmp_path / "esi.pdf"
    result = invoke(
        "build", SLUG, "--lang", "vi", "--date", "2026-12-08", "--time", "08:00", "--sedation", "-o", target
    )
    assert result.exit_code == 0, result.output
    text = flat(pdf_text(target.read_bytes()))
    assert "Thứ Ba, 8 tháng 12" in text  # the appointment box's date, with its weekday
    assert "7:30 sáng Thứ Ba, ngày 8 tháng 12" in text  # arrive 30 minutes before
    assert "12:00 nửa đêm, trong đêm Thứ Hai, ngày 7 tháng 12" in text  # last food, 8 hours before
    assert "07:30" not in text and "AM" not in text
