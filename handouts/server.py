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

from babel import Locale
from flask import Flask, Response, redirect, render_template, request, session, url_for

from handouts.build import Builder
from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.project import Project
from handouts.render import Request
from handouts.visit import FIELDS, Visit, VisitError

log = logging.getLogger("handouts.serve")
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


def create_app(project: Project, passcode: str | None = None) -> Flask:
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.secret_key = secrets.token_bytes(32)  # sessions end when the server stops
    app.config.update(MAX_CONTENT_LENGTH=MAX_FORM_BYTES, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_HTTPONLY=True)
    builder = app.extensions["handouts_builder"] = Builder(project)
    render_lock = threading.Lock()  # one render at a time: WeasyPrint's font set-up is shared

    def choices() -> list[dict]:
        rows = []
        for slug, languages in project.catalog().items():
            try:
                handouts = [project.handout(language, slug) for language in languages]
            except HandoutsError:  # a broken file is left off the list; `handouts check` names the problem
                log.warning("left off the list: %s", slug)
                continue
            names = [slug] + [name for handout in handouts for name in (handout.title, *handout.also_known_as)]
            shown = handouts[languages.index("en")] if "en" in languages else handouts[0]  # staff read English
            rows.append({"slug": slug, "title": shown.title, "languages": languages,
                         "search": folded(" ".join(names)), "other_names": ", ".join(shown.also_known_as[:4])})
        return rows

    def page(message: str | None = None, status: int = 200):
        query = request.args.get("q", "")
        every = choices()
        rows = [row for row in every if matches(query, row["search"])]
        codes = dict.fromkeys(project.clinic.languages + sorted({code for row in every for code in row["languages"]}))
        languages = [(code, Locale.parse(code).display_name.capitalize()) for code in codes]
        return render_template("index.html", clinic=project.clinic, rows=rows, query=query, languages=languages,
                               message=message), status

    @app.before_request
    def require_passcode():
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
    def index():
        return page()

    @app.route("/login", methods=["GET", "POST"])
    def login():
        wrong = False
        if request.method == "POST":
            if passcode and hmac.compare_digest(request.form.get("passcode", "").encode(), passcode.encode()):
                session["signed_in"] = True
                return redirect(url_for("index"))
            wrong = True
        return render_template("login.html", clinic=project.clinic, wrong=wrong), 401 if wrong else 200

    @app.post("/pdf")
    def pdf():
        form = request.form
        slugs = form.getlist("slug")
        language = form.get("language", "")
        try:
            if not slugs:
                raise UnknownHandoutError("choose at least one handout")
            visit = Visit.from_fields({name: form.get(name) for name in FIELDS})
            requests = [Request(slug, project.language_of(slug, language), project.clinic.page_size,
                                form.get("large_print") == "on", visit) for slug in slugs]
        except (VisitError, UnknownHandoutError) as error:
            return page(str(error), 400)
        try:
            with render_lock:
                data = builder.packet(requests)
        except HandoutsError as error:
            log.error("render failed for %s: %s", ",".join(slugs), type(error).__name__)
            return page(f"The PDF could not be made: {error}", 500)
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": 'inline; filename="handout.pdf"'})

    @app.errorhandler(413)
    def too_large(error):
        return page("The form is too large.", 413)

    return app


def warm_up(app: Flask) -> None:
    """Load WeasyPrint, the templates and the fonts before the first patient is waiting."""
    builder = app.extensions["handouts_builder"]
    for slug, languages in builder.project.catalog().items():
        try:
            builder.pdf(Request(slug, languages[0], builder.project.clinic.page_size))
            return
        except HandoutsError:  # a broken handout is reported when someone asks for it
            continue


def serve(project: Project, host: str, port: int, passcode: str | None) -> None:
    import waitress

    app = create_app(project, passcode)
    warm_up(app)
    waitress.serve(app, host=host, port=port, threads=4, ident="handouts")
