"""Today's schedule in Debian's Chromium (Playwright), served by a real `handouts serve` behind a
passcode: upload a day of 3 appointments, see the rows, change one packet's handouts and language,
print one packet; no patient's name is left
in the server's log or its TMPDIR."""

import pytest
import test_server as served
import test_visits as visits
from playwright.sync_api import sync_playwright
from test_schedule_page import NAMES, THREE
from test_server_page import axe_violations

from conftest import PASSCODE, pdf_reader, pdf_text

pytestmark = pytest.mark.slow  # a server process, a worker and a browser


def test_the_desk_uploads_a_schedule_and_prints_one_patients_packet(tmp_path):
    server = served.Server(tmp_path, "--workers", "1", env={"HANDOUTS_PASSCODE": PASSCODE})
    server.patients |= set(NAMES)
    answers: list[tuple[int, str, bytes]] = []

    def keep_answer(route):  # passed on as it came; Chromium's PDF viewer hides the body from the page
        response = route.fetch()
        answers.append((response.status, response.headers.get("content-type", ""), response.body()))
        route.fulfill(response=response)

    try:
        with sync_playwright() as playwright:
            browser = served.launch(playwright)
            # axe is added as a script of the page's own: the page's CSP allows only its own scripts
            context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
            page = context.new_page()
            page.goto(server.url)
            page.get_by_label("Passcode").fill(PASSCODE)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("link", name="Today's schedule").click()
            page.get_by_label("Schedule from the EHR").set_input_files(
                files=[{"name": "day.csv", "mimeType": "text/csv", "buffer": visits.day_csv(THREE).encode()}]
            )
            page.get_by_role("button", name="Upload").click()
            rows = page.get_by_role("row")
            rows.nth(3).wait_for()
            texts = [rows.nth(index).inner_text() for index in range(1, 4)]
            assert ["Ana Quintero" in texts[0], "John Whitfield" in texts[1], "Sam Kellner" in texts[2]] == [True] * 3
            assert "Spanish" in texts[0] and "unmapped: 99999" in texts[2]
            assert axe_violations(page) == []
            change = page.locator("details", has=page.get_by_text("Change handouts or language for Sam Kellner"))
            change.locator("summary").click()
            change.get_by_label("Add a handout").select_option(label="Trigger point injection")
            change.get_by_label("Language").select_option("es")
            assert axe_violations(page) == []  # the open form too
            change.get_by_role("button", name="Save changes").click()
            page.get_by_role("row", name="Sam Kellner").get_by_text("Inyección en puntos gatillo").wait_for()
            assert page.get_by_role("button", name="Print packet Sam Kellner").count() == 1
            context.route("**/schedule/*/*", keep_answer)
            with context.expect_page() as opened:
                page.get_by_role("button", name="Print packet Ana Quintero").click()
            opened.value.wait_for_load_state()
            with context.expect_page() as opened:
                page.get_by_role("button", name="Print all").click()
            opened.value.wait_for_load_state()
            browser.close()
    finally:
        server.stop()
    [(status, kind, body), (day_status, day_kind, day)] = answers
    assert status == day_status == 200 and kind == day_kind == "application/pdf"
    text = " ".join(pdf_text(body).split())
    assert "Ana Quintero" in text and "8:30 a. m." in text and "John Whitfield" not in text
    pages = [" ".join(page.extract_text().split()) for page in pdf_reader(day).pages]
    assert all(name in pages[0] for name in NAMES)  # the desk's list, then Ana's packet and John's
    assert pages.index(next(page for page in pages if "Ana Quintero" in page and "8:30 a. m." in page)) > 0
    assert any("John Whitfield" in page and "9:00" in page for page in pages[1:])
    for place in [server.log, *server.tmp.rglob("*")]:
        if place.is_file():
            content = place.read_bytes()
            assert not [name for name in NAMES if name.encode() in content], place
