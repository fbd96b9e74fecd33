"""Warm renders in one process: the set's CPU per page, the floor's, and HTML files for the peers.

    python benchmarks/warm.py --slugs a,b --html-dir DIR [--sample N] [--reps N]

Run by `run.py` in a fresh process with this checkout first on the path. It opens the example
clinic, warms up (templates, fonts, the shared stylesheets), then renders every PDF of the set
(each slug in each of the clinic's languages and print sizes) `--reps` times with one `Maker`, as a
build does, and measures the process's own CPU time. The floor is a page with the same head (fonts,
stylesheets, footer and @page rules) and a one-line body, rendered warm as many times as the set
has pages. Every target's HTML is written to `--html-dir` for the `weasyprint` and Chromium peers,
and `--sample` of them are also timed warm here, HTML to PDF bytes (wall clock, median of 3), for
the comparison with a kept-open Chromium. The same HTML is also rendered with its pictures taken
out (the diagram, and the pictograms of list items and headings), alternating with the HTML as it
is, for the pictures' share of the render. Prints one JSON object.
"""

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from handouts.maker import Maker
from handouts.project import open_project
from handouts.targets import RenderRequest, plan_targets

FLOOR_BODY = "<body><p>One line.</p></body></html>"
# What templates/pictures.html prints: an inline SVG diagram, and pictogram classes or spans.
PICTURES = re.compile(
    r'<svg .*?</svg>| class="with-icon icon-[a-z0-9-]+"|<span class="icon icon-[a-z0-9-]+"></span>', re.S
)


def html_name(request: RenderRequest) -> str:
    return f"{request.slug}.{request.content_language}.{'large' if request.large_print else 'standard'}.html"


def cpu_ms(action, times: int) -> float:
    start = time.process_time()
    for _ in range(times):
        action()
    return (time.process_time() - start) * 1000


def measure(slugs: list[str], html_dir: Path, sample: int, reps: int) -> dict:
    from handouts.pdf import Part, render_document, write_pdf

    project = open_project(None)
    clinic = project.clinic
    maker = Maker(project)
    targets = plan_targets(project, slugs, clinic.languages, clinic.page_size, clinic.print_sizes, html_dir)
    requests = [target.request for target in targets]
    seen = set()
    for request in requests:  # warm-up: one of each language and print size
        if (request.content_language, request.large_print) not in seen:
            seen.add((request.content_language, request.large_print))
            maker.render(request)
    pages = sum(maker.render(request).pages for request in requests)
    set_ms = min(cpu_ms(lambda: [maker.render(request) for request in requests], 1) for _ in range(reps))

    htmls = {html_name(request): maker.renderer.html(request) for request in requests}
    for name, html in htmls.items():
        (html_dir / name).write_text(html, encoding="utf-8")

    def pdf_of(html: str) -> bytes:
        return write_pdf([Part(render_document(html, project.root, project.asset_roots), "en")])

    head = next(iter(htmls.values())).partition("</head>")[0]
    floor_html = head + "</head>" + FLOOR_BODY
    assert len(render_document(floor_html, project.root, project.asset_roots).pages) == 1
    pdf_of(floor_html)
    floor_ms = cpu_ms(lambda: pdf_of(floor_html), pages)

    without = {name: PICTURES.sub("", html) for name, html in htmls.items()}
    assert sum(len(PICTURES.findall(html)) for html in htmls.values()) > 0, "no pictures found in the HTML"
    as_is, plain = [], []
    for _ in range(2):  # alternating, so a slower spell of the machine falls on both
        as_is.append(cpu_ms(lambda: [pdf_of(html) for html in htmls.values()], 1))
        plain.append(cpu_ms(lambda: [pdf_of(html) for html in without.values()], 1))

    step = max(1, len(htmls) // sample)
    chosen = list(htmls)[::step][:sample]
    ours = {}
    for name in chosen:
        pdf_of(htmls[name])
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            pdf_of(htmls[name])
            walls.append((time.perf_counter() - start) * 1000)
        ours[name] = statistics.median(walls)
    return {
        "pdfs": len(requests),
        "pages": pages,
        "set_ms": set_ms,
        "ms_per_page": set_ms / pages,
        "floor_ms_per_page": floor_ms / pages,
        "pictures_share": 1 - min(plain) / min(as_is),
        "sample_ms": ours,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slugs", required=True, help="comma-separated slugs")
    parser.add_argument("--html-dir", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=4, help="files timed warm for the Chromium peer")
    parser.add_argument("--reps", type=int, default=1, help="renders of the set; the fastest counts")
    options = parser.parse_args()
    options.html_dir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(options.slugs.split(","), options.html_dir, options.sample, options.reps)))


if __name__ == "__main__":
    main()
