"""Turning a handout into HTML: Jinja with the project's templates over the built-in ones."""

from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property

import jinja2
from babel.dates import format_date, format_time

from handouts import __version__
from handouts.content import Handout, Labels, with_blocks
from handouts.errors import RenderError
from handouts.markup import css_string, markdown_block, markdown_inline
from handouts.pictures import HEADING_ICONS, Pictures
from handouts.project import Project
from handouts.visit import Visit

TEMPLATE = "handout.html"
FONT_FILES = {
    ("normal", 400): "AtkinsonHyperlegible-Regular.ttf",
    ("normal", 700): "AtkinsonHyperlegible-Bold.ttf",
    ("italic", 400): "AtkinsonHyperlegible-Italic.ttf",
    ("italic", 700): "AtkinsonHyperlegible-BoldItalic.ttf",
}


@dataclass(frozen=True)
class Request:
    """What to render: one handout, in one language, at one page size, in standard or large print."""

    slug: str
    language: str
    page_size: str
    large_print: bool = False
    visit: Visit | None = field(default=None, repr=False)  # patient data: kept out of repr and logs


@dataclass(frozen=True)
class Page:
    handout: Handout
    html: str


def long_date(day: date, language: str) -> str:
    """A date as the language writes it: "December 3, 2026", "3 de diciembre de 2026"."""
    return format_date(day, format="long", locale=language)


def clock_time(moment: time, language: str) -> str:
    """A time as the language writes it: "8:30 AM", "8:30"."""
    return format_time(moment, format="short", locale=language)


def footer_text(handout: Handout, labels: Labels, clinic_name: str, language: str) -> str:
    """Version and review status, printed small at the foot of every page."""
    review = handout.review
    if review.status == "draft":
        status = labels.draft_notice.replace("{clinic}", clinic_name)
    else:
        status = labels.approved_notice.replace("{reviewer}", str(review.reviewed_by))
        status = status.replace("{date}", long_date(review.reviewed_on, language))
    return f"{labels.version} {review.version} · {status}"


class Renderer:
    """Makes handout HTML for one project; keeps its Jinja environment between handouts."""

    def __init__(self, project: Project):
        self.project = project

    @cached_property
    def environment(self) -> jinja2.Environment:
        folders = [str(root / "templates") for root in self.project.roots]
        loader = jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(folders),
            # `{% extends "builtin/handout.html" %}` reaches the built-in template from an override.
            jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(self.project.library / "templates"))}),
        ])
        environment = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True,
        )
        environment.filters.update(md=markdown_block, md_inline=markdown_inline, css_string=css_string,
                                   long_date=long_date, clock_time=clock_time)
        return environment

    def brand(self, language: str, page_size: str) -> dict:
        """What every page of the project shares: clinic, labels, logo and fonts."""
        project = self.project
        clinic = project.clinic
        return {
            "labels": project.labels(language),
            "clinic": clinic,
            "language": language,
            "page_size": page_size,
            "logo_url": project.logo_path(clinic).as_uri() if clinic.logo else None,
            "fonts": [
                {"style": style, "weight": weight,
                 "url": project.asset(f"assets/fonts/{name}", "font").as_uri()}
                for (style, weight), name in FONT_FILES.items()
            ],
            "generator": f"handouts {__version__}",
        }

    @cached_property
    def pictures(self) -> Pictures:
        return Pictures(self.project)

    def picture_context(self, handout: Handout, language: str, slug: str) -> dict:
        """The diagram (inline SVG) and the pictogram rules the templates' picture parts use."""
        path = self.project.find(f"content/{language}/{slug}.yaml")
        shown = self.project.shown(path) if path else f"content/{language}/{slug}.yaml"
        diagram = handout.diagram
        return {
            "diagram": diagram,
            "diagram_svg": self.pictures.diagram(diagram, shown, path) if diagram else None,
            "icon_css": self.pictures.icon_css(handout),
            "heading_icons": HEADING_ICONS,
        }

    def html(self, request: Request) -> str:
        return self.page(request).html

    def page(self, request: Request) -> "Page":
        """The handout as loaded (title, review) and its HTML, from one read of the content file."""
        project = self.project
        handout = project.handout(request.language, request.slug)
        context = self.brand(request.language, request.page_size)
        printed = with_blocks(handout, project.blocks(request.language))
        context.update(self.picture_context(printed, request.language, request.slug))
        context.update(
            handout=printed,
            large_print=request.large_print,
            visit=request.visit,
            footer=footer_text(handout, context["labels"], project.clinic.name, request.language),
        )
        return Page(handout, self.render_template(TEMPLATE, context))

    def render_template(self, name: str, context: dict) -> str:
        try:
            return self.environment.get_template(name).render(context)
        except jinja2.TemplateError as error:
            where = f"{error.filename}:{error.lineno}: " if getattr(error, "lineno", None) else ""
            raise RenderError(f"{where}template error: {error.message}") from None
