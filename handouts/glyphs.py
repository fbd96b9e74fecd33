"""Which characters the bundled fonts can draw, read from the fonts' own character maps (every font
file in an `assets/fonts/` folder of the project or the library, so a font added there counts at
once). Read once per process: a character outside them would print as an empty box."""

from functools import cache
from pathlib import Path

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2"})
# Never drawn, so no font needs them: spaces are laid out, not drawn, and joiners only shape their neighbours.
UNDRAWN = frozenset({0x20, 0xA0, 0x200C, 0x200D})


@cache
def coverage(asset_roots: tuple[Path, ...]) -> frozenset[int]:
    """The code points of every bundled font under these assets/ folders."""
    from fontTools.ttLib import TTCollection

    covered: set[int] = set(UNDRAWN)
    for root in asset_roots:
        for path in sorted((root / "fonts").glob("*")):
            if path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
                continue
            if path.suffix.lower() in {".ttc", ".otc"}:
                for font in TTCollection(path, lazy=True).fonts:
                    covered.update(font.getBestCmap() or {})
            else:
                covered.update(font_coverage(path))
    return frozenset(covered)


@cache
def font_coverage(path: Path) -> frozenset[int]:
    """The code points one font file (not a collection) draws, with the characters no font needs."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap() or {}) | UNDRAWN


def printable(text: str, covered: frozenset[int]) -> bool:
    """Every character of the text is in a bundled font."""
    return all(ord(char) in covered for char in text)


def refuse_unprintable(files: list[tuple[Path, str]], covered: frozenset[int]) -> None:
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
                    message = f"the character {char!r} (U+{ord(char):04X}) is in no bundled font: it would print as a box"
                    problems.append(Problem(shown, scalar.start_mark.line + 1, message))
    if problems:
        raise ContentError(problems)


def printable_text(text: str, covered: frozenset[int]) -> bool:
    """Every character of a text but its line breaks and tabs is in a bundled font."""
    return all(char.isspace() or ord(char) in covered for char in set(text))
