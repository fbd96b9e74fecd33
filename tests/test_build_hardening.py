"""The build's half of issue 23: a logo that hangs, two builds at once, a file that cannot be read,
an edited manifest, text that hides sections, a picture bomb, and content too large to lay out."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from handouts import batch
from handouts.batch import LOCK_FILE
from handouts.files import MANIFEST_FILE
from handouts.pictures import MAX_SVG_ELEMENTS, MAX_USE_DEPTH

from conftest import pdf_text

REPO = Path(__file__).resolve().parent.parent
XLINK = "http://www.w3.org/1999/xlink"


def handouts(*args: str | Path, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command line in its own process: a hang fails the test instead of the whole run."""
    return subprocess.run(
        [sys.executable, "-m", "handouts", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def use_bomb(levels: int, fan: int = 10) -> str:
    """An SVG whose each level draws the one below `fan` times: fan**levels circles from a few KB."""
    groups = "".join(
        f'<g id="l{level}">' + f'<use xlink:href="#l{level - 1}"/>' * fan + "</g>" for level in range(1, levels + 1)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="{XLINK}" viewBox="0 0 64 64">'
        f'<defs><circle id="l0" cx="1" cy="1" r="1"/>{groups}</defs><use xlink:href="#l{levels}"/></svg>'
    )


# --- a logo that multiplies itself ----------------------------------------------------------------


@pytest.mark.parametrize("command", [["build", "pain-diary", "-o", "x.pdf"], ["check", "pain-diary"]])
def test_use_bomb_logo_is_one_error_naming_the_file(clinic_project, command):
    (clinic_project / "assets" / "logo.svg").write_text(use_bomb(10), encoding="utf-8")
    result = handouts(*command, cwd=clinic_project)
    assert result.returncode == 1
    assert f"assets/logo.svg: <use> nested more than {MAX_USE_DEPTH} levels deep" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not (clinic_project / "x.pdf").exists()


def test_use_fan_out_within_the_depth_limit_is_counted(clinic_project, run):
    (clinic_project / "assets" / "logo.svg").write_text(use_bomb(MAX_USE_DEPTH, fan=20), encoding="utf-8")
    result = run("build", "pain-diary", "--project", clinic_project, "-o", clinic_project / "x.pdf")
    assert result.exit_code == 1
    assert result.output.strip().endswith(
        f"assets/logo.svg: over {MAX_SVG_ELEMENTS} elements once every <use> is drawn"
    )


def test_a_use_with_two_links_counts_the_worse_one(clinic_project, run):
    # WeasyPrint follows xlink:href first; a checker that followed href alone counted one leaf
    bomb = use_bomb(10).replace('<use xlink:href="#l', '<use href="#l0" xlink:href="#l')
    (clinic_project / "assets" / "logo.svg").write_text(bomb, encoding="utf-8")
    result = run("build", "pain-diary", "--project", clinic_project, "-o", clinic_project / "x.pdf")
    assert result.exit_code == 1
    assert result.output.strip().endswith(f"assets/logo.svg: <use> nested more than {MAX_USE_DEPTH} levels deep")


def test_an_id_used_twice_is_refused(clinic_project, run):
    # renderers differ on which element an id names; a checker that kept the last one counted a leaf
    bomb = use_bomb(10).replace("<defs>", '<defs><circle id="l9" r="1"/>')
    (clinic_project / "assets" / "logo.svg").write_text(bomb, encoding="utf-8")
    result = run("build", "pain-diary", "--project", clinic_project, "-o", clinic_project / "x.pdf")
    assert result.exit_code == 1
    assert result.output.strip().endswith("assets/logo.svg: the id 'l9' is used twice")


def test_png_logo_is_limited_by_pixels_not_bytes(clinic_project, run, tmp_path):
    logo = clinic_project / "assets" / "logo.png"
    Image.new("1", (5000, 5000)).save(logo)  # 25 million pixels in a few KB
    assert logo.stat().st_size < 100_000
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("assets/logo.svg", "assets/logo.png"))
    for command in (["build", "pain-diary", "-o", tmp_path / "x.pdf"], ["check", "pain-diary", "--strict"]):
        result = run(*command, "--project", clinic_project)
        assert result.exit_code == 1
        assert "assets/logo.png: picture too large (5000x5000; at most 16 million pixels)" in result.output
    assert not (tmp_path / "x.pdf").exists()


# --- an edited manifest ---------------------------------------------------------------------------


@pytest.mark.warnings_expected
def test_edited_manifest_entry_is_dropped_and_rebuilt(clinic_project, run, caplog, tmp_path):
    out = tmp_path / "output"
    assert run("build", "pain-diary", "--project", clinic_project, "--out", out).exit_code == 0
    manifest = out / MANIFEST_FILE
    data = json.loads(manifest.read_text())
    data["outputs"]["en/pain-diary.pdf"]["title"] = 12345
    manifest.write_text(json.dumps(data))

    result = run("build", "pain-diary", "--booklet", "--project", clinic_project, "--out", out)

    assert result.exit_code == 0, result.output
    assert "Built 1 of 1 PDFs" in result.output
    assert [record.getMessage() for record in caplog.records if record.name == "handouts"] == [
        f"{manifest}: ignored the entry 'en/pain-diary.pdf': title does not fit; built again"
    ]
    assert json.loads(manifest.read_text())["outputs"]["en/pain-diary.pdf"]["title"] == "Pain diary"


# --- two builds at once ---------------------------------------------------------------------------

HOLD_THE_LOCK = """
import sys
from filelock import FileLock
with FileLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def another_build(tmp_path):
    """A second process holding the output folder's lock, as a running build does, until the test ends."""
    out = tmp_path / "output"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(out / LOCK_FILE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    yield out, holder
    holder.kill()
    holder.wait()


def test_a_second_build_of_a_folder_waits_for_the_first(clinic_project, another_build):
    out, holder = another_build
    build = subprocess.Popen(
        [sys.executable, "-m", "handouts", "build", "pain-diary", "--out", out, "--project", clinic_project],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert build.stderr is not None
    assert build.stderr.readline() == f"waiting for another build of {out} to finish\n"
    assert not (out / "en" / "pain-diary.pdf").exists()
    holder.communicate("done\n", timeout=10)
    _, stderr = build.communicate(timeout=120)
    assert (build.returncode, stderr) == (0, f"Built 1 of 1 PDFs in {out}/\n")
    assert (out / "en" / "pain-diary.pdf").read_bytes().startswith(b"%PDF-")


def test_a_build_that_waits_too_long_says_why(clinic_project, another_build, run, monkeypatch):
    out, _ = another_build
    monkeypatch.setattr(batch, "LOCK_WAIT_SECONDS", 0.5)
    result = run("build", "pain-diary", "--out", out, "--project", clinic_project)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"waiting for another build of {out} to finish",
        f"Error: {out}: another build of this folder is still running; try again when it has finished",
    ]
    assert not (out / "en").exists()


# --- a file that cannot be read -------------------------------------------------------------------


def without_root_powers(command: list[str]) -> list[str]:
    """The command as a user whom file permissions bind: root keeps its id but loses the power to
    read any file (as a clinic's content file of mode 0600 is to the colleague running the build)."""
    if os.getuid() != 0:
        return command
    dropped = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={dropped}", f"--bounding-set={dropped}", *command]


def test_an_unreadable_content_folder_is_one_error_line(clinic_project):
    folder = clinic_project / "content" / "en"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "content" / "en" / "pain-diary.yaml", folder / "pain-diary.yaml")
    folder.chmod(0)
    try:
        result = subprocess.run(
            without_root_powers([sys.executable, "-m", "handouts", "build", "pain-diary", "-o", "x.pdf"]),
            cwd=clinic_project,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr == "Error: content/en: cannot look into this folder (Permission denied)\n"


@pytest.mark.slow
def test_an_unreadable_content_file_fails_alone(clinic_project, tmp_path):
    own = clinic_project / "content" / "en" / "pain-diary.yaml"
    own.parent.mkdir(parents=True)
    shutil.copy(REPO / "content" / "en" / "pain-diary.yaml", own)
    own.chmod(0)
    out = tmp_path / "output"
    result = subprocess.run(
        without_root_powers([sys.executable, "-m", "handouts", "build", "--all", "--jobs", "2", "--out", str(out)]),
        cwd=clinic_project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Error: en/pain-diary: content/en/pain-diary.yaml: cannot read it (Permission denied)" in result.stderr
    built = sorted(path.stem for path in (out / "en").glob("*.pdf"))
    assert "pain-diary" not in built
    assert len(built) == len(list((REPO / "content" / "en").glob("[a-z]*.yaml"))) - 1


# --- text that ends a CSS string ------------------------------------------------------------------

ESI = "epidural-steroid-injection"
HIDE_SAFETY = '\\f} } .risks, .call-911 { display: none } @page { @bottom-left { content: \\"'


@pytest.mark.warnings_expected  # the form feed itself has no glyph
def test_a_form_feed_in_the_clinic_name_cannot_hide_sections(clinic_project, run, tmp_path):
    clinic = clinic_project / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    clinic.write_text(re.sub(r"^name: .*$", lambda _: f'name: "Riverside{HIDE_SAFETY}"', text, count=1, flags=re.M))
    result = run("build", ESI, "--project", clinic_project, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 0, result.output
    assert "Ignored `content" not in result.output
    text = subprocess.run(["pdftotext", tmp_path / "x.pdf", "-"], capture_output=True, text=True, check=True).stdout
    assert "Risks" in text and "Call 911 or go to the emergency room" in text
    assert 'display: none } @page { @bottom-left { content: "' in text  # printed, not obeyed


def test_the_approval_covers_who_approved(clinic_project, run, tmp_path):
    assert run("approve", ESI, "--by", "A. Lee, MD", "--date", "2026-03-02", "--project", clinic_project).exit_code == 0
    approvals = clinic_project / "approvals.yaml"
    approvals.write_text(approvals.read_text().replace("A. Lee, MD", "B. Other, MD"))
    result = run("build", ESI, "--lang", "en", "--project", clinic_project, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "x.pdf").read_bytes())
    assert "Draft: not yet approved by" in text and "B. Other" not in text
