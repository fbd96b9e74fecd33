"""A visit's packet (and every PDF) is one tagged document that declares PDF/UA-1: a structure tree,
one H1 and one bookmark per handout, each handout's language on its part, a title naming the visit,
each handout from a right-hand page with its own page numbers, the running footer a pagination
artifact, the appointment box a form (not a data table). Large print is 18 pt wherever the patient
reads; the call boxes never split; the clinic's address and fax print on every handout."""

import io
import re
import shutil
from collections import Counter

import pdfplumber
import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, IndirectObject

from handouts.library import library_root
from handouts.maker import Maker
from handouts.project import open_project
from handouts.targets import RenderRequest
from handouts.usecases import make_packet

from conftest import REPO, handout_bookmarks, invoke, pdf_reader, sample

LIBRARY = open_project(library_root())
HANDOUTS = [(language, slug) for slug, languages in LIBRARY.catalog().items() for language in languages]
VISIT = ["epidural-steroid-injection", "preparing-for-your-procedure", "pain-diary"]
TITLES = {
    "en": ["Epidural steroid injection", "Preparing for your procedure", "Pain diary"],
    "es": ["Inyección epidural de esteroides", "Cómo prepararse para su procedimiento", "Diario del dolor"],
}
PDF_UA_1 = 'pdfuaid:part="1"'
LARGE = 17.95  # 18 pt, give or take the rounding of a text matrix


def structure(reader: PdfReader) -> list:
    """Every structure element under the document's root, in order."""
    found = []

    def walk(reference) -> None:
        element = reference.get_object()
        if element.get("/Type") != "/StructElem":
            return
        found.append(element)
        kids = element.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, IndirectObject):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0])
    return found


def languages_by_page(reader: PdfReader) -> dict[int, set[str]]:
    """The /Lang of the top-level structure elements of each page."""
    document = reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()
    found: dict[int, set[str]] = {}
    for kid in document["/K"]:
        element = kid.get_object()
        found.setdefault(reader.get_page_number(element["/Pg"]), set()).add(str(element.get("/Lang")))
    return found


def xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def starts(reader: PdfReader) -> list[int]:
    """The page (from 1) each handout's bookmark points to."""
    return [reader.get_destination_page_number(item) + 1 for item in handout_bookmarks(reader)]


@pytest.mark.parametrize("language", sample(["en", "es"], keep=1))
@pytest.mark.slow
def test_a_packet_of_three_is_one_tagged_pdf_ua_document(maker, language):
    reader = pdf_reader(make_packet(maker, VISIT, language, visit_fields={"patient": "Ana Ruiz"}))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == language
    assert PDF_UA_1 in xmp(reader)
    title = ("Your visit: " if language == "en" else "Su visita: ") + ", ".join(TITLES[language])
    assert reader.metadata.title == title and root["/ViewerPreferences"]["/DisplayDocTitle"]
    headings = Counter(str(element["/S"]) for element in structure(reader))
    assert headings["/H1"] == 3
    assert [item.title for item in handout_bookmarks(reader)] == TITLES[language]
    first = starts(reader)
    assert first[0] == 1 and all(page % 2 for page in first)  # each handout on a new sheet
    pages = languages_by_page(reader)
    blanks = set(range(len(reader.pages))) - set(pages)
    assert blanks <= {start - 2 for start in first[1:]}  # only the blank back of a handout's last sheet
    assert all(found == {language} for found in pages.values())
    word, of = ("Page", "of") if language == "en" else ("Página", "de")
    second = [number for number in range(first[1] - 1, first[2] - 1) if number not in blanks]
    for count, number in enumerate(second, start=1):  # numbered per handout
        assert " ".join(reader.pages[number].extract_text().split()).endswith(f"{word} {count} {of} {len(second)}")


def test_a_packet_with_a_fallback_handout_tags_each_part_in_its_own_language(clinic_project):
    english_only = clinic_project / "content/en/my-diary.yaml"
    english_only.parent.mkdir(parents=True)
    shutil.copy(REPO / "content/en/pain-diary.yaml", english_only)
    maker = Maker(open_project(clinic_project))
    reader = pdf_reader(make_packet(maker, ["epidural-steroid-injection", "my-diary"], "es", fallback="en"))
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert reader.metadata.title == "Su visita: Inyección epidural de esteroides, Pain diary"
    pages = languages_by_page(reader)
    english = starts(reader)[1] - 1
    assert pages[english] == {"en"} and pages[english - 1 if english - 1 in pages else 0] == {"es"}
    assert all(found == {"en" if number >= english else "es"} for number, found in pages.items())


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
def test_the_footer_is_a_pagination_artifact_outside_the_structure_tree(maker, large_print):
    reader = pdf_reader(maker.pdf(RenderRequest("pain-diary", "en", "letter", large_print)))
    assert PDF_UA_1 in xmp(reader)
    nums = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    for number, page in enumerate(reader.pages):
        marks = [
            operands
            for operands, operator in ContentStream(page.get_contents(), reader).operations
            if operator == b"BDC"
        ]
        artifacts = [properties for tag, properties in marks if tag == "/Artifact"]
        assert sum(properties.get("/Type") == "/Pagination" for properties in artifacts) == 2  # left and right
        tagged = [properties["/MCID"] for tag, properties in marks if "/MCID" in properties]
        parents = nums[2 * number + 1]
        assert all(parents[mcid].get_object() is not None for mcid in tagged)  # all content is in the tree


def test_the_appointment_box_is_a_form_not_a_data_table(maker):
    reader = pdf_reader(make_packet(maker, ["epidural-steroid-injection"], "en", visit_fields={"patient": "Ana Ruiz"}))
    assert "/Table" not in {str(element["/S"]) for element in structure(reader)}
    assert "Ana Ruiz" in reader.pages[0].extract_text()


@pytest.mark.slow
def test_a_handout_in_a_packet_prints_as_it_does_alone(maker):
    """The packet changes no layout: each handout takes the pages it takes alone (2 in standard print
    for these), and the sheet's blank back only where a handout ends on a front."""
    fields = {"patient": "Ana Ruiz", "physician": "Dr. Lee", "date": "2026-12-08", "arrive": "06:15"}
    visit = ["epidural-steroid-injection", "pain-diary", "trigger-point-injection"]
    reader = pdf_reader(make_packet(maker, visit, "en", visit_fields=fields))
    alone = [len(pdf_reader(make_packet(maker, [slug], "en", visit_fields=fields)).pages) for slug in visit]
    assert alone == [2, 2, 2]
    assert starts(reader) == [1, 3, 5] and len(reader.pages) == 6


def small_print(pdf: bytes) -> list[str]:
    """Text under 18 pt, page by page, leaving out the footer's version and review status (staff only),
    and its copy under the sources (there for screen readers: the footer is an artifact)."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            footer = [char for char in page.chars if char["top"] > page.height - 72]
            numbers = min((char["x0"] for char in footer if char["size"] >= LARGE), default=0)  # "Page 1 of 4", right
            staff = [char for char in footer if char["x1"] <= numbers]
            version = "".join(char["text"] for char in staff)
            small = "".join(char["text"] for char in page.chars if char["size"] < LARGE and char not in staff)
            small = small.replace(version, "", 1) if version else small
            if small.strip():
                found.append(f"page {number}: {small!r}")
    return found


@pytest.mark.parametrize("language", sample(["es", "en"], keep=1))
@pytest.mark.slow
def test_a_large_print_packet_is_18_point_wherever_the_patient_reads(maker, language):
    fields = {"patient": "Ana Ruiz", "physician": "Dr. Lee", "date": "2026-12-08", "arrive": "06:15"}
    pdf = make_packet(maker, VISIT, language, large_print=True, visit_fields=fields)
    assert small_print(pdf) == []
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf_reader(pdf).pages)
    assert "Ana Ruiz" in text and "MedlinePlus" in text  # the appointment box and the sources are there


def pages_holding(document, class_name: str) -> list[int]:
    """The pages on which any part of the element with this class is laid out."""

    def holds(box) -> bool:
        element = getattr(box, "element", None)
        if element is not None and class_name in (element.get("class") or "").split():
            return True
        return any(holds(child) for child in getattr(box, "children", []))

    return [number for number, page in enumerate(document.pages) if holds(page._page_box)]


@pytest.mark.parametrize("large_print", [True, False], ids=["large", "standard"])
@pytest.mark.parametrize("language,slug", sample(HANDOUTS))
def test_call_boxes_never_split_across_pages(maker, language, slug, large_print):
    from handouts.pdf import render_document

    html = maker.renderer.page(RenderRequest(slug, language, "letter", large_print)).html
    document = render_document(html, maker.project.root, maker.project.asset_roots)
    for box in ("call-us", "call-911"):
        pages = pages_holding(document, box)
        assert len(pages) <= 1, f"{box} runs over pages {pages}"
    assert pages_holding(document, "call-us")


@pytest.mark.slow
def test_the_clinic_address_and_fax_print_on_every_handout(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8") + "fax: (555) 010-2411\n", encoding="utf-8")
    maker = Maker(open_project(clinic_project))
    address = maker.project.clinic.address
    reader = pdf_reader(make_packet(maker, VISIT, "en"))
    for start in starts(reader):
        text = " ".join(reader.pages[start - 1].extract_text().split())
        assert address in text and "Fax: (555) 010-2411" in text


def test_no_fax_no_fax_label(maker):
    text = pdf_reader(maker.pdf(RenderRequest("pain-diary", "en", "letter"))).pages[0].extract_text()
    assert LIBRARY.clinic.address in " ".join(text.split()) and "Fax" not in text


def test_init_lists_english_and_spanish(tmp_path):
    assert invoke("init", tmp_path / "new").exit_code == 0
    assert re.search(r"^languages: \[en, es\]$", (tmp_path / "new/clinic.yaml").read_text(), re.MULTILINE)
    assert open_project(tmp_path / "new").clinic.languages == ["en", "es"]
