"""'Your plan': the visit's own clock times, worked out from the procedure date and time, the
clinic's policies and the handouts' flags, checked in the text of the real PDF. The plan is its own
sheet, the first page of the visit's packet; each handout keeps its own 2 pages."""

import datetime
import io
import re
import subprocess
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from test_packet import LARGE, structure

from handouts.plan import Moment, VisitFlags, day_text, diary_text, make_plan, moment_text, shifted
from handouts.policies import Policies
from handouts.render import named_time
from handouts.usecases import make_packet

from conftest import handout_bookmarks, invoke, pdf_reader

ESI = "epidural-steroid-injection"
NEW_YORK = "America/New_York"


MBB = "medial-branch-block"
NOTES = {"en": "Your questions and notes", "es": "Sus preguntas y notas"}
PLAN = {"en": ("Your plan", "Page 1 of 2"), "es": ("Su plan", "Página 1 de 2")}
TIMED = {"patient": "Ana Ruiz", "date": "2026-12-08", "time": "07:00"}


def built_text(tmp_path: Path, *args: str, page: int | None = None) -> str:
    """The PDF text of `handouts build ARGS -o FILE` (or of one page), one space between words."""
    target = tmp_path / "visit.pdf"
    result = invoke("build", *args, "-o", str(target))
    assert result.exit_code == 0, result.output
    pages = ["-f", str(page), "-l", str(page)] if page else []
    text = subprocess.run(["pdftotext", *pages, str(target), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def page_text(reader, number: int) -> str:
    return " ".join(reader.pages[number].extract_text().split())


@pytest.mark.parametrize("page_size", ["letter", "a4"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_visit_with_a_time_starts_with_a_plan_sheet(maker, language, page_size):
    """Page 1 is the plan (its own H1 and bookmark), page 2 its back (questions and notes), then the
    handout's own 2 pages without the plan."""
    reader = pdf_reader(make_packet(maker, [ESI], language, page_size=page_size, visit_fields=TIMED))
    heading, one_of_one = PLAN[language]
    sheet = page_text(reader, 0)
    assert sheet.startswith("Riverside Spine") and f"{heading}: Ana Ruiz" in sheet
    assert sheet.endswith(one_of_one)
    assert len(reader.pages) == 4 and page_text(reader, 1).startswith(NOTES[language])
    handout = page_text(reader, 2) + " " + page_text(reader, 3)
    assert heading not in handout and "Ana Ruiz" in handout  # the appointment box stays on the handout
    assert page_text(reader, 3).endswith("2 " + ("of" if language == "en" else "de") + " 2")
    assert Counter(str(element["/S"]) for element in structure(reader))["/H1"] == 2
    title = "Epidural steroid injection" if language == "en" else "Inyección epidural de esteroides"
    assert [item.title for item in handout_bookmarks(reader)] == [f"{heading}: Ana Ruiz", title]
    assert reader.trailer["/Root"]["/Lang"] == language


@pytest.mark.parametrize(("language", "page_size"), [("en", "letter"), ("es", "letter"), ("es", "a4"), ("en", "a4")])
def test_the_large_print_plan_sheet_is_one_page_at_18_point(maker, language, page_size):
    """The longest plan (sedation unknown, steroid, pain diary) with every appointment field filled."""
    fields = {**TIMED, "physician": "Dr. Lee", "location": "Building B, 2nd floor", "note": "Bring your MRI"}
    pdf = make_packet(maker, [ESI, MBB], language, page_size=page_size, large_print=True, visit_fields=fields)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        sheet = document.pages[0]
        text = " ".join(sheet.extract_text().split())
        assert text.endswith(PLAN[language][1])  # the whole plan on its first page
        assert "7:30" in text and ("Friday" if language == "en" else "viernes") in text
        assert min(char["size"] for char in sheet.chars) >= LARGE


def test_standard_print_plan_lines_are_14_point(maker):
    pdf = make_packet(maker, [ESI], "en", visit_fields=TIMED)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        words = document.pages[0].extract_words(extra_attrs=["size"])
    sizes = [round(word["size"], 1) for word in words if word["text"] in ("Wednesday,", "liquids")]
    assert len(sizes) >= 2 and set(sizes) == {14.0}


def test_no_plan_sheet_without_a_time(maker):
    reader = pdf_reader(make_packet(maker, [ESI], "en", visit_fields={"patient": "Ana Ruiz", "date": "2026-12-08"}))
    assert len(reader.pages) == 2
    assert "Your plan" not in " ".join(page.extract_text() for page in reader.pages)


def test_seven_am_procedure_fasts_from_the_night_before(tmp_path):
    text = built_text(tmp_path, ESI, "--date", "2026-12-08", "--time", "07:00", page=1)
    assert "Your plan" in text
    assert "Last food, milk or any drink that is not clear by 11:00 PM the night before (Monday, December 7)" in text
    assert "Clear liquids until 5:00 AM, Tuesday, December 8" in text
    assert "Arrive at 6:30 AM, Tuesday, December 8" in text
    assert "stays with you until 7:00 AM, Wednesday, December 9" in text
    assert "blood sugar often until 7:00 AM, Friday, December 11" in text
    assert "No bath, pool or hot tub until 7:00 AM, Wednesday, December 9" in text
    assert "Procedure: 7:00 AM" in text
    assert text.endswith("When to call us Phone: (555) 010-2400 · After hours: (555) 010-2499 Page 1 of 2")


def test_one_pm_procedure_fasts_from_the_same_morning(tmp_path):
    text = built_text(tmp_path, ESI, "--date", "2026-12-08", "--time", "13:00")
    assert "Last food, milk or any drink that is not clear by 5:00 AM, Tuesday, December 8" in text
    assert "night before" not in text
    assert "Clear liquids until 11:00 AM, Tuesday, December 8" in text
    assert "Arrive at 12:30 PM, Tuesday, December 8" in text


@pytest.mark.parametrize(
    ("day", "evening"),
    [("2026-11-01", "Saturday, October 31"), ("2027-03-14", "Saturday, March 13")],
)
def test_a_night_with_a_clock_change_is_counted_in_wall_time(tmp_path, day, evening):
    """8 hours before 7:00 AM is 11:00 PM on the clock, though 9 (or 7) hours pass that night."""
    text = built_text(tmp_path, ESI, "--date", day, "--time", "07:00")
    assert f"Last food, milk or any drink that is not clear by 11:00 PM the night before ({evening})" in text


def test_a_time_the_clocks_skip_moves_to_the_safe_side():
    zone = ZoneInfo(NEW_YORK)
    day = datetime.date(2027, 3, 14)
    before = shifted(day, datetime.time(10, 30), datetime.timedelta(hours=-8), zone)
    after = shifted(datetime.date(2027, 3, 13), datetime.time(18, 30), datetime.timedelta(hours=8), zone)
    assert before == Moment(day, datetime.time(1, 30))  # 2:30 AM does not exist: eat until 1:30
    assert after == Moment(day, datetime.time(3, 30))  # and stay until 3:30


def test_spanish_plan_in_us_spanish_times_and_dates(tmp_path):
    text = built_text(tmp_path, ESI, "--lang", "es", "--date", "2026-12-08", "--time", "07:00")
    assert "Su plan" in text
    assert (
        "Comida, leche o bebida que no sea clara solo hasta las 11:00 p. m. de la noche anterior (lunes 7 de diciembre)"
        in text
    )
    assert "Llegue a las 6:30 a. m. del martes 8 de diciembre" in text
    assert "Procedimiento: 7:00 a. m." in text


def test_large_print_plan(tmp_path):
    """Read in the tagged order (the label, then its time), as a screen reader does: at 18 pt a row's
    two cells wrap side by side, so pdftotext's layout order would interleave their lines."""
    built_text(tmp_path, ESI, "--large-print", "--date", "2026-12-08", "--time", "07:00")
    text = page_text(pdf_reader((tmp_path / "visit.pdf").read_bytes()), 0)
    assert "Last food, milk or any drink that is not clear by 11:00 PM the night before (Monday, December 7)" in text
    assert "Arrive at 6:30 AM, Tuesday, December 8" in text


def test_the_desk_arrival_is_the_only_arrival_printed(tmp_path):
    text = built_text(tmp_path, ESI, "--date", "2026-12-08", "--time", "07:00", "--arrive", "06:00")
    assert "Arrive at: 6:00 AM" in text and "Arrive at 6:00 AM, Tuesday, December 8" in text
    assert "6:30 AM" not in text


def test_no_sedation_drops_food_liquids_and_adult(tmp_path):
    text = built_text(tmp_path, ESI, "--date", "2026-12-08", "--time", "07:00", "--no-sedation")
    assert "Your plan" in text and "6:30 AM, Tuesday, December 8" in text
    assert "Last food" not in text and "Clear liquids until" not in text and "stays with you until" not in text


def test_pain_diary_times_print_as_clock_times(tmp_path):
    text = built_text(tmp_path, "medial-branch-block", "pain-diary", "--date", "2026-12-08", "--time", "07:00")
    assert "Rate your pain in your diary at 7:30 AM, 8:00 AM, 9:00 AM, 11:00 AM, and 1:00 PM" in text  # the plan
    assert "Rate it again at these times: 7:30 AM, 8:00 AM, 9:00 AM, 11:00 AM, and 1:00 PM." in text
    assert re.search(r"Date and time .*7:30 AM 8:00 AM 9:00 AM 11:00 AM 1:00 PM", text)
    without_time = built_text(tmp_path, "medial-branch-block", "--date", "2026-12-08")
    assert "Your plan" not in without_time
    assert "Rate it again 30 minutes, 1 hour, 2 hours, 4 hours, and 6 hours after it." in without_time


@pytest.mark.parametrize("bad", ["25:00", "7pm"])
def test_a_bad_procedure_time_is_a_one_line_error(tmp_path, bad):
    target = tmp_path / "visit.pdf"
    result = invoke("build", ESI, "--date", "2026-12-08", "--time", bad, "-o", str(target))
    assert result.exit_code == 1
    assert result.output == "Error: procedure time: not a time like 08:30\n"
    assert not target.exists()


def test_an_arrival_after_the_procedure_is_refused(tmp_path):
    result = invoke("build", ESI, "--time", "07:00", "--arrive", "08:00", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: arrival time: after the procedure time")


def test_follow_up_and_driver_only_from_the_policies():
    policies = Policies.model_validate(
        {"driver_required": "all", "follow_up": {"days": 2, "text": {"en": "We call you"}}}
    )
    flags = VisitFlags(procedure=True)
    plan = make_plan(datetime.date(2026, 12, 8), datetime.time(7), None, policies, flags)
    assert plan.driver_only and plan.adult_stays is None and plan.last_food is None
    assert plan.follow_up == datetime.date(2026, 12, 10)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="not a time zone like America/New_York"):
        Policies.model_validate({"time_zone": "Mars/Olympus"})


DEC_8 = datetime.date(2026, 12, 8)  # a Tuesday


def spaced(text: str) -> str:
    """Babel's and the Spanish periods' no-break spaces as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("language", "noon", "midnight"),
    [
        ("en", "noon (12:00 PM)", "midnight (12:00 AM)"),
        ("es", "mediodía (12:00 p. m.)", "medianoche (12:00 a. m.)"),
    ],
)
def test_noon_and_midnight_are_named(library_project, language, noon, midnight):
    labels = library_project.labels(language)

    def named(clock: datetime.time) -> str:
        return spaced(named_time(clock, labels, language))

    assert named(datetime.time(12)) == noon and named(datetime.time(0)) == midnight
    assert named(datetime.time(12, 30)).startswith("12:30")


@pytest.mark.parametrize(
    ("language", "midnight", "one", "noon"),
    [
        (
            "en",
            "midnight (12:00 AM) on the night of Monday, December 7",
            "1:00 PM, Wednesday, December 9",
            "noon (12:00 PM), Wednesday, December 9",
        ),
        (
            "es",
            "medianoche (12:00 a. m.), la noche del lunes 7 de diciembre",
            "la 1:00 p. m. del miércoles 9 de diciembre",
            "mediodía (12:00 p. m.) del miércoles 9 de diciembre",
        ),
    ],
)
def test_plan_time_phrases(library_project, language, midnight, one, noon):
    """A midnight is the end of the evening before it; Spanish puts its article before a clock time."""
    labels = library_project.labels(language)

    def text(day: datetime.date, hour: int) -> str:
        return spaced(moment_text(Moment(day, datetime.time(hour)), DEC_8, labels, language))

    assert text(DEC_8, 0) == midnight
    assert text(datetime.date(2026, 12, 9), 13) == one
    assert text(datetime.date(2026, 12, 9), 12) == noon
    assert text(DEC_8, 7).startswith("las 7:00" if language == "es" else "7:00")


def test_a_diary_time_at_midnight_is_the_procedure_days_night(library_project):
    """A pain-diary time at midnight after a procedure ends that day's night: no day of its own."""
    labels, dec_9 = library_project.labels("en"), datetime.date(2026, 12, 9)
    assert spaced(diary_text(Moment(dec_9, datetime.time(0)), DEC_8, labels, "en")) == "midnight (12:00 AM)"
    assert spaced(diary_text(Moment(dec_9, datetime.time(1)), DEC_8, labels, "en")) == "1:00 AM (Wednesday, December 9)"


def test_the_box_date_has_its_weekday():
    """The weekday guards against a wrong day; no year, so the date keeps to one line of the narrow box."""
    assert day_text(DEC_8, "en") == "Tuesday, December 8"
    assert day_text(DEC_8, "es") == "martes, 8 de diciembre"


def test_fasting_from_midnight_names_the_night_before(tmp_path):
    """An 8:00 AM procedure: 8 hours before is midnight, printed with the evening it ends (Monday)."""
    visit = ["--date", "2026-12-08", "--time", "08:00", "--sedation"]
    english = built_text(tmp_path, ESI, *visit)
    assert (
        "Last food, milk or any drink that is not clear by midnight (12:00 AM) on the night of Monday, December 7"
        in english
    )
    assert "12:00 AM, Tuesday" not in english
    spanish = built_text(tmp_path, ESI, "--lang", "es", *visit)
    assert (
        "Comida, leche o bebida que no sea clara solo hasta medianoche (12:00 a. m.), la noche del lunes 7 de diciembre"
        in spanish
    )
    assert "martes, 8 de diciembre" not in spanish.replace("Fecha: martes, 8 de diciembre", "")


@pytest.mark.parametrize(
    ("language", "box", "row"),
    [
        ("en", "Procedure: noon (12:00 PM)", "stays with you until noon (12:00 PM), Wednesday, December 9"),
        (
            "es",
            "Procedimiento: mediodía (12:00 a. m.)".replace("a. m.", "p. m."),
            "usted hasta mediodía (12:00 p. m.) del miércoles 9 de diciembre",
        ),
    ],
)
def test_a_noon_procedure_says_noon(tmp_path, language, box, row):
    text = built_text(tmp_path, ESI, "--lang", language, "--date", "2026-12-08", "--time", "12:00", "--sedation")
    assert box in text and row in text


def test_spanish_rows_put_the_article_before_the_time(tmp_path):
    text = built_text(tmp_path, ESI, "--lang", "es", "--date", "2026-12-08", "--time", "13:00", "--sedation", page=1)
    assert "Líquidos claros solo hasta las 11:00 a. m. del martes 8 de diciembre" in text
    assert "Llegue a las 12:30 p. m. del martes 8 de diciembre" in text
    assert "se queda con usted hasta la 1:00 p. m. del miércoles 9 de diciembre" in text


@pytest.mark.parametrize(
    ("language", "date", "procedure"),
    [
        ("en", "Date: Tuesday, December 8", "Procedure: 8:00 AM"),
        ("es", "Fecha: martes, 8 de diciembre", "Procedimiento: 8:00 a. m."),
    ],
)
def test_the_box_gives_the_weekday_and_keeps_the_time_by_its_label(maker, language, date, procedure):
    """On the handout's header box and on the plan sheet; the procedure time on its label's line."""
    fields = {"patient": "Maria Hernandez", "date": "2026-12-08", "time": "08:00"}
    pdf = make_packet(maker, [ESI], language, visit_fields=fields)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number in (0, 2):  # the plan sheet, the handout's header
            lines = [" ".join(line.split()) for line in document.pages[number].extract_text().splitlines()]
            assert any(procedure in line for line in lines), lines[:12]
            assert any(date in line for line in lines), lines[:12]  # whole, on one line of the box


DIARY_ROWS = {
    "en": "Just before the procedure 1:30 PM 2:00 PM 3:00 PM 5:00 PM 7:00 PM",
    "es": "Justo antes del procedimiento 1:30 p. m. 2:00 p. m. 3:00 p. m. 5:00 p. m. 7:00 p. m.",
}
DIARY_HEADING = {"en": "My pain log", "es": "Mi registro del dolor"}


@pytest.mark.parametrize("large_print", [False, True])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_diagnostic_block_has_its_pain_diary_on_the_back_of_the_plan(maker, language, large_print):
    """The medial branch block asks for a diary: page 2 is the log, its first rows the visit's clock times."""
    fields = {**TIMED, "time": "13:00"}
    reader = pdf_reader(make_packet(maker, [MBB], language, large_print=large_print, visit_fields=fields))
    back = page_text(reader, 1)
    assert back.startswith(DIARY_HEADING[language]) and DIARY_ROWS[language] in back
    assert back.endswith("2 of 2" if language == "en" else "2 de 2")
    assert PLAN[language][1] in page_text(reader, 0)


def test_a_packet_with_the_pain_diary_handout_prints_the_diary_once(maker):
    reader = pdf_reader(make_packet(maker, [MBB, "pain-diary"], "en", visit_fields=TIMED))
    texts = [page_text(reader, number) for number in range(len(reader.pages))]
    assert texts[1].startswith(NOTES["en"])
    assert sum(text.count(DIARY_HEADING["en"]) for text in texts) == 1


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_visit_without_a_diary_gets_its_questions_and_notes_page(maker, language):
    reader = pdf_reader(make_packet(maker, [ESI, "preparing-for-your-procedure"], language, visit_fields=TIMED))
    back = page_text(reader, 1)
    question = (
        "Which approach will you use, and why?" if language == "en" else "¿Por dónde va a entrar la aguja, y por qué?"
    )
    assert back.startswith(NOTES[language]) and question in back
    assert DIARY_HEADING[language] not in back


@pytest.mark.parametrize("slugs", [[ESI, "preparing-for-your-procedure"], [MBB]])
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_page_of_a_visit_packet_is_blank(maker, slugs, language):
    reader = pdf_reader(make_packet(maker, slugs, language, visit_fields=TIMED))
    assert all(page_text(reader, number) for number in range(len(reader.pages)))


@pytest.mark.parametrize(
    ("flag", "row", "fasting"),
    [
        ("--sedation", "Medicine to relax you Planned", True),
        ("--no-sedation", "Medicine to relax you Not planned", False),
    ],
)
def test_the_desk_sedation_answer_is_a_plan_row(tmp_path, flag, row, fasting):
    text = built_text(tmp_path, ESI, "--date", "2026-12-08", "--time", "07:00", flag, page=1)
    assert row in text
    assert ("Last food, milk or any drink that is not clear by" in text) is fasting and (
        "Clear liquids until" in text
    ) is fasting
    assert "if you will get medicine to relax" not in text.lower()


def test_sedation_not_known_keeps_the_fasting_rows_and_note_without_a_sedation_row(tmp_path):
    text = built_text(tmp_path, ESI, "--date", "2026-12-08", "--time", "07:00", page=1)
    assert "Medicine to relax you" not in text
    assert "Last food, milk or any drink that is not clear by" in text
    assert "Keep to the food, drink and adult times if you will get medicine to relax." in text


@pytest.mark.parametrize(
    ("language", "line"),
    [
        (
            "en",
            "Clear liquids until 5:00 AM, Tuesday, December 8 After that: nothing to eat or drink, except small sips",
        ),
        (
            "es",
            "Líquidos claros solo hasta las 5:00 a. m. del martes 8 de diciembre Después: nada de comer ni beber, solo un traguito de agua",
        ),
    ],
)
def test_the_line_after_clear_liquids_says_what_comes_next(tmp_path, language, line):
    text = built_text(
        tmp_path, ESI, "--lang", language, "--date", "2026-12-08", "--time", "07:00", "--sedation", page=1
    )
    assert line in text


def test_spanish_times_ending_in_p_m_take_no_second_period(tmp_path):
    text = built_text(tmp_path, MBB, "--lang", "es", "--date", "2026-12-08", "--time", "13:00")
    assert "7:00 p. m. Anote cada número" in text
    assert ".." not in text


def test_the_spanish_driver_rows_do_not_assume_a_man(tmp_path):
    with_sedation = built_text(
        tmp_path, ESI, "--lang", "es", "--date", "2026-12-08", "--time", "07:00", "--sedation", page=1
    )
    without = built_text(
        tmp_path, ESI, "--lang", "es", "--date", "2026-12-08", "--time", "07:00", "--no-sedation", page=1
    )
    assert "Un adulto maneja y se queda con usted hasta" in with_sedation
    assert "Un adulto maneja a casa con usted" in without
    assert " lo lleva" not in with_sedation + without
