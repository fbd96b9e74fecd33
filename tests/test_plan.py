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

from handouts.plan import Moment, VisitFlags, day_text, diary_text, make_plan, moment_text, plan_rows, shifted
from handouts.policies import Policies
from handouts.render import named_time
from handouts.usecases import make_packet
from handouts.visit import VisitError

from conftest import handout_bookmarks, invoke, pdf_reader, sample

ESI = "epidural-steroid-injection"
NEW_YORK = "America/New_York"
DEC_8 = datetime.date(2026, 12, 8)  # a Tuesday
DEC_1 = datetime.date(2026, 12, 1)


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


@pytest.mark.parametrize(
    ("language", "page_size"), sample([("en", "letter"), ("es", "a4"), ("es", "letter"), ("en", "a4")])
)
@pytest.mark.slow
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


@pytest.mark.parametrize(
    ("language", "page_size"), sample([("es", "letter"), ("en", "a4"), ("en", "letter"), ("es", "a4")])
)
@pytest.mark.slow
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
    assert "An adult drives you home and stays with you for 24 hours after you leave the clinic" in text
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
    ("day", "last_food"),
    [
        ("2026-11-01", "11:00 PM the night before (Saturday, October 31)"),  # 9 hours pass: the wall clock
        ("2027-03-14", "10:00 PM the night before (Saturday, March 13)"),  # 8 hours, where the wall says 7
    ],
)
def test_fasting_on_a_night_with_a_clock_change_is_never_shorter(tmp_path, day, last_food):
    """8 hours before 7:00 AM: at least 8 hours pass whichever way the clocks change that night."""
    text = built_text(tmp_path, ESI, "--date", day, "--time", "07:00")
    assert f"Last food, milk or any drink that is not clear by {last_food}" in text


def test_a_time_after_the_procedure_is_never_sooner_when_the_clocks_change():
    """24 hours after 9:00 AM the day before the clocks fall back is 9:00 AM on the wall, 25 hours later."""
    after = shifted(datetime.date(2026, 10, 31), datetime.time(9), datetime.timedelta(hours=24), ZoneInfo(NEW_YORK))
    assert after == Moment(datetime.date(2026, 11, 1), datetime.time(9))
    spring = shifted(datetime.date(2027, 3, 13), datetime.time(9), datetime.timedelta(hours=24), ZoneInfo(NEW_YORK))
    assert spring == Moment(datetime.date(2027, 3, 14), datetime.time(10))  # 9:00 on the wall is 23 hours


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
        "Puede comer, tomar leche o bebidas que no sean claras hasta las 11:00 p. m. del lunes 7 de diciembre"
        " (la noche anterior)" in text
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
    assert "Last food" not in text and "Clear liquids until" not in text and "stays with you" not in text


AFTER_THE_SHOT = "Rate it again 30 minutes, 1 hour, 2 hours, 4 hours, and 6 hours after it."
SHOT_ROWS = (
    "Just before the procedure 30 minutes after: about 7:30 AM 1 hour after: about 8:00 AM"
    " 2 hours after: about 9:00 AM 4 hours after: about 11:00 AM 6 hours after: about 1:00 PM"
)


def test_pain_diary_times_print_as_clock_times_after_the_shot(tmp_path):
    """The clock times count from the procedure time, and the block's effect from the shot: the plan and
    the pain log say both; the handout's own text keeps the durations after the shot."""
    text = built_text(tmp_path, "medial-branch-block", "pain-diary", "--date", "2026-12-08", "--time", "07:00")
    plan = (
        "If we start on time, rate your pain after the shot at about 7:30 AM, 8:00 AM, 9:00 AM, 11:00 AM, and 1:00 PM"
    )
    assert plan in text
    assert text.count(AFTER_THE_SHOT) == 2  # the medial branch block and the pain diary handouts
    assert re.search(r"Date and time .*" + SHOT_ROWS, text)
    without_time = built_text(tmp_path, "medial-branch-block", "--date", "2026-12-08")
    assert "Your plan" not in without_time
    assert AFTER_THE_SHOT in without_time


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
    plan = make_plan(datetime.date(2026, 12, 8), datetime.time(7), None, policies, flags, today=DEC_1)
    assert plan.driver_only and plan.adult_stays_hours is None and plan.last_food is None
    assert plan.follow_up == datetime.date(2026, 12, 10)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="not a time zone like America/New_York"):
        Policies.model_validate({"time_zone": "Mars/Olympus"})


def spaced(text: str) -> str:
    """Babel's and the Spanish periods' no-break spaces as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("language", "noon", "midnight"),
    [
        ("en", "noon (12:00 PM)", "midnight (12:00 AM)"),
        ("es", "12:00 p. m. (mediodía)", "12:00 a. m. (medianoche)"),
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
            "las 12:00 a. m. (medianoche), la noche del lunes 7 de diciembre",
            "la 1:00 p. m. del miércoles 9 de diciembre",
            "las 12:00 p. m. (mediodía) del miércoles 9 de diciembre",
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
    assert spaced(diary_text(Moment(dec_9, datetime.time(0, 30)), DEC_8, labels, "en")) == "12:30 AM (after midnight)"


def test_a_procedure_at_midnight_is_on_the_boxs_day_and_the_night_before_is_the_evening_before(tmp_path):
    """The box gives the procedure's own day (Thursday); "the night before" is Wednesday evening, and
    the pain-diary times after the procedure are Thursday's, never Wednesday's."""
    text = built_text(tmp_path, MBB, "--date", "2026-12-10", "--time", "00:00")
    assert text.count("Date: Thursday, December 10") == 2  # the plan's box and the handout's
    assert text.count("Arrive at: 11:30 PM the night before Procedure: midnight (12:00 AM)") == 2
    assert "Arrive at 11:30 PM the night before (Wednesday, December 9)" in text
    assert "rate your pain at 12:30 AM (after midnight), 1:00 AM, 2:00 AM, 4:00 AM, and 6:00 AM" in text
    assert text.count("December 9") == 1 and "Thursday, December 10" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "12:30 AM (after midnight) on the night of Monday, December 7"),
        ("es", "las 12:30 a. m. (de la madrugada), la noche del lunes 7 de diciembre"),
    ],
)
def test_a_time_in_the_hour_after_midnight_is_the_night_before(library_project, language, expected):
    """12:30 AM on Tuesday reads as Tuesday night to many: it is said to be after midnight, on Monday night."""
    labels = library_project.labels(language)
    assert spaced(moment_text(Moment(DEC_8, datetime.time(0, 30)), DEC_8, labels, language)) == expected


def test_the_box_date_has_its_weekday():
    """The weekday guards against a wrong day; no year, so the date keeps to one line of the narrow box."""
    assert day_text(DEC_8, "en") == "Tuesday, December 8"
    assert day_text(DEC_8, "es") == "martes 8 de diciembre"


def test_a_spanish_day_inside_a_sentence_has_no_comma_after_its_weekday(tmp_path):
    """Spanish writes "el martes 15 de diciembre" in running text, where English writes "Tuesday, December 15"."""
    text = built_text(tmp_path, SCS_TRIAL, "--lang", "es", "--date", "2026-12-08", "--time", "07:00", page=1)
    assert "alrededor del martes 15 de diciembre" in text and "Fecha: martes 8 de diciembre" in text
    assert not re.search(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo),", text)


@pytest.mark.parametrize(
    ("clock", "printed"),
    [
        (datetime.time(1, 30), "1:30 de la madrugada"),
        (datetime.time(4, 0), "4:00 de la madrugada"),
        (datetime.time(5, 59), "5:59 de la madrugada"),
        (datetime.time(6, 0), "6:00 a. m."),
        (datetime.time(0, 30), "12:30 a. m. (de la madrugada)"),
        (datetime.time(0, 0), "12:00 a. m. (medianoche)"),
        (datetime.time(12, 0), "12:00 p. m. (mediodía)"),
        (datetime.time(13, 0), "1:00 p. m."),
    ],
)
def test_spanish_hours_from_1_to_5_in_the_morning_say_de_la_madrugada(library_project, clock, printed):
    """US Spanish reads "a. m." as daytime: the hours before dawn are "de la madrugada"; noon and midnight named."""
    assert spaced(named_time(clock, library_project.labels("es"), "es")) == printed


def test_a_spanish_plan_prints_a_time_before_dawn_de_la_madrugada(tmp_path):
    """A 9:30 AM procedure with sedation: last food 8 hours before, at 1:30 in the morning."""
    visit = ["--lang", "es", "--date", "2026-12-08", "--time", "09:30", "--sedation"]
    text = spaced(built_text(tmp_path, ESI, *visit, page=1))
    assert "solo hasta la 1:30 de la madrugada del martes 8 de diciembre" in text
    assert "1:30 a. m." not in text


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
        "Puede comer, tomar leche o bebidas que no sean claras hasta las 12:00 a. m. (medianoche), la noche del"
        " lunes 7 de diciembre" in spanish
    )
    assert "(medianoche) del martes" not in spanish


@pytest.mark.parametrize(
    ("language", "box", "row"),
    sample(
        [
            ("en", "Procedure: noon (12:00 PM)", "hot tub until noon (12:00 PM), Wednesday, December 9"),
            (
                "es",
                "Procedimiento: 12:00 p. m. (mediodía)",
                "jacuzzi hasta las 12:00 p. m. (mediodía) del miércoles 9 de diciembre",
            ),
        ],
        keep=1,
    ),
)
def test_a_noon_procedure_says_noon(tmp_path, language, box, row):
    text = built_text(tmp_path, ESI, "--lang", language, "--date", "2026-12-08", "--time", "12:00", "--sedation")
    assert box in text and row in text


def test_spanish_rows_put_the_article_before_the_time(tmp_path):
    text = built_text(tmp_path, ESI, "--lang", "es", "--date", "2026-12-08", "--time", "13:00", "--sedation", page=1)
    assert "Líquidos claros solo hasta las 11:00 a. m. del martes 8 de diciembre" in text
    assert "Llegue a las 12:30 p. m. del martes 8 de diciembre" in text
    assert "jacuzzi hasta la 1:00 p. m. del miércoles 9 de diciembre" in text


@pytest.mark.parametrize(
    ("language", "date", "procedure"),
    [
        ("en", "Date: Tuesday, December 8", "Procedure: 8:00 AM"),
        ("es", "Fecha: martes 8 de diciembre", "Procedimiento: 8:00 a. m."),
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
    "en": "Just before the procedure 30 minutes after: about 1:30 PM 1 hour after: about 2:00 PM 2 hours after: about"
    " 3:00 PM 4 hours after: about 5:00 PM 6 hours after: about 7:00 PM",
    "es": "Justo antes del procedimiento 30 minutos después: más o menos la 1:30 p. m. 1 hora después: más o menos"
    " las 2:00 p. m. 2 horas después: más o menos las 3:00 p. m. 4 horas después: más o menos las 5:00 p. m."
    " 6 horas después: más o menos las 7:00 p. m.",
}
DIARY_HEADING = {"en": "My pain log", "es": "Mi registro del dolor"}


@pytest.mark.parametrize(
    ("language", "large_print"), sample([("en", False), ("es", True), ("en", True), ("es", False)])
)
def test_a_diagnostic_block_has_its_pain_diary_on_the_back_of_the_plan(maker, language, large_print):
    """The medial branch block asks for a diary: page 2 is the log, its first rows the visit's clock times."""
    fields = {**TIMED, "time": "13:00"}
    reader = pdf_reader(make_packet(maker, [MBB], language, large_print=large_print, visit_fields=fields))
    back = page_text(reader, 1)
    assert back.startswith(DIARY_HEADING[language]) and DIARY_ROWS[language] in back
    assert back.endswith("2 of 2" if language == "en" else "2 de 2")
    assert PLAN[language][1] in page_text(reader, 0)


@pytest.mark.slow
def test_a_packet_with_the_pain_diary_handout_prints_the_diary_once(maker):
    reader = pdf_reader(make_packet(maker, [MBB, "pain-diary"], "en", visit_fields=TIMED))
    texts = [page_text(reader, number) for number in range(len(reader.pages))]
    assert texts[1].startswith(NOTES["en"])
    assert sum(text.count(DIARY_HEADING["en"]) for text in texts) == 1


@pytest.mark.parametrize("language", sample(["en", "es"], keep=1))
def test_a_visit_without_a_diary_gets_its_questions_and_notes_page(maker, language):
    reader = pdf_reader(make_packet(maker, [ESI, "preparing-for-your-procedure"], language, visit_fields=TIMED))
    back = page_text(reader, 1)
    question = (
        "Which approach will you use, and why?" if language == "en" else "¿Por dónde va a entrar la aguja, y por qué?"
    )
    assert back.startswith(NOTES[language]) and question in back
    assert DIARY_HEADING[language] not in back


@pytest.mark.parametrize(
    ("language", "slugs"),
    sample(
        [
            ("es", [ESI, "preparing-for-your-procedure"]),
            ("en", [MBB]),
            ("en", [ESI, "preparing-for-your-procedure"]),
            ("es", [MBB]),
        ]
    ),
)
@pytest.mark.slow
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
            "Líquidos claros solo hasta las 5:00 de la madrugada del martes 8 de diciembre Después: nada más que un traguito de agua",
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


@pytest.mark.slow
def test_the_spanish_driver_rows_do_not_assume_a_man(tmp_path):
    with_sedation = built_text(
        tmp_path, ESI, "--lang", "es", "--date", "2026-12-08", "--time", "07:00", "--sedation", page=1
    )
    without = built_text(
        tmp_path, ESI, "--lang", "es", "--date", "2026-12-08", "--time", "07:00", "--no-sedation", page=1
    )
    assert (
        "Un adulto debe llevarle a casa y quedarse con usted durante 24 horas después de salir de la clínica"
        in with_sedation
    )
    assert "Un adulto debe llevarle a casa el martes 8 de diciembre" in without
    assert " lo lleva" not in with_sedation + without


SCS_TRIAL = "spinal-cord-stimulator-trial"


@pytest.mark.parametrize(
    ("language", "row"),
    [
        ("en", ("An adult drives you home and stays with you", "for 18 hours after you leave the clinic")),
        (
            "es",
            ("Un adulto debe llevarle a casa y quedarse con usted", "durante 18 horas después de salir de la clínica"),
        ),
    ],
)
def test_the_adult_stays_counted_from_leaving_not_from_a_guessed_clock_time(library_project, language, row):
    """No one knows ahead when a patient leaves (a procedure runs late, an infusion runs for hours): the
    plan says how long the adult stays after leaving, never a time counted from the scheduled start."""
    policies = Policies.model_validate({"adult_stays_hours": 18})
    plan = make_plan(DEC_8, datetime.time(7), None, policies, VisitFlags(sedation=True, procedure=True), DEC_1)
    rows = plan_rows(plan, library_project.labels(language), language, None, "yes")
    assert row in rows and not any(
        "12/9" in value or "9 de diciembre" in value or "December 9" in value for _, value in rows
    )


@pytest.mark.parametrize(
    ("language", "row"),
    [
        ("en", "If we start on time, rate your pain after the shot at about 7:30 AM, 8:00 AM"),
        (
            "es",
            "Si empezamos a tiempo, dele un número a su dolor después de la inyección, más o menos a las 7:30 a. m.,"
            " 8:00 a. m.",
        ),
    ],
)
def test_the_diary_times_say_they_assume_an_on_time_start(tmp_path, language, row):
    text = built_text(tmp_path, MBB, "--lang", language, "--date", "2026-12-08", "--time", "07:00", page=1)
    assert row in text
    assert text.count("a tiempo" if language == "es" else "on time") == 1  # said once


def glp1_rows(today: datetime.date, language: str, library_project) -> list[tuple[str, str]]:
    """The plan's GLP-1 rows for a sedation visit on December 8, printed on `today`."""
    policies, labels = library_project.clinic.policies, library_project.labels(language)
    plan = make_plan(DEC_8, datetime.time(7), None, policies, VisitFlags(sedation=True, glp1=True), today)
    return [(label, value) for label, value in plan_rows(plan, labels, language, None, "yes") if "GLP-1" in label]


@pytest.mark.parametrize(
    ("today", "language", "row"),
    [
        (
            datetime.date(2026, 11, 20),
            "en",
            ("If you take Ozempic or another GLP-1, tell us by", "Tuesday, December 1"),
        ),
        (DEC_1, "en", ("If you take Ozempic or another GLP-1, tell us by", "Tuesday, December 1")),
        (datetime.date(2026, 12, 2), "en", ("If you take Ozempic or another GLP-1, call us today.", "")),
        (DEC_1, "es", ("Si usa Ozempic u otro GLP-1, díganos a más tardar el", "martes 1 de diciembre")),
        (datetime.date(2026, 12, 6), "es", ("Si usa Ozempic u otro GLP-1, llámenos hoy.", "")),
    ],
)
def test_the_glp1_row_gives_the_day_a_week_ahead_or_says_call_today(library_project, today, language, row):
    assert glp1_rows(today, language, library_project) == [row]


GLP1_TOO_LATE = {
    "en": "If you take Ozempic or another GLP-1, call us before you come, and tell us if you feel sick to your"
    " stomach. We may need to move your procedure.",
    "es": "Si usa Ozempic u otro GLP-1, llámenos antes de venir y díganos si tiene náuseas. Tal vez debamos"
    " cambiar el día de su procedimiento.",
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("today", [datetime.date(2026, 12, 7), DEC_8, datetime.date(2026, 12, 9)])
def test_from_the_day_before_the_glp1_row_says_call_before_you_come(library_project, today, language):
    """A call that day leaves no time for a day of clear liquids only: the row says what still helps."""
    assert glp1_rows(today, language, library_project) == [(GLP1_TOO_LATE[language], "")]


@pytest.mark.real_clock
def test_the_clinics_today_is_its_own_time_zone(monkeypatch):
    """At 02:00 UTC on December 2 it is still December 1 in New York."""
    from handouts import plan

    class Clock(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC).astimezone(tz)

    monkeypatch.setattr(plan, "datetime", Clock)
    assert plan.clinic_today(Policies()) == DEC_1
    assert plan.clinic_today(Policies.model_validate({"time_zone": "Europe/Madrid"})) == datetime.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("args", "row"),
    [
        (["--date", "2099-12-08"], "If you take Ozempic or another GLP-1, tell us by Tuesday, December 1"),
        (["--date", "2026-10-05"], "If you take Ozempic or another GLP-1, call us today."),
        (["--date", "2026-10-02", "--no-sedation"], "If you take Ozempic or another GLP-1, call us before you come"),
    ],
)
def test_a_visit_whose_handouts_print_the_glp1_line_has_its_row(tmp_path, args, row):
    """The sedation block asks to hear of a GLP-1 medicine a week ahead; it prints whatever the desk says."""
    text = built_text(tmp_path, ESI, *args, "--time", "07:00", page=1)
    assert row in text and text.count("GLP-1") == 1


@pytest.mark.slow
def test_no_glp1_row_without_the_sedation_block_unless_the_desk_plans_sedation(tmp_path):
    without = built_text(tmp_path, MBB, "--date", "2026-10-05", "--time", "07:00", page=1)
    assert "GLP-1" not in without
    planned = built_text(tmp_path, MBB, "--date", "2026-10-02", "--time", "07:00", "--sedation", page=1)
    assert "If you take Ozempic or another GLP-1, call us before you come" in planned


@pytest.mark.parametrize(
    ("language", "label", "day"),
    [
        ("en", "We take out your trial leads around", "Tuesday, December 15"),
        ("es", "Le sacamos los electrodos de prueba alrededor del", "martes 15 de diciembre"),
    ],
)
@pytest.mark.slow
def test_a_stimulator_trial_plan_says_about_when_the_leads_come_out(tmp_path, language, label, day):
    visit = ["--lang", language, "--date", "2026-12-08", "--time", "07:00"]
    text = built_text(tmp_path, SCS_TRIAL, *visit, page=1)
    assert f"{label} {day}" in text and text.count(label) == 1
    assert label not in built_text(tmp_path, ESI, *visit, page=1)


def test_the_trial_days_match_the_handouts_about_a_week(library_project):
    """The plan's day (policies.trial_days) and the handouts' "about a week" say the same thing."""
    assert Policies().trial_days == 7
    assert "After about a week, we pull the leads out" in library_project.handout("en", SCS_TRIAL).model_dump_json()
    assert "Unos 7 días después, sacamos los electrodos" in library_project.handout("es", SCS_TRIAL).model_dump_json()
    for days in (4, 11):
        with pytest.raises(ValueError, match="trial_days"):
            Policies.model_validate({"trial_days": days})


@pytest.mark.parametrize(
    ("language", "box"),
    [("en", "Arrive at: 11:40 PM the night before"), ("es", "Hora de llegada: 11:40 p. m. de la noche anterior")],
)
@pytest.mark.slow
def test_an_arrival_the_evening_before_says_so_in_the_box(tmp_path, language, box):
    """A procedure at 12:10 AM, arrival 30 minutes before: the box says it is the night before, on the
    plan sheet and on each handout."""
    text = built_text(tmp_path, ESI, "--lang", language, "--date", "2026-12-08", "--time", "00:10")
    assert text.count(box) == 2
    same_day = built_text(tmp_path, ESI, "--lang", language, "--date", "2026-12-08", "--time", "07:00")
    assert "night before" not in same_day.split("Your plan")[0] and box.split(":")[0] + ": 6:30" in same_day


@pytest.mark.parametrize(
    ("day", "clock", "message"),
    [
        (
            "2027-03-14",
            "02:30",
            "Error: procedure time: the clocks skip this time that night (daylight saving time starts in"
            " America/New_York); give a real time\n",
        ),
        (
            "2027-11-07",
            "01:30",
            "Error: procedure time: this time comes twice that night (daylight saving time ends in"
            " America/New_York); give one that comes once\n",
        ),
    ],
)
def test_a_procedure_time_the_clock_change_makes_unclear_is_refused(tmp_path, day, clock, message):
    target = tmp_path / "visit.pdf"
    result = invoke("build", ESI, "--patient", "Ana Ruiz", "--date", day, "--time", clock, "-o", str(target))
    assert (result.exit_code, result.output) == (1, message)
    assert not target.exists()


def test_an_arrival_the_clocks_skip_is_the_real_time_before(tmp_path, clinic_project):
    """3:15 AM as the clocks spring forward (2:00 AM becomes 3:00 AM), 60 minutes to arrive: 2:15 AM
    does not exist that night; 1:15 AM is 60 minutes before, in the box and on the plan."""
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("arrive_minutes_before: 30 ", "arrive_minutes_before: 60 "))
    text = built_text(tmp_path, ESI, "--date", "2027-03-14", "--time", "03:15", "--project", str(clinic_project))
    assert not re.search(r"\b2:15", text)
    assert text.count("Arrive at: 1:15 AM Procedure: 3:15 AM") == 2  # the plan's box and the handout's
    assert "Arrive at 1:15 AM, Sunday, March 14" in text


def test_a_desk_arrival_the_clocks_skip_is_refused(tmp_path):
    target = tmp_path / "visit.pdf"
    result = invoke(
        "build", ESI, "--patient", "Ana Ruiz", "--date", "2027-03-14", "--time", "03:15", "--arrive", "02:30",
        "-o", str(target),
    )  # fmt: skip
    assert (result.exit_code, result.output) == (
        1,
        "Error: arrival time: the clocks skip this time that night (daylight saving time starts in"
        " America/New_York); give a real time\n",
    )
    assert not target.exists()


def test_a_procedure_date_before_the_clinics_today_is_refused(tmp_path):
    """conftest.CLINIC_TODAY is 2026-10-01: September 30 is refused, one line and no file; October 1 prints."""
    target = tmp_path / "visit.pdf"
    result = invoke("build", ESI, "--patient", "Ana Ruiz", "--date", "2026-09-30", "--time", "07:00", "-o", target)
    assert (result.exit_code, result.output) == (
        1,
        "Error: procedure date: before today (2026-10-01 in America/New_York); give the day of the procedure\n",
    )
    assert not target.exists()
    assert "Ana Ruiz" in built_text(tmp_path, ESI, "--patient", "Ana Ruiz", "--date", "2026-10-01", "--time", "07:00")


@pytest.mark.parametrize(("clock", "fine"), [(datetime.time(2, 30), False), (datetime.time(3, 0), True)])
def test_the_clinics_own_time_zone_decides_what_is_unclear(clock, fine):
    """In Chicago 2:30 AM on March 14, 2027 does not exist; 3:00 AM does. Tokyo has no clock change."""
    flags = VisitFlags(procedure=True)
    chicago = Policies.model_validate({"time_zone": "America/Chicago"})
    day = datetime.date(2027, 3, 14)
    make_plan(day, clock, None, Policies.model_validate({"time_zone": "Asia/Tokyo"}), flags, DEC_1)
    if fine:
        # 30 minutes before 3:00 AM: 2:30 AM does not exist that night in Chicago, 1:30 AM is 30 minutes before
        assert make_plan(day, clock, None, chicago, flags, DEC_1).arrive == Moment(day, datetime.time(1, 30))
    else:
        with pytest.raises(VisitError, match="America/Chicago"):
            make_plan(day, clock, None, chicago, flags, DEC_1)


@pytest.mark.slow
def test_the_longest_large_print_spanish_plan_with_a_glp1_day_is_one_page(maker):
    """A Wednesday in September, printed weeks ahead: the longest dates and the GLP-1 row with its day."""
    fields = {**TIMED, "date": "2099-09-30", "physician": "Dr. Lee", "location": "Building B, 2nd floor"}
    pdf = make_packet(maker, [ESI, MBB], "es", large_print=True, visit_fields={**fields, "note": "Bring your MRI"})
    text = page_text(pdf_reader(pdf), 0)
    assert "díganos a más tardar el miércoles 23 de septiembre" in text
    assert text.endswith("Página 1 de 2")


def test_a_ketamine_infusion_keeps_its_fasting_and_adult_rows_whatever_the_desk_says(tmp_path):
    """Its own medicine makes the patient sleepy (flags.sedation_always): "no sedation" cannot drop the rules."""
    text = built_text(
        tmp_path, "ketamine-and-lidocaine-infusions", "--date", "2026-12-08", "--time", "09:00", "--no-sedation", page=1
    )
    assert "Last food, milk or any drink that is not clear by" in text and "stays with you for 24 hours" in text
    assert "Medicine to relax you" not in text and "if you will get medicine to relax" not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_handout_after_the_plan_keeps_to_2_pages_with_the_box_half_empty(tmp_path, language):
    """With a procedure time the box gains a line; empty fields kept their room to write and pushed
    the Spanish ESI onto a third page. After the plan sheet (which keeps that room) they are one line."""
    built_text(
        tmp_path,
        ESI,
        "--lang",
        language,
        "--patient",
        "Maria Guadalupe Hernandez",
        "--date",
        "2026-12-08",
        "--time",
        "07:00",
    )
    reader = pdf_reader((tmp_path / "visit.pdf").read_bytes())
    assert len(reader.pages) == 4 and page_text(reader, 3).endswith("2 of 2" if language == "en" else "2 de 2")
