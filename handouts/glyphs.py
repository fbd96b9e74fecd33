"""Which characters the bundled fonts can draw, read from the fonts' own character maps (every font
file in an `assets/fonts/` folder of the project or the library, so a font added there counts at
once). Read once per process: a character outside them would print as an empty box."""

from collections.abc import Container
from functools import cache
from pathlib import Path

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2"})
# Never drawn, so no font needs them: spaces are laid out, not drawn, joiners only shape their neighbours,
# and the left-to-right and right-to-left marks only order them (handouts/locales.py).
UNDRAWN = frozenset({0x20, 0xA0, 0x200C, 0x200D, 0x200E, 0x200F})


class Coverage:
    """The code points the bundled fonts draw (`code in coverage`), looked up font by font in file-name
    order, each file's character map read only when a character is in none before it: a Latin text
    reads only Atkinson Hyperlegible's; a character no font has reads them all, once."""

    def __init__(self, paths: tuple[Path, ...]):
        self.paths = paths

    def __contains__(self, code: object) -> bool:
        return code in UNDRAWN or any(code in font_coverage(path) for path in self.paths)


@cache
def coverage(asset_roots: tuple[Path, ...]) -> Coverage:
    """What every bundled font under these assets/ folders draws."""
    return Coverage(
        tuple(
            path
            for root in asset_roots
            for path in sorted((root / "fonts").glob("*"))
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file()
        )
    )


@cache
def font_coverage(path: Path) -> frozenset[int]:
    """The code points one font file (every font of a collection) draws, with the characters no font needs."""
    from fontTools.ttLib import TTCollection, TTFont

    fonts = (
        TTCollection(path, lazy=True).fonts if path.suffix.lower() in {".ttc", ".otc"} else [TTFont(path, lazy=True)]
    )
    return frozenset(code for font in fonts for code in font.getBestCmap() or {}) | UNDRAWN


def printable(text: str, covered: Container[int]) -> bool:
    """Every character of the text is in a bundled font."""
    return all(ord(char) in covered for char in text)


def refuse_unprintable(files: list[tuple[Path, str]], covered: Container[int]) -> None:
    """Refuse content files (path, as shown) with a character no bundled font draws, each at its line:
    it would print as an empty box."""
    from handouts.errors import ContentError, Problem
    from handouts.policies import scalars
    from handouts.yamlfile import parse_yaml, read_text

    problems = []
    for path, shown in files:
        text = read_text(path, shown)
        if printable_text(text, covered):
            continue
        _, node = parse_yaml(text, shown)
        for scalar in scalars(node):
            for char in dict.fromkeys(scalar.value):
                if not char.isspace() and ord(char) not in covered:
                    message = (
                        f"the character {char!r} (U+{ord(char):04X}) is in no bundled font: it would print as a box"
                    )
                    problems.append(Problem(shown, scalar.start_mark.line + 1, message))
    if problems:
        raise ContentError(problems)


def printable_text(text: str, covered: Container[int]) -> bool:
    """Every character of a text but its line breaks and tabs is in a bundled font."""
    return all(char.isspace() or ord(char) in covered for char in set(text))
