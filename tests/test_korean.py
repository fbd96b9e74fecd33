"""The Korean library: a handout builds from content/ko/ with its title, its safety lines and its
language, on 2 pages, and visit times print with the part of the day Korean readers use (오전 7:00)."""

from datetime import time

import pytest
import yaml

from handouts.render import clock_time
from handouts.targets import RenderRequest

from conftest import REPO, invoke, pdf_reader, pdf_text

SLUG = "epidural-steroid-injection"
SOURCE = yaml.safe_load((REPO / "content" / "ko" / f"{SLUG}.yaml").read_text(encoding="utf-8"))


def flat(text: str) -> str:
    """Extracted text without the line breaks layout puts inside Korean lines, nor any spaces."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def esi_pdf(tmp_path_factory) -> bytes:
    target = tmp_path_factory.mktemp("ko") / "esi.pdf"
    result = invoke("build", SLUG, "--lang", "ko", "-o", target)
    assert result.exit_code == 0, result.output
    return target.read_bytes()


def test_korean_esi_prints_its_title_and_safety_lines(esi_pdf):
    text = flat(pdf_text(esi_pdf))
    assert flat(SOURCE["title"]) in text
    assert flat(SOURCE["call_911"][1]) in text  # 갑자기 앞이 안 보이거나, 말이 어눌하거나, 얼굴이 처질 때.
    assert flat(SOURCE["call_us"][0]) in text


def test_korean_esi_is_two_pages_declared_korean(esi_pdf):
    reader = pdf_reader(esi_pdf)
    assert len(reader.pages) == 2
    assert reader.trailer["/Root"]["/Lang"] == "ko"
    assert reader.metadata.title == SOURCE["title"]


def test_korean_esi_stays_on_two_a4_pages(maker):
    assert len(pdf_reader(maker.pdf(RenderRequest(SLUG, "ko", "a4"))).pages) == 2


@pytest.mark.parametrize(
    ("moment", "printed"), [(time(7, 0), "오전 7:00"), (time(13, 30), "오후 1:30"), (time(23, 15), "오후 11:15")]
)
def test_korean_clock_names_the_part_of_the_day(moment, printed):
    assert clock_time(moment, "ko") == printed


def test_korean_visit_prints_arrival_with_the_part_of_the_day(tmp_path):
    target = tmp_path / "esi.pdf"
    result = invoke("build", SLUG, "--lang", "ko", "--date", "2026-12-08", "--arrive", "14:30", "-o", target)
    assert result.exit_code == 0, result.output
    reader = pdf_reader(target.read_bytes())
    assert len(reader.pages) == 2  # the appointment box still leaves the handout on one sheet
    text = flat(pdf_text(target.read_bytes()))
    assert "오후2:30" in text and "12월8일(화요일)" in text
    assert "14:30" not in text


def test_korean_plan_prints_clock_times_in_korean(tmp_path):
    target = tmp_path / "plan.pdf"
    result = invoke(
        "build", SLUG, "--lang", "ko", "--date", "2026-12-08", "--time", "07:00", "--sedation", "-o", target
    )
    assert result.exit_code == 0, result.output
    text = flat(pdf_text(target.read_bytes()))
    assert flat("시술 전날 12월 7일 (월요일) 오후 11:00") in text  # last food: 8 hours before
    assert flat("12월 8일 (화요일) 오전 6:30") in text  # arrive: 30 minutes before
    assert "23:00" not in text and "AM" not in text
