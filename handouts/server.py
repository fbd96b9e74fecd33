"""`handouts serve`: the front-desk web page. Find a handout, pick language and print size, fill in
the visit, get the PDF to print. Visit details arrive by POST, live only while the PDF is made,
and are never logged, cached or written to disk."""

import hmac
import ipaddress
import logging
import re
import secrets
import threading
import unicodedata
from typing import Any

from flask import Flask, Response, redirect, render_template, request, session, url_for

from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.maker import Maker
from handouts.project import Project
from handouts.render import RenderRequest, language_name
from handouts.usecases import list_handouts, make_packet
from handouts.visit import FIELDS, VisitError

log = logging.getLogger("handouts.serve")


class ServeError(HandoutsError):
    """The page cannot be served, e.g. the port is taken."""
MAX_FORM_BYTES = 64 * 1024
PUBLIC_ENDPOINTS = {"login", "static"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def folded(text: str) -> str:
    """Words in lowercase without accents or punctuation, so "inyeccion" finds "Inyección"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.split(r"\W+", plain)).strip()


def matches(query: str, names: str) -> bool:
    """Every word of the query starts a word of the names: "nerve burn" finds "nerve burning"."""
    return all(f" {word}" in f" {names}" for word in folded(query).split())


def language_choices(codes: list[str]) -> list[tuple[str, str]]:
    """Each language code with its name; a code Babel does not know is shown as it is."""
    choices = []
    for code in codes:
        try:
            choices.append((code, language_name(code).capitalize()))
        except HandoutsError:
            choices.append((code, code))
    return choices


def create_app(project: Project, passcode: str | None = None, maker: Maker | None = None) -> Flask:
    """The front-desk app; `maker` (fonts and templates already loaded) is made when not given."""
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.secret_key = secrets.token_bytes(32)  # sessions end when the server stops
    app.config.update(MAX_CONTENT_LENGTH=MAX_FORM_BYTES, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_HTTPONLY=True)
    maker = maker or Maker(project)
    render_lock = threading.Lock()  # one render at a time: WeasyPrint's font set-up is shared

    def page(message: str | None = None, status: int = 200) -> tuple[str, int]:
        query = request.args.get("q", "")
        catalog = list_handouts(project, every_name=True, keep_going=True)
        for problem in catalog.broken:  # the good handouts are listed; `handouts check` names the problem
            log.warning("left off the list: %s", problem.splitlines()[0])
        rows = [{"slug": row.slug, "title": row.title, "languages": row.languages, "search": search,
                 "other_names": ", ".join(row.other_names[:4])}
                for row in catalog.rows if matches(query, search := folded(" ".join(row.names)))]
        codes = list(dict.fromkeys(project.clinic.languages +
                                   sorted({code for row in catalog.rows for code in row.languages})))
        return render_template("index.html", clinic=project.clinic, rows=rows, query=query,
                               languages=language_choices(codes), message=message), status

    @app.before_request
    def require_passcode() -> Any:
        if passcode and not session.get("signed_in") and request.endpoint not in PUBLIC_ENDPOINTS:
            return redirect(url_for("login"))
        return None

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = "default-src 'self'; object-src 'self'; frame-ancestors 'none'"
        path = request.path.encode("unicode_escape").decode("ascii")  # an encoded newline cannot start a forged line
        log.info("%s %s %s", request.method, path, response.status_code)  # path only: no query, no form
        return response

    @app.get("/")
    def index() -> Any:
        return page()

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        wrong = False
        if request.method == "POST":
            if passcode and hmac.compare_digest(request.form.get("passcode", "").encode(), passcode.encode()):
                session["signed_in"] = True
                return redirect(url_for("index"))
            wrong = True
        return render_template("login.html", clinic=project.clinic, wrong=wrong), 401 if wrong else 200

    @app.post("/pdf")
    def pdf() -> Any:
        form = request.form
        slugs = form.getlist("slug")
        try:
            with render_lock:
                data = make_packet(maker, slugs, form.get("language", ""), large_print=form.get("large_print") == "on",
                                   visit_fields={name: form.get(name) for name in FIELDS})
        except (VisitError, UnknownHandoutError) as error:
            return page(str(error), 400)
        except HandoutsError as error:  # a content file or template that cannot be used
            return page(f"The PDF could not be made: {error}", 422)
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": 'inline; filename="handout.pdf"'})

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[str, int]:
        return page("The form is too large.", 413)

    return app


def warm_up(maker: Maker) -> None:
    """Load WeasyPrint, the templates and the fonts before the first patient is waiting."""
    project = maker.project
    for slug, languages in project.catalog().items():
        try:
            maker.pdf(RenderRequest(slug, languages[0], project.clinic.page_size))
            return
        except HandoutsError:  # a broken handout is reported when someone asks for it
            continue


def serve(project: Project, host: str, port: int, passcode: str | None) -> None:
    """Serve the page until stopped; an address that cannot be listened on is a ServeError."""
    import waitress

    maker = Maker(project)
    warm_up(maker)
    app = create_app(project, passcode, maker)
    try:
        waitress.serve(app, host=host, port=port, threads=4, ident="handouts")
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
