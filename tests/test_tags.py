"""What last week's accessibility audit of the printed PDFs found, checked on the structure tree of the
real PDF: the appointment box's title is a heading under the page's H1 (tags and bookmarks), the pain
diary's header cells say their scope, the logo's alternative text is in the page's language, and the
version line is read once as content while the running footer stays an artifact. Then an independent
review (#24): the plan's rows, the drawn bullets, the large-print version line, the links' descriptions, the
diagram's alt text and the figures' boxes."""

import html
import io
import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader
from test_packet import structure
from test_pictures import figures

from handouts.maker import Maker
from handouts.project import open_project
from handouts.targets import RenderRequest
from handouts.usecases import make_packet

from conftest import pdf_reader, sample

VISIT = {"patient": "Ana Ruiz", "date": "2026-12-08", "time": "07:00"}
APPOINTMENT = {"en": "Your appointment", "es": "Su cita"}


def headings(reader: PdfReader) -> list[str]:
    """The heading tags of the structure tree, in reading order."""
    return [str(element["/S"]) for element in structure(reader) if str(element["/S"]) in ("/H1", "/H2", "/H3")]


def outline(reader: PdfReader) -> list[tuple[str, list[str]]]:
    """Each top-level bookmark with the titles of the bookmarks just under it."""
    found: list[tuple[str, list[str]]] = []
    for item in reader.outline:
        if isinstance(item, list):
            found[-1][1].extend(child.title for child in item if not isinstance(child, list))
        else:
            found.append((item.title, []))
    return found


@pytest.mark.parametrize(
    ("language", "large_print"), sample([("en", False), ("es", True), ("en", True), ("es", False)])
)
def test_the_appointment_box_title_is_a_heading_under_each_pages_h1(maker, language, large_print):
    """The plan sheet and the handout: H1, then the box's H2, in the tags and in the bookmarks."""
    pdf = make_packet(maker, ["pain-diary"], language, large_print=large_print, visit_fields=VISIT)
    reader = pdf_reader(pdf)
    tags = headings(reader)
    assert tags.count("/H1") == 2
    starts = [index for index, tag in enumerate(tags) if tag == "/H1"]
    assert starts[0] == 0 and all(tags[start + 1] == "/H2" for start in starts)
    assert [children[0] for _, children in outline(reader)] == [APPOINTMENT[language]] * 2


@pytest.mark.parametrize("large_print", sample([True, False], keep=1), ids=["large", "standard"])
def test_the_pain_diary_header_cells_say_their_scope(maker, large_print):
    """Column headers (repeated on each page the table runs on) are /Column; the first cell of each
    row (its time) is a row header, /Row: WeasyPrint links the cells to both but writes no /Scope."""
    reader = pdf_reader(maker.pdf(RenderRequest("pain-diary", "en", "letter", large_print)))
    cells = [element for element in structure(reader) if element["/S"] == "/TH"]
    groups = [str(cell["/P"].get_object()["/P"].get_object()["/S"]) for cell in cells]
    scopes = [str(cell["/A"].get("/Scope")) for cell in cells]
    assert scopes == [{"/THead": "/Column", "/TBody": "/Row"}[group] for group in groups]
    assert scopes.count("/Row") == maker.project.handout("en", "pain-diary").diary.rows
    assert scopes.count("/Column") >= 4


@pytest.mark.parametrize(
    ("language", "alt"),
    [
        ("es", "Logotipo de Riverside Spine & Pain Center"),
        ("en", "Riverside Spine & Pain Center logo, a blue river under a green hill"),  # clinic.yaml's own
    ],
)
def test_the_logo_is_described_in_the_pages_language(maker, language, alt):
    """On the plan sheet and on the handout: the example clinic's logo_alt is English, its first language."""
    pdf = make_packet(maker, ["pain-diary"], language, visit_fields=VISIT)
    assert [str(figure["/Alt"]) for figure in figures(pdf)] == [alt, alt]


def test_a_clinic_whose_first_language_is_spanish_describes_its_logo_in_spanish_only(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8").replace("languages: [en]", "languages: [es, en]")
    text = text.replace(
        "logo_alt: Riverside Spine & Pain Center logo, a blue river under a green hill",
        "logo_alt: Un río bajo un cerro",
    )
    clinic.write_text(text, encoding="utf-8")
    maker = Maker(open_project(clinic_project))
    alts = {
        language: [
            str(figure["/Alt"]) for figure in figures(maker.pdf(RenderRequest("pain-diary", language, "letter")))
        ]
        for language in ("es", "en")
    }
    assert alts == {"es": ["Un río bajo un cerro"], "en": ["Riverside Spine & Pain Center logo"]}


def tagged_text(pdf: bytes, folder: Path) -> list[str]:
    """The text of the structure tree's elements, one per line (poppler's `pdfinfo -struct-text`):
    what a screen reader reads; artifacts are not in it."""
    path = folder / "handout.pdf"
    path.write_bytes(pdf)
    shown = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True)
    return [line.strip().strip('"') for line in shown.stdout.splitlines() if line.strip().startswith('"')]


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
@pytest.mark.parametrize(
    ("language", "version", "page"),
    sample([("en", "Version ", "Page 1 of"), ("es", "Versión ", "Página 1 de")], keep=1),
)
def test_the_version_line_is_read_once_at_the_end(maker, tmp_path, language, version, page, large_print):
    """The running footer stays a pagination artifact; its version line is content once, last (under the
    sources in large print too)."""
    pdf = maker.pdf(RenderRequest("preparing-for-your-procedure", language, "letter", large_print))
    reader = pdf_reader(pdf)
    footer = reader.pages[0].extract_text().splitlines()[-1]
    assert footer.startswith(version) and page in footer  # the running footer, on every page
    version_line = footer[: footer.index(page)].strip()
    said_line = re.sub(r" \([^)]*\)", "", version_line)  # a translation's footer adds the original's version
    said = " ".join(" ".join(tagged_text(pdf, tmp_path)).split())
    assert said.count(version) == 1 and said.endswith(said_line) and page not in said
    assert large_print or len(reader.pages) == 2


def struct_lines(pdf: bytes, folder: Path) -> list[tuple[int, str]]:
    """The structure tree as poppler prints it (`pdfinfo -struct-text`): each line's depth and text, an
    element's type or, in quotes, the text it holds."""
    path = folder / "handout.pdf"
    path.write_bytes(pdf)
    shown = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True)
    return [(len(line) - len(line.lstrip()), line.strip()) for line in shown.stdout.splitlines() if line.strip()]


def list_items(pdf: bytes, folder: Path) -> list[str]:
    """The text of each LI element of the structure tree, as a screen reader reads one list item."""
    lines = struct_lines(pdf, folder)
    found = []
    for index, (depth, text) in enumerate(lines):
        if text.split()[0] == "LI":
            inside = []
            for deeper, held in lines[index + 1 :]:
                if deeper <= depth:
                    break
                if held.startswith('"'):
                    inside.append(held.strip('"'))
            found.append(" ".join(" ".join(inside).split()))
    return found


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
@pytest.mark.parametrize(
    ("language", "row"),
    [("en", "Arrive at 6:30 AM, Tuesday, December 8"), ("es", "Llegue a las 6:30 a. m. del martes 8 de diciembre")],
)
def test_each_plan_row_is_one_list_item_its_label_then_its_time(maker, tmp_path, language, row, large_print):
    """Every list item of the packet (the plan's rows too) is a child of its list, none nested in another."""
    pdf = make_packet(maker, ["epidural-steroid-injection"], language, large_print=large_print, visit_fields=VISIT)
    items = [element for element in structure(pdf_reader(pdf)) if element["/S"] == "/LI"]
    assert items and {str(item["/P"].get_object()["/S"]) for item in items} == {"/L"}
    assert row in list_items(pdf, tmp_path)


def kids(element) -> list:
    """The children of a structure element: elements, marked-content ids, annotations."""
    found = element.get("/K", [])
    return list(found) if isinstance(found, list) else [found]


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
def test_the_drawn_bullets_boxes_and_pictograms_leave_no_empty_element(maker, large_print):
    """A bullet's dot, a checkbox, a pictogram: drawn (artifacts), never an empty element in the tags; and
    a list holds list items only, not the spaces between the diagram key's numbered labels."""
    pdf = maker.pdf(RenderRequest("epidural-steroid-injection", "en", "letter", large_print))
    elements = structure(pdf_reader(pdf))
    assert [str(element["/S"]) for element in elements if not kids(element)] == []
    lists = [element for element in elements if element["/S"] == "/L"]
    assert len(lists) >= 6
    assert {str(kid.get_object()["/S"]) for element in lists for kid in kids(element)} == {"/LI"}


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
def test_the_plan_sheets_lists_are_clean_and_its_lines_to_write_on_leave_no_element(maker, large_print):
    """The plan sheet's back (questions with lines to write on, then more lines): each list holds list
    items only, each item its label (if it shows one) then its body, and a line to write on is drawn, not
    an empty element; only a table cell may be empty (the pain diary's, to write in)."""
    pdf = make_packet(maker, ["pain-diary"], "en", large_print=large_print, visit_fields=VISIT)
    elements = structure(pdf_reader(pdf))
    empty = [str(element["/S"]) for element in elements if not kids(element)]
    assert "/TD" in empty and set(empty) <= {"/TD", "/TH"}
    items = [element for element in elements if element["/S"] == "/LI"]
    assert {str(item["/P"].get_object()["/S"]) for item in items} == {"/L"}
    shapes = {tuple(str(kid.get_object()["/S"]) for kid in kids(item)) for item in items}
    assert shapes <= {("/LBody",), ("/Lbl", "/LBody")} and len(items) >= 5


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_each_link_is_described_by_the_text_it_shows_not_its_address(maker, language, large_print):
    """A screen reader names a link by its annotation's /Contents: the source's title (and site), as
    printed; the address stays the link's target. A link broken over two lines says so on each part."""
    slug = "epidural-steroid-injection"
    pdf = maker.pdf(RenderRequest(slug, language, "letter", large_print))
    sources = {str(source.url): source.title for source in maker.project.handout(language, slug).review.sources}
    links = [
        annotation.get_object()
        for page in pdf_reader(pdf).pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object()["/Subtype"] == "/Link"
    ]
    assert {str(link["/A"]["/URI"]) for link in links} == set(sources)
    for link in links:
        title = sources[str(link["/A"]["/URI"])]
        assert str(link["/Contents"]).startswith(f"{title}: "), link["/Contents"]


def test_each_figure_box_is_where_it_is_drawn(maker):
    """A Figure's /BBox is in points from the page's bottom (WeasyPrint writes CSS pixels from the top):
    the logo 0.42 in tall at the page's 0.4 in top margin, the diagram 5 cm wide just under its caption."""
    pdf = maker.pdf(RenderRequest("epidural-steroid-injection", "en", "letter"))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        caption = next(word for word in page.extract_words() if word["text"] == "Where")
        height = page.height
    boxes = {
        str(figure["/Alt"]).split()[0]: [float(value) for value in figure["/A"]["/BBox"]] for figure in figures(pdf)
    }
    left, bottom, right, top = boxes["Riverside"]
    assert (top, top - bottom) == (pytest.approx(height - 0.4 * 72), pytest.approx(0.42 * 72))
    left, bottom, right, top = boxes["Side"]
    assert left == pytest.approx(caption["x0"], abs=0.1) and right - left == pytest.approx(5 / 2.54 * 72)
    assert 0 < height - caption["bottom"] - top < 0.05 * 72


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
def test_the_diagrams_caption_is_grouped_with_its_figure(maker, large_print):
    """The `<figure>` (WeasyPrint leaves it a NonStruct, so its caption stood loose in the section) is a
    Div holding the caption, the drawing's Figure with its alt text, and the key: the caption comes first,
    as printed, beside the Figure (inside it, a screen reader that reads the alt text would skip it)."""
    slug = "epidural-steroid-injection"
    pdf = maker.pdf(RenderRequest(slug, "en", "letter", large_print))
    captions = [element for element in structure(pdf_reader(pdf)) if element["/S"] == "/Caption"]
    assert len(captions) == 1
    group = captions[0]["/P"].get_object()
    held = [kid.get_object() for kid in kids(group)]
    assert str(group["/S"]) == "/Div"
    assert [str(element["/S"]) for element in held] == ["/Caption", "/Figure", "/L"]
    assert str(held[1]["/Alt"]).startswith(maker.project.handout("en", slug).diagram.alt.split(".")[0])


@pytest.mark.parametrize(
    ("slug", "language", "page_size"),
    sample(
        [
            ("epidural-steroid-injection", "en", "letter"),
            ("intrathecal-pump", "es", "a4"),
            ("preparing-for-your-procedure", "en", "letter"),
        ],
        keep=1,
    ),
)
def test_a_list_split_by_a_page_break_is_one_list(maker, slug, language, page_size):
    """WeasyPrint (#2903) tags each page's part of a list as a list of its own, so a screen reader
    announced two lists (and their counts) where the page showed one: every HTML list is one L, its
    items on both pages in order, each item in its list."""
    request = RenderRequest(slug, language, page_size)
    html = maker.renderer.page(request).html
    pdf = maker.pdf(request)
    elements = structure(pdf_reader(pdf))
    lists = [element for element in elements if element["/S"] == "/L"]
    assert len(lists) == len(re.findall(r"<(?:ul|ol)\b", html.partition("<body")[2]))
    pages = [{kid.get_object().raw_get("/Pg").idnum for kid in kids(element)} for element in lists]
    assert any(len(found) > 1 for found in pages)  # a list that runs over the page break, whole
    for element in lists:
        assert all(kid.get_object()["/P"].get_object() == element for kid in kids(element))


INLINE = ("Span", "Link", "NonStruct")


def said(element: dict, drawn: dict[int, str]) -> str:
    """What a screen reader says for an element of pdfplumber's structure tree (`drawn`: each marked
    content's text): its /ActualText or /Alt stands for it and all below it, else the text its marked
    content draws; a block (any element but the inline Span, Link and NonStruct) is said apart from what
    comes before and after it."""
    if "actual_text" in element:
        return element["actual_text"]
    if "alt_text" in element:
        return f" {element['alt_text']} "
    own = "".join(drawn.get(mcid, "") for mcid in element.get("mcids", []))
    text = own + "".join(said(child, drawn) for child in element.get("children", []))
    return text if element["type"] in INLINE else f" {text} "


def read_in_tag_order(pdf: bytes) -> list[str]:
    """The words a screen reader says, page by page in the structure tree's order."""
    words: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            drawn: dict[int, str] = {}
            for char in page.chars:
                drawn[char["mcid"]] = drawn.get(char["mcid"], "") + char["text"]
            words += "".join(said(element, drawn) for element in page.structure_tree).split()
    return words


@pytest.mark.parametrize(
    ("slug", "language", "large_print"),
    sample(
        [
            ("epidural-steroid-injection", "en", False),
            ("epidural-steroid-injection", "es", True),
            ("pain-diary", "es", False),
        ]
    ),
)
def test_words_at_the_ends_of_lines_are_read_apart(maker, slug, language, large_print):
    """WeasyPrint drops the space where a line breaks, and each line is a Span of its own: read in tag
    order, the last word of a line ran into the first of the next ("yourdoctor"); a link's lines too (the
    large-print sources). Every word read is a
    word of the page's HTML (split at its tags or not, an image's alt text too), or a number its CSS counts
    (a step's "2.")."""
    request = RenderRequest(slug, language, "letter", large_print)
    page = html.unescape(maker.renderer.page(request).html.partition("<body")[2])
    written = set(re.sub(r"<[^>]+>", " ", page).split()) | set(re.sub(r"<[^>]+>", "", page).split())
    written |= set(" ".join(re.findall(r'\balt="([^"]*)"', page)).split())  # a picture's words are its alt
    read = read_in_tag_order(maker.pdf(request))
    run_together = [word for word in read if word not in written and not re.fullmatch(r"[\d.]+", word)]
    assert run_together == [] and len(read) > 300
