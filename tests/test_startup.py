"""Start-up: each command imports what it needs when it needs it, so help and listing stay quick."""

import subprocess
import sys

import pytest

HEAVY = ("weasyprint", "babel", "flask", "pydantic", "jinja2", "textstat")


def modules_after(*args: str) -> set[str]:
    """The top-level modules loaded by `handouts ARGS` in a fresh interpreter."""
    probe = (
        f"import sys; from handouts.cli import cli; sys.argv = ['handouts', *{args!r}]\n"
        "try:\n    cli()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stderr.split())


@pytest.mark.parametrize("args", [("--help",), ("check", "--help"), ("build", "--help")])
def test_help_imports_nothing_heavy(args):
    loaded = modules_after(*args)
    assert "click" in loaded
    assert loaded.isdisjoint(HEAVY)


def test_list_reads_content_without_templates_babel_or_pdf():
    loaded = modules_after("list")
    assert "pydantic" in loaded  # the content model validates each handout
    assert loaded.isdisjoint({"weasyprint", "babel", "flask", "jinja2", "markdown_it", "textstat"})
