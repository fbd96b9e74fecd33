"""The front desk in every language: the language menu names each language in its own script, and
the search finds a handout by its title in any language (Chinese without spaces, Arabic typed
without its short-vowel marks), on the server and in the page's own script."""

import re

import pytest

from handouts.project import open_project
from handouts.server import create_app

from conftest import REPO

TITLES = {"zh": "疼痛日记", "vi": "Nhật ký đau", "ar": "مُذَكِّرَةُ الأَلَم", "ko": "통증 일기", "ru": "Дневник боли"}


@pytest.fixture
def many_languages(clinic_project):
    """The example clinic with the pain diary retitled in five more languages (its text left Spanish:
    only titles are searched)."""
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("languages: [en]", f"languages: [en, {', '.join(TITLES)}]"))
    diary = (REPO / "content/es/pain-diary.yaml").read_text(encoding="utf-8")
    for language, title in TITLES.items():
        folder = clinic_project / "content" / language
        folder.mkdir(parents=True)
        text = re.sub(r"(?m)^title: .*$", f"title: {title}", diary)
        (folder / "pain-diary.yaml").write_text(text, encoding="utf-8")
    return clinic_project


def front_page(project, query: str = "") -> str:
    return create_app(open_project(project)).test_client().get("/", query_string={"q": query}).text


def test_the_language_menu_names_each_language_in_its_own_script(many_languages):
    page = front_page(many_languages)
    menu = page[page.index('<select id="language"') : page.index("</select>")]
    options = re.findall(r'<option value="(\w+)" lang="\w+">([^<]+)</option>', menu)
    assert options == [
        ("en", "English"),
        ("zh", "中文"),
        ("vi", "Tiếng Việt"),
        ("ar", "العربية"),
        ("ko", "한국어"),
        ("ru", "Русский"),
        ("es", "Español"),
    ]


@pytest.mark.slow
def test_search_finds_a_title_in_any_language(many_languages):
    """Chinese words are not spaced: "日记" (diary) ends the title "疼痛日记"."""
    for query in ["日记", "疼痛", "nhật ký", "nhat ky", "مذكرة", "الألم", "통증", "дневник"]:
        page = front_page(many_languages, query)
        assert 'value="pain-diary"' in page, query
        assert 'value="epidural-steroid-injection"' not in page, query


@pytest.mark.slow  # a server process and a browser
def test_the_pages_own_filter_finds_titles_in_every_language(many_languages):
    """search.js filters as the server does: a Chinese word inside a title, Arabic typed without its
    short-vowel marks."""
    import test_server as served
    from playwright.sync_api import sync_playwright

    server = served.Server(many_languages, "--workers", "1")
    try:
        with sync_playwright() as playwright:
            browser = served.launch(playwright)
            page = browser.new_page()
            page.goto(server.url)
            assert page.locator("#language option", has_text="العربية").get_attribute("value") == "ar"
            for query in ["日记", "مذكرة الالم", "Дневник"]:
                page.get_by_label("Find a procedure").fill(query)
                page.get_by_role("status").filter(has_text="1 handout matches").wait_for()
                assert page.locator(".choices li:not([hidden]) input").get_attribute("value") == "pain-diary"
            browser.close()
    finally:
        server.stop()
