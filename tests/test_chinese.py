"""The Simplified Chinese library: a handout builds from content/zh/ with its title, its safety lines
and its language, on 2 pages, and visit times print on the 12-hour clock Chinese readers in the US use."""

from datetime import time

import pytest
import yaml

from handouts.render import clock_time
from handouts.targets import RenderRequest

from conftest import REPO, invoke, pdf_reader, pdf_text

SLUG = "epidural-steroid-injection"
SOURCE = yaml.safe_load((REPO / "content" / "zh" / f"{SLUG}.yaml").read_text(encoding="utf-8"))


def flat(text: str) -> str:
    """Extracted text without the line breaks and spaces layout puts inside Chinese lines."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def esi_pdf(tmp_path_factory) -> bytes:
    target = tmp_path_factory.mktemp("zh") / "esi.pdf"
    result = invoke("build", SLUG, "--lang", "zh", "-o", target)
    assert result.exit_code == 0, result.output
    return target.read_bytes()


def test_chinese_esi_prints_its_title_and_safety_lines(esi_pdf):
    text = flat(pdf_text(esi_pdf))
    assert flat(SOURCE["title"]) in text
    assert flat(SOURCE["call_911"][1]) in text  # 控制不了大小便，或两腿之间麻木。
    assert flat(SOURCE["call_us"][0]) in text


def test_chinese_esi_is_two_pages_declared_chinese(esi_pdf):
    reader = pdf_reader(esi_pdf)
    assert len(reader.pages) == 2
    assert reader.trailer["/Root"]["/Lang"] == "zh"
    assert reader.metadata.title == SOURCE["title"]


def test_chinese_esi_stays_on_two_a4_pages(maker):
    assert len(pdf_reader(maker.pdf(RenderRequest(SLUG, "zh", "a4"))).pages) == 2


@pytest.mark.parametrize(
    ("moment", "printed"), [(time(7, 0), "早上7:00"), (time(13, 30), "下午1:30"), (time(23, 15), "晚上11:15")]
)
def test_chinese_clock_is_12_hour(moment, printed):
    assert clock_time(moment, "zh") == printed


def test_chinese_visit_prints_arrival_on_the_12_hour_clock(tmp_path):
    target = tmp_path / "esi.pdf"
    result = invoke("build", SLUG, "--lang", "zh", "--date", "2026-12-08", "--arrive", "14:30", "-o", target)
    assert result.exit_code == 0, result.output
    text = flat(pdf_text(target.read_bytes()))
    assert "下午2:30" in text and "12月8日星期二" in text
    assert "14:30" not in text
