"""`handouts serve`: the front-desk web page. Find a handout, pick language and print size, fill in
the visit, get the PDF to print. Visit details arrive by POST, live only while the PDF is made,
and are never logged, cached or written to disk. PDFs are made by the worker pool of
`handouts.web.pool`; the request checks live in `handouts.web.security`."""

import datetime
import hmac
import logging
import os
import re
import secrets
import signal
import sys
import unicodedata

from babel import Locale, UnknownLocaleError
from flask import Flask, Response, redirect, render_template, request, session, url_for
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect

from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.project import Project
from handouts.render import Request
from handouts.visit import FIELDS, Visit, VisitError
from handouts.web.pool import Busy, ClientGone, RenderPool
from handouts.web.security import HostCheck, cross_site_reason, is_loopback

__all__ = ["create_app", "is_loopback", "serve"]

log = logging.getLogger("handouts.serve")
MAX_FORM_BYTES = 64 * 1024
MAX_HANDOUTS_PER_PACKET = 12
IDLE_MINUTES = 30
RETRY_AFTER_SECONDS = 3
CLIENT_GONE = 499  # nginx's code for "client closed the request": only ever seen in the log
SIGN_IN_LIMITS = ("5 per minute", "30 per hour")  # wrong passcodes, per address; right ones are not counted
PUBLIC_ENDPOINTS = {"login", "static"}


def folded(text: str) -> str:
    """Words in lowercase without accents or punctuation, so "inyeccion" finds "Inyección"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.split(r"\W+", plain)).strip()


def matches(query: str, names: str) -> bool:
    """Every word of the query starts a word of the names: "nerve burn" finds "nerve burning"."""
    return all(f" {word}" in f" {names}" for word in folded(query).split())


def language_name(code: str) -> str:
    """"es" -> "Spanish"; a code Babel does not know (a clinic may add "hmn") stays as it is."""
    try:
        return Locale.parse(code).display_name.capitalize()
    except (UnknownLocaleError, ValueError):
        return code


def create_app(project: Project, passcode: str | None = None, pool: RenderPool | None = None,
               bound_host: str = "127.0.0.1") -> Flask:
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.secret_key = secrets.token_bytes(32)  # sessions end when the server stops
    app.config.update(MAX_CONTENT_LENGTH=MAX_FORM_BYTES, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_HTTPONLY=True, PERMANENT_SESSION_LIFETIME=datetime.timedelta(minutes=IDLE_MINUTES),
                      WTF_CSRF_TIME_LIMIT=None)  # the token lives as long as the session: 30 idle minutes
    pool = app.extensions["handouts_pool"] = pool or RenderPool(project.root, workers=1)
    hosts = HostCheck(bound_host)

    def choices() -> tuple[list[dict], list[str]]:
        """The handouts to list, and one line for each content file that cannot be read."""
        rows, broken = [], []
        for slug, languages in project.catalog().items():
            try:
                handouts = [project.handout(language, slug) for language in languages]
            except HandoutsError as error:  # left off the list; the page says which file and why
                broken.append(str(error).splitlines()[0])
                continue
            names = [slug] + [name for handout in handouts for name in (handout.title, *handout.also_known_as)]
            shown = handouts[languages.index("en")] if "en" in languages else handouts[0]  # staff read English
            rows.append({"slug": slug, "title": shown.title, "languages": languages,
                         "search": folded(" ".join(names)), "other_names": ", ".join(shown.also_known_as[:4])})
        return rows, broken

    def page(message: str | None = None, status: int = 200):
        query = request.args.get("q", "")
        every, broken = choices()
        rows = [row for row in every if matches(query, row["search"])]
        codes = dict.fromkeys(project.clinic.languages + sorted({code for row in every for code in row["languages"]}))
        languages = [(code, language_name(code)) for code in codes]
        return render_template("index.html", clinic=project.clinic, rows=rows, query=query, languages=languages,
                               message=message, broken=broken, can_sign_out=bool(passcode),
                               max_handouts=MAX_HANDOUTS_PER_PACKET), status

    def login_page(message: str | None, status: int):
        return render_template("login.html", clinic=project.clinic, message=message), status

    @app.before_request
    def addressed_to_us():
        """Runs first: a request for another name (DNS rebinding) or from another site stops here."""
        if not hosts.accepts(request.host):
            return Response("This server does not answer to that name.\n", 421, mimetype="text/plain")
        reason = cross_site_reason(request.method, request.headers, f"{request.scheme}://{request.host}")
        if reason:
            return Response(f"Refused: {reason}.\n", 403, mimetype="text/plain")
        return None

    csrf = CSRFProtect(app)  # after the checks above, which run first
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True,
                      default_limits=[])

    @app.before_request
    def require_passcode():
        session.permanent = True  # Flask refuses a session cookie idle for longer than IDLE_MINUTES
        if passcode and not session.get("signed_in") and request.endpoint not in PUBLIC_ENDPOINTS:
            return redirect(url_for("login"))
        return None

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the page's own forms
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; object-src 'self' blob:; frame-ancestors 'none'; form-action 'self'")
        path = request.path.encode("unicode_escape").decode("ascii")  # an encoded newline cannot start a forged line
        log.info("%s %s %s", request.method, path, response.status_code)  # path only: no query, no form
        return response

    @app.get("/")
    def index():
        return page()

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(";".join(SIGN_IN_LIMITS), methods=["POST"], deduct_when=lambda response: response.status_code == 401)
    def login():
        if request.method == "POST":
            if passcode and hmac.compare_digest(request.form.get("passcode", "").encode(), passcode.encode()):
                session.clear()  # a new session (and CSRF token) once signed in
                session["signed_in"] = True
                return redirect(url_for("index"))
            return login_page("That passcode is not right. Please try again.", 401)
        return login_page(None, 200)

    @app.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("login") if passcode else url_for("index"))

    @app.post("/pdf")
    def pdf():
        form = request.form
        slugs = list(dict.fromkeys(form.getlist("slug")))  # the same handout twice is printed once
        language = form.get("language", "")
        try:
            if not slugs:
                raise UnknownHandoutError("choose at least one handout")
            if len(slugs) > MAX_HANDOUTS_PER_PACKET:
                raise UnknownHandoutError(f"choose at most {MAX_HANDOUTS_PER_PACKET} handouts for one visit "
                                          f"(you chose {len(slugs)})")
            visit = Visit.from_fields({name: form.get(name) for name in FIELDS})
            requests = [Request(slug, project.language_of(slug, language), project.clinic.page_size,
                                form.get("large_print") == "on", visit) for slug in slugs]
        except (VisitError, UnknownHandoutError) as error:
            return page(str(error), 400)
        client_gone = request.environ.get("waitress.client_disconnected", lambda: False)
        try:
            data = pool.packet(requests, client_gone)
        except Busy as error:  # a short page, quick to make: the answer must not add to the load
            return (render_template("busy.html", clinic=project.clinic, message=str(error)), 503,
                    {"Retry-After": str(RETRY_AFTER_SECONDS)})
        except ClientGone:
            return Response(status=CLIENT_GONE)
        except HandoutsError as error:  # a broken content file or template: the server is fine, the handout is not
            log.error("render failed for %s: %s", ",".join(slugs), type(error).__name__)
            return page(f"The PDF could not be made: {error}", 422)
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": 'inline; filename="handout.pdf"'})

    @app.errorhandler(413)
    def too_large(error):
        return page("The form is too large.", 413)

    @app.errorhandler(CSRFError)
    def stale_form(error):
        message = "This page has expired or did not come from the front desk: reload it and try again."
        return login_page(message, 400) if request.endpoint == "login" else page(message, 400)

    @app.errorhandler(RateLimitExceeded)
    def too_many_guesses(error):
        return login_page("Too many wrong passcodes: wait a minute, then try again.", 429)

    return app


def serve(project: Project, host: str, port: int, passcode: str | None, workers: int) -> None:
    """Start the workers, then serve until Ctrl-C or SIGTERM; waiting packets are dropped on the way out."""
    import waitress

    pool = RenderPool(project.root, workers)
    app = create_app(project, passcode, pool, bound_host=host)
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))  # waitress closes on SystemExit, as on Ctrl-C
    server = waitress.create_server(app, host=host, port=port, threads=pool.queue_limit + 4, ident="handouts",
                                    channel_request_lookahead=1)  # binds now; lookahead notices a client that left
    try:
        pool.start()
        server.run()  # returns on Ctrl-C or SystemExit
    finally:
        pool.close()


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
