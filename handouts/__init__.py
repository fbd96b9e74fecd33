"""handouts: printable patient handouts for interventional pain medicine."""

__version__ = "0.1.0"
