"""`<out_dir>/index.html`: every generated PDF with its title, language, size and version,
so staff can open any file from a shared folder."""

from pathlib import Path

from handouts.files import write_atomically
from handouts.manifest import Manifest
from handouts.render import Renderer, language_name

INDEX_FILE = "index.html"
INDEX_TEMPLATE = "index.html"


def write_index(out_dir: Path, manifest: Manifest, renderer: Renderer) -> None:
    """Writes the page when the folder holds built handouts and the page would change."""
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
            for name, entry in manifest.entries.items()
            if (out_dir / name).is_file()
        ),
        key=lambda row: (str(row["language"]), str(row["title"]).casefold(), str(row["size"])),
    )
    if not rows:
        return
    html = renderer.render_template(INDEX_TEMPLATE, {"clinic": renderer.project.clinic, "rows": rows})
    path = out_dir / INDEX_FILE
    if not path.is_file() or path.read_text(encoding="utf-8") != html:
        write_atomically(path, html.encode("utf-8"))
