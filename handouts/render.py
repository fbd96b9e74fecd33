"""Turning a handout into HTML: Jinja with the project's templates over the built-in ones."""

import sys
from dataclasses import dataclass
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unicodedata import east_asian_width

from markupsafe import Markup, escape

from handouts import __version__
from handouts.approvals import APPROVALS_FILE, Approvals, ApprovalState, printed_fingerprint, read_approvals
from handouts.content import Blocks, Handout, Item, Labels, Review, with_blocks
from handouts.errors import ProjectError, RenderError
from handouts.glyphs import font_coverage, printable
from handouts.locales import babel_locale, set_apart, text_direction, writes_right_to_left
from handouts.pictures import HEADING_ICONS, Pictures
from handouts.plan import MIDNIGHT, NOON, day_text, filled
from handouts.policies import LABELLED_POLICIES, filled_handout, policy_values, printed_blocks
from handouts.project import Project
from handouts.targets import RenderRequest

if TYPE_CHECKING:  # Jinja loads when a page is rendered, not when this is imported
    import jinja2

    from handouts.content import Diary
    from handouts.plan import Plan, VisitFlags

TEMPLATE = "handout.html"
PLAN_TEMPLATE = "plan-sheet.html"
LANGUAGE_HELP_TEMPLATE = "language-help.html"
DIARY_HANDOUT = "pain-diary"
"""Its pain log is printed on the plan sheet's back when a visit's handouts ask for a diary."""
PLAN_QUESTIONS = 4
"""The handouts' questions on the plan sheet's notes page, with room to write under each."""
SOAKING = "{no_soaking_hours}"
"""A handout that says how long not to soak (policies.no_soaking_hours) puts its end in the plan."""
FONT_FAMILY = "Atkinson Hyperlegible"
FONT_FILES = {
    ("normal", 400): "AtkinsonHyperlegible-Regular.ttf",
    ("normal", 700): "AtkinsonHyperlegible-Bold.ttf",
    ("italic", 400): "AtkinsonHyperlegible-Italic.ttf",
    ("italic", 700): "AtkinsonHyperlegible-BoldItalic.ttf",
}
FALLBACK_FONTS: dict[str, dict[int, str]] = {
    # Tried in this order for a character Atkinson Hyperlegible lacks, so Latin text is drawn as before.
    # Noto Sans whole (Latin with Vietnamese, Greek, Cyrillic), then one file per script (fontsource's
    # `{family}-{weight}-normal.woff`); see assets/fonts/SOURCE.md. Han characters are drawn Simplified
    # first. The CJK files have no bold: at ~1.3 MB a weight, bold text there is drawn regular.
    "noto-sans": {400: "NotoSans-Regular.ttf", 700: "NotoSans-Bold.ttf"},
    **{
        family: {weight: f"{family}-{weight}-normal.woff" for weight in weights}
        for family, weights in {
            "noto-sans-armenian-armenian": (400, 700),
            "noto-sans-hebrew-hebrew": (400, 700),
            "noto-sans-arabic-arabic": (400, 700),
            "noto-sans-ethiopic-ethiopic": (400, 700),
            "noto-sans-devanagari-devanagari": (400, 700),
            "noto-sans-bengali-bengali": (400, 700),
            "noto-sans-gurmukhi-gurmukhi": (400, 700),
            "noto-sans-gujarati-gujarati": (400, 700),
            "noto-sans-tamil-tamil": (400, 700),
            "noto-sans-telugu-telugu": (400, 700),
            "noto-sans-thai-thai": (400, 700),
            "noto-sans-lao-lao": (400, 700),
            "noto-sans-khmer-khmer": (400, 700),
            "noto-sans-sc-chinese-simplified": (400,),
            "noto-sans-tc-chinese-traditional": (400,),
            "noto-sans-jp-japanese": (400,),
            "noto-sans-kr-korean": (400,),
        }.items()
    },
}


@dataclass(frozen=True)
class Printed:
    """A handout as it prints (policies filled in, shared blocks added) and the fingerprint of that
    text, with what it was made from: kept while the same handout, labels and blocks are loaded."""

    sources: tuple[Handout, Labels, Blocks]
    handout: Handout
    fingerprint: str


@dataclass(frozen=True)
class Page:
    handout: Handout  # as written in its file
    html: str
    approval: ApprovalState
    content_digest: str  # the sha256 of the content file's bytes the handout was read from


COLUMN_WIDTH = 42
"""About how many Latin letters one line of a 2-column list holds in standard print (a wide CJK
character takes 2)."""


def printed_lines(text: str) -> int:
    """About how many lines a list item takes in one of 2 columns."""
    width = sum(2 if east_asian_width(character) in "WF" else 1 for character in text)
    return -(-width // COLUMN_WIDTH)


def column_split(items: list[Item]) -> int:
    """Where a list printed in 2 columns is cut so the columns come out about as long: the cut that
    makes the longer column shortest, counted in lines; on a tie, the left column is the longer."""
    lines = [printed_lines(item.text) for item in items]
    total = sum(lines)
    return min(range(len(lines) + 1), key=lambda cut: (max(sum(lines[:cut]), total - sum(lines[:cut])), -cut))


def language_name(language: str) -> str:
    """The language's name in itself: "English", "español"."""
    return str(babel_locale(language).display_name)


def page_sides(language: str) -> dict[str, str]:
    """The page's direction and its physical sides, for what CSS has no logical form of (the margin
    boxes of the footer, a background's position): a right-to-left language mirrors the page."""
    if writes_right_to_left(language):
        return {"direction": "rtl", "start": "right", "end": "left"}
    return {"direction": "ltr", "start": "left", "end": "right"}


def long_date(day: date, language: str) -> str:
    """A date as the language writes it: "December 3, 2026", "3 de diciembre de 2026"."""
    from babel.dates import format_date

    return format_date(day, format="long", locale=babel_locale(language))


CLOCK_LOCALES = {"es": "es_US"}
"""Where the readers' clock differs from the language's default: US Spanish reads a 12-hour clock."""
SPANISH_PERIODS = {"a.m.": "a.\u00a0m.", "p.m.": "p.\u00a0m."}
"""Babel's es_US writes "p.m."; US Spanish style (RAE, most US health systems) spaces it: "p. m."."""
DAY_PART_CLOCKS = {"zh": ("Bh:mm", range(24)), "es": ("h:mm B", range(1, 6))}
"""The hours a language writes with the part of the day (Babel's day period, "B") in place of its short
time, and the pattern: Chinese at every hour, its own short time being a 24-hour clock its US readers
do not use ("早上7:00", "下午1:30", "晚上11:15"); US Spanish from 1 to 5 in the morning, where "a. m."
reads as daytime ("1:30 de la madrugada"). The hour after midnight is `named_time`'s."""


def clock_time(moment: time, language: str) -> str:
    """A time as the language's readers expect it: "8:30 AM", "8:30 a. m.", "4:00 de la madrugada",
    "上午8:30"."""
    from babel.dates import format_time

    day_part, hours = DAY_PART_CLOCKS.get(language, ("short", range(0)))
    pattern = day_part if moment.hour in hours else "short"
    text = format_time(moment, format=pattern, locale=babel_locale(CLOCK_LOCALES.get(language, language)))
    if language == "es":
        for period, spaced in SPANISH_PERIODS.items():
            text = text.replace(period, spaced)
    return text


def named_time(moment: time, labels: Labels, language: str) -> str:
    """A time a patient cannot misread: noon and midnight by name ("noon (12:00 PM)"), a time in the
    hour after midnight said to be after it ("12:30 AM (after midnight)"), others as `clock_time`.
    That hour belongs to the night before it; the caller names that night's day."""
    named = {NOON: labels.clock_noon, MIDNIGHT: labels.clock_midnight}
    pattern = named.get(moment, labels.clock_after_midnight if moment.hour == 0 else "{time}")
    return pattern.replace("{time}", clock_time(moment, language))


def footer_text(
    handout: Handout, labels: Labels, clinic_name: str, language: str, approval: ApprovalState | None = None
) -> str:
    """Version and review status, printed small at the foot of every page. A sign-off in
    approvals.yaml counts only while the text still matches it; without one, the file's review.status."""
    review = handout.review
    reviewer, reviewed_on = review.reviewed_by, review.reviewed_on
    approved = review.status == "approved"
    if approval is not None and approval.record is not None:
        approved = approval.current
        reviewer, reviewed_on = approval.record.approved_by, approval.record.approved_on
    if not approved:
        status = labels.draft_notice.replace("{clinic}", clinic_name)
    else:
        status = labels.approved_notice.replace("{reviewer}", str(reviewer))
        status = status.replace("{date}", long_date(reviewed_on, language) if reviewed_on else "")
    return f"{version_text(review, labels, language)} · {status}"


def version_text(review: Review, labels: Labels, language: str) -> str:
    """ "Version 6"; a translation adds the version of the original it follows, so that staff can
    match the two: "Versión 9 (traducción de la versión 6 en inglés)"."""
    original = review.translation_of
    if original is None:
        return f"{labels.version} {review.version}"
    values = {
        "version": str(review.version),
        "original": str(original.version),
        "language": babel_locale(language).languages.get(original.language, original.language),
    }
    return filled(labels.translated_version, values)


class Renderer:
    """Makes handout HTML for one project; keeps its Jinja environment between handouts."""

    def __init__(self, project: Project):
        self.project = project
        self._printed: dict[tuple[str, str], Printed] = {}
        self._policies: dict[str, tuple[tuple[Labels, Blocks], dict[str, str], Blocks]] = {}

    @cached_property
    def environment(self) -> "jinja2.Environment":
        from handouts.markup import css_string, markdown_block, markdown_inline, site_of  # only a render needs Markdown
        from handouts.templating import template_environment

        filters = {
            "md": markdown_block,
            "md_inline": markdown_inline,
            "css_string": css_string,
            "site": site_of,
            "day_text": day_text,
            "named_time": named_time,
            "whole_font": self.whole_font,
            "set_apart": set_apart,
            "text_direction": text_direction,
            "column_split": column_split,
        }
        return template_environment(self.project.roots, self.project.library, filters)

    def brand(self, language: str, page_size: str) -> dict[str, Any]:
        """What every page of the project shares: clinic, labels, logo and fonts."""
        return {
            "labels": self.project.labels(language),
            "clinic": self.project.clinic,
            "language": language,
            **page_sides(language),
            "page_size": page_size,
            "logo_url": self.logo_url,
            "logo_alt": self.logo_alt(language),
            **self.font_context(()),
            "generator": f"handouts {__version__}",
        }

    def logo_alt(self, language: str) -> str:
        """The logo's text for screen readers in this language: clinic.yaml's own in the clinic's first
        language (it is written in that one), the label with the clinic's name in every other."""
        clinic = self.project.clinic
        if clinic.logo_alt and language == clinic.languages[0]:
            return clinic.logo_alt
        return self.project.labels(language).logo_alt.replace("{clinic}", clinic.name)

    @cached_property
    def logo_url(self) -> str | None:
        logo = self.pictures.logo()
        return logo.as_uri() if logo else None

    def font_context(self, fallbacks: tuple[str, ...]) -> dict[str, Any]:
        """The @font-face rules and CSS font-family stacks of a page that needs these fallback families:
        a page the house font draws whole declares none, and so loads none of their files."""
        from handouts.markup import css_string

        faces = [(FONT_FAMILY, style, weight, name) for (style, weight), name in FONT_FILES.items()]
        faces += [
            (family, "normal", weight, name) for family in fallbacks for weight, name in FALLBACK_FONTS[family].items()
        ]
        return {
            "fonts": [
                {
                    "family": family,
                    "style": style,
                    "weight": weight,
                    "url": self.project.asset(f"assets/fonts/{name}", "font").as_uri(),
                }
                for family, style, weight, name in faces
            ],
            "font_stack": Markup(", ".join(css_string(family) for family in (FONT_FAMILY, *fallbacks))),
            "fallback_stack": Markup(", ".join(css_string(family) for family in fallbacks)),
        }

    def fallbacks_for(self, html: str) -> tuple[str, ...]:
        """The fallback families, in stack order, that draw a character of the page the house font lacks."""
        lacking = {ord(char) for char in set(html) if not char.isspace() and ord(char) not in self.house_coverage}
        return tuple(
            family
            for family, files in FALLBACK_FONTS.items()
            if lacking & font_coverage(self.project.asset(f"assets/fonts/{files[400]}", "font"))
        )

    @cached_property
    def house_coverage(self) -> frozenset[int]:
        """What the house font draws in every face: a visit detail beyond it goes to the fallbacks whole."""
        faces = (font_coverage(self.project.asset(f"assets/fonts/{name}", "font")) for name in FONT_FILES.values())
        return frozenset.intersection(*faces)

    def whole_font(self, text: str) -> Markup:
        """A visit detail as printed: in a span drawn by the fallback fonts when the house font lacks one
        of its letters, so that a word (a Vietnamese name, say) is not patched from two fonts letter by letter."""
        if printable(text, self.house_coverage):
            return escape(text)
        return Markup('<span class="fallback-font">{}</span>').format(text)

    @cached_property
    def pictures(self) -> Pictures:
        return Pictures(self.project)

    def picture_context(self, handout: Handout, language: str, slug: str) -> dict:
        """The diagram (inline SVG) and the pictogram rules the templates' picture parts use."""
        path, shown = self.project.content_file(language, slug)
        diagram = handout.diagram
        return {
            "diagram": diagram,
            "diagram_svg": self.pictures.diagram(diagram, shown, path) if diagram else None,
            "icon_css": self.pictures.icon_css(handout),
            "heading_icons": HEADING_ICONS,
        }

    def html(self, request: RenderRequest) -> str:
        return self.page(request).html

    def page(self, request: RenderRequest) -> "Page":
        """The handout as loaded (title, review), its HTML and its sign-off, from one read of the content file."""
        project = self.project
        language = request.content_language
        handout, content_digest = project.read_handout(language, request.slug)
        context = self.brand(language, request.page_size)
        printed = self.printed(handout, language, request.slug, context["labels"])
        approval = ApprovalState(printed.fingerprint, self.approvals().of(request.slug, language))
        context.update(self.picture_context(printed.handout, language, request.slug))
        context.update(self.visit_context(request))
        context.update(
            handout=printed.handout,
            large_print=request.large_print,
            visit=request.visit,
            footer=footer_text(handout, context["labels"], project.clinic.name, language, approval),
        )
        return Page(handout, self.render_template(TEMPLATE, context), approval, content_digest)

    def language_help(self, page_size: str, large_print: bool) -> str:
        """The free language help notice: each chosen language's line in its own script and direction,
        the clinic's phone filled in and kept left to right; the page itself in the clinic's first language."""
        from handouts.policies import left_to_right

        text, chosen = self.project.language_help()
        clinic = self.project.clinic
        lines = [
            {
                "language": language,
                "direction": page_sides(language)["direction"],
                "name": babel_locale(language).language_name,
                "text": line.replace("{phone}", left_to_right(clinic.phone, language)),
            }
            for language, line in chosen
        ]
        context = self.brand(clinic.languages[0], page_size)
        context.update(notice=text, lines=lines, large_print=large_print)
        return self.render_template(LANGUAGE_HELP_TEMPLATE, context)

    def visit_context(self, request: RenderRequest) -> dict[str, Any]:
        """The appointment box's arrival time (the desk's, or worked out from the procedure time) and
        the pain-diary rows' times."""
        from handouts.plan import REFERENCE_DAY, arrival, arrive_text, diary_rows

        visit, policies = request.visit, self.project.clinic.policies
        context: dict[str, Any] = {"arrive_text": "", "diary_times": []}
        if visit is None:
            return context
        labels = self.project.labels(request.content_language)
        if visit.time is not None:
            arrive = arrival(visit.date, visit.time, visit.arrive, policies)
            context["arrive_text"] = arrive_text(arrive, visit.date or REFERENCE_DAY, labels, request.content_language)
        elif visit.arrive is not None:
            context["arrive_text"] = named_time(visit.arrive, labels, request.content_language)
        if visit.date is not None and visit.time is not None:
            context["diary_times"] = diary_rows(visit.date, visit.time, policies, labels, request.content_language)
        return context

    def plan_sheet(self, requests: list[RenderRequest], language: str) -> str | None:
        """The HTML of "Your plan", the sheet that starts the packet of a visit with a procedure date
        and time: its clock times worked out from all the visit's handouts on the first page, the pain
        diary or the questions and notes on the second. None without a date and time."""
        from handouts.plan import arrive_text, clinic_today, make_plan, plan_rows

        first = requests[0]
        visit = first.visit
        if visit is None or visit.date is None or visit.time is None:
            return None
        labels = self.project.labels(language)
        written = [
            (request.content_language, self.project.handout(request.content_language, request.slug))
            for request in requests
        ]
        flags = self.visit_flags([handout for _, handout in written], visit.sedation)
        policies = self.project.clinic.policies
        plan = make_plan(visit.date, visit.time, visit.arrive, policies, flags, clinic_today(policies))
        # A handout whose own medicine makes the patient sleepy (a ketamine infusion): its rules hold
        # whatever the desk answered, so the plan prints neither the desk's answer nor an "if" note.
        always = any(handout.flags.sedation_always for _, handout in written)
        sedation = "always" if always else visit.sedation
        return self.render_template(
            PLAN_TEMPLATE,
            {
                **self.brand(language, first.page_size),
                "visit": visit,
                "large_print": first.large_print,
                "arrive_text": arrive_text(plan.arrive, plan.procedure.day, labels, language),
                "plan_rows": plan_rows(plan, labels, language, self.follow_up_text(language), sedation),
                "plan_note": labels.plan_if_sedation if plan.last_food and sedation == "unknown" else "",
                **self.second_page(plan, written, language, labels),
            },
        )

    def second_page(
        self, plan: "Plan", written: list[tuple[str, Handout]], language: str, labels: Labels
    ) -> dict[str, Any]:
        """The plan sheet's back: the pain diary at the visit's clock times when its handouts ask for
        one and none of them prints it; else the handouts' questions (in the sheet's language), once each."""
        from handouts.plan import diary_rows

        diary = None
        if plan.pain_diary and not any(handout.diary for _, handout in written):
            diary = self.diary_definition(language)
        procedure, policies = plan.procedure, self.project.clinic.policies
        times = diary_rows(procedure.day, procedure.clock, policies, labels, language) if plan.pain_diary else []
        questions = [item for wrote_in, handout in written if wrote_in == language for item in handout.questions]
        return {
            "diary": diary,
            "diary_times": times,
            "questions": list({item.text: item for item in questions}.values())[:PLAN_QUESTIONS],
        }

    def diary_definition(self, language: str) -> "Diary | None":
        """The pain log of the pain-diary handout in this language, if the library has it."""
        if language not in self.project.catalog().get(DIARY_HANDOUT, []):
            return None
        return self.project.handout(language, DIARY_HANDOUT).diary

    def visit_flags(self, handouts: list[Handout], sedation: str) -> "VisitFlags":
        """What the visit's handouts ask for together; soaking where one prints {no_soaking_hours}."""
        from handouts.plan import VisitFlags

        return VisitFlags.of(
            [handout.flags for handout in handouts],
            procedure=any(handout.kind == "procedure" or handout.flags.every_procedure for handout in handouts),
            sedation=sedation,
            soaking=any(SOAKING in handout.model_dump_json(exclude={"review"}) for handout in handouts),
        )

    def follow_up_text(self, language: str) -> str | None:
        follow_up = self.project.clinic.policies.follow_up
        if follow_up is None:
            return None
        if language not in follow_up.text:
            raise ProjectError(f"clinic.yaml: policies.follow_up.text: no text in {language!r} (add `{language}: ...`)")
        return follow_up.text[language]

    def approvals(self) -> Approvals:
        """The clinic's sign-offs, read again only when approvals.yaml changes."""
        path = self.project.root / APPROVALS_FILE
        if not path.is_file():
            return Approvals()
        return self.project.loaded(("approvals",), [path], lambda: read_approvals(self.project.root))

    def printed(self, handout: Handout, language: str, slug: str, labels: Labels) -> Printed:
        """The handout as it prints and its fingerprint, made once for both print sizes."""
        blocks = self.project.blocks(language)
        sources = (handout, labels, blocks)
        kept = self._printed.get((language, slug))
        if kept is not None and all(old is new for old, new in zip(kept.sources, sources, strict=True)):
            return kept
        values, filled_blocks = self.policies(language, labels, blocks)
        printed = with_blocks(
            filled_handout(handout, values), filled_blocks, self.project.clinic.policies.driver_required
        )
        made = Printed(sources, printed, printed_fingerprint(printed, labels, self.project.clinic))
        self._printed[(language, slug)] = made
        return made

    def policies(self, language: str, labels: Labels, blocks: Blocks) -> tuple[dict[str, str], Blocks]:
        """The clinic's policies as the language prints them, and the shared blocks filled in with
        them: made once per language while its labels and blocks stay loaded."""
        kept = self._policies.get(language)
        if kept is not None and kept[0][0] is labels and kept[0][1] is blocks:
            return kept[1], kept[2]
        clinic = self.project.clinic
        defaults = {name: getattr(labels, f"policy_{name}") for name in LABELLED_POLICIES}
        values = policy_values(clinic, language, defaults)
        filled = printed_blocks(blocks, values)
        self._policies[language] = ((labels, blocks), values, filled)
        return values, filled

    def render_template(self, name: str, context: dict[str, Any]) -> str:
        """The template filled in; a template problem is a RenderError at the template's file:line."""
        import jinja2

        try:
            html = self.environment.get_template(name).render(context)
            fallbacks = self.fallbacks_for(html) if "fonts" in context else ()
            if fallbacks:  # a page with another script: again, declaring the fonts that draw it
                html = self.environment.get_template(name).render({**context, **self.font_context(fallbacks)})
            return html
        except jinja2.TemplateSyntaxError as error:
            raise RenderError(
                f"{self._shown(error.filename, error.name)}:{error.lineno}: template error: {error.message}"
            ) from None
        except jinja2.TemplateError as error:
            raise RenderError(f"{self._template_line()}template error: {error.message}") from None
        except RecursionError:  # thousands of nested blocks overflow Jinja's compiler
            raise RenderError(f"{self._template_line() or name + ': '}template error: nested too deeply") from None

    def _shown(self, filename: str | None, name: str | None) -> str:
        if filename and Path(filename).is_absolute():
            return self.project.shown(Path(filename))
        return filename or name or "template"

    def _template_line(self) -> str:
        """`file:line: ` of the innermost template frame of the exception being handled."""
        traceback = sys.exc_info()[2]
        where = ""
        while traceback is not None:
            filename = traceback.tb_frame.f_code.co_filename
            if filename.endswith(".html") and Path(filename).is_file():
                where = f"{self._shown(filename, None)}:{traceback.tb_lineno}: "
            traceback = traceback.tb_next
        return where
