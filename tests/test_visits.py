"""`handouts visits`: a day's schedule, as a FHIR R4 Bundle made with fhir.resources or as the same
day in CSV, to one PDF: the desk's list, then each appointment's packet in its patient's language,
with "Your plan" from its own time. Bad schedules are one error line, exit 1, nothing written, and
no patient's name reaches stderr or the temporary folder."""

import csv
import io
import json
import os
import stat
import time as time_module
from datetime import date, time
from pathlib import Path

import pytest
from fhir.resources.R4B.appointment import Appointment, AppointmentParticipant
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient, PatientCommunication
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest

from handouts.codes import Procedures, built_in_map, expanded
from handouts.day import MAX_DAY_PACKETS, choose_day, packet_parts
from handouts.errors import RenderError
from handouts.maker import Maker
from handouts.project import open_project
from handouts.schedule import MAX_APPOINTMENTS, ScheduleError, parse_schedule
from handouts.usecases import plan_visits

from conftest import invoke, pdf_reader

NEW_YORK = "America/New_York"
CPT = "http://www.ama-assn.org/go/cpt"
DAY = date(2026, 12, 8)
PATIENTS = {  # id: (given, family, language or None)
    "ana": ("Ana", "Quintero", "es"),
    "john": ("John", "Whitfield", "en"),
    "minh": ("Minh", "Nguyễn", "vi"),
    "pat": ("Pat", "Oduya", None),
    "sam": ("Sam", "Kellner", "en-US"),
    "lia": ("Lia", "Moreno", "Spanish"),
}
NAMES = [f"{given} {family}" for given, family, _ in PATIENTS.values()]
# (patient, local day, local time, CPT code): out of order on purpose; John comes twice.
APPOINTMENTS = [
    ("john", DAY, time(13, 0), "64635"),
    ("ana", DAY, time(8, 30), "64483"),
    ("minh", DAY, time(9, 30), "20552"),
    ("john", DAY, time(9, 0), "64493"),
    ("pat", DAY, time(10, 0), "62323"),
    ("sam", DAY, time(11, 0), "99999"),
    ("lia", DAY, time(11, 30), "64483"),
    ("ana", date(2026, 12, 9), time(8, 0), "27096"),
]
ESI, FACET, TPI, RFA, PREP = (
    "epidural-steroid-injection",
    "facet-joint-injection",
    "trigger-point-injection",
    "radiofrequency-ablation",
    "preparing-for-your-procedure",
)


def patient(key: str) -> Patient:
    given, family, language = PATIENTS[key]
    spoken = (
        [
            PatientCommunication(
                language=CodeableConcept(coding=[Coding(system="urn:ietf:bcp:47", code=language)]), preferred=True
            )
        ]
        if language
        else None
    )
    return Patient(id=key, name=[HumanName(given=[given], family=family)], communication=spoken)


def appointment(number: int, key: str, day: date, clock: time, code: str | None, **fields) -> Appointment:
    offset = "-05:00"  # December in New York
    return Appointment(
        id=f"a{number}",
        status=fields.pop("status", "booked"),
        start=f"{day.isoformat()}T{clock:%H:%M}:00{offset}",
        serviceType=[CodeableConcept(coding=[Coding(system=CPT, code=code)])] if code else None,
        **fields,
        participant=[
            AppointmentParticipant(actor=Reference(reference=f"Patient/{key}"), status="accepted"),
            AppointmentParticipant(actor=Reference(reference="Practitioner/kim"), status="accepted"),
            AppointmentParticipant(actor=Reference(reference="Location/suite"), status="accepted"),
        ],
    )


def day_bundle(appointments: list = APPOINTMENTS) -> str:
    return bundle_of([appointment(number, *row) for number, row in enumerate(appointments)])


def bundle_of(resources: list) -> str:
    """The day's patients, physician and room, and these resources, as one Bundle in JSON."""
    resources = [
        *(patient(key) for key in PATIENTS),
        Practitioner(id="kim", name=[HumanName(prefix=["Dr."], family="Kim")]),
        Location(id="suite", name="Suite 200"),
        *resources,
    ]
    bundle = Bundle(type="collection", entry=[BundleEntry(resource=resource) for resource in resources])
    return bundle.model_dump_json(exclude_none=True)


def day_csv(appointments: list = APPOINTMENTS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["patient", "date", "time", "code", "procedure", "language", "physician", "location"])
    for key, day, clock, code in appointments:
        given, family, language = PATIENTS[key]
        writer.writerow(
            [f"{given} {family}", day.isoformat(), f"{clock:%H:%M}", code, "", language or "", "Dr. Kim", "Suite 200"]
        )
    return out.getvalue()


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    (tmp_path / "day.json").write_text(day_bundle(), encoding="utf-8")
    (tmp_path / "day.csv").write_text(day_csv(), encoding="utf-8")
    return {"fhir": tmp_path / "day.json", "csv": tmp_path / "day.csv"}


def summary(project, path: Path) -> list[tuple]:
    """What the day's packets are: time, patient, handouts with their languages, packet language, desk notes."""
    packets = plan_visits(project, path.read_bytes(), str(path)).packets
    return [
        (
            packet.appointment.start,
            packet.visit.patient,
            [(request.slug, request.content_language) for request in packet.requests],
            packet.language,
            packet.notes,
        )
        for packet in packets
    ]


EXPECTED = [
    (time(8, 30), "Ana Quintero", [(ESI, "es"), (PREP, "es")], "es", []),
    (time(9, 0), "John Whitfield", [(FACET, "en"), (PREP, "en")], "en", []),
    (
        time(9, 30),
        "Minh Nguyễn",
        [(TPI, "en"), (PREP, "en")],
        "en",
        ["no Vietnamese handouts: English instead"],
    ),
    (time(10, 0), "Pat Oduya", [(ESI, "en"), (PREP, "en")], "en", ["no language given: English"]),
    (time(11, 0), "Sam Kellner", [], "en", ["unmapped: 99999", "no handouts"]),
    (time(11, 30), "Lia Moreno", [(ESI, "es"), (PREP, "es")], "es", []),
    (time(13, 0), "John Whitfield", [(RFA, "en"), (PREP, "en")], "en", ["visit 2 today: own packet"]),
]


@pytest.mark.parametrize("kind", ["fhir", "csv"])
def test_the_day_is_planned_alike_from_fhir_and_csv(library_project, files, kind):
    assert summary(library_project, files[kind]) == EXPECTED


def test_a_date_picks_that_day_and_a_day_without_appointments_is_an_error(library_project, files):
    appointments = parse_schedule(files["fhir"].read_bytes(), "day.json", {}, NEW_YORK)
    assert choose_day(appointments, date(2026, 12, 9), "day.json") == date(2026, 12, 9)
    result = invoke("visits", files["fhir"], "--date", "2026-12-10", "-o", files["fhir"].parent / "x.pdf")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: "
        + str(files["fhir"])
        + ": no appointments on 2026-12-10 (the schedule has 2026-12-08, 2026-12-09)\n"
    )


def test_a_service_request_or_a_reason_names_the_procedure_and_a_cancelled_visit_has_none(library_project, tmp_path):
    order = ServiceRequest(
        id="order",
        status="active",
        intent="order",
        subject=Reference(reference="Patient/ana"),
        code=CodeableConcept(coding=[Coding(system=CPT, code="64635")]),
    )
    resources = [
        order,
        appointment(1, "ana", DAY, time(8, 30), None, basedOn=[Reference(reference="ServiceRequest/order")]),
        appointment(2, "john", DAY, time(9, 0), None, reasonCode=[CodeableConcept(text="Medial  branch block")]),
        appointment(3, "pat", DAY, time(9, 30), None, reasonCode=[CodeableConcept(text="Something new")]),
        appointment(4, "minh", DAY, time(10, 0), "20552", status="cancelled"),
    ]
    (tmp_path / "day.json").write_text(bundle_of(resources), encoding="utf-8")
    assert [(row[1], row[2], row[4]) for row in summary(library_project, tmp_path / "day.json")] == [
        ("Ana Quintero", [(RFA, "es"), (PREP, "es")], []),
        ("John Whitfield", [("medial-branch-block", "en"), (PREP, "en")], []),
        ("Pat Oduya", [], ["no language given: English", "unmapped: Something new", "no handouts"]),
    ]


def test_a_name_the_fonts_cannot_print_is_left_blank_and_noted(library_project):
    # Linear B has no bundled font; nor has the mark U+1DFA, which NFC cannot fold into the "u"
    schedule = "patient,date,time,code,physician\n\U00010000\U00010001,2026-12-08,08:30,64483,Dr. Łukasz Ru\u1dfaiz\n"
    [packet] = plan_visits(library_project, schedule.encode(), "day.csv").packets
    assert (packet.visit.patient, packet.visit.physician) == ("", "Dr. Lukasz Ruiz")
    assert packet.notes == [
        "patient name left blank (letters the fonts lack): write it by hand",
        "physician printed without accents",
        "no language given: English",
    ]


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("2026-12-08", "08:30", (DAY, time(8, 30))),
        ("12/8/2026", "8:30 AM", (DAY, time(8, 30))),
        ("12/08/2026", "1:05 p.m.", (DAY, time(13, 5))),
        ("2026-12-08", "12:00 AM", (DAY, time(0, 0))),
        ("2026-12-08", "12:15pm", (DAY, time(12, 15))),
    ],
)
def test_csv_dates_and_times_as_exports_write_them(day, clock, expected):
    schedule = f"patient,date,time,code\nAna Quintero,{day},{clock},64483\n".encode()
    [one] = parse_schedule(schedule, "day.csv", {}, NEW_YORK)
    assert (one.day, one.start) == expected


@pytest.mark.parametrize(
    ("day", "clock", "message"),
    [
        ("2026-13-08", "08:30", "date: not a date like 2026-12-03 or 12/3/2026"),
        ("8.12.2026", "08:30", "date: not a date like 2026-12-03 or 12/3/2026"),
        ("2026-12-08", "24:00", "time: not a start time like 08:30, 13:30 or 1:30 PM"),
        ("2026-12-08", "13:00 PM", "time: not a start time like 08:30, 13:30 or 1:30 PM"),
    ],
)
def test_a_csv_date_or_time_that_is_none_is_an_error_at_its_line(tmp_path, day, clock, message):
    shown, _ = bad(tmp_path, "day.csv", f"patient,date,time,code\nAna Quintero,{day},{clock},64483\n".encode())
    assert shown == f":2: {message}"


def test_a_start_in_another_time_zone_is_the_clinics_wall_clock(library_project, tmp_path):
    bundle = json.loads(day_bundle([("ana", DAY, time(8, 30), "64483")]))
    start = next(entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Appointment")
    start["start"] = "2026-12-08T13:30:00Z"
    (tmp_path / "utc.json").write_text(json.dumps(bundle), encoding="utf-8")
    [one] = parse_schedule((tmp_path / "utc.json").read_bytes(), "utc.json", {}, NEW_YORK)
    assert (one.day, one.start) == (DAY, time(8, 30))


def test_every_cpt_code_of_the_issue_maps_to_a_handout(library_project):
    issue = [
        *[f"{n}" for n in range(62320, 62328)], *[f"{n}" for n in range(64479, 64485)],
        *[f"{n}" for n in range(64490, 64496)], *[f"{n}" for n in range(64633, 64637)],
        "27096", "64451", "20552", "20553", "64510", "64520", *[f"{n}" for n in range(22510, 22516)],
        "63650", "63685", "63688", "62350", "62370", "20600", "20611", "64454", "64624", "64405",
        "62273", "64615", "0275T", "22869", "64628", "27279", "64555", "64590",
    ]  # fmt: skip
    procedures = Procedures(library_project)
    for code in issue:
        match = procedures.match([code], [])
        assert match.unmapped == [] and match.slugs[-1] == PREP, code
    assert set(expanded(built_in_map().codes)) >= set(issue)


def test_the_clinic_maps_its_own_codes_names_and_columns(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(
        clinic.read_text(encoding="utf-8")
        + 'procedures:\n  always: []\n  codes:\n    X1234: [pain-diary]\n    "64483": [medial-branch-block]\n'
        + "  names:\n    Nerve zap: [radiofrequency-ablation]\n"
        + "schedule:\n  columns: {patient: Name, date: Day, time: Start, code: CPT, procedure: Visit type}\n",
        encoding="utf-8",
    )
    (clinic_project / "day.csv").write_text(
        "Name,Day,Start,CPT,Visit type\nAna Quintero,2026-12-08,08:30,64483,\nJohn Whitfield,2026-12-08,09:00,X1234,\n"
        "Pat Oduya,2026-12-08,10:00,,nerve  ZAP\n",
        encoding="utf-8",
    )
    project = open_project(clinic_project)
    assert [row[2] for row in summary(project, clinic_project / "day.csv")] == [
        [("medial-branch-block", "en")],
        [("pain-diary", "en")],
        [(RFA, "en")],
    ]


def test_a_clinic_map_naming_a_handout_that_does_not_exist_is_an_error(clinic_project, tmp_path, files):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8") + 'procedures:\n  codes:\n    "64483": [no-such-handout]\n')
    result = invoke("visits", files["csv"], "-o", tmp_path / "x.pdf", "--project", clinic_project)
    assert result.exit_code == 1
    assert result.stderr == "Error: clinic.yaml: procedures: no handout named no-such-handout (see `handouts list`)\n"


# Bad input: one line, exit 1, nothing written, no name on stderr.


def bad(tmp_path: Path, name: str, data: bytes) -> tuple[str, Path]:
    path = tmp_path / name
    path.write_bytes(data)
    target = tmp_path / "out" / "day.pdf"
    result = invoke("visits", path, "-o", target)
    assert result.exit_code == 1, result.output
    assert not target.exists() and not (tmp_path / "out").exists()
    assert not any(name in result.stderr for name in NAMES)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.removeprefix(f"Error: {path}").rstrip("\n"), path


def without_start() -> bytes:
    bundle = json.loads(day_bundle([("ana", DAY, time(8, 30), "64483")]))
    del bundle["entry"][-1]["resource"]["start"]
    return json.dumps(bundle).encode()


def observations() -> bytes:
    reading = Observation(status="final", code=CodeableConcept(text="pain score"))
    bundle = Bundle(type="collection", entry=[BundleEntry(resource=reading)])
    return bundle.model_dump_json().encode()


def broken_fhir() -> bytes:
    bundle = json.loads(day_bundle([("ana", DAY, time(8, 30), "64483")]))
    bundle["entry"][0]["resource"]["birthDate"] = "not a date"
    return json.dumps(bundle).encode()


def deep_extension() -> bytes:
    """A Patient whose extensions nest 400 deep: JSON Python reads, too deep for the FHIR models."""
    bundle = day_bundle([("ana", DAY, time(8, 30), "64483")])
    nested = '{"url": "http://example.org/x", "extension": [' * 400 + '{"url": "x", "valueString": "x"}' + "]}" * 400
    return bundle.replace('"resourceType":"Patient",', f'"resourceType":"Patient","extension":[{nested}],', 1).encode()


def huge_number() -> bytes:
    """A number of 5,000 digits: more than Python turns into an int from text."""
    return (
        day_bundle([("ana", DAY, time(8, 30), "64483")])
        .replace('"type":', '"total":' + "9" * 5000 + ',"type":', 1)
        .encode()
    )


def starting(at: str) -> bytes:
    """One appointment starting at `at`, a time with its offset."""
    bundle = json.loads(day_bundle([("ana", DAY, time(8, 30), "64483")]))
    bundle["entry"][-1]["resource"]["start"] = at
    return json.dumps(bundle).encode()


def many(count: int) -> bytes:
    return day_csv([("ana", DAY, time(8, minute % 60), "64483") for minute in range(count)]).encode()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"Call Ana back about the bill.\n", ":1: not a schedule: no column patient, date, time, code or procedure (a FHIR Bundle in JSON, or a CSV with a header row)"),
        ("day.png", b"\x89PNG\r\n\x1a\n\x00\x00", ":1: not UTF-8 text (save the export as UTF-8)"),
        ("day.json", b'{"resourceType": "Patient", "id": "x"}', ": not a FHIR Bundle (a JSON object with resourceType Bundle)"),
        ("day.json", b'{"resourceType": "Bundle",\n "type": "collection",\n "entry": [}', ":3: not JSON (Expecting value)"),
        ("day.json", observations(), ": a Bundle without an Appointment (it holds Observation)"),
        ("day.json", without_start(), ": entry 9: Appointment has no start time"),
        ("day.json", broken_fhir(), ": entry 1: birthDate: Value error, Date value string does not match spec regex."),
        ("day.json", b'{"resourceType": "Bundle", "type": "collection", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", ": nested too deeply to be a schedule"),
        ("day.json", deep_extension(), ": nested too deeply to be a schedule"),
        ("day.json", huge_number(), ": a number too long to be part of a schedule"),
        ("day.json", starting("0001-01-01T00:30:00+05:00"), ": entry 9: Appointment.start: not a year from 2000 to 2100"),
        ("day.json", starting("9999-12-31T23:30:00-05:00"), ": entry 9: Appointment.start: not a year from 2000 to 2100"),
        ("day.csv", day_csv(APPOINTMENTS[:1]).replace("13:00", "").encode(), ":2: time: not a start time like 08:30, 13:30 or 1:30 PM"),
        ("day.csv", day_csv(APPOINTMENTS[1:2]).replace(",es,", ",klingon,").encode(), ":2: language: not a language code like en, es or vi"),
        ("day.csv", day_csv(APPOINTMENTS[:3]).encode().replace(b"Minh", b"M\xe9nh"), ":4: not UTF-8 text (save the export as UTF-8)"),
        ("day.csv", many(MAX_APPOINTMENTS + 1), f": more than {MAX_APPOINTMENTS} appointments; split the schedule"),
        ("day.csv", b"patient,date,time,code\n" + b"x" * (5 * 1024 * 1024), ": larger than 5 MB; split the schedule"),
    ],
    ids=["text", "binary", "patient-not-bundle", "broken-json", "observations", "no-start", "invalid-fhir", "deep-json", "deep-fhir", "huge-number", "year-1", "year-9999",
         "csv-no-time", "unknown-language", "broken-utf8", "too-many", "too-large"],
)  # fmt: skip
def test_a_bad_schedule_is_one_error_line_and_writes_nothing(tmp_path, name, data, message):
    shown, _ = bad(tmp_path, name, data)
    assert shown == message


def test_a_day_too_long_for_one_pdf_asks_for_split(tmp_path):
    schedule = tmp_path / "day.csv"
    schedule.write_bytes(many(MAX_DAY_PACKETS + 1))
    result = invoke("visits", schedule, "-o", tmp_path / "day.pdf")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: more than {MAX_DAY_PACKETS} appointments on 2026-12-08 for one PDF: print each packet"
        " on its own (Print packet on its row, or `handouts visits --split DIR`)\n"
    )
    assert not (tmp_path / "day.pdf").exists()


def test_a_column_clinic_yaml_does_not_know_is_an_error(clinic_project, files, tmp_path):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8") + "schedule:\n  columns: {surname: Last}\n")
    result = invoke("visits", files["csv"], "-o", tmp_path / "x.pdf", "--project", clinic_project)
    assert result.exit_code == 1
    assert "schedule.columns.surname" in result.stderr, result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_writing_many_parts_as_one_pdf_has_the_render_time_of_each(library_project, monkeypatch):
    """The message gave only the sum ("took longer than 35 seconds"), which no setting says."""
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", "0.001")
    maker = Maker(library_project)
    with pytest.raises(RenderError) as late, maker.watched(False, parts=120):
        time_module.sleep(1)
    assert str(late.value) == (
        "took longer than 0.12 seconds to make as one PDF: 0.001 seconds for each of its 120 parts "
        "(HANDOUTS_RENDER_SECONDS sets the time for one)"
    )


def test_a_part_of_the_day_out_of_time_is_named(library_project, tmp_path, monkeypatch):
    """The desk list or the appointment and handout that ran out of time, with the time for one part."""
    schedule = tmp_path / "day.csv"
    schedule.write_text(day_csv([APPOINTMENTS[1]]), encoding="utf-8")
    monkeypatch.setenv("HANDOUTS_RENDER_SECONDS", "0.001")
    result = invoke("visits", schedule, "-o", tmp_path / "day.pdf")
    assert result.exit_code == 1 and not (tmp_path / "day.pdf").exists()
    assert result.stderr == (
        "Error: the desk list: took longer than 0.001 seconds to make (HANDOUTS_RENDER_SECONDS sets the limit)\n"
    )
    packet = plan_visits(library_project, schedule.read_bytes(), "day.csv").packets[0]
    with pytest.raises(RenderError) as late:
        packet_parts(Maker(library_project), packet)
    assert str(late.value) == (
        f"appointment 1 at 08:30: {ESI}: took longer than 0.001 seconds to make (HANDOUTS_RENDER_SECONDS sets the limit)"
    )


def test_the_day_never_goes_into_the_output_folder(tmp_path, files):
    built = tmp_path / "built"
    built.mkdir()
    (built / ".handouts-manifest.json").write_text("{}")
    result = invoke("visits", files["csv"], "-o", built / "day.pdf")
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: {built / 'day.pdf'}: inside {built}, a folder of built handouts; -o writes elsewhere\n"
    )
    result = invoke("visits", files["csv"], "--split", built / "day", "--out", built)
    assert result.exit_code == 1
    assert "never writes into" in result.stderr
    assert sorted(path.name for path in built.iterdir()) == [".handouts-manifest.json"]


@pytest.mark.parametrize("name", ["2026-12-08-desk-list.pdf", "2026-12-08-0830-1.pdf"])
def test_split_never_writes_through_a_link_in_its_folder(tmp_path, name):
    """A link in the folder sent a patient's packet to the PDF it points at, outside the folder."""
    schedule = tmp_path / "day.csv"
    schedule.write_text(day_csv([APPOINTMENTS[1]]), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"%PDF-1.7 someone else's file")
    folder = tmp_path / "packets"
    folder.mkdir()
    (folder / name).symlink_to(elsewhere)
    result = invoke("visits", schedule, "--split", folder)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {folder / name}: a link; --split never writes through one (remove it or choose another folder)\n"
    )
    assert elsewhere.read_bytes() == b"%PDF-1.7 someone else's file"
    assert os.listdir(folder) == [name]


@pytest.mark.parametrize(
    "old", ["2026-12-07-0830-1.pdf", "2026-12-07-desk-list.pdf", "0830-1.pdf", "desk-list.pdf", "2026-12-08-1100-3.pdf"]
)
def test_split_refuses_a_folder_that_holds_another_days_packets(tmp_path, old):
    """Names had no day: yesterday's 0830-1.pdf stayed beside today's, to be printed by mistake. A file
    named as --split names them that this run does not replace (another day's, a version's without the
    day, or an earlier run's of the same day) is refused, never removed; nothing is made."""
    schedule = tmp_path / "day.csv"
    schedule.write_text(day_csv([APPOINTMENTS[1]]), encoding="utf-8")
    folder = tmp_path / "packets"
    folder.mkdir()
    (folder / old).write_bytes(b"%PDF-1.7 yesterday's packet")
    (folder / "notes.txt").write_text("the desk's own file")
    result = invoke("visits", schedule, "--split", folder)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {folder / old}: a packet of another day or an earlier run (1 such file(s) in {folder}); remove"
        " them or choose another folder, so no one prints an old packet by mistake\n",
    )
    assert sorted(os.listdir(folder)) == sorted([old, "notes.txt"])
    assert (folder / old).read_bytes() == b"%PDF-1.7 yesterday's packet"


LONG_NAME = "Quintero" * 13  # 104 characters: more than a name may have
PILED_NAME = "Pat Oduy" + "a" + "\u0301\u0302\u0303\u0304\u0306\u0307"  # six accent marks on one letter


def test_a_name_that_cannot_be_printed_skips_its_appointment_and_the_others_print(tmp_path, monkeypatch):
    """One such name stopped the whole day; now its line on the desk list and on stderr names the
    row (never the name), the other packets print, and the exit code says one was not printed."""
    monkeypatch.chdir(tmp_path)
    rows = day_csv([APPOINTMENTS[1], APPOINTMENTS[4], APPOINTMENTS[3]])
    Path("day.csv").write_text(rows.replace("Pat Oduya", PILED_NAME).replace("John Whitfield", LONG_NAME), "utf-8")
    result = invoke("visits", "day.csv", "-o", "day.pdf")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [  # in order of time: John at 9:00 on line 4, Pat at 10:00 on line 3
        "Wrote day.pdf: 1 of 3 appointment(s) on 2026-12-08",
        "Error: day.csv:4: patient name: too long (at most 100 characters): not printed (the desk list says so)",
        "Error: day.csv:3: patient name: more than 3 accent marks on one letter: not printed (the desk list says so)",
    ]
    assert not any(name in result.stderr for name in [*NAMES, LONG_NAME, PILED_NAME, "Oduy"])
    pages = page_texts(Path("day.pdf").read_bytes())
    assert "not printed: day.csv:4: patient name: too long (at most 100 characters)" in pages[0]
    assert "not printed: day.csv:3: patient name: more than 3 accent marks on one letter" in pages[0]
    assert any("Su plan: Ana Quintero" in page for page in pages[1:])
    assert not any(LONG_NAME in page or "Oduy" in page for page in pages)


def test_a_row_that_cannot_be_read_is_listed_and_the_others_print(tmp_path, monkeypatch):
    """An unknown language or a date that is no date stopped the whole day; now each such row is on
    the desk list with its line and problem (a row without a date on any day's list), the others print,
    and the exit code says one was not printed."""
    monkeypatch.chdir(tmp_path)
    rows = day_csv([APPOINTMENTS[1], APPOINTMENTS[3], APPOINTMENTS[4]])  # Ana 8:30, John 9:00, Pat 10:00
    rows = rows.replace(",en,Dr.", ",klingon,Dr.").replace("2026-12-08,10:00", "2026-13-08,10:00")
    Path("day.csv").write_text(rows, "utf-8")
    result = invoke("visits", "day.csv", "-o", "day.pdf")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Wrote day.pdf: 1 of 3 appointment(s) on 2026-12-08",
        "Error: day.csv:3: language: not a language code like en, es or vi: not printed (the desk list says so)",
        "Error: day.csv:4: date: not a date like 2026-12-03 or 12/3/2026: not printed (the desk list says so)",
    ]
    pages = page_texts(Path("day.pdf").read_bytes())
    language, date_problem = "language: not a language code like en, es or vi", "date: not a date like 2026-12-03"
    assert f"2 9:00 AM (see note) none not printed: day.csv:3: {language}" in pages[0]
    assert f"3 10:00 AM (see note) none not printed: day.csv:4: {date_problem} or 12/3/2026" in pages[0]
    assert any("Su plan: Ana Quintero" in page for page in pages[1:])
    assert not any("John Whitfield" in page or "Pat Oduya" in page for page in pages)


def test_a_fhir_entry_that_cannot_be_read_is_planned_without_a_packet(library_project):
    bundle = day_bundle([APPOINTMENTS[1], APPOINTMENTS[3]]).replace('"code":"es"', '"code":"xx-klingon"')
    packets = plan_visits(library_project, bundle.encode(), "day.json").packets
    assert [packet.skipped for packet in packets] == [
        "day.json: entry 9: language: not a language code like en, es or vi",
        "",
    ]
    assert packets[0].appointment.start == time(8, 30) and packets[1].requests


def test_one_of_o_or_split(files):
    result = invoke("visits", files["csv"])
    assert result.exit_code == 2
    assert "give -o DAY.pdf or --split DIR" in result.stderr


# The PDF: real rendering.


def page_texts(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pdf_reader(data).pages]


@pytest.mark.slow
def test_the_day_pdf_has_the_desk_list_then_each_packet_in_order_language_and_time(tmp_path, files, monkeypatch):
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    target = tmp_path / "day.pdf"
    result = invoke("visits", files["fhir"], "-o", target)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Wrote {target}: 7 appointment(s) on 2026-12-08\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not any(name in result.stderr for name in NAMES)
    leftovers = [path for path in private_tmp.rglob("*") if path.is_file()]
    assert not any(name.encode() in path.read_bytes() for path in leftovers for name in NAMES)
    pages = page_texts(target.read_bytes())
    desk = pages[0]
    assert desk.startswith("Handouts for Tuesday, December 8")
    order = [
        desk.index(name)
        for name in ["Ana Quintero", "John Whitfield", "Minh Nguyễn", "Pat Oduya", "Sam Kellner", "Lia Moreno"]
    ]
    assert order == sorted(order)
    assert desk.rindex("John Whitfield") > desk.index("Lia Moreno")  # his second visit comes last
    for note in ["English (asked: Vietnamese)", "no Vietnamese handouts: English instead", "no language given: English",
                 "unmapped: 99999", "visit 2 today: own packet"]:  # fmt: skip
        assert note in desk, note
    plans = [
        (number, page)
        for number, page in enumerate(pages, start=1)
        if page.startswith("Riverside") and ("Your plan:" in page or "Su plan:" in page)
    ]
    assert [number % 2 for number, _ in plans] == [1] * 6  # each packet starts on a new sheet
    expected = [
        ("Su plan: Ana Quintero", "8:30 a. m."),
        ("Your plan: John Whitfield", "9:00 AM"),
        ("Your plan: Minh Nguyễn", "9:30 AM"),
        ("Your plan: Pat Oduya", "10:00 AM"),
        ("Su plan: Lia Moreno", "11:30 a. m."),
        ("Your plan: John Whitfield", "1:00 PM"),
    ]
    for (_, page), (heading, clock) in zip(plans, expected, strict=True):
        assert heading in page and clock in page, (heading, page)
    spanish = pages[plans[0][0] : plans[1][0] - 1]
    assert any("Inyección epidural" in page for page in spanish)
    assert not any("Sam Kellner" in page for page in pages[1:])  # no handouts: on the desk list only


@pytest.mark.slow
def test_split_writes_one_private_file_per_packet_named_without_the_patient(tmp_path):
    schedule = tmp_path / "day.csv"
    schedule.write_text(day_csv([APPOINTMENTS[1], APPOINTMENTS[3]]), encoding="utf-8")
    folder = tmp_path / "packets"
    result = invoke("visits", schedule, "--split", folder)
    assert result.exit_code == 0, result.output
    names = ["2026-12-08-0830-1.pdf", "2026-12-08-0900-2.pdf", "2026-12-08-desk-list.pdf"]
    assert sorted(os.listdir(folder)) == names
    assert all(stat.S_IMODE((folder / name).stat().st_mode) == 0o600 for name in os.listdir(folder))
    first = page_texts((folder / "2026-12-08-0830-1.pdf").read_bytes())
    assert "Su plan: Ana Quintero" in first[0] and not any("John Whitfield" in page for page in first)
    assert "Your plan: John Whitfield" in page_texts((folder / "2026-12-08-0900-2.pdf").read_bytes())[0]
    assert invoke("visits", schedule, "--split", folder).exit_code == 0  # the same day again replaces its own
    assert sorted(os.listdir(folder)) == names


def test_an_appointment_at_a_time_the_clocks_skip_is_named_and_the_others_are_planned(library_project):
    """2:30 AM on 2026-03-08 does not exist in New York: that row is skipped at planning, with its line;
    the day still plans (it stopped the whole day, found only when its packet was rendered)."""
    schedule = (
        "patient,date,time,code\n"
        "Ana Ruiz,2026-03-08,08:30,64483\n"
        "Bob Lee,2026-03-08,02:30,64483\n"
        "Cy Doe,2026-03-08,09:30,64483\n"
    )
    packets = plan_visits(library_project, schedule.encode(), "dst.csv").packets
    assert [bool(packet.skipped) for packet in packets] == [True, False, False]  # in order of time: Bob first
    assert packets[0].notes == [
        "not printed: dst.csv:3: procedure time: the clocks skip this time that night "
        "(daylight saving time starts in America/New_York); give a real time"
    ]


def test_an_appointment_with_more_codes_than_a_list_holds_is_named(library_project):
    """A row of thousands of codes made a desk list of hundreds of pages: it is an error at its line."""
    codes = ";".join(str(60000 + number) for number in range(21))
    schedule = f"patient,date,time,code\nAna Ruiz,2026-12-08,08:30,{codes}\n"
    with pytest.raises(ScheduleError, match=r"^day.csv:2: code: more than 20 procedure codes for one appointment$"):
        plan_visits(library_project, schedule.encode(), "day.csv")
    repeated = "patient,date,time,code\nAna Ruiz,2026-12-08,08:30," + ";".join(["99999"] * 30) + "\n"
    assert plan_visits(library_project, repeated.encode(), "day.csv").packets[0].notes[-2:] == [
        "unmapped: 99999",
        "no handouts",
    ]
