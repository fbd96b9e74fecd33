"""The free language help notice: `handouts build language-help` prints one line per language the
clinic chose, each in its own script and direction with the clinic's phone, and clinic.yaml can add
it as the last page of every packet."""

import io
import re

import pdfplumber
import pytest
import yaml

from conftest import REPO, pdf_reader, pdf_text

DEFAULT_ORDER = ["es", "zh", "tl", "vi", "ar", "fr", "ko", "ru", "ht", "de", "hi", "pt", "it", "pl", "ur"]


def set_language_help(project, setting: str) -> None:
    clinic = project / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8") + f"language_help: {setting}\n", encoding="utf-8")


def test_the_notice_has_a_line_in_each_of_the_15_languages_with_the_phone(clinic_project, run, monkeypatch):
    monkeypatch.chdir(clinic_project)
    result = run("build", "language-help")
    assert result.exit_code == 0, result.output
    assert result.output == f"Made {clinic_project / 'output/en/language-help.pdf'}\n"
    data = (clinic_project / "output/en/language-help.pdf").read_bytes()
    assert len(pdf_reader(data).pages) == 1
    text = pdf_text(data).replace("\xa0", " ")  # right to left, the number is held on one line
    lines = yaml.safe_load((REPO / "content/language-help.yaml").read_text(encoding="utf-8"))["lines"]
    assert list(lines) == DEFAULT_ORDER
    assert text.count("010-2400") == 1 + 15  # the masthead's, and every line's
    for language in ["es", "fr", "de", "pt", "it", "pl", "ht", "tl", "ru", "vi"]:  # scripts read in order
        assert lines[language].replace("{phone}", "(555) 010-2400") in " ".join(text.split()), language
    for word in ["中文", "한국어", "हम", "العربية", "اردو"]:
        assert word in text, word


def test_the_clinic_chooses_the_languages_and_their_order(clinic_project, run, monkeypatch):
    set_language_help(clinic_project, "{languages: [vi, es]}")
    monkeypatch.chdir(clinic_project)
    assert run("build", "language-help").exit_code == 0
    text = pdf_text((clinic_project / "output/en/language-help.pdf").read_bytes())
    assert text.index("Tiếng Việt") < text.index("Español")
    assert "中文" not in text and text.count("(555) 010-2400") == 3  # the masthead's and the two lines'


def test_a_chosen_language_without_a_line_is_an_error_naming_the_file(clinic_project, run, monkeypatch):
    set_language_help(clinic_project, "{languages: [es, sw]}")
    monkeypatch.chdir(clinic_project)
    result = run("build", "language-help")
    assert result.exit_code == 1
    assert result.output == (
        "Error: (built-in) content/language-help.yaml: lines: no line in sw "
        "(clinic.yaml language_help.languages lists it)\n"
    )
    assert not (clinic_project / "output").exists()


@pytest.mark.parametrize("in_packets", [True, False])
def test_the_notice_is_the_last_page_of_every_packet_when_the_clinic_says_so(clinic_project, run, in_packets):
    set_language_help(clinic_project, f"{{in_packets: {str(in_packets).lower()}}}")
    out = clinic_project / "packet.pdf"
    result = run("build", "pain-diary", "--project", clinic_project, "-o", out)
    assert result.exit_code == 0, result.output
    pages = pdf_reader(out.read_bytes()).pages
    last = pages[-1].extract_text()
    assert ("Free language help" in last and re.search(r"Español\s+Le ayudamos", last) is not None) == in_packets


def test_a_language_listed_twice_is_a_clinic_error(clinic_project, run, monkeypatch):
    set_language_help(clinic_project, "{languages: [ar, es, ar]}")
    monkeypatch.chdir(clinic_project)
    result = run("build", "language-help")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("Error: clinic.yaml:") and "listed more than once: ar" in result.output
    assert not (clinic_project / "output").exists()


@pytest.mark.parametrize("extra", [["pain-diary"], ["--patient", "Ana Ruiz"]])
def test_the_notice_with_a_handout_or_a_visit_is_one_error_and_no_file(clinic_project, run, monkeypatch, extra):
    monkeypatch.chdir(clinic_project)
    result = run("build", "language-help", *extra, "-o", "notice.pdf")
    assert result.exit_code == 1
    assert result.output == (
        "Error: language-help: the notice prints on its own, without visit details"
        " (clinic.yaml language_help.in_packets adds it to every packet)\n"
    )
    assert not (clinic_project / "notice.pdf").exists()


def spoken(element: dict, inherited: str, chars: dict[int, str]) -> list[tuple[str, str]]:
    """(language, text) of each piece of text under a structure element of pdfplumber's tree, in reading
    order: the language is the nearest /Lang above the text, as a screen reader picks its voice."""
    language = element.get("lang", inherited)
    found = [(language, chars.get(mcid, "")) for mcid in element.get("mcids", [])]
    for child in element.get("children", []):
        found += spoken(child, language, chars)
    return found


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
def test_each_line_of_the_notice_is_tagged_in_its_own_language(maker, large_print):
    """A screen reader reads each line in its language's voice: the notice's title and intro in the
    clinic's first language, each line (its name and its text) under the /Lang of its own."""
    pdf = maker.language_help_pdf("letter", large_print)
    said = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:  # large print runs on to a second page
            chars: dict[int, str] = {}
            for char in page.chars:
                chars[char["mcid"]] = chars.get(char["mcid"], "") + char["text"]
            said += spoken(page.structure_tree[0], document.doc.catalog["Lang"].decode(), chars)
    lines = yaml.safe_load((REPO / "content/language-help.yaml").read_text(encoding="utf-8"))["lines"]
    by_language: dict[str, str] = {}
    for language, text in said:
        by_language[language] = by_language.get(language, "") + text
    assert list(by_language) == ["en", *DEFAULT_ORDER]
    assert "Free language help" in by_language["en"] and "Español" not in by_language["en"]
    for language in ["es", "fr", "de", "pt", "it", "pl", "ht", "tl", "ru", "vi"]:  # scripts read in order
        expected = lines[language].replace("{phone}", "(555) 010-2400")
        assert expected.replace(" ", "") in by_language[language].replace(" ", "").replace("\xa0", ""), language
