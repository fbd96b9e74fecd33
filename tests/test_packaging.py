"""The wheel carries the built-in library; builds are byte-for-byte reproducible."""

import subprocess
import sys
import venv

import pytest

from conftest import REPO, assert_no_warning_lines

pytestmark = pytest.mark.slow  # a wheel, a virtual environment, subprocess builds

SLUG = "epidural-steroid-injection"


def test_wheel_renders_outside_the_repository(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(REPO)],
        check=True,
    )
    wheel = next((tmp_path / "dist").glob("handouts-*.whl"))
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    subprocess.run([environment / "bin/python", "-m", "pip", "install", "--quiet", str(wheel)], check=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [environment / "bin/handouts", "build", SLUG, "-o", "esi.pdf"], cwd=elsewhere, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert_no_warning_lines(result.stderr)
    assert (elsewhere / "esi.pdf").read_bytes().startswith(b"%PDF-")
    listing = subprocess.run([environment / "bin/handouts", "list"], cwd=elsewhere, capture_output=True, text=True)
    assert SLUG in listing.stdout


def test_same_input_same_bytes_across_processes(tmp_path):
    outputs = []
    for run in ("first", "second"):
        target = tmp_path / f"{run}.pdf"
        result = subprocess.run(
            [sys.executable, "-m", "handouts", "build", SLUG, "-o", str(target)],
            check=True,
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        assert_no_warning_lines(result.stderr)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
