"""`handouts serve`: a real server process on a free loopback port, driven over HTTP and from
Debian's Chromium through Playwright."""

import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import sync_playwright

from conftest import REPO, assert_no_warning_lines, pdf_text

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
        environment = {**os.environ, "TMPDIR": str(self.tmp), **(env or {})}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "handouts", "serve", "--port", str(self.port), *args],
                cwd=tmp_path, env=environment, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/login", timeout=2)
                return
            except (urllib.error.URLError, ConnectionError):
                assert self.process.poll() is None, self.log.read_text()
                time.sleep(0.1)
        raise AssertionError("server did not start")

    def post(self, fields: list[tuple[str, str]], cookie: str | None = None):
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.url + "/pdf", data=data, headers={"Cookie": cookie} if cookie else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def stop(self, warnings_expected: bool = False) -> None:
        """Stop the server; the warnings guard of conftest, for this process: no `Warning:` line."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if not warnings_expected:
            assert_no_warning_lines(self.log.read_text())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path)
    yield running
    running.stop()


def visit(slug="epidural-steroid-injection", language="en", **fields):
    return [("slug", slug), ("language", language), *fields.items()]


def test_front_desk_prints_a_personalised_spanish_handout_in_chromium(server, tmp_path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(server.url)
        page.get_by_label("Find a procedure").fill("epidural")
        visible = page.locator(".choices li:visible")
        assert visible.count() == 1 and "Epidural steroid injection" in visible.inner_text()
        page.get_by_label("Epidural steroid injection").check()
        page.get_by_label("Language").select_option("es")
        page.get_by_label("Patient name").fill(PATIENT)
        page.get_by_label("Procedure date").fill("2026-12-03")
        page.get_by_label("Arrival time").fill("08:30")
        answers = []

        def keep_answer(route):  # the browser's own request, passed on; Chromium's PDF viewer hides the body
            response = route.fetch()
            answers.append((response.status, response.headers, response.body()))
            route.fulfill(response=response)

        context.route("**/pdf", keep_answer)
        with context.expect_page() as opened:  # the PDF opens in a new tab, ready to print
            page.get_by_role("button", name="Open PDF to print").click()
        opened.value.wait_for_load_state()
        browser.close()
    [(status, headers, body)] = answers
    assert status == 200
    assert headers["content-type"] == "application/pdf" and headers["cache-control"] == "no-store"
    text = " ".join(pdf_text(body).split())
    assert PATIENT in text and "8:30" in text and "3 de diciembre de 2026" in text and "Su cita" in text
    assert request_body_not_in_url(server)
    server.stop()
    for place in [server.log, *server.tmp.rglob("*"), *(tmp_path / "output").rglob("*"), *(REPO / "output").rglob("*")]:
        if place.is_file():
            assert PATIENT.encode() not in place.read_bytes(), place


def request_body_not_in_url(server) -> bool:
    """The access log names the path only: no query string, no form values."""
    lines = [line for line in server.log.read_text().splitlines() if "handouts.serve" in line]
    return any(line.endswith("POST /pdf 200") for line in lines) and not any("?" in line for line in lines)


def test_search_finds_other_names(server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 800, "height": 1100})  # a tablet, upright
        page.goto(server.url)
        for query, title in [("ESI", "Epidural steroid injection"), ("nerve burn", "Radiofrequency ablation"),
                             ("inyeccion epidural", "Epidural steroid injection")]:
            page.get_by_label("Find a procedure").fill(query)
            assert title in page.locator(".choices li:visible").all_inner_texts()[0]
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Search"
        browser.close()


def test_personalised_packet_has_each_handout_on_a_new_sheet(server):
    status, headers, body = server.post([("slug", "pain-diary"), ("slug", "peripheral-nerve-block"),
                                         ("language", "en"), ("patient", PATIENT), ("arrive", "13:15")])
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    assert [item.title for item in reader.outline] == ["Pain diary", "Peripheral nerve block"]
    assert reader.get_destination_page_number(reader.outline[1]) % 2 == 0  # a right-hand page
    assert "1:15 PM" in pdf_text(body)


@pytest.mark.parametrize("fields,message", [
    (visit(slug="no-such-thing"), "no-such-thing: no such handout"),
    (visit(date="2026-02-30"), "procedure date: not a date like 2026-12-03"),
    (visit(patient="x" * 10_000), "patient name: too long (at most 100 characters)"),
    (visit(language="fr"), "epidural-steroid-injection: no fr version (there is: en, es)"),
    ([("language", "en")], "choose at least one handout"),
])
def test_bad_form_input_gets_a_friendly_message(server, fields, message):
    status, headers, body = server.post(fields)
    assert status == 400
    assert headers["Content-Type"].startswith("text/html") and headers["Cache-Control"] == "no-store"
    assert f"<li>{message}" in body.decode()


def test_html_in_fields_is_printed_as_text(server):
    status, _, body = server.post(visit(patient="<b>Bo</b><i>x</i>", note="<script>alert(1)</script>"))
    assert status == 200
    text = pdf_text(body)
    assert "<b>Bo</b><i>x</i>" in text and "<script>alert(1)</script>" in text


def test_broken_content_file_is_a_4xx_and_the_server_keeps_serving(tmp_path):
    project = tmp_path / "clinic"
    (project / "content/en").mkdir(parents=True)
    (project / "assets").mkdir()
    (project / "clinic.yaml").write_text((REPO / "clinic.yaml").read_text().replace("logo: assets/logo.svg\n", ""))
    (project / "content/en/broken.yaml").write_text("title: [unclosed\n")
    running = Server(tmp_path, "--project", str(project))
    try:
        status, _, body = running.post(visit(slug="broken"))
        assert status == 422 and "The PDF could not be made" in body.decode()
        assert running.post(visit())[0] == 200
        assert urllib.request.urlopen(running.url + "/").status == 200
    finally:
        running.stop(warnings_expected=True)  # the broken file is named in the log
    assert "Warning: left off the list: content/en/broken.yaml:2: YAML syntax error" in running.log.read_text()


def test_non_loopback_host_needs_a_passcode():
    result = subprocess.run([sys.executable, "-m", "handouts", "serve", "--host", "0.0.0.0"],
                            capture_output=True, text=True, env={**os.environ, "HANDOUTS_PASSCODE": ""}, timeout=60)
    assert result.returncode == 1
    assert result.stderr == ("Error: --host 0.0.0.0 can be reached from other computers: "
                             "set a passcode with --passcode or HANDOUTS_PASSCODE\n")


def test_passcode_is_asked_once_per_browser_session(tmp_path):
    running = Server(tmp_path, env={"HANDOUTS_PASSCODE": "river-2026"})
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-background-networking"])
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
            browser.close()
        _, headers, body = running.post(visit())  # no session cookie: sent to the sign-in page
        assert headers["Content-Type"].startswith("text/html") and b'name="passcode"' in body
    finally:
        running.stop()


def test_memory_stays_flat_under_load(server):
    process = psutil.Process(server.process.pid)
    fields = visit(slug="why-see-a-pain-specialist", patient=PATIENT)

    def request(_):
        return server.post(fields)[0]

    with ThreadPoolExecutor(max_workers=10) as clients:
        statuses = list(clients.map(request, range(20)))
        after_first = process.memory_info().rss
        statuses += list(clients.map(request, range(180)))
    assert statuses == [200] * 200
    assert process.memory_info().rss <= after_first * 1.2
