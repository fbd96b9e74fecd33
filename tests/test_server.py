"""`handouts serve`: a real server process on a free loopback port, driven over HTTP and from
Debian's Chromium through Playwright."""

import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import BrowserContext, sync_playwright

from conftest import REPO, assert_no_warning_lines, handout_bookmarks, page_token, pdf_text

pytestmark = pytest.mark.slow  # a server process, a browser, load
CHROMIUM = "/usr/bin/chromium"
PATIENT = "Quintessa Marrowfield"


class Server:
    """`python -m handouts serve` in its own process, with its own temp dir and log file."""

    def __init__(self, tmp_path: Path, *args: str, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tmp_path / "server-tmp"
        self.tmp.mkdir(exist_ok=True)
        self.log = tmp_path / "server.log"
        self.patients = {PATIENT}  # the name the browser tests type, and every name posted (`Tab.post`)
        environment = {**os.environ, "TMPDIR": str(self.tmp), **(env or {})}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "handouts", "serve", "--port", str(self.port), *args],
                cwd=tmp_path,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/login", timeout=2)
                return
            except OSError:  # not listening yet, or busy starting
                assert self.process.poll() is None, self.log.read_text()
                time.sleep(0.1)
        self.process.kill()
        raise AssertionError("server did not start")

    def post(self, fields: list[tuple[str, str]], timeout: float = 60):
        """The form as a browser tab sends it: with the session cookie and the page's CSRF token."""
        return Tab(self).post(fields, timeout)

    def workers(self) -> list[psutil.Process]:
        return [
            child for child in psutil.Process(self.process.pid).children() if "spawn_main" in " ".join(child.cmdline())
        ]

    def stop(self, warnings_expected: bool = False) -> None:
        """Stop the server; the warnings guard of conftest, for this process: no `Warning:` line; and
        no patient's name anywhere in what it printed (its log, standard output and error, its workers')."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        printed = self.log.read_text(errors="replace")
        assert not [name for name in self.patients if name and name in printed], "a patient's name is in the log"
        if not warnings_expected:
            assert_no_warning_lines(printed)


class Tab:
    """One browser tab: a session cookie and the CSRF token of the page it loaded."""

    def __init__(self, server: Server):
        self.server = server
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        with self.opener.open(server.url + "/", timeout=60) as response:
            self.token = page_token(response.read().decode())

    def post(self, fields: list[tuple[str, str]], timeout: float = 60):
        self.server.patients.update(value for name, value in fields if name == "patient")
        data = urllib.parse.urlencode([*fields, ("csrf_token", self.token)]).encode()
        try:
            with self.opener.open(self.server.url + "/pdf", data=data, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module, as a clinic runs it; `stop` checks its log for patient names."""
    running = Server(tmp_path_factory.mktemp("front-desk"), "--workers", "1")
    yield running
    running.stop()


def visit(slug="epidural-steroid-injection", language="en", **fields):
    return [("slug", slug), ("language", language), *fields.items()]


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
    )


@contextmanager
def desk_in_chromium(tmp_path: Path) -> Iterator[tuple[Server, BrowserContext]]:
    """A server of the test's own (one worker) and a 1280x800 Chromium window for it; the browser is
    closed and the server stopped (its log checked) however the test ends."""
    server = Server(tmp_path, "--workers", "1")
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                yield server, browser.new_context(viewport={"width": 1280, "height": 800})
            finally:
                browser.close()
    finally:
        server.stop()


def test_front_desk_prints_a_personalised_spanish_handout_in_chromium(tmp_path):
    with desk_in_chromium(tmp_path) as (server, context):
        page = context.new_page()
        page.goto(server.url)
        page.get_by_label("Find a procedure").fill("epidural steroid")
        visible = page.locator(".choices li:visible")
        assert visible.count() == 1 and "Epidural steroid injection" in visible.inner_text()
        page.get_by_label("Epidural steroid injection").check()
        page.get_by_label("Language").select_option("es")
        page.get_by_label("Patient name").fill(PATIENT)
        page.get_by_label("Procedure date").fill("2099-12-03")
        page.get_by_text("More: a different arrival time").click()  # the desk's override of the clinic's rule
        page.get_by_label("Arrival time").fill("08:30")
        answers = []

        def keep_answer(route):  # the browser's own request, passed on; Chromium's PDF viewer hides the body
            response = route.fetch()
            answers.append((route.request.resource_type, response.status, response.headers, response.body()))
            route.fulfill(response=response)

        context.route("**/pdf", keep_answer)
        history = page.evaluate("history.length")
        with context.expect_page() as opened:  # the PDF opens in a new tab, ready to print
            page.get_by_role("button", name="Open PDF to print").click()
        tab = opened.value
        tab.wait_for_url("blob:**")  # no navigation that holds the form: nothing for session restore to keep
        assert page.evaluate("history.length") == history and page.url == server.url + "/"
        second = context.new_page()  # a second tab of the same session prints too
        second.goto(server.url + "/?q=diary")
        second.get_by_label("Pain diary").check()
        with context.expect_page() as also_opened:
            second.get_by_role("button", name="Open PDF to print").click()
        also_opened.value.wait_for_url("blob:**")
    [(kind, status, headers, body), (_, second_status, _, _)] = answers
    assert kind == "fetch" and status == 200 and second_status == 200
    assert headers["content-type"] == "application/pdf" and headers["cache-control"] == "no-store"
    text = " ".join(pdf_text(body).split())
    assert PATIENT in text and "8:30" in text and "jueves 3 de diciembre" in text and "Su cita" in text
    assert request_body_not_in_url(server)
    for place in [server.log, *server.tmp.rglob("*"), *(tmp_path / "output").rglob("*"), *(REPO / "output").rglob("*")]:
        if place.is_file():
            assert PATIENT.encode() not in place.read_bytes(), place


def test_without_javascript_the_form_still_opens_the_pdf(server):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(server.url + "/?q=diary")
        page.get_by_label("Pain diary").check()
        with context.expect_page() as opened, context.expect_event("response", lambda r: r.url.endswith("/pdf")) as got:
            page.get_by_role("button", name="Open PDF to print").click()
        assert got.value.status == 200 and got.value.headers["content-type"] == "application/pdf"
        assert opened.value.url == server.url + "/pdf"
        browser.close()


def test_an_error_is_shown_on_the_page_and_no_tab_stays_open(server):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url + "/?q=diary")
        page.get_by_label("Pain diary").check()
        page.get_by_label("Procedure date").evaluate("box => { box.type = 'text'; box.value = '2026-02-30'; }")
        page.get_by_role("button", name="Open PDF to print").click()
        page.locator("main > .message").wait_for()
        assert "procedure date: not a date like 2026-12-03" in page.locator("main > .message").inner_text()
        page.wait_for_timeout(300)
        assert len(context.pages) == 1
        browser.close()


def request_body_not_in_url(server) -> bool:
    """The access log names the path only: no query string, no form values."""
    lines = [line for line in server.log.read_text().splitlines() if "handouts.serve" in line]
    return any(line.endswith("POST /pdf 200") for line in lines) and not any("?" in line for line in lines)


def test_search_finds_other_names(server):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 800, "height": 1100})  # a tablet, upright
        page.goto(server.url)
        for query, title in [
            ("ESI", "Epidural steroid injection"),
            ("nerve burn", "Radiofrequency ablation"),
            ("inyeccion epidural", "Epidural steroid injection"),
        ]:
            page.get_by_label("Find a procedure").fill(query)
            assert any(title in text for text in page.locator(".choices li:visible").all_inner_texts())
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Search"
        browser.close()


def test_personalised_packet_has_each_handout_on_a_new_sheet(server):
    status, headers, body = server.post(
        [
            ("slug", "pain-diary"),
            ("slug", "peripheral-nerve-block"),
            ("language", "en"),
            ("patient", PATIENT),
            ("arrive", "13:15"),
        ]
    )
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    bookmarks = handout_bookmarks(reader)
    assert [item.title for item in bookmarks] == ["Pain diary", "Peripheral nerve block"]
    assert reader.get_destination_page_number(bookmarks[1]) % 2 == 0  # a right-hand page
    assert "1:15 PM" in " ".join(pdf_text(body).split())  # the time keeps its narrow no-break space


def test_one_handout_asked_for_4000_times_is_printed_once(server):
    status, _, body = server.post([("slug", "pain-diary")] * 4000 + [("language", "en")], timeout=30)
    assert status == 200
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(body)).pages) <= 2


@pytest.mark.parametrize(
    "fields,message",
    [
        (visit(slug="no-such-thing"), "no-such-thing: no such handout"),
        (visit(date="2026-02-30"), "procedure date: not a date like 2026-12-03"),
        (visit(patient="x" * 10_000), "patient name: too long (at most 100 characters)"),
        (visit(language="fr"), "epidural-steroid-injection: no fr version (there is: en, es, ko, vi, zh)"),
        ([("language", "en")], "choose at least one handout"),
        (
            [("slug", f"handout-{number}") for number in range(13)] + [("language", "en")],
            "choose at most 12 handouts for one visit (you chose 13)",
        ),
    ],
)
def test_bad_form_input_gets_a_friendly_message(server, fields, message):
    status, headers, body = server.post(fields)
    assert status == 400
    assert headers["Content-Type"].startswith("text/html") and headers["Cache-Control"] == "no-store"
    assert re.search(rf"<li id=\"problem-[0-9]+\"[^>]*>{re.escape(message)}", body.decode())  # one line each


def test_html_in_fields_is_printed_as_text(server):
    status, _, body = server.post(visit(patient="<b>Bo</b><i>x</i>", note="<script>alert(1)</script>"))
    assert status == 200
    text = pdf_text(body)
    assert "<b>Bo</b><i>x</i>" in text and "<script>alert(1)</script>" in text


def test_a_broken_handout_is_a_4xx_with_its_file_and_the_server_keeps_serving(tmp_path):
    project = tmp_path / "clinic"
    (project / "content/en").mkdir(parents=True)
    (project / "assets").mkdir()
    (project / "clinic.yaml").write_text((REPO / "clinic.yaml").read_text().replace("logo: assets/logo.svg\n", ""))
    (project / "content/en/broken.yaml").write_text("title: [unclosed\n")
    running = Server(tmp_path, "--project", str(project), "--workers", "1")
    try:
        status, _, body = running.post(visit(slug="broken"))
        assert status == 422 and "The PDF could not be made: content/en/broken.yaml:" in body.decode()
        assert running.post(visit())[0] == 200
        assert urllib.request.urlopen(running.url + "/").status == 200
    finally:
        running.stop(warnings_expected=True)  # the broken file is named in the log
    assert "Warning: left off the list: content/en/broken.yaml:2: YAML syntax error" in running.log.read_text()


def test_non_loopback_host_needs_a_passcode():
    result = subprocess.run(
        [sys.executable, "-m", "handouts", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env={**os.environ, "HANDOUTS_PASSCODE": ""},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: --host 0.0.0.0 can be reached from other computers: "
        "set a passcode with HANDOUTS_PASSCODE or --passcode-file\n"
    )


def test_passcode_is_asked_once_per_browser_session(tmp_path):
    running = Server(tmp_path, "--workers", "1", env={"HANDOUTS_PASSCODE": "river-2026"})
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page()
            page.goto(running.url)
            assert page.url.endswith("/login")
            page.get_by_label("Passcode").fill("wrong")
            page.get_by_role("button", name="Sign in").click()
            assert "not right" in page.inner_text("main")
            page.get_by_label("Passcode").fill("river-2026")
            page.get_by_role("button", name="Sign in").click()
            assert page.url == running.url + "/"
            page.goto(running.url + "/?q=diary")
            assert page.get_by_label("Pain diary").is_visible()
            page.get_by_role("button", name="Sign out").click()
            assert page.url.endswith("/login")
            page.goto(running.url)
            assert page.url.endswith("/login")
            browser.close()
        opener = urllib.request.build_opener()  # no session cookie: sent to the sign-in page
        body = opener.open(running.url + "/", timeout=60).read()
        assert b'name="passcode"' in body
    finally:
        running.stop()


def burst(server, fields, tabs=10):
    """`tabs` tabs press print at the same moment: each answer's status, headers, body and seconds."""
    opened = [Tab(server) for _ in range(tabs)]
    start = threading.Barrier(tabs)

    def print_packet(tab):
        start.wait()
        began = time.monotonic()
        status, headers, body = tab.post(fields)
        return status, headers, body, time.monotonic() - began

    with ThreadPoolExecutor(max_workers=tabs) as clients:
        return list(clients.map(print_packet, opened))


def test_a_crowd_waits_its_turn_instead_of_hearing_busy(tmp_path):
    """One worker, ten tabs at once: far more than twice the workers, and every one gets its PDF.
    The longest queue there is, so a slow machine does not push the tenth past the deadline."""
    running = Server(tmp_path, "--workers", "1", "--queue-seconds", "300")
    try:
        answers = burst(running, visit(slug="pain-diary"))
    finally:
        running.stop()
    assert [status for status, *_ in answers] == [200] * 10
    assert all(body.startswith(b"%PDF") for _, _, body, _ in answers)


def test_past_the_queue_deadline_the_crowd_hears_busy_with_a_time_to_retry(tmp_path):
    """A one-second queue: packets of three handouts that could not start within it are refused at once."""
    running = Server(tmp_path, "--workers", "1", "--queue-seconds", "1")
    try:
        packet = [("slug", "pain-diary"), ("slug", "peripheral-nerve-block"), ("slug", "epidural-steroid-injection")]
        packet += [("language", "en")]
        answers = burst(running, packet, tabs=6)
        statuses = sorted(status for status, *_ in answers)
        assert statuses.count(200) >= 1 and statuses.count(503) >= 3 and set(statuses) == {200, 503}, statuses
        for status, headers, body, seconds in answers:
            if status == 503:
                assert int(headers["Retry-After"]) >= 1 and "busy" in body.decode() and seconds < 2
        assert running.post(visit(slug="pain-diary"))[0] == 200  # and afterwards, business as usual
    finally:
        running.stop()


def test_a_packet_whose_client_left_is_not_rendered(server):
    first = Tab(server)
    busy = threading.Thread(target=first.post, args=([("slug", slug) for slug in SEVERAL] + [("language", "en")],))
    busy.start()
    time.sleep(0.5)  # the one worker is busy with the first packet
    left = Tab(server)
    body = urllib.parse.urlencode([("slug", "pain-diary"), ("language", "en"), ("csrf_token", left.token)])
    cookie = "; ".join(f"{cookie.name}={cookie.value}" for cookie in left.cookies)
    with socket.create_connection(("127.0.0.1", server.port)) as raw:  # sends the form, then hangs up
        raw.sendall(
            (
                f"POST /pdf HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: {cookie}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n{body}"
            ).encode()
        )
        time.sleep(0.3)
    busy.join()
    deadline = time.monotonic() + 10
    while "POST /pdf 499" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "POST /pdf 499" in server.log.read_text()


SEVERAL = [
    "pain-diary",
    "peripheral-nerve-block",
    "epidural-steroid-injection",
    "facet-joint-injection",
    "radiofrequency-ablation",
    "sacroiliac-joint-injection",
]


def test_workers_use_every_core_and_die_with_a_killed_server(tmp_path):
    running = Server(tmp_path, "--workers", "2")
    workers = running.workers()
    assert len(workers) == 2
    running.process.kill()  # kill -9: no chance to clean up
    running.process.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive


def test_ctrl_c_mid_render_stops_the_server_and_its_workers(tmp_path):
    running = Server(tmp_path, "--workers", "1")
    workers = running.workers()
    tab = Tab(running)
    printing = threading.Thread(target=tab.post, args=([("slug", slug) for slug in SEVERAL] + [("language", "en")],))
    printing.start()
    time.sleep(1)
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(timeout=60) in (0, 1)
    printing.join()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
    assert "Traceback" not in running.log.read_text()
