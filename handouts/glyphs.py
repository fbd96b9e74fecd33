"""Which characters the bundled fonts can draw, read from the fonts' own character maps (every font
file in an `assets/fonts/` folder of the project or the library, so a font added there counts at
once). Read once per process: a character outside them would print as an empty box."""

from functools import cache
from pathlib import Path

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})
# Never drawn, so no font needs them: spaces are laid out, not drawn, and joiners only shape their neighbours.
UNDRAWN = frozenset({0x20, 0xA0, 0x200C, 0x200D})


@cache
def coverage(asset_roots: tuple[Path, ...]) -> frozenset[int]:
    """The code points of every bundled font under these assets/ folders."""
    from fontTools.ttLib import TTCollection, TTFont

    covered: set[int] = set(UNDRAWN)
    for root in asset_roots:
        for path in sorted((root / "fonts").glob("*")):
            if path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
                continue
            fonts = (
                TTCollection(path, lazy=True).fonts
                if path.suffix.lower() in {".ttc", ".otc"}
                else [TTFont(path, lazy=True)]
            )
            for font in fonts:
                covered.update(font.getBestCmap() or {})
    return frozenset(covered)


def printable(text: str, covered: frozenset[int]) -> bool:
    """Every character of the text is in a bundled font."""
    return all(ord(char) in covered for char in text)
