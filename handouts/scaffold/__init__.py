"""`handouts init`: a new clinic project, made from the files beside this module."""

from importlib.resources import files
from pathlib import Path

from handouts.errors import ProjectError

FILES = {
    "clinic.yaml": "clinic.yaml",
    "content/README.md": "content-README.md",
    "assets/README.md": "assets-README.md",
}


def create_project(directory: Path) -> list[Path]:
    """Write the starter files; refuse (writing nothing) if any of them already exists."""
    targets = {directory / relative: source for relative, source in FILES.items()}
    try:
        existing = [str(path) for path in targets if path.exists()]
    except OSError as error:  # a name too long, a file where a folder should be
        raise ProjectError(f"{directory}: cannot make a project here ({error.strerror or error})") from None
    if existing:
        raise ProjectError(f"{', '.join(existing)}: already exists; nothing was written")
    for path, source in targets.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as file:
                file.write((files("handouts.scaffold") / source).read_text(encoding="utf-8"))
        except OSError as error:
            raise ProjectError(f"{path}: cannot create it ({error.strerror or error})") from None
    return list(targets)
