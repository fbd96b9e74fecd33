"""The front desk's request checks, in process through Flask's test client: Host names, cross-site
POSTs, CSRF tokens, the passcode (rules, throttle, a new session at sign-in, idle expiry, sign-out),
bounded packets, and a front page that survives broken content. None of these requests reaches a
render."""

import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handouts.project import open_project
from handouts.server import MAX_HANDOUTS_PER_PACKET, create_app
from handouts.web.security import HostCheck, PasscodeError, read_passcode

from conftest import PASSCODE, REPO, form_token, sign_in


@pytest.fixture
def app(library_project):
    return create_app(library_project)


@pytest.fixture
def locked_app(library_project):
    return create_app(library_project, passcode=PASSCODE)


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "rebound.attacker.test:8000", "127.0.0.1.nip.io:8000", "", "[::1"]
)
def test_a_host_name_that_is_not_this_server_is_refused(app, host):
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 421 and b"does not answer to that name" in response.data


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST", "localhost."])
def test_loopback_names_are_accepted(app, host):
    assert app.test_client().get("/", headers={"Host": host}).status_code == 200


def test_a_server_on_every_interface_accepts_addresses_but_no_other_names():
    check = HostCheck("0.0.0.0")
    assert check.accepts("192.168.1.20:8000") and check.accepts("[fe80::1]:8000") and check.accepts("localhost")
    assert not check.accepts("evil.example:8000")
    only_one = HostCheck("192.168.1.20")
    assert only_one.accepts("192.168.1.20:8000") and not only_one.accepts("10.0.0.9:8000")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:9999"},  # another local server is another site
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_post_from_another_site_is_refused(app, headers):
    client = app.test_client()
    fields = {"slug": "no-such-handout", "language": "en", "patient": "Forged Name", "csrf_token": form_token(client)}
    response = client.post("/pdf", data=fields, headers=headers)
    assert response.status_code == 403 and b"Refused: sent from another site" in response.data


def test_a_post_without_the_session_csrf_token_is_refused(app):
    client = app.test_client()
    form_token(client)  # a session exists, but the forged form cannot know its token
    for fields in [
        {"slug": "no-such-handout", "language": "en"},
        {"slug": "no-such-handout", "language": "en", "csrf_token": "forged"},
    ]:
        response = client.post("/pdf", data=fields)
        assert response.status_code == 400
        assert "This page has expired or did not come from the front desk" in response.get_data(as_text=True)


@pytest.mark.slow
def test_the_same_origin_form_with_its_token_gets_through(app):
    client = app.test_client()
    fields = {"slug": "no-such-handout", "language": "en", "csrf_token": form_token(client)}
    response = client.post("/pdf", data=fields, headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 400 and "no-such-handout: no such handout" in response.get_data(as_text=True)


def test_a_packet_holds_at_most_twelve_distinct_handouts(app, library_project):
    client = app.test_client()
    slugs = list(library_project.catalog())[: MAX_HANDOUTS_PER_PACKET + 1]
    fields = {"slug": slugs, "language": "en", "csrf_token": form_token(client)}
    response = client.post("/pdf", data=fields)
    assert response.status_code == 400
    assert "choose at most 12 handouts for one visit (you chose 13)" in response.get_data(as_text=True)


def test_wrong_passcodes_are_throttled(locked_app):
    client = locked_app.test_client()
    statuses = [sign_in(client, "wrong-passcode").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    throttled = sign_in(client)  # even the right one waits now
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Too many wrong passcodes" in throttled.get_data(as_text=True)


def test_right_passcodes_are_not_counted(locked_app):
    client = locked_app.test_client()
    assert [sign_in(client).status_code for _ in range(8)] == [302] * 8


def test_an_idle_session_expires(locked_app):
    locked_app.permanent_session_lifetime = datetime.timedelta(seconds=1)
    client = locked_app.test_client()
    sign_in(client)
    assert client.get("/").status_code == 200
    time.sleep(2.5)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_sign_out_ends_the_session(locked_app):
    client = locked_app.test_client()
    sign_in(client)
    page = client.get("/").get_data(as_text=True)
    assert 'action="/logout"' in page and ">Sign out</button>" in page
    response = client.post("/logout", data={"csrf_token": form_token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").headers["Location"].endswith("/login")


def test_signing_in_starts_a_new_session(locked_app):
    client = locked_app.test_client()
    old_token = form_token(client, "/login")
    with client.session_transaction() as before:  # as if someone else had set this browser's cookie
        before["planted"] = "fixed-before-sign-in"
        old_secret = before["csrf_token"]
    assert sign_in(client).status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("csrf_token") != old_secret
        assert "signed_in" in after
    fields = {"slug": "no-such-handout", "language": "en", "csrf_token": old_token}
    stale = client.post("/pdf", data=fields)
    assert stale.status_code == 400 and "expired or did not come from the front desk" in stale.get_data(as_text=True)
    fresh = client.post("/pdf", data={**fields, "csrf_token": form_token(client)})  # the new session's own form
    assert "no-such-handout" in fresh.get_data(as_text=True)  # past the CSRF check: there is no such handout


def test_passcode_rules():
    assert read_passcode("long-enough", None) == "long-enough"
    assert read_passcode("", None) is None and read_passcode(None, None) is None
    with pytest.raises(PasscodeError, match="too short: use at least 8 characters"):
        read_passcode("1234567", None)


def serve(*args: str, passcode: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handouts", "serve", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HANDOUTS_PASSCODE": passcode},
        timeout=60,
    )


def test_passcode_on_the_command_line_is_refused():
    result = serve("--host", "0.0.0.0", "--passcode", PASSCODE)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: --passcode on the command line can be read by every user of this computer "
        "(ps): use HANDOUTS_PASSCODE or --passcode-file FILE\n"
    )


def test_a_short_passcode_is_refused(tmp_path):
    assert serve("--host", "0.0.0.0", passcode="x").stderr == (
        "Error: the passcode is too short: use at least 8 characters\n"
    )
    short = tmp_path / "passcode"
    short.write_text("abc\n")
    short.chmod(0o600)
    assert serve("--passcode-file", str(short)).stderr == (
        "Error: the passcode is too short: use at least 8 characters\n"
    )


def test_passcode_file_is_read(tmp_path):
    (tmp_path / "passcode").write_text(f"{PASSCODE}\n")
    (tmp_path / "passcode").chmod(0o600)
    assert read_passcode("ignored-when-a-file-is-given", tmp_path / "passcode") == PASSCODE
    with pytest.raises(PasscodeError, match="cannot read the passcode file"):
        read_passcode(None, tmp_path / "missing")


def clinic_project(tmp_path, languages: str = "[en, es]"):
    project = tmp_path / "clinic"
    (project / "content/en").mkdir(parents=True)
    (project / "assets").mkdir()
    clinic = (REPO / "clinic.yaml").read_text().replace("logo: assets/logo.svg\n", "")
    clinic = re.sub(r"(?m)^languages: .*$", f"languages: {languages}", clinic)
    (project / "clinic.yaml").write_text(clinic)
    return project


@pytest.mark.warnings_expected  # the broken file is also named in the log
def test_a_broken_content_file_is_named_and_the_others_are_listed(tmp_path):
    project = clinic_project(tmp_path)
    (project / "content/en/broken.yaml").write_text("title: [unclosed\n")
    response = create_app(open_project(project)).test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Left off the list" in page and "<li>content/en/broken.yaml:" in page
    assert "Epidural steroid injection" in page and 'value="broken"' not in page


def test_a_language_babel_does_not_know_keeps_the_front_page_up(tmp_path):
    project = clinic_project(tmp_path, languages="[en, hmn]")
    response = create_app(open_project(project)).test_client().get("/")
    assert response.status_code == 200
    assert '<option value="hmn" lang="hmn">hmn</option>' in response.get_data(as_text=True)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_passcode_file_that_is_a_device_is_refused_unread():
    """`--passcode-file /dev/zero` read the whole "file": 12 GB in 10 seconds. No device is a file to keep a secret in."""
    with pytest.raises(PasscodeError) as refused:
        read_passcode(None, Path("/dev/zero"))
    assert str(refused.value) == "/dev/zero: not a regular file: put the passcode in a file of its own"


def test_a_passcode_file_that_is_a_fifo_is_refused_at_once(tmp_path):
    """Opening a FIFO waited for a writer for ever, and its permissions were never checked."""
    fifo = tmp_path / "passcode"
    os.mkfifo(fifo, 0o644)
    started = time.monotonic()
    result = serve("--passcode-file", str(fifo), "--port", "1")
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert result.stderr == f"Error: {fifo}: not a regular file: put the passcode in a file of its own\n"


@pytest.mark.parametrize(
    "written",
    [
        b"\xef\xbb\xbf" + PASSCODE.encode() + b"\n",
        PASSCODE.encode() + b"  \r\n",
        b" \t" + PASSCODE.encode() + b"\t\n\n",
    ],
    ids=["byte-order-mark", "trailing-spaces-crlf", "tabs-around"],
)
def test_a_passcode_file_as_editors_save_it_signs_in(library_project, tmp_path, written):
    """Notepad's byte order mark or the spaces an editor leaves were part of the passcode, so no desk could sign in."""
    (tmp_path / "passcode").write_bytes(written)
    (tmp_path / "passcode").chmod(0o600)
    client = create_app(library_project, passcode=read_passcode(None, tmp_path / "passcode")).test_client()
    response = sign_in(client)
    assert response.status_code == 302 and not response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 200


def test_a_passcode_over_1024_characters_is_refused(tmp_path):
    (tmp_path / "passcode").write_text("x" * 1025 + "\n")
    (tmp_path / "passcode").chmod(0o600)
    with pytest.raises(PasscodeError, match="too long"):
        read_passcode(None, tmp_path / "passcode")
    with pytest.raises(PasscodeError, match="too long: use at most 1024 characters"):
        read_passcode("y" * 1025, None)
    assert read_passcode(None, None) is None and read_passcode("z" * 1024, None) == "z" * 1024
