"""`make bench --quick`: every section runs and the table has every row, each target with a verdict."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROWS_WITH_TARGETS = [
    "CPU, one-process build",
    "ratio to the floor",
    "byte-identical PDFs",
    "page counts",
    "PDF size",
    "no-op build",
    "handouts list",
    "one cold single build",
    "weasyprint per file",
    "check, nothing built",
    "packet of 4 handouts, one document",
    "front desk, warm render",
    "busy answers (503)",
    "p95 time to PDF",
    "throughput ratio",
    "server RSS over",
]
ROWS_WITHOUT = [
    "whole set, build --force",
    "floor, one-line page",
    "kept-open Chromium",
    "were pictures free",
    "check, after a build",
    "1 worker",
]


@pytest.mark.slow
def test_quick_bench_prints_every_row_with_a_verdict():
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--handouts", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in ROWS_WITH_TARGETS:
        [line] = [line for line in lines if name in line]
        assert line.rstrip().endswith(("PASS", "FAIL")), line
    for name in ROWS_WITHOUT:
        assert any(name in line for line in lines), name
    assert "byte-identical PDFs, 2 builds" in result.stdout and "yes" in next(
        line for line in lines if "byte-identical" in line
    )
