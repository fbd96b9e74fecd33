"""handouts: printable patient handouts for interventional pain medicine."""

__version__ = "0.1.0"
DEFAULT_OUTPUT_FOLDER = "output"  # where `build` puts the set, relative to where it runs
