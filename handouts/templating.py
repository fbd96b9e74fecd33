"""The Jinja environment of a project: its templates over the built-in ones, sandboxed. Imported
only when a page is rendered, so commands that render nothing never load Jinja."""

from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from handouts.errors import RenderError


class TemplatesInside(jinja2.FileSystemLoader):
    """Templates from the project's and the library's templates/ folders; a link to a file
    outside the project is refused, as for content files and assets (a template prints what it holds)."""

    def __init__(self, folders: list[str], roots: list[Path]):
        super().__init__(folders)
        self.roots = roots

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        if not any(Path(filename).resolve().is_relative_to(root) for root in self.roots):
            raise RenderError(f"templates/{template}: a link to a file outside the project is not used")
        return source, filename, uptodate


def template_environment(roots: list[Path], library: Path, filters: dict[str, Any]) -> jinja2.Environment:
    """Templates looked up in each root's templates/ folder, most specific first, with `filters`."""
    loader = jinja2.ChoiceLoader(
        [
            TemplatesInside([str(root / "templates") for root in roots], roots=roots),
            # `{% extends "builtin/handout.html" %}` reaches the built-in template from an override.
            jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(library / "templates"))}),
        ]
    )
    environment = SandboxedEnvironment(  # a project's template cannot reach Python's internals
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(filters)
    return environment
