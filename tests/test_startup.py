"""Start-up: each command imports what it needs when it needs it, so help and listing stay quick."""

import subprocess
import sys

import pytest

HEAVY = ("weasyprint", "babel", "flask", "pydantic", "jinja2", "textstat")


def modules_after(*args: str, full_names: bool = False) -> set[str]:
    """The top-level modules (with `full_names`, every module) loaded by `handouts ARGS` in a fresh interpreter."""
    name = "name" if full_names else "name.split('.')[0]"
    probe = (
        f"import sys; from handouts.cli import cli; sys.argv = ['handouts', *{args!r}]\n"
        "try:\n    cli()\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(sorted({{{name} for name in sys.modules}})), file=sys.stderr)"
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


def test_diagram_tint_has_the_digits_coloraide_gives_for_every_channel_value():
    """The middle tone is worked out without coloraide (0.13 s to import): the same hex digits."""
    from coloraide import Color

    from handouts.pictures import WHITE_SHARE, tint

    for value in range(256):
        for color in (f"#{value:02x}0000", f"#00{value:02x}00", f"#0000{value:02x}"):
            assert tint(color, WHITE_SHARE) == Color(color).mix("white", WHITE_SHARE, space="srgb").to_string(hex=True)


@pytest.mark.slow
def test_no_op_build_loads_no_template_markdown_or_pdf_code(clinic_project):
    out = clinic_project / "output"
    subprocess.run(
        [sys.executable, "-m", "handouts", "build", "pain-diary", "--project", clinic_project, "--out", out],
        check=True,
        capture_output=True,
    )
    loaded = modules_after("build", "pain-diary", "--project", str(clinic_project), "--out", str(out), full_names=True)
    assert "handouts.batch" in loaded  # the probe did reach the build
    top_level = {name.split(".")[0] for name in loaded}
    assert top_level.isdisjoint({"weasyprint", "jinja2", "markdown_it", "coloraide", "flask", "textstat"})
    assert loaded.isdisjoint({"handouts.maker", "handouts.render", "concurrent.futures.process"})
