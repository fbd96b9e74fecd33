"""Warm render cost per page, and the same measure on another checkout for a before/after ratio.

    .venv/bin/python benchmarks/render_cost.py                      # this checkout only
    .venv/bin/python benchmarks/render_cost.py --against ../main    # ratio of this checkout to ../main

A worker process opens the example clinic of one checkout, renders each handout of a small
representative set once to warm up (templates, fonts, stylesheets), then renders the whole set
`--reps` times with one `Maker`, HTML to PDF bytes, as a build does. It reports the median over the
repetitions of the set's total CPU time (the process's own, so other work on the machine counts less
than in wall time), and of that time divided by the set's page count.

With `--against`, workers for the two checkouts run alternately, `--rounds` times each, so both see
the same load on a shared, noisy machine; the result is the ratio of the medians (this / other),
which is what to read, not the absolute times. Only `Maker.render` and `RenderRequest` are used, so
another checkout with the same interface can be measured with this script.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# Short and long handouts, a diary with a table, a multi-language one; each in both print sizes.
SET = [
    ("epidural-steroid-injection", "en"),
    ("epidural-steroid-injection", "es"),
    ("radiofrequency-ablation", "es"),
    ("pain-diary", "en"),
    ("spinal-cord-stimulator-trial", "en"),
    ("trigger-point-injection", "en"),
]


def measure(reps: int) -> dict:
    """Median ms per set and per page of the set, in this process (the checkout on sys.path)."""
    from handouts.maker import Maker
    from handouts.project import open_project

    try:
        from handouts.targets import RenderRequest
    except ImportError:  # a checkout from before handouts/targets.py
        from handouts.render import RenderRequest

    project = open_project(None)
    maker = Maker(project)
    requests = [
        RenderRequest(slug, language, project.clinic.page_size, large_print=large)
        for slug, language in SET
        for large in (False, True)
    ]
    pages = sum(maker.render(request).pages for request in requests)  # warm-up, and the page count
    totals = []
    for _ in range(reps):
        start = time.process_time()
        for request in requests:
            maker.render(request)
        totals.append((time.process_time() - start) * 1000)
    total = statistics.median(totals)
    return {"ms_per_set": round(total, 1), "pages": pages, "ms_per_page": round(total / pages, 2)}


def worker(checkout: Path, reps: int) -> dict:
    """One measurement in a new process that imports `handouts` from `checkout`."""
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    output = subprocess.run(
        [sys.executable, __file__, "--worker", "--reps", str(reps)],
        cwd=checkout,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to compare with (e.g. main)")
    parser.add_argument("--rounds", type=int, default=3, help="worker processes per checkout")
    parser.add_argument("--reps", type=int, default=3, help="renders of the set per worker")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(measure(options.reps)))
        return
    checkouts = {"this": HERE} | ({"other": options.against.resolve()} if options.against else {})
    results: dict[str, list[dict]] = {name: [] for name in checkouts}
    for round_number in range(options.rounds):
        for name, checkout in checkouts.items():
            result = worker(checkout, options.reps)
            results[name].append(result)
            print(f"round {round_number + 1} {name}: {result}", file=sys.stderr)
    medians = {
        name: {key: statistics.median(run[key] for run in runs) for key in ("ms_per_set", "ms_per_page")}
        for name, runs in results.items()
    }
    for name, checkout in checkouts.items():
        print(
            f"{name} ({checkout}): {medians[name]['ms_per_set']:.0f} ms per set, "
            f"{results[name][0]['pages']} pages, {medians[name]['ms_per_page']:.1f} ms per page"
        )
    if options.against:
        for key in ("ms_per_set", "ms_per_page"):
            print(f"ratio this/other, {key}: {medians['this'][key] / medians['other'][key]:.2f}")


if __name__ == "__main__":
    main()
