"""Issue 23, the front desk's half: visit details no bundled font draws are refused and the warnings
of a render that holds them never quote them; a packet never touches the disk; idle connections
cannot keep the desk out; every render has a time and memory budget; packets are 0600; a
passcode file open to the group or others is refused; sign-out ends copies of the session; the page works behind
an HTTPS proxy; a worker that cannot start is named in one line."""

import http.client
import os
import random
import re
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from handouts.project import open_project
from handouts.server import create_app
from handouts.web.pool import RenderPool

from conftest import PASSCODE, REPO, form_token, page_token, pdf_text, sample

UNDRAWN_NAME = "\ue000\ue001"  # private use: no bundled font draws it
NAME = "Quintessa Marrowfield"


def font_also_mapping(project: Path, text: str) -> None:
    """A font file in the project's assets/fonts/ whose character map claims `text` (drawn as "A"):
    the characters now count as covered, yet no @font-face uses the file, so WeasyPrint cannot find
    them and warns, quoting each one."""
    font = TTFont(REPO / "assets" / "fonts" / "AtkinsonHyperlegible-Regular.ttf")
    glyph = font.getBestCmap()[ord("A")]
    for table in font["cmap"].tables:
        if table.isUnicode() and table.format in (4, 12):
            table.cmap.update({ord(char): glyph for char in text})
    (project / "assets" / "fonts").mkdir(parents=True, exist_ok=True)
    font.save(project / "assets" / "fonts" / "claims-more.ttf")


# 1. Characters the fonts lack, and warnings that would quote them


def test_a_name_no_bundled_font_draws_is_refused_before_rendering(run, tmp_path):
    out = tmp_path / "visit.pdf"
    result = run("build", "pain-diary", "--patient", UNDRAWN_NAME, "--note", "\U00010000", "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == (
        "Error: patient name: this name has characters we cannot print\n"
        "Error: special instructions: this text has characters we cannot print\n"
    )


def test_piled_marks_on_one_letter_are_refused(run, tmp_path):
    out = tmp_path / "visit.pdf"
    result = run("build", "pain-diary", "--patient", "Zo" + "e" + "\u0301" * 5, "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == "Error: patient name: more than 3 accent marks on one letter\n"
    accented = run("build", "pain-diary", "--patient", "Zoe\u0308 Nu\u0301n\u0303ez", "-o", out)  # NFC: Zoë Núñez
    assert accented.exit_code == 0 and "Zoë Núñez" in pdf_text(out.read_bytes())


@pytest.mark.warnings_expected
def test_warnings_of_a_render_with_visit_details_never_quote_them(run, clinic_project, tmp_path):
    """A font added to the project counts at once (its character map is read); what WeasyPrint then
    says about the name is counted on stderr, never quoted."""
    font_also_mapping(clinic_project, UNDRAWN_NAME)
    out = tmp_path / "visit.pdf"
    result = run("build", "pain-diary", "--patient", UNDRAWN_NAME, "-o", out, "--project", clinic_project)
    assert result.exit_code == 0 and out.exists()
    assert not set(UNDRAWN_NAME) & set(result.stderr)
    assert "warning(s) while making a handout with visit details, not shown" in result.stderr


@pytest.mark.warnings_expected
def test_a_web_worker_prints_nothing_of_the_name(clinic_project, capfd):
    font_also_mapping(clinic_project, UNDRAWN_NAME)
    pool = RenderPool(clinic_project, workers=1)
    try:
        pool.start()
        pdf = pool.packet(["pain-diary"], "en", False, {"patient": UNDRAWN_NAME})
    finally:
        pool.close()
    assert pdf.startswith(b"%PDF-")
    assert not set(UNDRAWN_NAME) & set(capfd.readouterr().err)


@pytest.fixture(scope="module")
def desk(library_project):
    """The page with one real worker, in process."""
    pool = RenderPool(library_project.root, workers=1)
    pool.start()
    app = create_app(library_project, pool=pool)
    yield app.test_client()
    pool.close()


def test_the_page_refuses_a_name_it_cannot_print_with_422(desk):
    fields = {"slug": "pain-diary", "language": "en", "patient": UNDRAWN_NAME, "csrf_token": form_token(desk)}
    response = desk.post("/pdf", data=fields)
    assert response.status_code == 422
    assert "patient name: this name has characters we cannot print" in response.get_data(as_text=True)


def test_the_page_refuses_a_procedure_date_in_the_past_with_422_at_its_field(desk):
    """The worker counts from the real clock: a date years gone is before its today whatever day it is."""
    fields = {"slug": "pain-diary", "language": "en", "date": "2020-01-07", "csrf_token": form_token(desk)}
    response = desk.post("/pdf", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    problem = re.search(r'<li id="problem-0" data-field="date">([^<]*)</li>', page)
    assert problem and re.fullmatch(
        r"procedure date: before today \(20\d\d-\d\d-\d\d in America/New_York\); give the day of the procedure",
        problem[1],
    )
    assert re.search(r'<input id="date"[^>]* aria-invalid="true"', page)


# 4. The render budget


def test_a_render_past_its_time_limit_is_an_error_line(run, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", "0.001")
    out = tmp_path / "slow.pdf"
    result = run("build", "pain-diary", "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == "Error: took longer than 0.001 seconds to make (HANDOUTS_RENDER_SECONDS sets the limit)\n"


def test_a_web_render_past_its_time_limit_is_answered_422(library_project, monkeypatch):
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", "0.001")
    pool = RenderPool(library_project.root, workers=1)
    try:
        pool.start()
        client = create_app(library_project, pool=pool).test_client()
        response = client.post("/pdf", data={"slug": "pain-diary", "language": "en", "csrf_token": form_token(client)})
    finally:
        pool.close()
    assert response.status_code == 422
    assert "took longer than 0.001 seconds to make" in response.get_data(as_text=True)


def test_a_worker_keeps_to_the_memory_limit(library_project, monkeypatch):
    monkeypatch.setenv("HANDOUTS_RENDER_MEMORY_MB", "1500")
    pool = RenderPool(library_project.root, workers=1)
    before = set(psutil.Process().children())
    try:
        pool.start()
        [worker] = [
            child for child in set(psutil.Process().children()) - before if "spawn_main" in " ".join(child.cmdline())
        ]
        assert worker.rlimit(psutil.RLIMIT_AS)[0] == 1500 * 1024 * 1024
    finally:
        pool.close()


@pytest.mark.parametrize(
    "name,value,bounds",
    [
        ("HANDOUTS_RENDER_SECONDS", "soon", "0.001 to 86400"),
        ("HANDOUTS_RENDER_SECONDS", "1e10", "0.001 to 86400"),
        ("HANDOUTS_RENDER_SECONDS", "0.0000001", "0.001 to 86400"),
        ("HANDOUTS_RENDER_MEMORY_MB", "1e15", "64 to 1048576"),
    ],
)
def test_a_limit_out_of_range_is_an_error_line(run, tmp_path, monkeypatch, name, value, bounds):
    monkeypatch.setenv(name, value)
    result = run("build", "pain-diary", "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1 and result.stderr == f"Error: {name}={value}: not a number from {bounds}\n"


# 5. Weak spots


def test_a_packet_with_visit_details_is_written_for_its_owner_only(run, tmp_path):
    out = tmp_path / "visit.pdf"
    assert run("build", "pain-diary", "--patient", NAME, "-o", out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def serve_command(*args: str, env: dict | None = None, timeout: float = 90):
    return subprocess.run(
        [sys.executable, "-m", "handouts", "serve", "--port", str(free_port()), "--workers", "1", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("mode", sample([0o640, 0o604, 0o644, 0o620, 0o610]))
def test_a_passcode_file_open_to_the_group_or_others_is_refused(tmp_path, mode):
    """As ssh does with a key: any permission for the group or others, reading or not."""
    passcode_file = tmp_path / "passcode"
    passcode_file.write_text(PASSCODE + "\n")
    passcode_file.chmod(mode)
    result = serve_command("--passcode-file", str(passcode_file))
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {passcode_file}: permissions {mode:04o} let other users in, "
        f"its owner only may read it: chmod 600 {passcode_file}\n"
    )


def test_a_worker_that_cannot_start_is_named_in_one_line():
    """Here the worker's memory limit is below what a render needs; the server stops, saying why."""
    result = serve_command(env={"HANDOUTS_RENDER_MEMORY_MB": "100"}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: a PDF worker could not start: not enough memory to load (HANDOUTS_RENDER_MEMORY_MB sets the limit)"
    )
    assert "Traceback" not in result.stderr


def test_sign_out_ends_a_copied_session_too(library_project):
    app = create_app(library_project, passcode=PASSCODE)
    desk_tab = app.test_client()
    desk_tab.post("/login", data={"passcode": PASSCODE, "csrf_token": form_token(desk_tab, "/login")})
    copied = app.test_client()
    cookie = desk_tab.get_cookie("session")
    copied.set_cookie("session", cookie.value)
    assert copied.get("/").status_code == 200  # the copy works while the session lives
    desk_tab.post("/logout", data={"csrf_token": form_token(desk_tab)})
    response = copied.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


# Real servers: temp files, idle connections, a proxy in front


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningServer:
    """`python -m handouts serve` with its own TMPDIR, ready to answer."""

    def __init__(self, tmp_path: Path, *args: str, env: dict | None = None):
        self.port = free_port()
        self.tmp = tmp_path / "server-tmp"
        self.tmp.mkdir(parents=True)
        self.log = (tmp_path / "server.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "handouts", "serve", "--port", str(self.port), "--workers", "1", *args],
            cwd=tmp_path,
            env={**os.environ, "TMPDIR": str(self.tmp), **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=2)
                return
            except OSError:
                assert self.process.poll() is None, "the server stopped"
                time.sleep(0.2)
        self.stop()
        raise AssertionError("the server did not start")

    def packets_in_temp(self) -> list[str]:
        """Files in its TMPDIR, or open there by it or a worker (an unnamed temporary file too), that
        hold a PDF or the patient's name. (WeasyPrint keeps the fonts it loads in a folder there.)"""
        places = [path for path in self.tmp.rglob("*") if path.is_file()]
        for process in [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children()]:
            for descriptor in Path(f"/proc/{process.pid}/fd").iterdir():
                try:
                    if os.readlink(descriptor).startswith(str(self.tmp)):
                        places.append(descriptor)
                except OSError:  # closed meanwhile
                    continue
        found = []
        for place in places:
            try:
                data = place.read_bytes()
            except OSError:
                continue
            if b"%PDF-" in data or NAME.encode() in data:
                found.append(str(place))
        return found

    def stop(self) -> None:
        """Stop it; the patient's name is nowhere in what it printed (its log, its workers' output)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()
        assert NAME.encode() not in Path(self.log.name).read_bytes(), "the patient's name is in the server log"


def session_and_token(port: int, headers: dict | None = None, path: str = "/") -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    connection.close()
    return cookie, page_token(page)


@pytest.mark.slow
def test_a_large_packet_never_touches_the_disk_even_for_a_slow_reader(clinic_project, tmp_path):
    random.seed(23)
    side = 700  # a packet is one document, its logo stored once: a 1.4 MB picture makes it pass 1 MB
    pixels = random.randbytes(side * side * 3)
    Image.frombytes("RGB", (side, side), pixels).save(clinic_project / "assets" / "logo.png")
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(re.sub(r"logo: .*", "logo: assets/logo.png", clinic.read_text()))
    slugs = sorted(open_project(clinic_project).catalog())[:6]
    server = RunningServer(tmp_path, "--project", str(clinic_project))
    try:
        cookie, csrf = session_and_token(server.port)
        fields = [*(("slug", slug) for slug in slugs), ("language", "en"), ("patient", NAME), ("csrf_token", csrf)]
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        connection.request(
            "POST",
            "/pdf",
            body=urllib.parse.urlencode(fields),
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        assert response.status == 200
        seen, body = [], b""
        while piece := response.read(64 * 1024):  # a slow reader: the server has to hold the rest somewhere
            body += piece
            seen += server.packets_in_temp()
            time.sleep(0.05)
        connection.close()
        seen += server.packets_in_temp()
    finally:
        server.stop()
    assert len(body) > 1024 * 1024 and NAME in " ".join(pdf_text(body).split())
    assert not seen


@pytest.mark.slow
def test_idle_connections_cannot_keep_the_desk_out(tmp_path):
    server = RunningServer(tmp_path)
    idle = []
    try:
        for _ in range(120):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=15) as response:
            assert response.status == 200
    finally:
        for connection in idle:
            connection.close()
        server.stop()


def sign_in_through_a_proxy(port: int) -> int:
    """POST /login as a browser on https://127.0.0.1:PORT sends it through a TLS-terminating proxy."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.168.1.30"}
    cookie, csrf = session_and_token(port, forwarded, "/login")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/login",
        body=urllib.parse.urlencode({"passcode": PASSCODE, "csrf_token": csrf}),
        headers={
            **forwarded,
            "Cookie": cookie,
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}/login",  # Flask-WTF asks for it over HTTPS
            "Sec-Fetch-Site": "same-origin",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.slow
def test_behind_an_https_proxy_the_forwarded_scheme_is_believed_from_the_proxy_only(tmp_path):
    passcode = {"HANDOUTS_PASSCODE": PASSCODE}
    trusted = RunningServer(tmp_path / "trusted", "--behind-proxy", "127.0.0.1", env=passcode)
    try:
        assert sign_in_through_a_proxy(trusted.port) == 302
    finally:
        trusted.stop()
    elsewhere = RunningServer(tmp_path / "elsewhere", "--behind-proxy", "127.0.0.9", env=passcode)
    try:
        assert sign_in_through_a_proxy(elsewhere.port) == 403
    finally:
        elsewhere.stop()


def test_visit_details_can_come_from_the_environment_instead_of_the_public_command_line(tmp_path):
    from click.testing import CliRunner

    from handouts.cli import cli

    environment = {"HANDOUTS_PATIENT": "Zed Secretname", "HANDOUTS_DATE": "2026-12-08", "HANDOUTS_TIME": "07:00"}
    out = tmp_path / "visit.pdf"
    result = CliRunner().invoke(cli, ["build", "epidural-steroid-injection", "-o", str(out)], env=environment)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "Zed Secretname" in text and "6:30 AM" in text  # the name, and the plan worked out from the time
    assert out.stat().st_mode & 0o777 == 0o600

    no_output = CliRunner().invoke(cli, ["build", "epidural-steroid-injection"], env=environment)
    assert no_output.exit_code == 2 and "visit details need -o FILE" in no_output.output
