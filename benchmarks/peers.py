"""Other ways to print the same HTML: one `weasyprint` process per file, and a kept-open Chromium."""

import statistics
import subprocess
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def weasyprint_loop(weasyprint: Path, pages: list[Path]) -> float:
    """Seconds for one `weasyprint` command per file, one after another, on the HTML the tool renders."""
    start = time.perf_counter()
    for page in pages:
        subprocess.run(
            [str(weasyprint), str(page), str(page.with_suffix(".pdf"))], check=True, stderr=subprocess.DEVNULL
        )
    return time.perf_counter() - start


def chromium_ms(pages: list[Path], reps: int = 3) -> dict[str, float] | str:
    """Median ms per file for a Chromium kept open (Debian's, driven by Playwright) to load the HTML
    and print it to PDF, after one warm-up print of each; a string says why it could not run."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not installed"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "Playwright not installed"
    times = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page()

            def print_once(path: Path) -> float:
                start = time.perf_counter()
                page.goto(path.as_uri(), wait_until="load")
                page.pdf(prefer_css_page_size=True, print_background=True)
                return (time.perf_counter() - start) * 1000

            for path in pages:
                print_once(path)
                times[path.name] = statistics.median(print_once(path) for _ in range(reps))
        finally:
            browser.close()
    return times
