"""`<out_dir>/index.html`: every generated PDF with its title, language, size and version,
so staff can open any file from a shared folder."""

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from handouts.files import write_atomically
from handouts.manifest import Entry, IndexRecord, Manifest

if TYPE_CHECKING:  # rendering loads Jinja and Babel: only when the page changes
    from handouts.render import Renderer

INDEX_FILE = "index.html"
INDEX_TEMPLATE = "index.html"


def write_index(out_dir: Path, manifest: Manifest, shared: str, renderer: Callable[[], "Renderer"]) -> None:
    """Writes the page when the folder holds built handouts and the page would change.

    `shared` fingerprints the project inputs every page depends on (templates, clinic.yaml, the
    package): with the listed entries it makes the page's inputs, which the manifest keeps along
    with the hash of the page as written. While both still match, the page is not rendered again."""
    listed = {name: entry for name, entry in manifest.entries.items() if (out_dir / name).is_file()}
    if not listed:
        return
    path = out_dir / INDEX_FILE
    inputs = index_inputs(shared, listed)
    record = manifest.index
    if record is not None and record.inputs == inputs and record.page == page_digest(path):
        return
    page = page_html(listed, renderer()).encode("utf-8")
    digest = hashlib.sha256(page).hexdigest()
    if page_digest(path) != digest:
        write_atomically(path, page)
    manifest.index = IndexRecord(inputs, digest)
    manifest.save()


def page_html(listed: dict[str, Entry], renderer: "Renderer") -> str:
    from handouts.render import language_name

    rows = sorted(
        (
            {
                "href": name,
                "title": entry.title,
                "language": language_name(entry.language),
                "size": "Large print" if entry.large_print else "Standard",
                "version": entry.version or "",
                "pages": entry.pages,
            }
            for name, entry in listed.items()
        ),
        key=lambda row: (str(row["language"]), str(row["title"]).casefold(), str(row["size"])),
    )
    return renderer.render_template(INDEX_TEMPLATE, {"clinic": renderer.project.clinic, "rows": rows})


def index_inputs(shared: str, listed: dict[str, Entry]) -> str:
    """Everything the page is made from: the shared inputs and each listed file's entry."""
    entries = [
        [name, entry.title, entry.language, entry.large_print, entry.version, entry.pages]
        for name, entry in sorted(listed.items())
    ]
    return hashlib.sha256(f"{shared}\0{json.dumps(entries, ensure_ascii=False)}".encode()).hexdigest()


def page_digest(path: Path) -> str | None:
    """The sha256 of the page as it is now, or None when it is missing or cannot be read."""
    try:
        if not path.is_file():
            return None
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None
