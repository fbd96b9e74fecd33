"""handouts: printable patient handouts for interventional pain medicine."""

__version__ = "0.1.0"
DEFAULT_OUTPUT_FOLDER = "output"  # where `build` puts the set: inside the clinic project, wherever it runs
LANGUAGE_HELP = "language-help"  # the free language help notice: its name to `build`, and content/language-help.yaml
