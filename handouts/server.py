"""`handouts serve`: the front-desk web page. Find a handout, pick language and print size, fill in
the visit, get the PDF to print. Visit details arrive by POST, live only while the PDF is made,
and are never logged, cached or written to disk. "Today's schedule" (`/schedule`) plans an uploaded EHR
export with `usecases.plan_visits` and keeps the plan in the server's memory under the session's
server-side id (`SignedIn`), never in the cookie or on disk. PDFs are made by the worker pool of
`handouts.web.pool`; the request checks live in `handouts.web.security`.

A PDF is handed to waitress whole, in pieces, into output buffers that stay in memory (waitress would
copy one into a temporary file only at twice the largest packet's size): the thread that made it is
free at once, however slowly the client reads, and a packet never touches the disk. An idle or stalled
connection gives way to a new one when the server is full and is closed after 30 seconds, so neither a
flood of idle connections nor slow readers can keep the desk out. Behind a TLS-terminating proxy
(`--behind-proxy`), the `X-Forwarded-*` headers are believed from the proxy's address only, and wrong
passcodes are counted per address and for all that comes through the proxy."""

import copy
import datetime
import hmac
import io
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request, Response, redirect, render_template, request, send_file, session, url_for
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.proxy_headers import proxy_headers_middleware
from waitress.server import BaseWSGIServer
from werkzeug.utils import secure_filename

from handouts.day import Packet, desk_rows
from handouts.errors import HandoutsError
from handouts.pictures import Pictures
from handouts.project import Project
from handouts.render import language_name
from handouts.schedule import MAX_SCHEDULE_BYTES, ScheduleError
from handouts.usecases import DayPlan, changed_packet, list_handouts, plan_visits
from handouts.visit import FIELDS, VisitError
from handouts.web.brand import Brand
from handouts.web.pool import QUEUE_SECONDS, Busy, ClientGone, RenderPool
from handouts.web.search import SKIPPED_WORDS, folded, matches
from handouts.web.security import HostCheck, cross_site_reason, is_loopback

__all__ = ["create_app", "is_loopback", "serve"]

log = logging.getLogger("handouts.serve")


class ServeError(HandoutsError):
    """The page cannot be served, e.g. the port is taken."""


MAX_FORM_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = MAX_SCHEDULE_BYTES + MAX_FORM_BYTES  # a schedule as `handouts visits` takes it, in its form
MAX_SCHEDULES = 3  # per session: a new upload past these drops the oldest
MAX_SESSIONS = 32  # per server: a new session past these drops the one seen longest ago, with its schedules
SCHEDULE_NAME = "schedule"  # how messages call an upload whose file name says nothing
SCHEDULE_UPLOAD_PATH = "/schedule"  # the one request larger than a form
MAX_HANDOUTS_PER_PACKET = 12
IDLE_MINUTES = 30
CLIENT_GONE = 499  # nginx's code for "client closed the request": only ever seen in the log
SIGN_IN_LIMITS = ("5 per minute", "30 per hour")  # wrong passcodes, per address; right ones are not counted
# Wrong passcodes from one direct peer, whatever address it forwards: on one computer any program can
# connect from the proxy's address and claim to be a new desk each time.
PEER_LIMITS = ("20 per minute", "100 per hour")
PEER = "handouts.peer"  # the environ key of the direct peer's address, before a proxy's headers are believed
BRAND_ENDPOINTS = {"logo_file", "brand"}
SCHEDULE_ENDPOINTS = {"upload_schedule", "print_packet", "print_day", "change_packet"}
PUBLIC_ENDPOINTS = {"login", "static", *BRAND_ENDPOINTS}
BRAND_CACHE = "public, max-age=3600"  # the logo and colours: the clinic's, the same for everyone, no patient data
PIECE_BYTES = 64 * 1024  # a PDF goes to waitress in pieces of this size
# Waitress makes the thread wait for the client only past this, far above any packet (the logo, stored
# once, is at most 5 MB; a usual packet is under 2 MB) ...
OUTPUT_BUFFER_BYTES = 32 * 1024 * 1024
SPILL_BYTES = 2 * OUTPUT_BUFFER_BYTES  # ... and a buffer (never over that and a piece) stays below this: no temp file
OPEN_CONNECTIONS = 64  # past this, a new connection closes the longest-idle one
CONNECTION_LIMIT = 100  # waitress stops accepting at this many sockets (busy ones cannot be closed)
IDLE_CONNECTION_SECONDS = 30
PROXY_HEADERS = {"x-forwarded-proto", "x-forwarded-host", "x-forwarded-for"}


def language_choices(codes: list[str]) -> list[tuple[str, str]]:
    """Each language code with its name; a code Babel does not know (a clinic may add "hmn") is
    shown as it is."""
    choices = []
    for code in codes:
        try:
            name = language_name(code)  # "Tiếng Việt", "中文", "العربية": its own script and capitals
            choices.append((code, name[:1].upper() + name[1:]))
        except HandoutsError:
            choices.append((code, code))
    return choices


HANDOUT_CHOICE = ("choose at least ", "choose at most ")
"""How a line about the handouts ticked starts (none, or too many): it is tied to their checkboxes."""


def field_problems(message: str) -> list[tuple[str | None, str]]:
    """Each line of an error message with the form field it names (`procedure date: not a date...`, or
    the handouts' checkboxes, `slug`), so the page can tie it to that field; None for a line about no field."""
    labels = sorted(((f"{label}:", name) for name, label in FIELDS.items()), key=lambda pair: -len(pair[0]))
    starts = [*labels, *((start, "slug") for start in HANDOUT_CHOICE)]
    return [
        (next((name for start, name in starts if line.startswith(start)), None), line) for line in message.splitlines()
    ]


@dataclass(frozen=True)
class KeptSchedule:
    """An uploaded schedule, planned: in the server's memory, under its session, and nowhere else."""

    key: str  # names it in the page's print buttons: random, never the file's name
    name: str  # how the page calls it: the uploaded file's name, made safe
    plan: DayPlan


class SignedIn:
    """The sessions signed in now, by a random id kept in the session cookie: sign-out forgets the id,
    so a copy of the cookie stops working too. In memory only; an id idle for IDLE_MINUTES is dropped,
    and past MAX_SESSIONS (without a passcode any browser on this computer starts one with an upload)
    the one seen longest ago. Each id holds its session's uploaded schedules (at most MAX_SCHEDULES,
    the newest first): they go with it, at sign-out, when it is dropped, or when the server stops."""

    def __init__(self) -> None:
        self._last_seen: dict[str, float] = {}
        self._schedules: dict[str, list[KeptSchedule]] = {}
        self._lock = threading.Lock()

    def start(self) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._drop_idle()
            while len(self._last_seen) >= MAX_SESSIONS:
                self._forget(min(self._last_seen, key=self._last_seen.__getitem__))
            self._last_seen[session_id] = time.monotonic()
        return session_id

    def seen(self, session_id: object) -> bool:
        """The id is signed in (and now seen again)."""
        with self._lock:
            self._drop_idle()
            if not isinstance(session_id, str) or session_id not in self._last_seen:
                return False
            self._last_seen[session_id] = time.monotonic()
            return True

    def end(self, session_id: object) -> None:
        with self._lock:
            if isinstance(session_id, str):
                self._forget(session_id)

    def keep(self, session_id: object, name: str, plan: DayPlan) -> None:
        """Keep a schedule for a signed-in session, dropping its oldest past MAX_SCHEDULES."""
        with self._lock:
            if isinstance(session_id, str) and session_id in self._last_seen:
                kept = [KeptSchedule(secrets.token_urlsafe(8), name, plan), *self._schedules.get(session_id, [])]
                self._schedules[session_id] = kept[:MAX_SCHEDULES]

    def change(self, session_id: object, key: str, packet: Packet) -> None:
        """Put the desk's changed packet in place of the one with its number, in the session's schedule `key`."""
        if not isinstance(session_id, str):
            return
        with self._lock:
            kept_now = self._schedules.get(session_id, [])
            for index, kept in enumerate(kept_now):
                if hmac.compare_digest(kept.key.encode(), key.encode()):
                    packets = [packet if one.number == packet.number else one for one in kept.plan.packets]
                    kept_now[index] = replace(kept, plan=replace(kept.plan, packets=packets))

    def schedules(self, session_id: object) -> list[KeptSchedule]:
        with self._lock:
            return list(self._schedules.get(session_id, [])) if isinstance(session_id, str) else []

    def held(self) -> int:
        """How many schedules the server holds, for every session."""
        with self._lock:
            return sum(len(kept) for kept in self._schedules.values())

    def _drop_idle(self) -> None:
        cutoff = time.monotonic() - IDLE_MINUTES * 60
        for idle in [known for known, seen in self._last_seen.items() if seen <= cutoff]:
            self._forget(idle)

    def _forget(self, session_id: str) -> None:
        self._last_seen.pop(session_id, None)
        self._schedules.pop(session_id, None)


class InMemoryRequest(Request):
    """A request whose uploaded files stay in memory (Werkzeug spools a large one to a temporary
    file); their size is bounded by the request's `max_content_length`."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


def in_pieces(data: bytes) -> Iterator[bytes]:
    """The bytes in PIECE_BYTES pieces, for waitress to send without a temporary file."""
    view = memoryview(data)
    for start in range(0, len(data), PIECE_BYTES):
        yield bytes(view[start : start + PIECE_BYTES])


def behind(app: Any, proxy: str | None) -> Any:
    """The app as waitress serves it: the direct peer's address kept under PEER, then waitress's own
    middleware believes the `X-Forwarded-*` headers from `proxy` alone and removes them from
    everyone else's requests."""
    believed = proxy_headers_middleware(
        app, trusted_proxy=proxy, trusted_proxy_headers=PROXY_HEADERS if proxy else None, clear_untrusted=True
    )

    def keep_peer(environ: dict, start_response: Any) -> Any:
        environ[PEER] = environ.get("REMOTE_ADDR", "")
        return believed(environ, start_response)

    return keep_peer


def direct_peer() -> str:
    """Who opened the connection: behind a proxy, the proxy (or a program posing as it)."""
    return request.environ.get(PEER) or get_remote_address()


def wrong_passcode(response: Response) -> bool:
    return response.status_code == 401


def create_app(
    project: Project,
    passcode: str | None = None,
    pool: RenderPool | None = None,
    bound_host: str = "127.0.0.1",
    behind_proxy: bool = False,
) -> Flask:
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.request_class = InMemoryRequest
    app.secret_key = secrets.token_bytes(32)  # sessions end when the server stops
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=behind_proxy,  # the browser reaches the page over HTTPS
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(minutes=IDLE_MINUTES),
        WTF_CSRF_TIME_LIMIT=None,
    )  # the token lives as long as the session: 30 idle minutes
    pool = app.extensions["handouts_pool"] = pool or RenderPool(project.root, workers=1)
    hosts = HostCheck(bound_host, behind_proxy)
    signed_in = app.extensions["handouts_signed_in"] = SignedIn()
    pictures = Pictures(project)

    def logo() -> Path | None:
        """The clinic's logo, read and checked as the PDFs read it; None when there is none or it is
        unusable (the PDFs then say why)."""
        try:
            return pictures.logo()
        except HandoutsError as error:
            log.warning("the page shows no logo: %s", error)
            return None

    def page(message: str | None = None, status: int = 200) -> tuple[str, int]:
        query = request.args.get("q", "")
        catalog = list_handouts(project, every_name=True, keep_going=True)
        broken = [problem.splitlines()[0] for problem in catalog.broken]  # the page names each, with its problem
        for problem in broken:
            log.warning("left off the list: %s", problem)
        rows = [
            {
                "slug": row.slug,
                "title": row.title,
                "languages": row.languages,
                "search": search,
                "other_names": ", ".join(row.other_names[:4]),
            }
            for row in catalog.rows
            if matches(query, search := folded(" ".join(row.names)))
        ]
        problems = field_problems(message) if message else []
        codes = list(
            dict.fromkeys(project.clinic.languages + sorted({code for row in catalog.rows for code in row.languages}))
        )
        return render_template(
            "index.html",
            clinic=project.clinic,
            rows=rows,
            query=query,
            languages=language_choices(codes),
            problems=problems,
            invalid={name: f"problem-{index}" for index, (name, _) in enumerate(problems) if name},
            count=len(rows),
            skipped_words=" ".join(sorted(SKIPPED_WORDS)),
            has_logo=logo() is not None,
            arrive_minutes=project.clinic.policies.arrive_minutes_before,
            broken=broken,
            can_sign_out=bool(passcode),
            max_handouts=MAX_HANDOUTS_PER_PACKET,
        ), status

    def login_page(message: str | None, status: int) -> tuple[str, int]:
        return render_template(
            "login.html", clinic=project.clinic, message=message, has_logo=logo() is not None
        ), status

    @app.before_request
    def addressed_to_us() -> Any:
        """Runs first: a request for another name (DNS rebinding) or from another site stops here."""
        if not hosts.accepts(request.host):
            return Response("This server does not answer to that name.\n", 421, mimetype="text/plain")
        reason = cross_site_reason(request.method, request.headers, f"{request.scheme}://{request.host}")
        if reason:
            return Response(f"Refused: {reason}.\n", 403, mimetype="text/plain")
        return None

    @app.before_request
    def room_for_a_schedule() -> None:
        """Before the CSRF check reads the form: an upload may be as large as a schedule."""
        if request.endpoint == "upload_schedule":
            request.max_content_length = MAX_UPLOAD_BYTES

    CSRFProtect(app)  # after the checks above, which run first
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True, default_limits=[])

    @app.before_request
    def require_passcode() -> Any:
        session.permanent = True  # Flask refuses a session cookie idle for longer than IDLE_MINUTES
        if passcode and not signed_in.seen(session.get("signed_in")) and request.endpoint not in PUBLIC_ENDPOINTS:
            return redirect(url_for("login"))
        return None

    @app.after_request
    def protect(response: Response) -> Response:
        shared = request.endpoint in BRAND_ENDPOINTS and response.status_code in (200, 304)
        response.headers["Cache-Control"] = BRAND_CACHE if shared else "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the page's own forms
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; object-src 'self' blob:; frame-ancestors 'none'; form-action 'self'"
        )
        path = request.path.encode("unicode_escape").decode("ascii")  # an encoded newline cannot start a forged line
        log.info("%s %s %s", request.method, path, response.status_code)  # path only: no query, no form
        return response

    @app.get("/")
    def index() -> Any:
        return page()

    @app.get("/logo")
    def logo_file() -> Any:
        path = logo()
        if path is None:
            return Response("This clinic has no logo.\n", 404, mimetype="text/plain")
        return send_file(path, max_age=0)  # Cache-Control is set below

    @app.get("/brand.css")
    def brand() -> Any:
        return Response(Brand.of(project.clinic.colors).css(), mimetype="text/css")

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(";".join(SIGN_IN_LIMITS), methods=["POST"], deduct_when=wrong_passcode)
    @limiter.limit(";".join(PEER_LIMITS), key_func=direct_peer, methods=["POST"], deduct_when=wrong_passcode)
    def login() -> Any:
        if request.method == "POST":
            if passcode and hmac.compare_digest(request.form.get("passcode", "").encode(), passcode.encode()):
                signed_in.end(session.get("signed_in"))
                session.clear()  # a new session (and CSRF token) once signed in
                session["signed_in"] = signed_in.start()
                return redirect(url_for("index"))
            return login_page("That passcode is not right. Please try again.", 401)
        return login_page(None, 200)

    @app.post("/logout")
    def logout() -> Any:
        signed_in.end(session.get("signed_in"))
        session.clear()
        return redirect(url_for("login") if passcode else url_for("index"))

    @app.post("/pdf")
    def pdf() -> Any:
        form = request.form
        slugs = list(dict.fromkeys(form.getlist("slug")))  # the same handout twice is printed once
        if len(slugs) > MAX_HANDOUTS_PER_PACKET:
            return page(
                f"choose at most {MAX_HANDOUTS_PER_PACKET} handouts for one visit (you chose {len(slugs)})", 400
            )
        data = pool.packet(
            slugs,
            form.get("language", ""),
            form.get("large_print") == "on",
            {name: form.get(name) for name in FIELDS},
            client_gone(),
        )
        return pdf_answer(data)

    def client_gone() -> Any:
        return request.environ.get("waitress.client_disconnected", lambda: False)

    def pdf_answer(data: bytes) -> Response:
        return Response(
            in_pieces(data),
            mimetype="application/pdf",
            headers={"Content-Disposition": 'inline; filename="handout.pdf"', "Content-Length": str(len(data))},
        )

    def schedule_page(message: str | None = None, status: int = 200) -> tuple[str, int]:
        kept = signed_in.schedules(session.get("signed_in"))
        catalog = list_handouts(project, keep_going=True)
        return render_template(
            "schedule.html",
            clinic=project.clinic,
            has_logo=logo() is not None,
            can_sign_out=bool(passcode),
            message=message,
            schedules=[(one, desk_rows(project, one.plan.packets)) for one in kept],
            handouts=[(row.slug, row.title) for row in catalog.rows],
            titles={row.slug: row.title for row in catalog.rows},
            languages=language_choices(sorted({code for row in catalog.rows for code in row.languages})),
            max_mb=MAX_SCHEDULE_BYTES // (1024 * 1024),
            max_schedules=MAX_SCHEDULES,
        ), status

    def kept_schedule(key: str) -> DayPlan:
        for one in signed_in.schedules(session.get("signed_in")):
            if hmac.compare_digest(one.key.encode(), key.encode()):
                return one.plan
        raise ScheduleError("that schedule is no longer here (signed out, idle, or replaced): upload it again")

    @app.get("/schedule")
    def schedule() -> Any:
        return schedule_page()

    @app.post(SCHEDULE_UPLOAD_PATH)
    def upload_schedule() -> Any:
        """The upload is read into this session's memory only: the schedule is planned from its
        bytes, never written, and only its planned packets are kept."""
        upload = request.files.get("schedule")
        if upload is None or not upload.filename:
            return schedule_page("Choose the schedule file (FHIR JSON or CSV) to upload.", 400)
        name = secure_filename(upload.filename)[:80] or SCHEDULE_NAME
        data = upload.stream.read(MAX_SCHEDULE_BYTES + 1)
        try:
            plan = plan_visits(project, data, name, whole_day=True)
        except HandoutsError as error:  # nothing is kept
            return schedule_page(str(error).splitlines()[0], 413 if len(data) > MAX_SCHEDULE_BYTES else 400)
        session_id = session.get("signed_in")
        if not passcode and not signed_in.seen(session_id):  # this computer only: its own session still
            session_id = session["signed_in"] = signed_in.start()
        signed_in.keep(session_id, name, plan)
        return redirect(url_for("schedule"), 303)

    def kept_packet(key: str, number: int) -> tuple[DayPlan, Packet]:
        """The session's schedule `key` and its appointment `number`."""
        plan = kept_schedule(key)
        for packet in plan.packets:
            if packet.number == number:
                return plan, packet
        raise ScheduleError(f"no appointment {number} in this schedule")

    @app.post("/schedule/<key>/<int:number>")
    def print_packet(key: str, number: int) -> Any:
        plan, packet = kept_packet(key, number)
        return pdf_answer(pool.day(plan.day, [packet], False, client_gone()))

    @app.post("/schedule/<key>/<int:number>/change")
    def change_packet(key: str, number: int) -> Any:
        """The desk's own handouts and language for one appointment, kept in memory as the upload is."""
        _, packet = kept_packet(key, number)
        slugs = [slug for slug in request.form.getlist("handout") if slug]
        if len(slugs) > MAX_HANDOUTS_PER_PACKET:
            return schedule_page(
                f"choose at most {MAX_HANDOUTS_PER_PACKET} handouts for one packet (you chose {len(slugs)})", 400
            )
        language = request.form.get("language", "")
        signed_in.change(session.get("signed_in"), key, changed_packet(project, packet, slugs, language))
        return redirect(url_for("schedule", _anchor=f"row-{key}-{number}"), 303)

    @app.post("/schedule/<key>/all")
    def print_day(key: str) -> Any:
        plan = kept_schedule(key)
        return pdf_answer(pool.day(plan.day, plan.packets, True, client_gone()))

    @app.errorhandler(HandoutsError)
    def cannot_make(error: HandoutsError) -> Any:
        """The one way a library error becomes an answer: its own status, with the form again."""
        if isinstance(error, Busy):  # a short page, quick to make: the answer must not add to the load
            page_text = render_template("busy.html", clinic=project.clinic, message=str(error))
            return page_text, error.status, {"Retry-After": str(error.retry_after)}
        if request.endpoint in SCHEDULE_ENDPOINTS:
            return schedule_page(str(error).splitlines()[0], error.status if error.status < 500 else 422)
        if error.status == 400 or isinstance(error, VisitError):  # the form's, or a field's characters: each
            return page(str(error), error.status)  # line ties to its field
        return page(f"The PDF could not be made: {error}", error.status)  # the server is fine, the handout is not

    @app.errorhandler(ClientGone)
    def client_left(error: ClientGone) -> Response:
        return Response(status=CLIENT_GONE)

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[str, int]:
        if request.endpoint == "upload_schedule":
            return schedule_page(
                f"The schedule is larger than {MAX_SCHEDULE_BYTES // (1024 * 1024)} MB: split it.", 413
            )
        return page("The form is too large.", 413)

    @app.errorhandler(CSRFError)
    def stale_form(error: CSRFError) -> tuple[str, int]:
        message = "This page has expired or did not come from the front desk: reload it and try again."
        return login_page(message, 400) if request.endpoint == "login" else page(message, 400)

    @app.errorhandler(RateLimitExceeded)
    def too_many_guesses(error: RateLimitExceeded) -> tuple[str, int]:
        return login_page("Too many wrong passcodes: wait a minute, then try again.", 429)

    return app


def serve(
    project: Project,
    host: str,
    port: int,
    passcode: str | None,
    workers: int,
    proxy: str | None = None,
    queue_seconds: float = QUEUE_SECONDS,
) -> None:
    """Start the workers, then serve until Ctrl-C or SIGTERM; waiting packets are dropped on the way out.
    `proxy`: the address of a TLS-terminating proxy whose `X-Forwarded-*` headers are believed;
    `queue_seconds`: how long a packet may wait for a worker before the desk is told to try again."""
    import waitress

    pool = RenderPool(project.root, workers, queue_seconds=queue_seconds)
    app = create_app(project, passcode, pool, bound_host=host, behind_proxy=proxy is not None)
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))  # waitress closes on SystemExit, as on Ctrl-C
    sockets: dict[int, Any] = {}
    try:  # binds now, before the workers start; lookahead lets waitress notice a client that left
        server = waitress.create_server(
            behind(app, proxy),
            sockets,
            host=host,
            port=port,
            threads=pool.queue_limit + 4,
            ident="handouts",
            channel_request_lookahead=1,
            outbuf_high_watermark=OUTPUT_BUFFER_BYTES,
            outbuf_overflow=SPILL_BYTES,
            max_request_body_size=MAX_UPLOAD_BYTES + 1,  # the schedule's upload; a form's less (`FormSizedParser`):
            inbuf_overflow=2 * MAX_UPLOAD_BYTES,  # refused before it is read; a body never spills to a temporary file
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=IDLE_CONNECTION_SECONDS,
            cleanup_interval=IDLE_CONNECTION_SECONDS // 3,
            clear_untrusted_proxy_headers=False,  # `behind` does it
        )
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    for listener in list(sockets.values()):
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = YieldingChannel
            listener.maintenance = partial(_close_idle, listener)
    try:
        pool.start()
        server.run()  # returns on Ctrl-C or SystemExit
    finally:
        pool.close()


def _close_idle(server: BaseWSGIServer, now: float) -> None:
    """Close each connection idle (nothing read or sent) for IDLE_CONNECTION_SECONDS. Waitress's own
    maintenance only marks one to close the next time it can write, which never comes for a client
    that stopped reading its packet; closed here, the packet's buffers go with it. The closing waits
    for the loop's trigger: this runs while the loop lists what to watch."""
    cutoff = now - IDLE_CONNECTION_SECONDS
    for channel in list(server.active_channels.values()):
        if not channel.requests and channel.last_activity < cutoff:
            server.trigger.pull_trigger(partial(_close, channel))


def _close(channel: HTTPChannel) -> None:
    if channel.connected:
        channel.handle_close()


def _make_room(channels: list[HTTPChannel], newcomer: HTTPChannel) -> None:
    """Close the longest-idle connection (no request being answered) when there are too many."""
    if len(channels) <= OPEN_CONNECTIONS:
        return
    idle = [channel for channel in channels if channel is not newcomer and not channel.requests]
    if idle:
        min(idle, key=lambda channel: channel.last_activity).handle_close()


class FormSizedParser(HTTPRequestParser):
    """Waitress's request reader with the body limit of the path: a schedule's upload may be as large
    as a schedule (`max_request_body_size`), every other request is a form (`MAX_FORM_BYTES`). A body
    past it is answered 413 from its Content-Length, before a byte of it is read."""

    adj: Any

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.path != SCHEDULE_UPLOAD_PATH:
            self.adj = copy.copy(self.adj)
            self.adj.max_request_body_size = MAX_FORM_BYTES + 1  # waitress refuses this many bytes, Flask one more


class YieldingChannel(HTTPChannel):
    """A waitress connection that, when the server is full, takes the place of the longest-idle one."""

    parser_class = FormSizedParser

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        super().__init__(server, sock, addr, adj, map)
        _make_room([channel for channel in self._map.values() if isinstance(channel, HTTPChannel)], self)


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
