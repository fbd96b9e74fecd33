"""Pictures: the procedure diagram (labels, Figure /Alt, clinic colours, clinic override) and pictograms."""

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pypdf.generic import ContentStream

from handouts.cli import cli
from handouts.errors import ContentError
from handouts.maker import Maker
from handouts.pdf import render_document
from handouts.pictures import read_svg
from handouts.project import open_project
from handouts.targets import RenderRequest as Request

from conftest import REPO, pdf_reader, pdf_text

SLUG = "epidural-steroid-injection"
FILE = f"content/en/{SLUG}.yaml"


def copy_handout(project: Path, edit) -> Path:
    """The built-in ESI handout copied into the project, its YAML text changed by `edit`."""
    path = project / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(edit((REPO / FILE).read_text(encoding="utf-8")), encoding="utf-8")
    return path


def figures(pdf: bytes) -> list[dict]:
    """Every /Figure element of the tagged PDF's structure tree."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure":
                found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(pdf_reader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found


def fill_colours(pdf: bytes) -> set[str]:
    """Every fill and stroke colour set in the page streams and the forms they draw, as #rrggbb."""
    colours, seen = set(), set()

    def scan(stream, resources):
        for operands, operator in ContentStream(stream, pdf_reader_).operations:
            if operator in (b"rg", b"RG") and len(operands) == 3:
                colours.add("#" + "".join(f"{round(float(value) * 255):02x}" for value in operands))
        for xobject in (resources or {}).get("/XObject", {}).values():
            xobject = xobject.get_object()
            if id(xobject) not in seen and xobject.get("/Subtype") == "/Form":
                seen.add(id(xobject))
                scan(xobject, xobject.get("/Resources"))
        for pattern in (resources or {}).get("/Pattern", {}).values():
            pattern = pattern.get_object()
            if id(pattern) not in seen and "/Resources" in pattern:
                seen.add(id(pattern))
                scan(pattern, pattern["/Resources"])

    pdf_reader_ = pdf_reader(pdf)
    for page in pdf_reader_.pages:
        scan(page.get_contents(), page["/Resources"])
    return colours


def caption_beside_figure(pdf: bytes) -> bool:
    """The tagged PDF holds a /Caption element under the same parent as the diagram's /Figure."""
    return any(
        any(kid.get_object().get("/S") == "/Caption" for kid in figure["/P"].get_object()["/K"])
        for figure in figures(pdf)
    )


@pytest.mark.slow
def test_diagram_caption_and_labels_print_and_the_figure_has_alt_text(maker):
    handout = yaml.safe_load((REPO / FILE).read_text(encoding="utf-8"))
    pdf = maker.pdf(Request(SLUG, "en", "letter"))
    text = " ".join(pdf_text(pdf).split())
    assert handout["diagram"]["caption"] in text
    for label in handout["diagram"]["labels"]:
        assert label in text
    alts = [str(figure.get("/Alt")) for figure in figures(pdf)]
    key = "1: Epidural space. 2: Disc. 3: Nerve. 4: Needle. 5: Spine bone."  # what each number points to
    assert f"{handout['diagram']['alt']} {key}" in alts
    assert caption_beside_figure(pdf)


@pytest.mark.slow
def test_spanish_handout_prints_spanish_caption_labels_and_alt(maker):
    handout = yaml.safe_load((REPO / "content/es" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    pdf = maker.pdf(Request(SLUG, "es", "a4"))
    text = " ".join(pdf_text(pdf).split())
    assert "Espacio epidural" in text
    assert "Dónde entra la aguja" in text
    key = "1: Espacio epidural. 2: Disco. 3: Nervio. 4: Aguja. 5: Vértebra."
    assert f"{handout['diagram']['alt']} {key}" in [str(figure.get("/Alt")) for figure in figures(pdf)]


@pytest.mark.slow
def test_large_print_prints_the_caption_beside_the_figure(maker):
    pdf = maker.pdf(Request(SLUG, "en", "letter", large_print=True))
    assert "Where the needle goes" in " ".join(pdf_text(pdf).split())
    assert caption_beside_figure(pdf)


def test_diagram_without_caption_is_a_file_line_error(clinic_project):
    copy_handout(clinic_project, lambda text: re.sub(r"(?m)^  caption: .*\n", "", text, count=1))
    result = CliRunner().invoke(cli, ["build", SLUG, "--project", str(clinic_project), "-o", "-"])
    assert result.exit_code == 1
    assert result.output == f"Error: {FILE}:3: diagram.caption: required, but missing\n"


def test_unknown_icon_is_a_file_line_error(clinic_project):
    copy_handout(
        clinic_project,
        lambda text: text.replace(
            "before:\n  - If you have diabetes", "before:\n  - icon: unicorn\n    text: If you have diabetes"
        ),
    )
    result = CliRunner().invoke(cli, ["build", SLUG, "--project", str(clinic_project), "-o", "-"])
    assert result.exit_code == 1
    line = next(
        number for number, row in enumerate((clinic_project / FILE).read_text().splitlines(), 1) if "unicorn" in row
    )
    assert result.output.startswith(f"Error: {FILE}:{line}: before[1].icon: unknown icon 'unicorn'")
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_check_strict_fails_a_diagram_without_alt_text(clinic_project):
    copy_handout(clinic_project, lambda text: re.sub(r"(?m)^  alt: .*$", '  alt: ""', text, count=1))
    result = CliRunner().invoke(cli, ["check", SLUG, "--lang", "en", "--strict", "--project", str(clinic_project)])
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(FILE)}:\d+: diagram\.alt: must not be empty", result.output), result.output


@pytest.mark.slow
def test_check_fails_a_procedure_without_a_diagram(clinic_project):
    copy_handout(clinic_project, lambda text: re.sub(r"(?m)^diagram:\n(?: .*\n)+", "", text))
    result = CliRunner().invoke(cli, ["check", SLUG, "--lang", "en", "--project", str(clinic_project)])
    assert result.exit_code == 1
    assert f"{FILE}:1: diagram: a procedure handout needs a diagram" in result.output


def test_missing_diagram_file_names_the_handout_line(clinic_project):
    copy_handout(clinic_project, lambda text: text.replace("file: spine-epidural.svg", "file: no-such-picture.svg"))
    result = CliRunner().invoke(cli, ["build", SLUG, "--project", str(clinic_project), "-o", "-"])
    assert result.exit_code == 1
    assert re.match(
        rf"Error: {re.escape(FILE)}:\d+: diagram\.file: assets/diagrams/no-such-picture\.svg: "
        "file not found",
        result.output,
    ), result.output


def test_clinic_diagram_replaces_the_built_in_one(clinic_project):
    folder = clinic_project / "assets" / "diagrams"
    folder.mkdir()
    (folder / "spine-epidural.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 30"><rect class="tone-2" id="ours" '
        'width="40" height="30"/></svg>'
    )
    html = Maker(open_project(clinic_project)).renderer.html(Request(SLUG, "en", "letter"))
    assert 'id="ours"' in html
    assert 'viewBox="0 0 400 300"' not in html


@pytest.mark.parametrize(
    "svg, refused",
    [
        ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>', "<foreignObject>"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0" onclick="x()"/></svg>', "onclick"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://x/a.css);</style></svg>', "<style>"),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            '<use xlink:href="http://x/y.svg#a"/></svg>',
            "refers to something outside the file",
        ),
        ('<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/p)"/></svg>', "outside the file"),
        ('<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "DOCTYPE"),
    ],
)
def test_svg_with_anything_but_plain_drawing_is_refused(tmp_path, svg, refused):
    path = tmp_path / "bad.svg"
    path.write_text(svg)
    with pytest.raises(ContentError, match=re.escape(refused)):
        read_svg(path, "assets/diagrams/bad.svg")


@pytest.mark.slow
def test_diagram_and_pictograms_take_the_clinic_colours(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    text = re.sub(r'primary: "#[0-9a-fA-F]{6}"', 'primary: "#7a1f5c"', text)
    text = re.sub(r'accent: "#[0-9a-fA-F]{6}"', 'accent: "#f7e6ef"', text)
    clinic.write_text(text, encoding="utf-8")
    pdf = Maker(open_project(clinic_project)).pdf(Request(SLUG, "en", "letter"))
    colours = fill_colours(pdf)
    assert {"#7a1f5c", "#f7e6ef"} <= colours  # tone-3 and tone-1 of the diagram, icons and headings
    assert not {"#1f4e79", "#93b3cf", "#e3ecf4"} & colours  # the drawing's own default tones are gone


@pytest.mark.slow
def test_large_print_scales_the_pictograms(library_project):
    def icon_widths(large_print: bool) -> list[float]:
        page = Maker(library_project).renderer.page(Request(SLUG, "en", "letter", large_print=large_print))
        document = render_document(page.html, library_project.root, library_project.asset_roots)
        widths: dict[int, float] = {}  # one per element: an item split across two pages makes two boxes

        def walk(box):
            classes = (box.element.get("class", "") if box.element is not None else "").split()
            if "icon" in classes:  # a heading's pictogram: a box of its own
                widths[id(box.element)] = box.width
            layers = box.background.layers if box.background else []
            if "with-icon" in classes and layers and layers[0].image is not None:  # a list item's: its background
                widths[id(box.element)] = layers[0].size[0]
            for child in getattr(box, "children", []):
                walk(child)

        for page_ in document.pages:
            walk(page_._page_box)
        return list(widths.values())

    standard, large = icon_widths(False), icon_widths(True)
    assert standard and len(standard) == len(large)
    # the smallest are the list items' pictograms: 18 pt text against 12 pt
    assert min(large) / min(standard) == pytest.approx(1.5, rel=0.02)
