"""The front-desk app in-process (Flask's test client): what the page lists and searches on."""

from handouts.server import create_app


def test_each_row_carries_every_name_to_search_by(library_project):
    page = create_app(library_project).test_client().get("/").text
    row = page[page.index('value="epidural-steroid-injection"') - 400 :]
    search = row[row.index('data-search="') + len('data-search="') :].split('"')[0]
    for name in ["epidural steroid injection", "esi", "inyeccion epidural de esteroides"]:
        assert f" {name}" in f" {search}", name


def test_a_query_narrows_the_list(library_project):
    page = create_app(library_project).test_client().get("/?q=nerve burn").text
    assert 'value="radiofrequency-ablation"' in page and 'value="pain-diary"' not in page
