"""The front-desk page in Debian's Chromium (Playwright), served by a real `handouts serve`: the
accessibility audit's findings, checked by axe-core (installed by `make test-system`, read from
tests/browser/node_modules) and by the keyboard; the new visit fields; the sticky "You picked" list."""

import threading
import time
from pathlib import Path

import pytest
import test_server as served
from playwright.sync_api import expect, sync_playwright

from handouts.visit import FIELDS
from handouts.web.brand import RING_CONTRAST, contrast

from conftest import pdf_text

pytestmark = pytest.mark.slow  # a server process and a browser
AXE = Path(__file__).parent / "browser/node_modules/axe-core/axe.min.js"
PATIENT = "Quintessa Marrowfield"
NEEDS_PROCEDURE_TIME = pytest.mark.skipif(
    "time" not in FIELDS, reason="the visit model has no procedure `time` yet (it comes with the `plan` branch)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = served.Server(tmp_path_factory.mktemp("front-desk-page"), "--workers", "1")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = served.launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    # axe is added as a script of the page's own: the page's CSP allows only its own scripts
    opened = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    yield opened
    opened.close()


def axe_violations(page) -> list[str]:
    assert AXE.is_file(), "axe-core is missing: run `make test-system`"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{rule['id']}: {[node['target'] for node in rule['nodes']]}" for rule in result["violations"]]


def catch_pdfs(context) -> list[bytes]:
    """The PDFs the page fetches (Chromium's viewer hides the body from the page)."""
    bodies: list[bytes] = []

    def keep(route):
        response = route.fetch()
        if response.headers.get("content-type") == "application/pdf":
            bodies.append(response.body())
        route.fulfill(response=response)

    context.route("**/pdf", keep)
    return bodies


def show_an_error(page) -> None:
    page.goto(page.url.split("?")[0] + "?q=diary")
    page.get_by_label("Pain diary").check()
    page.get_by_label("Procedure date").evaluate("box => { box.type = 'text'; box.value = '2026-02-30'; }")
    page.get_by_role("button", name="Open PDF to print").click()
    page.locator("main > .message").wait_for()


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_nothing_on_the_page_its_search_and_its_error(server, context, width):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(server.url)
    assert axe_violations(page) == []
    page.goto(server.url + "/?q=nerve burn")
    page.get_by_label("Radiofrequency ablation").check()
    page.get_by_text("More: a different arrival time").click()
    assert axe_violations(page) == []
    show_an_error(page)
    assert axe_violations(page) == []


def test_axe_finds_nothing_on_the_sign_in_page(tmp_path, browser):
    running = served.Server(tmp_path, "--workers", "1", env={"HANDOUTS_PASSCODE": "river-2026"})
    try:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(running.url)
        assert page.url.endswith("/login") and axe_violations(page) == []
        context.close()
    finally:
        running.stop()


def test_the_focus_ring_stands_out_on_white_and_on_the_page(server, context):
    page = context.new_page()
    page.goto(server.url)
    page.keyboard.press("Tab")  # the search box, on a white field over the page background
    page.keyboard.press("Tab")  # the Search button, on the page background
    assert page.evaluate("document.activeElement.textContent") == "Search"
    ring, style, width = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineColor, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    page_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert style == "solid" and width >= 2
    assert contrast(ring, "white") >= RING_CONTRAST and contrast(ring, page_background) >= RING_CONTRAST


def test_no_sideways_scroll_at_320_pixels(server, context):
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(server.url)
    for slug in ["spinal-stenosis-procedures", "ketamine-and-lidocaine-infusions", "pain-diary"]:
        page.locator(f'input[value="{slug}"]').check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_text("More: a different arrival time").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    show_an_error(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_result_count_is_said_in_a_live_region(server, context):
    page = context.new_page()
    page.goto(server.url)
    page.get_by_label("Find a procedure").fill("nerve burn")
    count = page.get_by_role("status").filter(has_text="match")
    count.wait_for()
    assert count.inner_text() == "2 handouts match"
    assert page.get_by_label("Find a procedure").get_attribute("aria-describedby") == "count"
    page.get_by_label("Find a procedure").fill("zzzz")
    page.get_by_role("status").filter(has_text="No handout matches").wait_for()


def test_spanish_is_marked_as_spanish(server, context):
    page = context.new_page()
    page.goto(server.url)
    assert page.locator("#language option", has_text="Español").get_attribute("lang") == "es"


def two_picked(server, context, width: int, height: int):
    """A new page of this size with the epidural and the pain diary picked."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server.url)
    page.get_by_label("Epidural steroid injection").check()
    page.get_by_label("Pain diary").check()
    return page


def test_you_picked_stays_in_view_as_the_desk_scrolls(server, context):
    page = two_picked(server, context, 800, 700)
    picked = page.get_by_role("region", name="You picked")
    assert picked.get_by_role("listitem").all_inner_texts() == ["Epidural steroid injection", "Pain diary"]
    for place in ["0", "document.body.scrollHeight / 2", "document.body.scrollHeight"]:
        page.evaluate(f"window.scrollTo(0, {place})")
        box = picked.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 700, place
        assert picked.get_by_role("button", name="Open PDF to print").is_visible()


def test_at_200_percent_zoom_the_focused_control_is_never_under_the_bar(server, context):
    """WCAG 2.4.11: a 1280x800 screen at 200% zoom is 640x400 CSS pixels; there the bar stays in place."""
    page = two_picked(server, context, 640, 400)
    page.get_by_label("Find a procedure").focus()
    covered = []
    for _ in range(40):
        page.keyboard.press("Tab")
        hidden = page.evaluate(
            """() => {
                const focused = document.activeElement.getBoundingClientRect();
                const bar = document.querySelector('.picked');
                if (bar.contains(document.activeElement)) return null;
                const over = bar.getBoundingClientRect();
                return focused.top >= over.top && focused.bottom <= over.bottom && over.top < innerHeight
                    ? document.activeElement.outerHTML.slice(0, 80) : null;
            }"""
        )
        covered += [hidden] if hidden else []
    assert covered == []


def test_an_error_is_tied_to_its_field_and_gets_focus_then_focus_returns_to_the_button(server, context):
    page = context.new_page()
    page.goto(server.url)
    pdfs = catch_pdfs(context)
    show_an_error(page)
    message = page.locator("main > .message")
    date = page.get_by_label("Procedure date")
    expect(date).to_be_focused()
    problem = message.locator("li", has_text="procedure date: not a date like 2026-12-03")
    assert date.get_attribute("aria-invalid") == "true"
    assert date.get_attribute("aria-describedby") == problem.get_attribute("id")
    date.evaluate("box => { box.value = ''; }")
    with context.expect_page() as opened:
        page.get_by_role("button", name="Open PDF to print").click()
    opened.value.wait_for_url("blob:**")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('make')")
    assert message.count() == 0 and date.get_attribute("aria-invalid") is None
    assert date.get_attribute("aria-describedby") is None and len(pdfs) == 1


def test_without_javascript_an_error_is_tied_to_its_field_and_focused(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/?q=diary")
    page.get_by_label("Pain diary").check()
    page.get_by_label("Procedure date").evaluate("box => { box.type = 'text'; box.value = '2026-02-30'; }")
    with context.expect_page() as opened:  # the form opens its answer in a new tab
        page.get_by_role("button", name="Open PDF to print").click()
    answer = opened.value
    answer.wait_for_load_state()
    date = answer.get_by_label("Procedure date")
    assert date.get_attribute("aria-invalid") == "true"
    assert "not a date" in answer.locator(f"#{date.get_attribute('aria-describedby')}").inner_text()
    expect(date).to_be_focused()
    context.close()


UNPRINTABLE = "\ue000\ue001"  # private use: no bundled font draws it
NOT_PRINTABLE = "patient name: this name has characters we cannot print"
NO_HANDOUT = "choose at least one handout"


def ask_for_a_pdf(page, tick: str | None, patient: str = "") -> None:
    """The desk ticks a handout (or none), types the patient's name and presses Open PDF to print."""
    page.goto(page.url.split("?")[0] + "?q=diary")
    if tick:
        page.get_by_label(tick).check()
    page.get_by_label("Patient name").fill(patient)
    page.get_by_role("button", name="Open PDF to print").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
@pytest.mark.parametrize(
    ("tick", "patient", "field", "said"),
    [("Pain diary", UNPRINTABLE, "Patient name", NOT_PRINTABLE), (None, "", None, NO_HANDOUT)],
    ids=["characters", "no-handout"],
)
def test_the_field_an_error_is_about_describes_it_and_has_the_focus(
    server, browser, javascript, tick, patient, field, said
):
    """Characters no font draws (in the patient's name) and no handout ticked: the field (the first
    handout's checkbox) is invalid, its accessible description is the message's line, and it has the focus;
    axe finds nothing on the page the script changed."""
    context = browser.new_context(java_script_enabled=javascript, bypass_csp=True)
    page = context.new_page()
    page.goto(server.url)
    if javascript:
        ask_for_a_pdf(page, tick, patient)
        page.locator("main > .message").wait_for()
    else:
        with context.expect_page() as opened:  # the form opens its answer in a new tab
            ask_for_a_pdf(page, tick, patient)
        page = opened.value
        page.wait_for_load_state()
    box = page.get_by_label(field) if field else page.get_by_role("checkbox").first  # the first handout's
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description(said)
    expect(box).to_be_focused()
    assert not javascript or axe_violations(page) == []  # axe is a script: it runs where scripts do
    context.close()


def test_keyboard_only_find_tick_language_large_print_visit_and_pdf(server, context):
    page = context.new_page()
    pdfs = catch_pdfs(context)
    page.goto(server.url)
    keys = page.keyboard
    keys.press("Tab")  # the search box
    keys.type("shot in my back")
    keys.press("Tab")  # Search
    keys.press("Tab")  # the first handout shown
    assert page.evaluate("document.activeElement.value") == "epidural-steroid-injection"
    keys.press("Space")
    focus_on = page.evaluate
    while focus_on("document.activeElement.id") != "language":
        keys.press("Tab")
    keys.type("Esp")  # typing a name picks it, as on any select
    keys.press("Tab")
    keys.press("Space")  # large print
    keys.press("Tab")
    keys.type(PATIENT)
    keys.press("Tab")
    keys.type("12082026")  # Procedure date, as Chromium's date box takes it
    with context.expect_page() as opened:
        keys.press("Enter")  # submits the form from any of its fields
    opened.value.wait_for_url("blob:**")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('make')")
    [body] = pdfs
    text = " ".join(pdf_text(body).split())
    assert "Inyección epidural de esteroides" in text and PATIENT in text and "martes 8 de diciembre" in text
    assert page.locator("#large_print").is_checked() and page.locator("#language").input_value() == "es"


@NEEDS_PROCEDURE_TIME
@pytest.mark.parametrize("picks", [0, 12])
def test_what_gets_focus_is_never_hidden_under_you_picked(server, context, picks):
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(server.url)
    boxes = page.locator("input[name=slug]")
    for index in range(picks):
        boxes.nth(index).check()
    bar = page.get_by_role("region", name="You picked")
    page.evaluate("window.scrollTo(0, 0)")
    hidden = []
    for index in range(boxes.count()):
        boxes.nth(index).focus()
        focused = page.evaluate("document.activeElement.getBoundingClientRect().bottom")
        if focused > bar.bounding_box()["y"]:
            hidden.append(boxes.nth(index).get_attribute("value"))
    assert hidden == []


def test_making_the_pdf_is_announced(server, context):
    page = context.new_page()
    page.goto(server.url + "/?q=diary")
    page.get_by_label("Pain diary").check()
    status = page.locator(".picked [role=status]")
    with context.expect_page() as opened:
        page.get_by_role("button", name="Open PDF to print").click()
    opened.value.wait_for_url("blob:**")
    status.filter(has_text="Your PDF is open in a new tab.").wait_for()


def test_the_procedure_time_and_its_arrival_reach_the_pdf(server, context):
    page = context.new_page()
    pdfs = catch_pdfs(context)
    page.goto(server.url + "/?q=sciatica")
    page.get_by_label("Epidural steroid injection").check()
    page.get_by_label("Procedure date").fill("2099-12-08")
    page.get_by_label("Procedure time").fill("07:00")
    page.get_by_label("Sedation").select_option("yes")
    with context.expect_page() as opened:
        page.get_by_role("button", name="Open PDF to print").click()
    opened.value.wait_for_url("blob:**")
    text = " ".join(pdf_text(pdfs[0]).split())
    assert "7:00" in text and "6:30" in text  # arrive 30 minutes before, from clinic.yaml's policy


def test_a_busy_answer_is_said_and_the_page_tries_again_by_itself(tmp_path, browser, library_project):
    """A one-second queue and its one worker busy with a packet of 12 handouts: the desk's click is
    refused with Retry-After (12 handouts ahead at the time one has taken, less the queue's second),
    the live region says so, and the page's own retry brings the PDF."""
    running = served.Server(tmp_path, "--workers", "1", "--queue-seconds", "1")
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(running.url + "/?q=diary")
        page.get_by_label("Pain diary").check()
        long_packet = [("slug", slug) for slug in list(library_project.catalog())[:12]] + [("language", "en")]
        other_desk = served.Tab(running)
        assert other_desk.post([("slug", "pain-diary"), ("language", "en")])[0] == 200  # timed: how long one takes
        holding = threading.Thread(target=other_desk.post, args=(long_packet, 120))
        holding.start()
        time.sleep(0.5)  # the other desk's packet has the one worker
        status = page.locator(".picked [role=status]")
        with context.expect_page(timeout=90_000) as opened:
            page.get_by_role("button", name="Open PDF to print").click()
            status.filter(has_text="The front desk is busy. Trying again in").wait_for()
        opened.value.wait_for_url("blob:**", timeout=150_000)  # up to 4 tries, on a busy machine
        status.filter(has_text="Your PDF is open in a new tab.").wait_for()
        holding.join()
        context.close()
    finally:
        running.stop()
    assert "POST /pdf 503" in running.log.read_text()
