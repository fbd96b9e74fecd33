"""What last week's attack run found weak in the front desk: slow readers that held waitress's
threads, a passcode guesser on the proxy's computer that claimed a new address each time, and a
stuck packet whose stopped workers failed the other desks' packets."""

import contextlib
import random
import re
import socket
import threading
import time
import urllib.parse
import urllib.request

import psutil
import pytest
from PIL import Image
from test_desk_hardening import RunningServer, session_and_token
from werkzeug.test import Client

from handouts.errors import HandoutsError, RenderError
from handouts.server import MAX_FORM_BYTES, MAX_UPLOAD_BYTES, PEER_LIMITS, SIGN_IN_LIMITS, behind, create_app
from handouts.web.pool import RenderPool

from conftest import PASSCODE, page_token, pdf_text

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}  # the direct peer


def per_minute(limits: tuple[str, ...]) -> int:
    return int(limits[0].split()[0])


# 1. Slow readers


def large_logo(project) -> None:
    """A 5 MB logo of noise (it does not compress, and 5 MB is the most a logo may be): every packet
    is larger than the 4 MB a socket may buffer."""
    random.seed(7)
    side = 1300
    Image.frombytes("RGB", (side, side), random.randbytes(side * side * 3)).save(project / "assets" / "logo.png")
    clinic = project / "clinic.yaml"
    clinic.write_text(re.sub(r"logo: .*", "logo: assets/logo.png", clinic.read_text()))


def slow_reader(port: int, cookie: str, csrf: str) -> socket.socket:
    """A client that asks for a packet, reads the first bytes of the answer, then stops reading."""
    body = urllib.parse.urlencode({"slug": "pain-diary", "language": "en", "csrf_token": csrf})
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server cannot push it all
    reader.settimeout(30)
    reader.connect(("127.0.0.1", port))
    reader.sendall(
        (
            f"POST /pdf HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
    )
    start = b""
    while len(start) < 12:
        start += reader.recv(12 - len(start))
    assert start == b"HTTP/1.1 200"
    return reader


def open_connections(pid: int) -> list:
    return [connection for connection in psutil.Process(pid).net_connections() if connection.status == "ESTABLISHED"]


@pytest.mark.slow
def test_slow_readers_cannot_keep_the_desk_out(clinic_project, tmp_path):
    """More slow readers than waitress has threads (the queue's places and 4): each packet is handed
    over whole, so the desk's next page still comes at once; a reader idle for 30 seconds is closed."""
    large_logo(clinic_project)
    server = RunningServer(tmp_path, "--project", str(clinic_project))
    readers = []
    try:
        cookie, csrf = session_and_token(server.port)
        for _ in range(8):
            readers.append(slow_reader(server.port, cookie, csrf))
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10) as response:
            assert response.status == 200 and b"csrf_token" in response.read()
        assert time.monotonic() - started < 3
        assert not server.packets_in_temp()  # the eight packets wait in memory, never in a file
        deadline = time.monotonic() + 60  # 30 idle seconds and waitress's cleanup every 10
        while open_connections(server.process.pid) and time.monotonic() < deadline:
            time.sleep(1)
        assert not open_connections(server.process.pid)  # the stalled readers are closed, their packets freed
    finally:
        for reader in readers:
            reader.close()
        server.stop()


# 2. Forwarded addresses and wrong passcodes


def wrong_passcodes(proxy: str | None, app, tries: int, forwarded=lambda attempt: f"10.0.{attempt}.1") -> list[int]:
    """Wrong passcodes from 127.0.0.1 (where the proxy runs, and any other program), each claiming
    another desk's address in X-Forwarded-For."""
    client = Client(behind(app, proxy))
    statuses = []
    for attempt in range(tries):
        headers = {"X-Forwarded-For": forwarded(attempt)}
        page = client.get("/login", headers=headers, environ_base=LOCAL).get_data(as_text=True)
        csrf = page_token(page)
        wrong = {"passcode": "not-the-passcode", "csrf_token": csrf}
        response = client.post("/login", data=wrong, headers=headers, environ_base=LOCAL)
        statuses.append(response.status_code)
    return statuses


def test_a_new_forwarded_address_each_time_does_not_buy_more_guesses(library_project):
    app = create_app(library_project, passcode=PASSCODE)
    allowed = per_minute(PEER_LIMITS)
    assert wrong_passcodes("127.0.0.1", app, allowed + 1) == [401] * allowed + [429]


def test_forwarded_addresses_from_anyone_but_the_proxy_are_ignored(library_project):
    app = create_app(library_project, passcode=PASSCODE)
    allowed = per_minute(SIGN_IN_LIMITS)
    assert wrong_passcodes("127.0.0.9", app, allowed + 1) == [401] * allowed + [429]


def test_desks_behind_the_proxy_are_counted_each_on_its_own(library_project):
    """One desk's wrong passcodes do not lock out another one behind the same proxy."""
    app = create_app(library_project, passcode=PASSCODE)
    allowed = per_minute(SIGN_IN_LIMITS)
    assert wrong_passcodes("127.0.0.1", app, allowed + 1, lambda attempt: "10.0.0.1") == [401] * allowed + [429]
    assert wrong_passcodes("127.0.0.1", app, 1, lambda attempt: "10.0.0.2") == [401]


# 3. A stuck packet


@pytest.mark.slow
def test_a_stuck_packet_does_not_fail_the_packets_of_other_desks(library_project, monkeypatch):
    """Both workers stop answering (SIGSTOP) with two packets given to them. The one-handout packet
    is past its time limit first and every worker is stopped; the other packet, still in the pool,
    is made again on the new workers instead of failing."""
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", "6")
    pool = RenderPool(library_project.root, workers=2)
    before = set(psutil.Process().children())
    results: dict[str, bytes | HandoutsError] = {}

    def ask(name: str, slugs: list[str]) -> None:
        try:
            results[name] = pool.packet(slugs, "en", False, {})
        except HandoutsError as error:
            results[name] = error

    try:
        pool.start()
        workers = [
            child for child in set(psutil.Process().children()) - before if "spawn_main" in " ".join(child.cmdline())
        ]
        assert len(workers) == 2
        for worker in workers:
            worker.suspend()
        desks = [
            threading.Thread(target=ask, args=("stuck", ["pain-diary"])),
            threading.Thread(target=ask, args=("other", ["pain-diary", "epidural-steroid-injection"])),
        ]
        for desk in desks:
            desk.start()
        for desk in desks:
            desk.join(timeout=120)
    finally:
        pool.close()
    stuck, other = results["stuck"], results["other"]
    assert isinstance(stuck, RenderError) and "took longer than 6 seconds to make" in str(stuck)
    assert isinstance(other, bytes), other
    text = " ".join(pdf_text(other).split())
    assert "Pain diary" in text and "Epidural" in text


def pool_workers(before: set) -> list:
    """The render pool's worker processes started since `before` was taken."""
    return [child for child in set(psutil.Process().children()) - before if "spawn_main" in " ".join(child.cmdline())]


def hold_new_workers(before: set, seconds: float, held: list) -> None:
    """Stop each worker the pool starts after `before` (as a loaded computer makes a start-up slow),
    from the first one for `seconds` (longer than a packet's own time limit), then let them all go on."""
    until = time.monotonic() + 60
    while time.monotonic() < until:
        for worker in pool_workers(before):
            if worker not in held:
                with contextlib.suppress(psutil.NoSuchProcess):
                    worker.suspend()
                    held.append(worker)
                    until = min(until, time.monotonic() + seconds)
        time.sleep(0.02)
    for worker in held:
        with contextlib.suppress(psutil.NoSuchProcess):
            worker.resume()


@pytest.mark.slow
def test_packets_retried_or_asked_for_while_new_workers_start_are_made(library_project, monkeypatch):
    """After a stuck packet every worker is stopped. The packet that was in the pool with it, made again,
    and one asked for just then, both wait for new workers that take longer to start than a packet's
    time limit: the limit counts the start-up, so both are made instead of failing with 422 or 503."""
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", "3")
    pool = RenderPool(library_project.root, workers=2)
    results: dict[str, bytes | HandoutsError] = {}

    def ask(name: str, slugs: list[str]) -> None:
        try:
            results[name] = pool.packet(slugs, "en", False, {})
        except HandoutsError as error:
            results[name] = error

    before = set(psutil.Process().children())
    held: list = []
    try:
        pool.start()
        first = pool_workers(before)
        for worker in first:
            worker.suspend()
        holder = threading.Thread(target=hold_new_workers, args=(before | set(first), 20, held))
        holder.start()
        desks = [
            threading.Thread(target=ask, args=("stuck", ["pain-diary"])),  # past its limit first: 3 + 5 seconds
            threading.Thread(target=ask, args=("retried", ["pain-diary", "epidural-steroid-injection"])),
        ]
        for desk in desks:
            desk.start()
        deadline = time.monotonic() + 60
        while "stuck" not in results and time.monotonic() < deadline:  # then every worker is stopped
            time.sleep(0.05)
        late = threading.Thread(target=ask, args=("late", ["epidural-steroid-injection"]))
        late.start()
        for thread in [*desks, late, holder]:
            thread.join(timeout=240)
    finally:
        pool.close()
    assert held, "no new worker was started"
    assert isinstance(results["stuck"], RenderError)
    assert isinstance(results["retried"], bytes), results["retried"]
    assert isinstance(results["late"], bytes), results["late"]
    assert "Pain diary" in pdf_text(results["retried"]) and "Epidural" in " ".join(pdf_text(results["retried"]).split())
    assert "Epidural" in " ".join(pdf_text(results["late"]).split())


# 4. Request bodies


def first_answer(port: int, path: str, length: int, body: bytes = b"") -> bytes:
    """The status line the server answers a POST of `length` bytes with, given the headers and `body`."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
            ).encode()
            + body
        )
        return client.recv(4096).split(b"\r\n")[0]


@pytest.mark.slow
def test_only_the_schedule_upload_may_be_larger_than_a_form(tmp_path):
    """Every route took a body as large as a schedule's upload, read in full before Flask refused it.
    Now a form's route refuses more than a form from its Content-Length, before reading a byte of it."""
    server = RunningServer(tmp_path)
    try:
        for path in ("/pdf", "/login", "/logout", "/", "/schedule/x/all"):
            assert first_answer(server.port, path, MAX_FORM_BYTES + 1) == b"HTTP/1.1 413 Request Entity Too Large"
        assert first_answer(server.port, "/schedule", MAX_UPLOAD_BYTES + 1) == b"HTTP/1.1 413 Request Entity Too Large"
        # The largest of each reaches the page, which asks for its form's token.
        assert first_answer(server.port, "/pdf", MAX_FORM_BYTES, b"x" * MAX_FORM_BYTES) == b"HTTP/1.1 400 BAD REQUEST"
        upload = b"x" * MAX_UPLOAD_BYTES
        assert first_answer(server.port, "/schedule", MAX_UPLOAD_BYTES, upload) == b"HTTP/1.1 400 BAD REQUEST"
    finally:
        server.stop()
