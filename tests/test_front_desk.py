"""The front-desk app in-process (Flask's test client): what the page lists and searches on, the
clinic's logo and colours, and the form's fields. The same page in Chromium: test_server_page.py."""

import shutil

import pytest

from handouts.project import Colors, open_project
from handouts.server import create_app, field_problems
from handouts.web.brand import RING_CONTRAST, TEXT_CONTRAST, WHITE, Brand, contrast

from conftest import REPO


def test_each_row_carries_every_name_to_search_by(library_project):
    page = create_app(library_project).test_client().get("/").text
    row = page[: page.index('value="epidural-steroid-injection"')]
    search = row[row.rindex('data-search="') + len('data-search="') :].split('"')[0]
    for name in ["epidural steroid injection", "esi", "inyeccion epidural de esteroides", "sciatica", "ciatica"]:
        assert f" {name}" in f" {search}", name


def test_a_query_narrows_the_list(library_project):
    page = create_app(library_project).test_client().get("/?q=nerve burn").text
    assert 'value="radiofrequency-ablation"' in page and 'value="pain-diary"' not in page
    assert '<p id="count" class="count" role="status">2 handouts match</p>' in page


@pytest.mark.parametrize(
    "query,slug",
    [
        ("sciatica", "epidural-steroid-injection"),
        ("shot in my back", "epidural-steroid-injection"),
        ("nerve burn", "radiofrequency-ablation"),
        ("ciática", "epidural-steroid-injection"),
        ("inyección en mi espalda", "epidural-steroid-injection"),
        ("quemar el nervio", "radiofrequency-ablation"),
        ("shots for migraines", "botox-for-chronic-migraine"),
    ],
)
def test_search_finds_a_handout_by_the_words_people_use(library_project, query, slug):
    page = create_app(library_project).test_client().get("/", query_string={"q": query}).text
    assert f'value="{slug}"' in page
    assert 'value="pain-diary"' not in page


def test_no_match_is_said_in_the_live_region(library_project):
    page = create_app(library_project).test_client().get("/?q=zzzz").text
    assert '<p id="count" class="count" role="status">No handout matches. Try another word.</p>' in page


def test_the_logo_is_the_clinics_file_and_may_be_cached(library_project):
    client = create_app(library_project, passcode="river-2026-long").test_client()  # no sign-in needed
    answer = client.get("/logo")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    assert answer.headers["Cache-Control"] == "public, max-age=3600"
    assert answer.data == (library_project.root / library_project.clinic.logo).read_bytes()
    assert 'src="/logo"' in client.get("/login").text


def test_a_clinic_without_a_logo_gets_no_picture(tmp_path):
    (tmp_path / "clinic.yaml").write_text((REPO / "clinic.yaml").read_text().replace("logo: assets/logo.svg\n", ""))
    client = create_app(open_project(tmp_path)).test_client()
    answer = client.get("/logo")
    assert answer.status_code == 404 and answer.headers["Cache-Control"] == "no-store"
    assert 'src="/logo"' not in client.get("/").text


@pytest.mark.warnings_expected
def test_a_logo_that_cannot_be_read_is_left_off_the_page_with_a_warning(tmp_path, caplog):
    shutil.copy(REPO / "clinic.yaml", tmp_path / "clinic.yaml")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets/logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'>")
    client = create_app(open_project(tmp_path)).test_client()
    assert client.get("/logo").status_code == 404
    assert "the page shows no logo: assets/logo.svg:" in caplog.text


def test_the_page_is_in_the_clinics_colours(library_project):
    client = create_app(library_project).test_client()
    answer = client.get("/brand.css")
    assert answer.mimetype == "text/css" and answer.headers["Cache-Control"] == "public, max-age=3600"
    assert f"--primary: {library_project.clinic.colors.primary};" in answer.text
    page = client.get("/").text
    assert page.index("front-desk.css") < page.index('href="/brand.css"')  # loaded last, the clinic's colours win


@pytest.mark.parametrize(
    "primary,accent",
    [("#1d5b79", "#e6f0f5"), ("#f2c94c", "#fffbe6"), ("#7fb3d5", "#333333"), ("#0b6e4f", "#ffffff")],
)
def test_every_colour_pair_the_page_draws_has_contrast(primary, accent):
    brand = Brand.of(Colors(primary=primary, accent=accent))
    assert contrast(brand.on_primary, brand.primary) >= TEXT_CONTRAST  # header text, buttons
    assert contrast("#1a1a1a", brand.page) >= TEXT_CONTRAST  # text on the page background
    assert min(contrast(brand.ring, WHITE), contrast(brand.ring, brand.page)) >= RING_CONTRAST


def test_the_form_asks_for_the_procedure_time_and_keeps_arrival_as_an_override(library_project):
    page = create_app(library_project).test_client().get("/").text
    assert '<label for="time">Procedure time</label>' in page and 'name="time" type="time"' in page
    more = page[page.index('<details class="more') : page.index("</details>")]
    assert 'name="arrive" type="time"' in more and "30 minutes before the procedure time" in more
    sedation = page[page.index('<select id="sedation"') : page.index("</select>", page.index('id="sedation"'))]
    assert [value for value in ('value=""', 'value="yes"', 'value="no"') if value in sedation] == [
        'value=""',
        'value="yes"',
        'value="no"',
    ]
    assert '<option value="es" lang="es">Español</option>' in page


def test_each_line_of_an_error_names_its_field():
    message = "procedure date: not a date like 2026-12-03\npatient name: too long (at most 100 characters)\nchoose"
    assert field_problems(message) == [
        ("date", "procedure date: not a date like 2026-12-03"),
        ("patient", "patient name: too long (at most 100 characters)"),
        (None, "choose"),
    ]
