""" "Your plan" through the front-desk page, in Debian's Chromium (Playwright) against a real
`handouts serve`: the desk types a procedure that needs sedation, its date and time and the patient's
name, presses Open PDF, and the PDF the page fetches starts with the plan worked out from the clinic's
policies."""

from datetime import date, datetime, time, timedelta

import pytest
import test_server as served
from test_server_page import catch_pdfs

from handouts.library import library_root
from handouts.project import open_project

from conftest import pdf_text

pytestmark = pytest.mark.slow  # a server process and a browser
PATIENT = "Quintessa Marrowfield"


def next_tuesday(today: date) -> date:
    """A Tuesday at least 2 days ahead: the server counts from the real clock and refuses a day gone by."""
    ahead = today + timedelta(days=2)
    return ahead + timedelta(days=(1 - ahead.weekday()) % 7)


PROCEDURE = datetime.combine(next_tuesday(date.today()), time(7, 0))


def clock(moment: datetime) -> str:
    """English clock time as the plan prints it: 6:30 AM."""
    return moment.strftime("%I:%M %p").lstrip("0")


def day(moment: datetime) -> str:
    """An English date as the plan prints it: Tuesday, December 8."""
    return f"{moment:%A}, {moment:%B} {moment.day}"


def test_the_plan_sheet_comes_from_the_page_with_the_clinics_times(tmp_path):
    policies = open_project(library_root()).clinic.policies
    arrive = PROCEDURE - timedelta(minutes=policies.arrive_minutes_before)
    last_food = PROCEDURE - timedelta(hours=policies.fasting_food_hours)
    assert last_food.date() < PROCEDURE.date() and last_food.hour >= 18  # "the night before" in this clinic
    with served.desk_in_chromium(tmp_path) as (server, context):
        pdfs = catch_pdfs(context)
        page = context.new_page()
        page.goto(server.url + "/?q=epidural")
        page.get_by_label("Epidural steroid injection").check()
        page.get_by_label("Patient name").fill(PATIENT)
        page.get_by_label("Procedure date").fill(PROCEDURE.strftime("%Y-%m-%d"))
        page.get_by_label("Procedure time").fill(PROCEDURE.strftime("%H:%M"))
        page.get_by_label("Sedation").select_option("yes")
        with context.expect_page() as opened:
            page.get_by_role("button", name="Open PDF to print").click()
        opened.value.wait_for_url("blob:**")
    [body] = pdfs
    text = " ".join(pdf_text(body).split())
    assert text.index(f"Your plan: {PATIENT}") < text.index("Epidural steroid injection")
    assert f"Arrive at {clock(arrive)}, {day(PROCEDURE)}" in text
    assert (
        f"Last food, milk or any drink that is not clear by {clock(last_food)} the night before ({day(last_food)})"
        in text
    )
