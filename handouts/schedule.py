"""A day's schedule as an EHR or practice-management system exports it: a FHIR R4 Bundle (JSON) of
Appointments with their Patients, Practitioners, Locations and ServiceRequests, or a CSV with one row
per appointment. The appointments are patient data: they live in memory for one command and are
never logged, cached or written anywhere but the packets. A message names the line or entry and
the field, never a value from the file. A row or entry that cannot be read (a date, a language) is
kept as an appointment with its `problem`: it gets no packet, the desk list says why, and the others
print; a schedule none of whose appointments can be read is an error."""

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import Field

from handouts.content import LANGUAGE_PATTERN, Strict, Text
from handouts.errors import HandoutsError
from handouts.files import shown
from handouts.visit import YEARS

if TYPE_CHECKING:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.codeableconcept import CodeableConcept

MAX_SCHEDULE_BYTES = 5 * 1024 * 1024
MAX_APPOINTMENTS = 500
Column = Literal["patient", "date", "time", "code", "procedure", "language", "physician", "location"]
COLUMNS: tuple[Column, ...] = get_args(Column)
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
CSV_TIME = re.compile(r"([0-9]{1,2}):([0-5][0-9])(?: ?([AaPp])\.? ?[Mm]\.?)?")
NOT_A_DATE = "not a date like 2026-12-03 or 12/3/2026"
NOT_A_TIME = "not a start time like 08:30, 13:30 or 1:30 PM"
CODE_SEPARATORS = re.compile(r"[;,\s]+")
SKIPPED_STATUSES = frozenset({"cancelled", "noshow", "entered-in-error"})
"""Appointments that will not happen get no packet."""


class ScheduleSettings(Strict):
    """`schedule:` in clinic.yaml: how the clinic's own export names its CSV columns."""

    columns: dict[Column, Text] = Field(
        default_factory=dict,
        description="A column of `handouts visits` to the name the clinic's CSV export gives it, "
        "e.g. {patient: Patient Name, time: Appt Time}. Columns not named keep their own names.",
    )


MAX_CODES = 20
"""Procedure codes and names of one appointment: a day's list stays a list."""
TOO_MANY_CODES = f"more than {MAX_CODES} procedure codes for one appointment"


class ScheduleError(HandoutsError):
    """A schedule that cannot be read; the message says where (line or entry), never what was there."""


class Unreadable(Exception):
    """One row or entry that cannot be read: the field and the problem, never the value."""


@dataclass(frozen=True)
class Appointment:
    """One appointment of the schedule, in the clinic's time zone. One that could not be read has its
    `problem` and only the day and time that could be read (None otherwise); a readable one has both."""

    where: str = field(repr=False)  # "day.csv:3", "day.json: entry 2": how messages name it
    patient: str = field(repr=False)
    person: str = field(repr=False)  # tells one patient from another: two appointments of one person
    day: date | None
    start: time | None
    codes: tuple[str, ...] = ()
    procedures: tuple[str, ...] = field(default=(), repr=False)
    language: str | None = None
    physician: str = field(default="", repr=False)
    location: str = field(default="", repr=False)
    problem: str = ""

    @classmethod
    def unread(cls, where: str, problem: Unreadable, day: date | None, start: time | None) -> "Appointment":
        return cls(where=where, patient="", person=where, day=day, start=start, problem=str(problem))


def read_bounded(path: Path) -> bytes:
    """A schedule file's bytes, at most MAX_SCHEDULE_BYTES."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SCHEDULE_BYTES + 1)
    except OSError as error:
        raise ScheduleError(f"{shown(path)}: cannot read it ({error.strerror or error})") from None
    too_large(data, shown(path))
    return data


def too_large(data: bytes, name: str) -> None:
    if len(data) > MAX_SCHEDULE_BYTES:
        raise ScheduleError(f"{name}: larger than {MAX_SCHEDULE_BYTES // (1024 * 1024)} MB; split the schedule")


def parse_schedule(data: bytes, name: str, columns: Mapping[Column, str], time_zone: str) -> list[Appointment]:
    """The appointments of a FHIR Bundle or a CSV file (`name` is how messages call it), in the order of their start."""
    too_large(data, name)
    text = schedule_text(data, name)
    if text.lstrip().startswith(("{", "[")):
        appointments = from_bundle(text, name, ZoneInfo(time_zone))
    else:
        appointments = from_csv(text, name, {column: columns.get(column, column) for column in COLUMNS})
    if not appointments:
        raise ScheduleError(f"{name}: no appointments in this schedule")
    if len(appointments) > MAX_APPOINTMENTS:
        raise ScheduleError(f"{name}: more than {MAX_APPOINTMENTS} appointments; split the schedule")
    if all(one.problem for one in appointments):  # nothing to print: the first problem is the error
        raise ScheduleError(f"{appointments[0].where}: {appointments[0].problem}")
    return sorted(appointments, key=lambda one: (one.day or date.max, one.start or time.max))


def schedule_text(data: bytes, name: str) -> str:
    """UTF-8 text (a byte order mark is allowed); broken bytes are an error at their line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScheduleError(f"{name}:{line}: not UTF-8 text (save the export as UTF-8)") from None


def language_code(value: str | None) -> str | None:
    """The language part of a code like es, es-MX or ES, or of an English name like Spanish: lower
    case; one that is no language is `Unreadable`."""
    from babel import Locale, UnknownLocaleError

    if value is None or not value.strip():
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    code = english_names().get(code, code)
    try:
        if not LANGUAGE_PATTERN.match(code):
            raise ValueError(code)
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise Unreadable("language: not a language code like en, es or vi") from None
    return code


@cache
def english_names() -> dict[str, str]:
    """ "spanish": "es", for exports that write a language's name."""
    from babel import Locale

    return {name.casefold(): code for code, name in Locale("en").languages.items() if "_" not in code}


# CSV


def from_csv(text: str, name: str, columns: dict[str, str]) -> list[Appointment]:
    """One appointment per row, under a header row that names at least patient, date, time, and code or procedure."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames or []
    except csv.Error as error:
        raise ScheduleError(f"{name}:1: not a CSV file ({error})") from None
    header_names = {column.strip() for column in header}
    needed = [columns[column] for column in ("patient", "date", "time") if columns[column] not in header_names]
    if not {columns["code"], columns["procedure"]} & header_names:
        needed.append(f"{columns['code']} or {columns['procedure']}")
    if needed:
        raise ScheduleError(
            f"{name}:1: not a schedule: no column {', '.join(needed)} (a FHIR Bundle in JSON, or a CSV with a header row)"
        )
    appointments: list[Appointment] = []
    try:
        for row in reader:
            if len(appointments) > MAX_APPOINTMENTS:
                break
            values = {key.strip(): (value or "").strip() for key, value in row.items() if isinstance(key, str)}
            if not any(values.values()):
                continue
            appointments.append(csv_appointment(values, columns, f"{name}:{reader.line_num}"))
    except csv.Error as error:
        raise ScheduleError(f"{name}:{reader.line_num}: not a CSV row ({error})") from None
    return appointments


def csv_date(text: str) -> date | None:
    """2026-12-08, or as US exports write it, 12/8/2026."""
    iso, us = ISO_DATE.fullmatch(text), US_DATE.fullmatch(text)
    year, month, day = (iso[1], iso[2], iso[3]) if iso else (us[3], us[1], us[2]) if us else ("", "", "")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def csv_time(text: str) -> time | None:
    """08:30 or 13:30 on the 24-hour clock, or 1:30 PM (a.m./p.m. too) on the 12-hour one."""
    found = CSV_TIME.fullmatch(text)
    if not found:
        return None
    hour, minute, half = int(found[1]), int(found[2]), (found[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    return time(hour, minute) if hour < 24 else None


def csv_appointment(values: dict[str, str], columns: dict[str, str], where: str) -> Appointment:
    """The row's appointment, or the row with its problem and what could be read of its day and time."""

    def cell(column: str) -> str:
        return values.get(columns[column], "")

    day, start = csv_date(cell("date")), csv_time(cell("time"))
    try:
        if not cell("patient"):
            raise Unreadable(f"{columns['patient']}: empty")
        if day is None:
            raise Unreadable(f"{columns['date']}: {NOT_A_DATE}")
        if start is None:
            raise Unreadable(f"{columns['time']}: {NOT_A_TIME}")
        codes = tuple(dict.fromkeys(code for code in CODE_SEPARATORS.split(cell("code")) if code))
        if len(codes) > MAX_CODES:
            raise Unreadable(f"{columns['code']}: {TOO_MANY_CODES}")
        procedure = cell("procedure")
        if not codes and not procedure:
            raise Unreadable(f"no {columns['code']} and no {columns['procedure']}")
        language = language_code(cell("language"))
    except Unreadable as problem:
        return Appointment.unread(where, problem, day, start)
    return Appointment(
        where=where,
        patient=cell("patient"),
        person=" ".join(cell("patient").casefold().split()),
        day=day,
        start=start,
        codes=codes,
        procedures=(procedure,) if procedure else (),
        language=language,
        physician=cell("physician"),
        location=cell("location"),
    )


# FHIR


def from_bundle(text: str, name: str, zone: ZoneInfo) -> list[Appointment]:
    """The Appointments of a Bundle, parsed and validated by fhir.resources (R4B, whose Appointment,
    Patient, Practitioner, Location and ServiceRequest read R4's)."""
    from fhir.resources.R4B.appointment import Appointment as FhirAppointment

    entries = parsed_bundle(text, name).entry or []
    if len(entries) > MAX_APPOINTMENTS * 10:
        raise ScheduleError(f"{name}: more than {MAX_APPOINTMENTS * 10} entries; split the schedule")
    resources = by_reference(entries)
    appointments: list[Appointment] = []
    kinds = set()
    for number, entry in enumerate(entries, start=1):
        resource = entry.resource
        kinds.add(resource.get_resource_type() if resource is not None else "nothing")
        if not isinstance(resource, FhirAppointment) or resource.status in SKIPPED_STATUSES:
            continue
        appointments.append(fhir_appointment(resource, resources, f"{name}: entry {number}", zone))
    if "Appointment" not in kinds:
        held = ", ".join(sorted(kinds)) or "no entries"
        raise ScheduleError(f"{name}: a Bundle without an Appointment (it holds {held})")
    return appointments


def by_reference(entries: list[Any]) -> dict[str, Any]:
    """Each resource of the Bundle under the references that may name it: `Type/id` and its `fullUrl`."""
    resources = {}
    for entry in entries:
        resource = entry.resource
        if resource is None:
            continue
        if resource.id:
            resources[f"{resource.get_resource_type()}/{resource.id}"] = resource
        if entry.fullUrl:
            resources[str(entry.fullUrl)] = resource
    return resources


def parsed_bundle(text: str, name: str) -> "Bundle":
    import json

    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScheduleError(f"{name}:{error.lineno}: not JSON ({error.msg})") from None
    except RecursionError:
        raise ScheduleError(f"{name}: nested too deeply to be a schedule") from None
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise ScheduleError(f"{name}: a number too long to be part of a schedule") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise ScheduleError(f"{name}: not a FHIR Bundle (a JSON object with resourceType Bundle)")
    try:
        return Bundle.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        raise ScheduleError(f"{name}: {fhir_place(problem['loc'])}: {problem['msg']}") from None
    except (ValueError, TypeError, LookupError):  # what fhir.resources raises itself for a resource it cannot make
        raise ScheduleError(f"{name}: not a FHIR R4 Bundle the library can read") from None
    except RecursionError:
        raise ScheduleError(f"{name}: nested too deeply to be a schedule") from None


def fhir_place(location: tuple[int | str, ...]) -> str:
    """A validation error's place: "entry 3: Appointment.start" from ("entry", 2, "resource", "start")."""
    parts = [str(part) for part in location]
    if len(parts) >= 2 and parts[0] == "entry" and parts[1].isdigit():
        rest = [part for part in parts[2:] if not part.isdigit() and part != "resource"]
        return f"entry {int(parts[1]) + 1}" + (f": {'.'.join(rest)}" if rest else "")
    return ".".join(parts) or "Bundle"


def fhir_appointment(appointment: Any, resources: dict[str, Any], where: str, zone: ZoneInfo) -> Appointment:
    """The entry's appointment, or the entry with its problem and what could be read of its day and time."""
    try:
        local = fhir_start(appointment.start, zone)
    except Unreadable as problem:
        return Appointment.unread(where, problem, None, None)
    try:
        return fhir_details(appointment, resources, where, local)
    except Unreadable as problem:
        return Appointment.unread(where, problem, local.date(), time(local.hour, local.minute))


def fhir_start(start: Any, zone: ZoneInfo) -> datetime:
    """Appointment.start in the clinic's time zone."""
    if start is None:
        raise Unreadable("Appointment has no start time")
    if not isinstance(start, datetime):
        raise Unreadable("Appointment.start: not a date and time")
    if start.year not in YEARS:  # before the shift to the clinic's zone, which overflows near year 1 or 9999
        raise Unreadable(f"Appointment.start: not a year from {YEARS[0]} to {YEARS[-1]}")
    return start.astimezone(zone) if start.tzinfo else start


def fhir_details(appointment: Any, resources: dict[str, Any], where: str, local: datetime) -> Appointment:
    actors: dict[str, Any] = {}
    for participant in appointment.participant or []:
        reference = participant.actor.reference if participant.actor else None
        resource = resources.get(str(reference)) if reference else None
        if resource is not None:
            actors.setdefault(resource.get_resource_type(), resource)
    patient = actors.get("Patient")
    if patient is None:
        raise Unreadable("no Patient in the bundle among the Appointment's participants")
    concepts: list[CodeableConcept] = [*(appointment.serviceType or []), *(appointment.reasonCode or [])]
    for request in appointment.basedOn or []:
        linked = resources.get(str(request.reference))
        if linked is not None and linked.get_resource_type() == "ServiceRequest" and linked.code is not None:
            concepts.append(linked.code)
    codes = tuple(dict.fromkeys(coding.code for concept in concepts for coding in concept.coding or [] if coding.code))
    names = tuple(dict.fromkeys(concept.text for concept in concepts if concept.text and not concept.coding))
    if len(codes) + len(names) > MAX_CODES:
        raise Unreadable(TOO_MANY_CODES)
    if not codes and not names:
        raise Unreadable("no procedure (serviceType, reasonCode or a ServiceRequest's code)")
    patient_name = person_name(patient)
    if not patient_name:
        raise Unreadable("the Patient has no name")
    return Appointment(
        where=where,
        patient=patient_name,
        person=f"Patient/{patient.id}" if patient.id else patient_name.casefold(),
        day=local.date(),
        start=time(local.hour, local.minute),
        codes=codes,
        procedures=names,
        language=language_code(preferred_language(patient)),
        physician=person_name(actors["Practitioner"]) if "Practitioner" in actors else "",
        location=str(actors["Location"].name or "") if "Location" in actors else "",
    )


def person_name(resource: Any) -> str:
    """A Patient's or Practitioner's first name as written: its text, else given names and family name."""
    for name in resource.name or []:
        if name.text:
            return str(name.text)
        written = " ".join([*(name.prefix or []), *(name.given or []), name.family or ""]).strip()
        if written:
            return written
    return ""


def preferred_language(patient: Any) -> str | None:
    """The language marked preferred in Patient.communication, else the first one."""
    spoken = patient.communication or []
    chosen = next((one for one in spoken if one.preferred), spoken[0] if spoken else None)
    if chosen is None or chosen.language is None:
        return None
    codes = [coding.code for coding in chosen.language.coding or [] if coding.code]
    return codes[0] if codes else None
