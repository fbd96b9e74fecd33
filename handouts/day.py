"""A day's packets from a schedule: which handouts each appointment gets and in which language
(`plan_day`, nothing rendered), then one PDF for the day, the desk's list first and each packet on a
new sheet (`day_pdf`), or one PDF per packet (`packet_pdfs`). Nothing here writes a file or logs a
patient's detail; the desk list and the packets are the only places those details go."""

import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from handouts.codes import Procedures
from handouts.errors import RenderError, UnknownHandoutError
from handouts.glyphs import printable
from handouts.logs import report
from handouts.plan import refuse_unclear_time
from handouts.project import Project
from handouts.schedule import Appointment, ScheduleError
from handouts.targets import RenderRequest
from handouts.visit import FIELDS, Visit, VisitError, require_printable

if TYPE_CHECKING:
    from handouts.maker import Maker
    from handouts.pdf import Part

DESK_TEMPLATE = "desk-list.html"
STAFF_LANGUAGE = "en"
SPLIT_NAME = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}-)?(?:[0-9]{4}-[0-9]+|desk-list)\.pdf")
"""A name `packet_pdfs` gives a file (`2026-12-08-0830-1.pdf`, `2026-12-08-desk-list.pdf`), or gave one
before names had their day (`0830-1.pdf`, `desk-list.pdf`)."""
MAX_DAY_PACKETS = 50
"""Packets in one PDF: a 40-patient day is about 250 pages and 550 MB while it is written; 100 outgrew
a worker's 2 GB memory budget."""
DAY = "day"
"""How warnings about writing the day's PDF are reported (never a patient's detail)."""


@dataclass(frozen=True)
class DeskChoice:
    """The handouts and language the desk picked for one packet in place of the schedule's."""

    slugs: list[str]
    language: str


CHANGED_AT_THE_DESK = "handouts or language changed at the desk"
UNKNOWN_TIME = "?"
"""The desk list's time of a row whose time could not be read."""


@dataclass(frozen=True)
class Packet:
    """One appointment's packet: its handouts, each in the language it prints in, and what the desk should know."""

    number: int  # its place in the day, from 1
    appointment: Appointment = field(repr=False)
    visit: Visit = field(repr=False)
    language: str  # of "Your plan" and the title
    requests: list[RenderRequest]
    notes: list[str]
    visit_of_the_day: int = 1  # the patient's first, second ... appointment of the day
    skipped: str = ""  # why the appointment gets no packet, when a detail of it cannot be printed

    @property
    def label(self) -> str:
        """ "appointment 3 at 09:30": how a message names it, never by the patient."""
        start = self.appointment.start
        return f"appointment {self.number}" + ("" if start is None else f" at {start:%H:%M}")

    @property
    def file_name(self) -> str:
        """`2026-12-08-0830-1.pdf`: its day, time and place in the day, never the patient's name (a
        packet with handouts has a readable day and time)."""
        return f"{self.appointment.day:%Y-%m-%d}-{self.appointment.start:%H%M}-{self.number}.pdf"


def choose_day(appointments: list[Appointment], wanted: date | None, name: str) -> date:
    """The day asked for, else the first day of the schedule; a day without appointments is an error."""
    days = sorted({appointment.day for appointment in appointments if not appointment.problem and appointment.day})
    if wanted is None:
        return days[0]
    if wanted not in days:
        listed = ", ".join(day.isoformat() for day in days[:5]) + (" ..." if len(days) > 5 else "")
        raise ScheduleError(f"{name}: no appointments on {wanted.isoformat()} (the schedule has {listed})")
    return wanted


def plan_day(project: Project, appointments: list[Appointment], day: date, fallback: str | None) -> list[Packet]:
    """A packet for each appointment of `day`, in order of time; every detail is checked before anything
    is rendered. A row that could not be read is on the day's list, without a packet, with its problem;
    one whose date could not be read is on every day's list."""
    planner = Planner(project, fallback)
    visits: Counter[str] = Counter()
    packets = []
    for number, appointment in enumerate((one for one in appointments if one.day in (day, None)), start=1):
        if appointment.problem:
            packets.append(skipped(number, appointment, appointment.problem))
            continue
        visits[appointment.person] += 1
        try:
            packets.append(planner.packet(number, appointment, visits[appointment.person]))
        except VisitError as error:  # one appointment's detail, never the whole day: the others still print
            packets.append(skipped(number, appointment, "; ".join(str(error).splitlines())))
    return packets


def skipped(number: int, appointment: Appointment, problem: str) -> Packet:
    """The desk list's line for an appointment that gets no packet: the problem names the field and
    where the schedule has it, never what it holds."""
    reason = f"{appointment.where}: {problem}"
    return Packet(number, appointment, Visit(), STAFF_LANGUAGE, [], [f"not printed: {reason}"], skipped=reason)


class Planner:
    """What every packet of a day is chosen from: the library's languages, the procedure map, the fonts."""

    def __init__(self, project: Project, fallback: str | None):
        from handouts.glyphs import coverage

        self.project = project
        self.catalog = project.catalog()
        self.library = {language for languages in self.catalog.values() for language in languages}
        self.fallback = fallback or project.clinic.languages[0]
        if self.fallback not in self.library:
            raise UnknownHandoutError(
                f"--fallback: no handouts in {self.fallback!r} (there are: {', '.join(sorted(self.library))})"
            )
        self.procedures = Procedures(project)
        self.covered = coverage(tuple(project.asset_roots))
        self.size = project.clinic.page_size.lower()

    def packet(
        self, number: int, appointment: Appointment, visit_of_the_day: int, chosen: DeskChoice | None = None
    ) -> Packet:
        """The appointment's handouts, each in the patient's language where it exists, and the desk's
        notes; or the handouts and language the desk `chosen` for it."""
        visit, notes = self.printable_visit(appointment)
        match = self.procedures.match(list(appointment.codes), list(appointment.procedures))
        if chosen is None:
            slugs = match.slugs
            language, language_notes = packet_language(appointment.language, self.library, self.fallback)
        else:
            slugs, language, language_notes = self.checked(chosen), chosen.language, [CHANGED_AT_THE_DESK]
        notes += language_notes
        requests = []
        for slug in slugs:
            printed = self.project.language_of(slug, language, self.fallback, self.catalog)
            notes += [] if printed == language else [f"{slug} in {language_name(printed)}"]
            requests.append(RenderRequest(slug, printed, self.size, False, visit))
        notes += [f"unmapped: {code}" for code in match.unmapped]
        notes += [] if requests else ["no handouts"]
        notes += [] if visit_of_the_day == 1 else [f"visit {visit_of_the_day} today: own packet"]
        return Packet(number, appointment, visit, language, requests, notes, visit_of_the_day)

    def checked(self, chosen: DeskChoice) -> list[str]:
        """The desk's handouts, once each in the order picked, if the library has them and the language."""
        if chosen.language not in self.library:
            raise UnknownHandoutError(f"language: no handouts in {chosen.language!r}")
        unknown = [slug for slug in chosen.slugs if slug not in self.catalog]
        if unknown:
            raise UnknownHandoutError(f"handout: no handout {unknown[0]!r} in the library")
        return list(dict.fromkeys(chosen.slugs))

    def changed(self, packet: Packet, chosen: DeskChoice) -> Packet:
        """The packet again with the desk's handouts and language; its appointment and place stay. One
        not printed stays so: its appointment could not be read, or cannot be printed."""
        if packet.skipped:
            raise UnknownHandoutError(f"{packet.label}: not printed ({packet.skipped}), so there is nothing to change")
        return self.packet(packet.number, packet.appointment, packet.visit_of_the_day, chosen)

    def printable_visit(self, appointment: Appointment) -> tuple[Visit, list[str]]:
        """The appointment as the "Your appointment" box and "Your plan" take it. A name or place
        with letters the bundled fonts lack (Vietnamese tone marks, say) prints without its accents,
        or is left blank to write by hand; the desk list says which, so one name never stops the day."""
        visit = visit_of(appointment)
        fields, notes = {}, []
        for name in ("patient", "physician", "location"):
            text, note = fitted(getattr(visit, name), self.covered)
            fields[name] = text
            notes += [] if note is None else [f"{FIELDS[name]} {note}"]
        visit = visit.model_copy(update=fields)
        require_printable(visit, self.covered)
        if visit.date is not None and visit.time is not None:  # a plan is made from them: checked now, not mid-print
            refuse_unclear_time(visit.date, visit.time, ZoneInfo(self.project.clinic.policies.time_zone))
        return visit, notes


def fitted(text: str, covered: Container[int]) -> tuple[str, str | None]:
    """The text as the fonts can print it, and a note when it had to change."""
    if printable(text, covered):
        return text, None
    folded = "".join(
        char for char in unicodedata.normalize("NFD", text.translate(UNDECOMPOSED)) if not unicodedata.combining(char)
    )
    folded = unicodedata.normalize("NFC", folded)
    if printable(folded, covered):
        return folded, "printed without accents"
    return "", "left blank (letters the fonts lack): write it by hand"


UNDECOMPOSED = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ħ": "h", "Ħ": "H"})
"""Letters with a stroke, which Unicode does not split into a letter and a mark."""


def visit_of(appointment: Appointment) -> Visit:
    """The appointment as the visit's fields check it (a VisitError names the field)."""
    fields: dict[str, str | None] = {
        "patient": appointment.patient,
        "date": f"{appointment.day:%Y-%m-%d}",
        "time": f"{appointment.start:%H:%M}",
        "physician": appointment.physician,
        "location": appointment.location,
    }
    return Visit.from_fields(fields)


def packet_language(wanted: str | None, library: set[str], fallback: str) -> tuple[str, list[str]]:
    """The patient's language if the library has it, else the fallback, with a note for the desk."""
    if wanted is None:
        return fallback, [f"no language given: {language_name(fallback)}"]
    if wanted not in library:
        return fallback, [f"no {language_name(wanted)} handouts: {language_name(fallback)} instead"]
    return wanted, []


def language_name(code: str) -> str:
    """ "Spanish" for es: how the desk list names a language."""
    from handouts.locales import babel_locale

    return str(babel_locale(code).get_display_name(STAFF_LANGUAGE) or code)


def desk_rows(project: Project, packets: list[Packet]) -> list[dict[str, str | int | list[str]]]:
    """What the desk's list (and the page's schedule) shows of each packet; the page's form to change
    a packet also takes its handouts' slugs and its language's code."""
    from handouts.render import clock_time

    rows: list[dict[str, str | int | list[str]]] = []
    for packet in packets:
        titles = [project.handout(request.content_language, request.slug).title for request in packet.requests]
        wanted, start = packet.appointment.language, packet.appointment.start
        rows.append(
            {
                "number": packet.number,
                "time": UNKNOWN_TIME if start is None else clock_time(start, STAFF_LANGUAGE),
                "patient": packet.visit.patient or "(see note)",
                "handouts": "; ".join(titles) or "none",
                "language": ""
                if packet.skipped
                else language_name(packet.language)
                + ("" if wanted in (None, packet.language) else f" (asked: {language_name(str(wanted))})"),
                "notes": "; ".join(packet.notes),
                "slugs": [request.slug for request in packet.requests],
                "language_code": packet.language,
                "skipped": packet.skipped,
            }
        )
    return rows


def desk_part(maker: "Maker", day: date, packets: list[Packet]) -> "Part":
    """The desk's list laid out: time, patient, handouts, language and what to check, one line a packet."""
    from handouts.plan import day_text

    project = maker.project
    rows = desk_rows(project, packets)
    html = maker.renderer.render_template(
        DESK_TEMPLATE,
        {
            **maker.renderer.brand(STAFF_LANGUAGE, project.clinic.page_size.lower()),
            "day": day.isoformat(),
            "day_text": day_text(day, STAFF_LANGUAGE),
            "rows": rows,
            "attention": sum(1 for packet in packets if packet.notes),
            "large_print": False,
        },
    )
    with naming("the desk list"), maker.watched(private=True) as found:
        from handouts.pdf import Part, render_document

        document = render_document(html, project.root, project.asset_roots)
    report(DAY, found)
    return Part(document, STAFF_LANGUAGE)


@contextmanager
def naming(what: str) -> Iterator[None]:
    """A render error (out of time or memory, say) says which part of the day it was making."""
    try:
        yield
    except RenderError as error:
        raise RenderError(f"{what}: {error}") from None


def packet_parts(maker: "Maker", packet: Packet) -> "list[Part]":
    """ "Your plan" from the patient's own time, then each handout, laid out."""
    if not packet.requests:
        return []
    with naming(packet.label):
        sheet_html = maker.renderer.plan_sheet(packet.requests, packet.language)
        return maker.visit_parts(packet.requests, sheet_html, packet.language)[1]


def day_pdf(maker: "Maker", day: date, packets: list[Packet]) -> bytes:
    """One PDF: the desk's list, then every packet in order, each part on a new sheet."""
    if len(packets) > MAX_DAY_PACKETS:
        raise ScheduleError(
            f"more than {MAX_DAY_PACKETS} appointments on {day.isoformat()} for one PDF: print each packet"
            " on its own (Print packet on its row, or `handouts visits --split DIR`)"
        )
    parts = [desk_part(maker, day, packets)]
    for packet in packets:
        parts += packet_parts(maker, packet)
    with naming("the day's PDF"):
        pdf, written = maker.write_pdf(parts, f"Handouts for {day.isoformat()}", STAFF_LANGUAGE, private=True)
    report(DAY, written)
    return pdf


def desk_file(day: date) -> str:
    """The desk list's file name: `2026-12-08-desk-list.pdf`."""
    return f"{day.isoformat()}-desk-list.pdf"


def split_names(day: date, packets: list[Packet]) -> list[str]:
    """The files `packet_pdfs` makes: the desk list's, then each packet's that has handouts."""
    return [desk_file(day), *(packet.file_name for packet in packets if packet.requests)]


def packet_pdfs(maker: "Maker", day: date, packets: list[Packet]) -> dict[str, bytes]:
    """One PDF per packet with handouts (by its file name) and the desk's list (`desk_file`)."""
    pdfs = {}
    desk_list = desk_part(maker, day, packets)
    with naming("the desk list"):
        desk, written = maker.write_pdf([desk_list], f"Handouts for {day.isoformat()}", private=True)
    report(DAY, written)
    pdfs[desk_file(day)] = desk
    for packet in packets:
        if packet.requests:
            pdfs[packet.file_name] = packet_pdf(maker, packet)
    return pdfs


def packet_pdf(maker: "Maker", packet: Packet) -> bytes:
    """One packet's PDF: "Your plan", then each of its handouts (it has at least one)."""
    if not packet.requests:
        raise UnknownHandoutError("no handouts for this appointment: nothing to print")
    titles = ", ".join(maker.project.handout(r.content_language, r.slug).title for r in packet.requests)
    title = maker.project.labels(packet.language).visit_title.replace("{titles}", titles)
    parts = packet_parts(maker, packet)
    with naming(packet.label):
        pdf, written = maker.write_pdf(parts, title, packet.language, private=True)
    report(DAY, written)
    return pdf
