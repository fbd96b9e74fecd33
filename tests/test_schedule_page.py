"""Today's schedule on the front-desk page, in process (Flask's test client): the upload is planned
into the signed-in session's memory only, bounded, shown as a table, refused with one line when it is
bad, and gone at sign-out or idle timeout. Printing from it in Chromium: test_schedule_browser.py."""

import datetime
import io
import re
import time
from datetime import date

import pytest
import test_visits as visits

from handouts.day import MAX_DAY_PACKETS
from handouts.schedule import MAX_APPOINTMENTS, MAX_SCHEDULE_BYTES
from handouts.server import MAX_SCHEDULES, MAX_SESSIONS, MAX_UPLOAD_BYTES, create_app

from conftest import PASSCODE, form_token, sign_in

DAY = date(2026, 12, 8)
THREE = [  # John in English, Ana in Spanish, Sam with a code no map knows
    ("john", DAY, datetime.time(9, 0), "64493"),
    ("ana", DAY, datetime.time(8, 30), "64483"),
    ("sam", DAY, datetime.time(11, 0), "99999"),
]
NAMES = ["John Whitfield", "Ana Quintero", "Sam Kellner"]


@pytest.fixture
def app(library_project):
    return create_app(library_project, passcode=PASSCODE)


def signed_in(app):
    client = app.test_client()
    sign_in(client)
    return client


def upload(client, data: bytes, name: str = "day.csv", csrf: str | None = None):
    form = {"schedule": (io.BytesIO(data), name), "csrf_token": csrf or form_token(client, "/schedule")}
    return client.post("/schedule", data=form, content_type="multipart/form-data")


def held(app) -> int:
    return app.extensions["handouts_signed_in"].held()


def test_an_upload_shows_each_appointment_with_its_handouts_language_and_notes(app):
    client = signed_in(app)
    response = upload(client, visits.day_csv(THREE).encode())
    assert response.status_code == 303 and response.headers["Location"].endswith("/schedule")
    page = client.get("/schedule").get_data(as_text=True)
    rows = re.findall(
        r"<tr>\s*<td>(.*?)</td>\s*<th scope=\"row\"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>",
        page,
    )
    assert [(when, patient, language) for when, patient, _, language, _ in rows] == [
        ("8:30\u202fAM", "Ana Quintero", "Spanish"),
        ("9:00\u202fAM", "John Whitfield", "English"),
        ("11:00\u202fAM", "Sam Kellner", "English"),
    ]
    assert rows[0][2].startswith("Inyección epidural de esteroides; ") and rows[1][2].startswith("Facet")
    assert rows[2][4] == "unmapped: 99999; no handouts" and rows[2][2] == "none"
    assert page.count(">Print packet</button>") == 2  # none for the packet without handouts
    assert ">Print all (desk list and every packet)</button>" in page
    assert held(app) == 1


def test_an_appointment_whose_name_cannot_be_printed_is_listed_without_a_packet(app):
    """The upload was refused whole for one such name; now the others can be printed."""
    client = signed_in(app)
    long_name = "Whitfield" * 12  # 108 characters
    response = upload(client, visits.day_csv(THREE).replace("John Whitfield", long_name).encode())
    assert response.status_code == 303
    page = client.get("/schedule").get_data(as_text=True)
    assert long_name not in page
    assert "not printed: day.csv:2: patient name: too long (at most 100 characters)" in page
    assert page.count(">Print packet</button>") == 1  # Ana's; none for John's or for Sam's without handouts


def test_a_row_that_cannot_be_read_is_listed_with_its_problem_and_the_others_kept(app):
    """One unknown language or date that is no date refused the whole upload; now the page lists each
    such row with its line and problem, and the others can be printed."""
    client = signed_in(app)
    rows = visits.day_csv(THREE).replace(",es,", ",klingon,").replace("2026-12-08,11:00", "2026-12-32,11:00")
    assert upload(client, rows.encode()).status_code == 303
    page = client.get("/schedule").get_data(as_text=True)
    assert row_of(page, "John Whitfield")[1] == "English"
    assert re.search(r"<td>8:30\u202fAM</td>\s*<th[^>]*>\(see note\)</th>", page)
    assert "not printed: day.csv:3: language: not a language code like en, es or vi" in page
    assert "not printed: day.csv:4: date: not a date like 2026-12-03 or 12/3/2026" in page
    assert "Ana Quintero" not in page and "Sam Kellner" not in page
    assert page.count(">Print packet</button>") == 1 and page.count("<summary>Change") == 1  # John's
    form = {"csrf_token": form_token(client, "/schedule"), "handout": ["facet-joint-injection"], "language": "en"}
    for number in (1, 3):  # no Change button: a forged form changes nothing
        response = client.post(f"/schedule/{schedule_key(client)}/{number}/change", data=form)
        assert response.status_code == 400 and "so there is nothing to change" in response.get_data(as_text=True)
    tokens = re.compile(r'name="csrf_token" value="[^"]*"')  # signed anew each second
    assert tokens.sub("", client.get("/schedule").get_data(as_text=True)) == tokens.sub("", page)


def test_a_fhir_bundle_is_read_as_the_csv_is(app):
    client = signed_in(app)
    assert upload(client, visits.day_bundle(THREE).encode(), "day.json").status_code == 303
    page = client.get("/schedule").get_data(as_text=True)
    assert [page.index(name) for name in ["Ana Quintero", "John Whitfield", "Sam Kellner"]] == sorted(
        page.index(name) for name in NAMES
    )
    assert "unmapped: 99999" in page and ">Spanish<" in page


def test_the_schedule_is_not_in_the_session_cookie(app):
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    cookie = client.get_cookie("session").value
    stored = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert set(stored) == {"signed_in", "csrf_token", "_permanent"}
    assert not any(name in str(stored) for name in NAMES)


def test_sign_out_drops_the_schedule_and_its_print_buttons_stop_working(app):
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    key = re.search(r'action="/schedule/([^/"]+)/all"', client.get("/schedule").get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf_token": form_token(client, "/schedule")})
    assert held(app) == 0
    client = signed_in(app)
    assert "Ana Quintero" not in client.get("/schedule").get_data(as_text=True)
    response = client.post(f"/schedule/{key}/all", data={"csrf_token": form_token(client, "/schedule")})
    assert response.status_code == 422 and "that schedule is no longer here" in response.get_data(as_text=True)


def test_an_idle_session_drops_its_schedule(app, monkeypatch):
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    later = time.monotonic() + 31 * 60
    monkeypatch.setattr(time, "monotonic", lambda: later)
    signed_in(app)  # anyone's next request looks for idle sessions
    assert held(app) == 0


def test_another_session_does_not_see_it(app):
    upload(signed_in(app), visits.day_csv(THREE).encode())
    assert "Ana Quintero" not in signed_in(app).get("/schedule").get_data(as_text=True)


def test_a_session_keeps_its_newest_few_schedules(app):
    client = signed_in(app)
    for _ in range(MAX_SCHEDULES + 2):
        assert upload(client, visits.day_csv(THREE).encode()).status_code == 303
    assert held(app) == MAX_SCHEDULES
    assert client.get("/schedule").get_data(as_text=True).count("Print all") == MAX_SCHEDULES


def test_signed_out_there_is_no_upload(app):
    client = app.test_client()
    response = client.post("/schedule", data={"csrf_token": form_token(client, "/login")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert held(app) == 0


def test_an_upload_without_the_csrf_token_is_refused(app):
    client = signed_in(app)
    assert upload(client, visits.day_csv(THREE).encode(), csrf="forged").status_code == 400
    assert held(app) == 0


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", 400, "day.csv:1: not UTF-8 text (save the export as UTF-8)"),
        (b"Call Ana back about the bill.\n", 400, "day.csv:1: not a schedule: no column patient, date, time, code or procedure"),
        (visits.day_csv(THREE).encode().replace(b"Sam", b"S\xe9m"), 400, "day.csv:4: not UTF-8 text"),
        (visits.day_csv(THREE[1:2]).replace(",es,", ",klingon,").encode(), 400, "day.csv:2: language: not a language code like en, es or vi"),
        (visits.many(MAX_APPOINTMENTS + 1), 400, f"day.csv: more than {MAX_APPOINTMENTS} appointments; split the schedule"),
        (b"patient,date,time,code\n" + b"x" * MAX_SCHEDULE_BYTES, 413, "day.csv: larger than 5 MB; split the schedule"),
        (b"x" * MAX_UPLOAD_BYTES, 413, "The schedule is larger than 5 MB: split it."),
    ],
    ids=["binary", "not-a-schedule", "broken-utf8", "unknown-language", "too-many", "too-large", "too-large-for-the-form"],
)  # fmt: skip
def test_a_bad_upload_is_a_4xx_with_one_line_and_nothing_kept(app, data, status, message):
    client = signed_in(app)
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    shown = re.search(r'<div class="message" role="alert"[^>]*><strong>Please check:</strong> (.*?)</div>', page).group(
        1
    )
    assert shown.startswith(message.replace("'", "&#39;")) and "\n" not in shown
    field = re.search(r'<input id="schedule-file"[^>]*>', page).group(0)  # the message is the file field's
    assert 'aria-invalid="true"' in field and 'aria-describedby="upload-problem upload-hint"' in field
    assert not any(name in page for name in NAMES)
    assert held(app) == 0


def test_a_day_longer_than_print_all_makes_is_refused_at_the_upload(app):
    """It was kept, and Print all then failed; now the upload says so and keeps nothing. A day of
    exactly as many as Print all makes is kept."""
    client = signed_in(app)
    response = upload(client, visits.many(MAX_DAY_PACKETS + 1))
    assert response.status_code == 400 and held(app) == 0
    assert (
        f"<strong>Please check:</strong> day.csv: {MAX_DAY_PACKETS + 1} appointments on 2026-12-08, more than the"
        f" {MAX_DAY_PACKETS} that Print all makes into one PDF: upload the day in parts, or print it with"
        " `handouts visits --split DIR`</div>"
    ) in response.get_data(as_text=True)
    assert upload(client, visits.many(MAX_DAY_PACKETS)).status_code == 303 and held(app) == 1


def test_no_file_chosen_is_a_400(app):
    client = signed_in(app)
    response = client.post(
        "/schedule", data={"csrf_token": form_token(client, "/schedule")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "Choose the schedule file" in response.get_data(as_text=True)


def test_a_large_upload_is_never_spooled_to_a_temporary_file(app, monkeypatch):
    import tempfile

    opened = []
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda *args, **kwargs: opened.append(args) or io.BytesIO())
    response = upload(signed_in(app), b"x" * (MAX_SCHEDULE_BYTES - 1024))
    assert response.status_code == 400 and opened == []


def test_without_a_passcode_the_browser_session_holds_it_until_sign_out(library_project):
    app = create_app(library_project)  # this computer only: no sign-in, but a session of its own still
    client = app.test_client()
    assert upload(client, visits.day_csv(THREE).encode()).status_code == 303
    assert "Ana Quintero" in client.get("/schedule").get_data(as_text=True) and held(app) == 1
    assert "Ana Quintero" not in app.test_client().get("/schedule").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": form_token(client, "/schedule")})
    assert held(app) == 0 and "Ana Quintero" not in client.get("/schedule").get_data(as_text=True)


def test_without_a_passcode_the_server_keeps_a_bounded_number_of_sessions(library_project):
    """Each upload from a browser without a session started one, and kept its schedules, without end:
    past MAX_SESSIONS the one seen longest ago goes, with its schedule; the newest are kept."""
    app = create_app(library_project)
    clients = [app.test_client() for _ in range(MAX_SESSIONS + 4)]
    for client in clients:
        assert upload(client, visits.day_csv(THREE).encode()).status_code == 303
    assert held(app) == MAX_SESSIONS
    assert "Ana Quintero" not in clients[0].get("/schedule").get_data(as_text=True)
    assert "Ana Quintero" in clients[-1].get("/schedule").get_data(as_text=True)


def test_with_a_passcode_signing_in_past_the_bound_drops_the_session_seen_longest_ago(app):
    first = signed_in(app)
    upload(first, visits.day_csv(THREE).encode())
    others = [signed_in(app) for _ in range(MAX_SESSIONS)]
    assert held(app) == 0 and first.get("/schedule").headers["Location"].endswith("/login")
    assert others[-1].get("/schedule").status_code == 200


def schedule_key(client) -> str:
    return re.search(r'action="/schedule/([^/"]+)/all"', client.get("/schedule").get_data(as_text=True)).group(1)


def row_of(page: str, patient: str) -> tuple[str, str, str]:
    """The handouts, language and notes cells of a patient's row."""
    found = re.search(
        rf"<th scope=\"row\"[^>]*>{patient}</th>\s*<td[^>]*>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page
    )
    return found.groups()


def test_the_desk_changes_one_packets_handouts_and_language(app):
    """Sam's code is unmapped: the desk gives him the trigger point handout in Spanish; the others stay."""
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    key = schedule_key(client)
    before = client.get("/schedule").get_data(as_text=True)
    form = {"csrf_token": form_token(client, "/schedule"), "handout": ["", "trigger-point-injection"], "language": "es"}
    response = client.post(f"/schedule/{key}/3/change", data=form)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/schedule#row-{key}-3")
    page = client.get("/schedule").get_data(as_text=True)
    handouts, language, notes = row_of(page, "Sam Kellner")
    assert (handouts, language) == ("Inyección en puntos gatillo", "Spanish (asked: English)")
    assert notes == "handouts or language changed at the desk; unmapped: 99999"
    assert row_of(page, "John Whitfield") == row_of(before, "John Whitfield")
    assert page.count(">Print packet</button>") == 3


def test_unchecking_a_handout_drops_it_from_the_packet(app):
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    key = schedule_key(client)
    form = {"csrf_token": form_token(client, "/schedule"), "handout": ["facet-joint-injection"], "language": "en"}
    assert client.post(f"/schedule/{key}/2/change", data=form).status_code == 303
    assert row_of(client.get("/schedule").get_data(as_text=True), "John Whitfield")[0] == "Facet joint injection"


@pytest.mark.parametrize(
    ("handout", "language", "message"),
    [
        ("no-such-handout", "en", "handout: no handout &#39;no-such-handout&#39; in the library"),
        ("facet-joint-injection", "xx", "language: no handouts in &#39;xx&#39;"),
    ],
)
def test_a_change_to_something_the_library_lacks_is_one_line_and_changes_nothing(app, handout, language, message):
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    before = client.get("/schedule").get_data(as_text=True)
    form = {"csrf_token": form_token(client, "/schedule"), "handout": [handout], "language": language}
    response = client.post(f"/schedule/{schedule_key(client)}/2/change", data=form)
    assert response.status_code == 400 and f"<strong>Please check:</strong> {message}</div>" in response.get_data(
        as_text=True
    )
    assert row_of(client.get("/schedule").get_data(as_text=True), "John Whitfield") == row_of(before, "John Whitfield")


def test_another_session_cannot_change_a_schedule(app):
    owner = signed_in(app)
    upload(owner, visits.day_csv(THREE).encode())
    key, other = schedule_key(owner), signed_in(app)
    form = {"csrf_token": form_token(other, "/schedule"), "handout": ["facet-joint-injection"], "language": "es"}
    response = other.post(f"/schedule/{key}/2/change", data=form)
    assert response.status_code == 422 and "that schedule is no longer here" in response.get_data(as_text=True)
    assert row_of(owner.get("/schedule").get_data(as_text=True), "John Whitfield")[1] == "English"


def test_a_schedule_key_that_is_not_ascii_is_no_schedule_not_a_server_error(app):
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    for path in ["/schedule/%C3%A9/1", "/schedule/%C3%A9/1/change", "/schedule/%C3%A9/all"]:
        response = client.post(path, data={"csrf_token": form_token(client, "/schedule")})
        assert response.status_code == 422 and "that schedule is no longer here" in response.get_data(as_text=True)


def test_a_change_to_more_handouts_than_a_packet_holds_is_refused_not_cut(app, library_project):
    client = signed_in(app)
    upload(client, visits.day_csv(THREE).encode())
    slugs = sorted(library_project.catalog())[:13]
    form = {"csrf_token": form_token(client, "/schedule"), "handout": slugs, "language": "en"}
    response = client.post(f"/schedule/{schedule_key(client)}/2/change", data=form)
    assert response.status_code == 400
    assert "choose at most 12 handouts for one packet (you chose 13)" in response.get_data(as_text=True)
