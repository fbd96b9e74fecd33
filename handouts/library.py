"""Where the built-in library lives: content, templates, assets and the example clinic."""

from functools import cache
from importlib.resources import files
from pathlib import Path


@cache
def library_root() -> Path:
    """The folder holding the built-in `clinic.yaml`, `content/`, `templates/` and `assets/`.

    In an installed wheel it is the package's `library/` folder; in a source checkout
    (an editable install) it is the checkout itself, one level above the package.
    """
    package = Path(str(files("handouts")))
    bundled = package / "library"
    if bundled.is_dir():
        return bundled
    return package.parent
