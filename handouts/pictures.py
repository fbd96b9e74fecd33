"""Pictures in a handout: the procedure diagram and the pictograms beside list items.

Both are SVG files from an assets/ folder (a clinic's own copy wins), read strictly: only plain
drawing elements, no scripts, no links to other files, no foreign markup. The drawing is then
recoloured with the clinic's colours, because WeasyPrint styles an inline SVG only with the
SVG's own <style>, never with the page's stylesheet.
"""

import base64
import math
import re
import warnings
import xml.etree.ElementTree as ElementTree
from functools import cached_property
from pathlib import Path

from markupsafe import Markup

from handouts.content import Diagram, Handout
from handouts.errors import ContentError, HandoutsError, ProjectError
from handouts.project import Clinic, Project
from handouts.yamlfile import line_of, load_yaml

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DRAWING_ELEMENTS = {
    "svg",
    "g",
    "path",
    "circle",
    "ellipse",
    "rect",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "style",
    "title",
    "desc",
    "defs",
    "symbol",
    "use",
}
DRAWING_ATTRIBUTES = {
    "id",
    "class",
    "d",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "width",
    "height",
    "points",
    "viewBox",
    "transform",
    "fill",
    "fill-rule",
    "clip-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-dasharray",
    "opacity",
    "fill-opacity",
    "stroke-opacity",
    "style",
    "text-anchor",
    "font-size",
    "font-weight",
    "preserveAspectRatio",
    "version",
    "href",
    XLINK_HREF,
}
EXTERNAL_REFERENCE = re.compile(r"url\(\s*['\"]?(?!#)|@import|expression\(|javascript:", re.IGNORECASE)
LIST_FIELDS = ("how_it_is_done", "before", "after", "call_us", "call_911", "questions")
HEADING_ICONS = {"call_us": "phone", "call_911": "emergency"}
OUTLINE_COLOR = "#2b3a4a"
MAX_SVG_BYTES = 512 * 1024  # the library's largest drawing is under 16 KB
MAX_SVG_DEPTH = 32  # nested groups; the library's drawings use 4
MAX_SVG_ELEMENTS = 5_000  # elements once every <use> is drawn out; the library's largest drawing has 60
MAX_USE_DEPTH = 3  # a <use> of a drawing holding a <use> of ...: ten levels of ten drew 10^10 shapes
MAX_LOGO_PIXELS = 16_000_000  # a 4000x4000 picture; a 13000x13000 PNG took 7.4 s and 1.5 GB a PDF


def svg_text(root: ElementTree.Element) -> str:
    """The drawing as markup, every element in the default SVG namespace.

    Tags are written without their namespace and the root declares it: ElementTree's global prefix
    registry is left alone (WeasyPrint uses ElementTree too)."""
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", SVG_NAMESPACE)
    return ElementTree.tostring(root, encoding="unicode")


def read_svg(path: Path, shown: str) -> ElementTree.Element:
    """The drawing in an SVG file, refused unless it holds only plain, self-contained drawing."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_SVG_BYTES + 1)  # never more: the file may be huge
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise ContentError([f"{shown}: cannot read the file as UTF-8 SVG"]) from None
    if len(raw) > MAX_SVG_BYTES:
        raise ContentError([f"{shown}: picture too large (over {MAX_SVG_BYTES // 1024} KB)"])
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise ContentError([f"{shown}: SVG with a DOCTYPE or entities is refused"])
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise ContentError([f"{shown}:{error.position[0]}: not well-formed SVG"]) from None
    for element in root.iter():
        namespace, _, name = element.tag.rpartition("}")
        if namespace != "{" + SVG_NAMESPACE or name not in DRAWING_ELEMENTS:
            raise ContentError([f"{shown}: <{name}> is not allowed in a picture (only plain SVG drawing)"])
        for attribute, value in element.attrib.items():
            if attribute not in DRAWING_ATTRIBUTES:
                raise ContentError([f"{shown}: <{name} {attribute}=...> is not allowed in a picture"])
            if EXTERNAL_REFERENCE.search(value) or (attribute in (XLINK_HREF, "href") and not value.startswith("#")):
                raise ContentError([f"{shown}: <{name} {attribute}=...> refers to something outside the file"])
        if name == "style" and (len(element) or EXTERNAL_REFERENCE.search(element.text or "")):
            raise ContentError([f"{shown}: <style> may hold only plain rules, no imports or outside links"])
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ContentError([f"{shown}: not an SVG drawing"])
    if depth(root) > MAX_SVG_DEPTH:
        raise ContentError([f"{shown}: elements nested more than {MAX_SVG_DEPTH} levels deep"])
    refuse_use_bombs(root, shown)
    return root


def refuse_use_bombs(root: ElementTree.Element, shown: str) -> None:
    """Refuses a drawing whose <use> elements nest more than MAX_USE_DEPTH deep (one that draws
    itself nests for ever) or draw more than MAX_SVG_ELEMENTS elements in all: each <use> draws its
    target again, so ten levels of ten <use> drew 10^10 shapes from 2.6 KB."""
    by_id: dict[str, ElementTree.Element] = {}
    for element in root.iter():
        name = element.get("id")
        if name and by_id.setdefault(name, element) is not element:
            raise ContentError([f"{shown}: the id {name!r} is used twice"])  # renderers differ on which one wins
    drawn: dict[int, tuple[int, int]] = {}  # id(element) -> (elements it draws, <use> levels below it)

    def count(element: ElementTree.Element, level: int) -> tuple[int, int]:
        kept = drawn.get(id(element))
        if level > MAX_USE_DEPTH or (kept is not None and level + kept[1] > MAX_USE_DEPTH):
            raise ContentError([f"{shown}: <use> nested more than {MAX_USE_DEPTH} levels deep"])
        if kept is not None:
            return kept
        total, below = 1, 0
        for child in element:
            elements, levels = count(child, level)
            total, below = total + elements, max(below, levels)
        if element.tag == f"{{{SVG_NAMESPACE}}}use":
            # renderers differ on which of href and xlink:href wins: count the worse of the two
            links = {(element.get(name) or "").removeprefix("#") for name in ("href", XLINK_HREF)}
            targets = [by_id[link] for link in links if link in by_id]
            if targets:
                elements, levels = max(count(target, level + 1) for target in targets)
                total, below = total + elements, max(below, levels + 1)
        if total > MAX_SVG_ELEMENTS:
            raise ContentError([f"{shown}: over {MAX_SVG_ELEMENTS} elements once every <use> is drawn"])
        drawn[id(element)] = (total, below)
        return total, below

    count(root, 0)


def check_raster(path: Path, shown: str) -> None:
    """Refuses a raster picture (a PNG logo) of more than MAX_LOGO_PIXELS, from its header alone:
    a small file can hold a huge picture, which WeasyPrint then decodes whole."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow's own alarm counts too
        try:
            with Image.open(path) as image:
                width, height = image.size
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            width, height = MAX_LOGO_PIXELS + 1, 1
        except (OSError, ValueError, SyntaxError):
            raise ContentError([f"{shown}: cannot read the file as a PNG or SVG picture"]) from None
    if width * height > MAX_LOGO_PIXELS:
        raise ContentError(
            [f"{shown}: picture too large ({width}x{height}; at most {MAX_LOGO_PIXELS // 1_000_000} million pixels)"]
        )


def checked_logo(path: Path, shown: str) -> Path:
    """The logo's path once its file passes the limits of its kind."""
    if path.suffix.lower() == ".svg":
        read_svg(path, shown)
    else:
        check_raster(path, shown)
    return path


def depth(root: ElementTree.Element) -> int:
    """How deep the elements nest, counted without recursion (the file may nest thousands deep)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in element)
    return deepest


def tones(clinic: Clinic) -> dict[str, str]:
    """The diagram's three tones from the clinic's colours: light accent, a middle tint, the primary."""
    middle = tint(clinic.colors.primary, WHITE_SHARE)
    return {"tone-1": clinic.colors.accent, "tone-2": middle, "tone-3": clinic.colors.primary}


WHITE_SHARE = 0.55


def tint(color: str, white: float) -> str:
    """`#rrggbb` mixed with `white` parts of white in sRGB, each channel rounded half up: the same
    digits as coloraide's `Color(color).mix("white", white, space="srgb").to_string(hex=True)`,
    without the 0.13 s its import takes."""
    channels = (int(color[index : index + 2], 16) / 255 for index in (1, 3, 5))
    return "#" + "".join(f"{math.floor((value + (1.0 - value) * white) * 255.0 + 0.5):02x}" for value in channels)


def diagram_style(clinic: Clinic) -> str:
    """Rules appended to a diagram's own <style>: later rules of equal weight win."""
    tone = tones(clinic)
    return (
        f".tone-1{{fill:{tone['tone-1']}}}.tone-2{{fill:{tone['tone-2']}}}.tone-3{{fill:{tone['tone-3']}}}"
        f".line-2{{stroke:{tone['tone-2']}}}.line-3,.heat{{stroke:{tone['tone-3']}}}"
        ".callout text{font-family:'Atkinson Hyperlegible',sans-serif}"
    )


def moved_style_attributes(root: ElementTree.Element) -> str:
    """`style="..."` attributes as id rules of the drawing's own <style>, which still outweigh its
    class rules: inline in the page, WeasyPrint's HTML side would otherwise read them and warn."""
    rules = []
    for number, element in enumerate(root.iter()):
        declarations = element.attrib.pop("style", None)
        if declarations:
            element.set("id", element.get("id") or f"styled-{number}")
            rules.append(f"#{element.get('id')}{{{declarations}}}")
    return "".join(rules)


def described(diagram: Diagram) -> str:
    """The diagram's alt text, then what each of its numbers points to, as its key prints them: "Side view
    of the lower back. 1: Epidural space. 2: Disc." A screen reader reads this instead of the drawing."""
    key = (f"{number}: {label.rstrip('.')}." for number, label in enumerate(diagram.labels, start=1))
    return " ".join([diagram.alt, *key])


class Pictures:
    """Finds, checks and recolours the pictures of one project; keeps each file's result."""

    def __init__(self, project: Project):
        self.project = project
        self._icons: dict[str, str] = {}

    def icon_url(self, name: str) -> str:
        """A pictogram as a data: URL in the primary colour, drawn as a background (an artifact, not a figure)."""
        if name not in self._icons:
            path = self.project.asset(f"assets/icons/{name}.svg", f"icon {name}")
            root = read_svg(path, self.project.shown(path))
            svg = svg_text(root)
            svg = re.sub("currentColor", self.project.clinic.colors.primary, svg, flags=re.IGNORECASE)
            self._icons[name] = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
        return self._icons[name]

    def icon_css(self, handout: Handout) -> Markup:
        """One rule per pictogram the handout shows: `.icon-NAME { background-image: ... }`."""
        items = [item for field in LIST_FIELDS for item in getattr(handout, field)]
        items += handout.risks.common + handout.risks.rare
        names = sorted({item.icon for item in items if item.icon} | set(HEADING_ICONS.values()))
        return Markup("".join(f'.icon-{name}{{background-image:url("{self.icon_url(name)}")}}\n' for name in names))

    def logo(self) -> Path | None:
        """The clinic's logo file, read as strictly as the diagrams (an SVG) or by its size in pixels
        (any other picture); checked again only when the file changes."""
        if self.project.clinic.logo is None:
            return None
        path = self.project.logo_path(self.project.clinic)
        return self.project.loaded(("logo", path), [path], lambda: checked_logo(path, self.project.shown(path)))

    @cached_property
    def diagram_style(self) -> str:
        return diagram_style(self.project.clinic)

    def diagram(self, diagram: Diagram, handout_file: str, handout_path: Path | None) -> Markup:
        """The diagram inlined as <svg> with its alt text and key as <title> (WeasyPrint's Figure /Alt);
        read again only when its file changes."""
        alt = described(diagram)
        try:
            path = self.project.asset(f"assets/diagrams/{diagram.file}", "diagram.file")
            return self.project.loaded(("diagram", path, alt), [path], lambda: self._diagram(path, alt))
        except HandoutsError as error:
            line = line_of(load_yaml(handout_path, handout_file)[1], ("diagram", "file")) if handout_path else None
            where = f"{handout_file}:{line}" if line else handout_file
            raise ProjectError(f"{where}: {error}") from None

    def _diagram(self, path: Path, alt: str) -> Markup:
        root = read_svg(path, self.project.shown(path))
        for old in root.findall(f"{{{SVG_NAMESPACE}}}title") + root.findall(f"{{{SVG_NAMESPACE}}}desc"):
            root.remove(old)
        title = ElementTree.Element(f"{{{SVG_NAMESPACE}}}title")
        title.text = alt
        root.insert(0, title)
        style = root.find(f"{{{SVG_NAMESPACE}}}style")
        if style is None:
            style = ElementTree.SubElement(root, f"{{{SVG_NAMESPACE}}}style")
            root.remove(style)
            root.insert(1, style)
        style.text = (style.text or "") + self.diagram_style + moved_style_attributes(root)
        for size in ("width", "height"):
            root.attrib.pop(size, None)  # the stylesheet sizes it
        root.set("class", "diagram-picture")
        return Markup(svg_text(root))
