"""`handouts check`: each finding from a fixture made to trigger exactly it."""

import json
import multiprocessing
import time

import pytest
import yaml

from conftest import REPO, invoke

LIBRARY_LANGUAGES = sorted(folder.name for folder in (REPO / "content").iterdir() if folder.is_dir())

TOPIC = {
    "title": "Test topic",
    "kind": "topic",
    "summary": "You can call us at any time. We are glad to help you.",
    "call_us": ["You have a question about your care."],
    "call_911": ["Trouble breathing or chest pain."],
    "review": {
        "version": 1,
        "status": "draft",
        "next_review": "2099-01-01",
        "sources": [{"title": "A", "url": "https://a.example/"}, {"title": "B", "url": "https://b.example/"}],
    },
}
FILE = "content/en/test-topic.yaml"


def write_topic(project, **changes):
    handout = {**TOPIC, **changes}
    path = project / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(handout, sort_keys=False))
    return path


def check(project, *args):
    result = invoke("check", "test-topic", "--json", "--project", str(project), *args)
    return result, json.loads(result.output) if result.output.startswith("{") else None


def findings(data):
    clinic = [(item["severity"], item["where"], item["message"]) for item in data["clinic"]]
    return clinic + [
        (item["severity"], item["where"], item["message"]) for report in data["handouts"] for item in report["findings"]
    ]


def without_draft_note(items):
    return [item for item in items if item[2] != "review.status: draft, not yet approved"]


@pytest.mark.parametrize("flag,severity,exit_code", [("--strict", "note", 0), ("--require-approved", "error", 1)])
def test_draft_status_is_a_note_unless_approval_is_required(clinic_project, flag, severity, exit_code):
    write_topic(clinic_project)
    result, data = check(clinic_project, flag)
    assert result.exit_code == exit_code
    assert findings(data) == [(severity, f"{FILE}:10", "review.status: draft, not yet approved")]


def test_too_hard_to_read(clinic_project):
    write_topic(
        clinic_project,
        summary="Comprehensive interdisciplinary rehabilitation necessitates "
        "individualized pharmacological optimization. Multidisciplinary "
        "evaluation facilitates sophisticated personalized interventions.",
    )
    result, data = check(clinic_project)
    assert result.exit_code == 1
    grade = data["handouts"][0]["score"]
    assert without_draft_note(findings(data)) == [
        ("error", FILE, f"Flesch-Kincaid grade {grade:.1f} is above 7"),
        ("warning", f"{FILE}:3", "summary: Flesch-Kincaid grade 45.0 is above the target 6"),
        (
            "warning",
            f"{FILE}:3",
            'summary: 13 long words in 13 (100 per 100, over 20), e.g. "Comprehensive", "interdisciplinary", '
            '"rehabilitation": use shorter words, or explain them in bold',
        ),
    ]


def test_long_sentence(clinic_project):
    long = "You can call us at any time of the day or night and we will do our best to help you with all of it today."
    write_topic(clinic_project, summary=long)
    result, data = check(clinic_project)
    assert result.exit_code == 0
    assert without_draft_note(findings(data)) == [
        ("warning", f"{FILE}:3", 'summary: sentence of 26 words: "You can call us at any time of ..."'),
        ("warning", f"{FILE}:3", "summary: Flesch-Kincaid grade 7.7 is above the target 6"),
    ]
    assert check(clinic_project, "--strict")[0].exit_code == 1


def test_jargon(clinic_project):
    write_topic(clinic_project, call_us=["You need to utilize the phone."])
    _, data = check(clinic_project)
    assert without_draft_note(findings(data)) == [
        ("warning", f"{FILE}:5", 'call_us[1]: "utilize": try "use", or explain it in bold')
    ]


def test_jargon_explained_in_bold_is_allowed(clinic_project):
    write_topic(clinic_project, summary="A **local anesthetic** is a numbing medicine. You get it first.")
    _, data = check(clinic_project)
    assert without_draft_note(findings(data)) == []


def test_missing_summary(clinic_project):
    topic = {key: value for key, value in TOPIC.items() if key != "summary"}
    (clinic_project / "content/en").mkdir(parents=True)
    (clinic_project / FILE).write_text(yaml.safe_dump(topic, sort_keys=False))
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert findings(data) == [("error", f"{FILE}:1", "summary: required, but missing")]


def test_missing_911(clinic_project):
    write_topic(clinic_project, call_911=[])
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("error", FILE, "call_911: say when to call 911 or go to the emergency room")
    ]


def test_overdue_review(clinic_project):
    write_topic(clinic_project, review={**TOPIC["review"], "next_review": "2020-01-01"})
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [("error", f"{FILE}:11", "review.next_review: 2020-01-01 has passed")]


def test_three_pages(clinic_project):
    extras = [{"heading": f"Part {number}", "text": "- You can call us.\n" * 30} for number in range(8)]
    write_topic(clinic_project, extras=extras)
    result, data = check(clinic_project)
    assert result.exit_code == 1
    pages = data["handouts"][0]["pages"]
    assert pages > 2
    assert without_draft_note(findings(data)) == [
        ("error", FILE, f"{pages} pages at letter: standard print must fit one double-sided sheet (2 pages)")
    ]


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            'primary: "#1d5b79"',
            'primary: "#aaccee"',
            "clinic.yaml:6: colors.primary: contrast 1.7:1 against white paper, below 4.5:1 (WCAG AA)",
        ),
        (
            'accent: "#e6f0f5"',
            'accent: "#555555"',
            "clinic.yaml:7: colors.accent: contrast 2.3:1 behind body text, below 4.5:1 (WCAG AA)",
        ),
    ],
)
def test_colour_that_prints_too_faintly(clinic_project, old, new, message):
    write_topic(clinic_project)
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace(old, new))
    result, data = check(clinic_project)
    assert result.exit_code == 1
    where, text = message.split(": ", 1)
    assert without_draft_note(findings(data)) == [("error", where, text)]


def test_uncovered_character(clinic_project):
    write_topic(clinic_project, summary="You can call us at any time. ☎ We are glad to help you.")
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [("error", FILE, "characters not in the bundled fonts: '☎' (U+260E)")]


def test_missing_logo(clinic_project):
    write_topic(clinic_project)
    (clinic_project / "assets/logo.svg").unlink()
    result = invoke("check", "--project", str(clinic_project))
    assert result.exit_code == 1
    assert result.output == "Error: clinic.yaml: assets/logo.svg: file not found\n"


def test_passive_voice_long_paragraph_and_too_few_sources(clinic_project):
    write_topic(
        clinic_project,
        what_it_is="You rest. You walk. You eat. You sleep. You read. You call.",
        after=["The skin is cleaned. The needle is put in. A bandage is put on."],
        review={**TOPIC["review"], "sources": [{"title": "A", "url": "https://a.example/"}]},
    )
    result, data = check(clinic_project)
    assert result.exit_code == 0
    assert without_draft_note(findings(data)) == [
        ("warning", f"{FILE}:15", "what_it_is: paragraph of 6 sentences"),
        ("warning", FILE, '3 passive phrase(s), e.g. "is cleaned": say who does it'),
        ("warning", f"{FILE}:12", "review.sources: list at least 2 sources"),
    ]
    assert check(clinic_project, "--strict")[0].exit_code == 1


def test_text_that_never_says_you(clinic_project):
    write_topic(
        clinic_project,
        summary="Call the clinic at any time. The staff is glad to help.",
        call_us=["A question about care."],
        call_911=["Trouble breathing or chest pain."],
    )
    _, data = check(clinic_project)
    assert without_draft_note(findings(data)) == [("warning", FILE, 'speak to the reader as "you"')]


def test_override_template_that_moves_the_summary_and_drops_checklist_and_steps(clinic_project):
    write_topic(
        clinic_project,
        kind="procedure",
        what_it_is="A shot in your back.",
        how_it_is_done=["You lie down.", "We give you the shot."],
        before=["Eat a light meal."],
        after=["You go home."],
        diagram={"file": "spine-epidural.svg", "caption": "Where the needle goes", "alt": "A needle in your back."},
    )
    (clinic_project / "templates").mkdir()
    (clinic_project / "templates/handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n'
        "{% block summary %}<p>You are welcome here.</p>{{ super() }}{% endblock %}\n"
        "{% block body %}<p>You can ask us anything.</p>{% endblock %}\n"
    )
    result, data = check(clinic_project)
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("error", FILE, "summary: must be printed first"),
        ("error", FILE, "before: a procedure needs a checklist"),
        ("error", FILE, "how_it_is_done: steps must be numbered"),
        ("error", FILE, "what_it_is: the heading 'What is it?' is not in the printed pages"),
        ("error", FILE, "how_it_is_done: the heading 'How is it done?' is not in the printed pages"),
        ("error", FILE, "before: the heading 'Before your visit' is not in the printed pages"),
        ("error", FILE, "after: the heading 'After the procedure' is not in the printed pages"),
    ]


def set_reading(project, **thresholds):
    clinic = project / "clinic.yaml"
    lines = "".join(f"  {key}: {value}\n" for key, value in thresholds.items())
    clinic.write_text(clinic.read_text() + f"reading:\n{lines}")


def test_grade_above_the_target_is_a_warning(clinic_project):
    write_topic(clinic_project)
    set_reading(clinic_project, target_grade=0)
    result, data = check(clinic_project)
    grade = data["handouts"][0]["score"]
    assert 0 < grade <= 7 and result.exit_code == 0
    assert without_draft_note(findings(data)) == [
        ("warning", FILE, f"Flesch-Kincaid grade {grade:.1f} is above the target 0")
    ]


def test_reading_thresholds_come_from_clinic_yaml(clinic_project):
    write_topic(clinic_project)
    set_reading(clinic_project, max_grade=0, max_sentence_words=6, max_paragraph_sentences=1)
    result, data = check(clinic_project)
    grade = data["handouts"][0]["score"]
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("error", FILE, f"Flesch-Kincaid grade {grade:.1f} is above 0"),
        ("warning", f"{FILE}:3", 'summary: sentence of 7 words: "You can call us at any time. ..."'),
        ("warning", f"{FILE}:3", "summary: paragraph of 2 sentences"),
        ("warning", f"{FILE}:5", 'call_us[1]: sentence of 7 words: "You have a question about your care. ..."'),
    ]


HARD_SPANISH = (
    "La administración interdisciplinaria de corticosteroides epidurales requiere una evaluación "
    "neurofisiológica individualizada. Usted recibirá información complementaria considerablemente "
    "detallada."
)
SPANISH_FILE = "content/es/test-topic.yaml"


def write_spanish_topic(project, summary):
    path = project / SPANISH_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(
            {
                **TOPIC,
                "title": "Tema de prueba",
                "summary": summary,
                "call_us": ["Usted tiene una pregunta."],
                "call_911": ["Le cuesta respirar o tiene dolor de pecho."],
            },
            sort_keys=False,
            allow_unicode=True,
        ),
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "thresholds,severity,message",
    [
        ({}, "error", "Fernández-Huerta {score:.1f} is below 70"),
        (
            {"min_fernandez_huerta": 0, "target_fernandez_huerta": 100},
            "warning",
            "Fernández-Huerta {score:.1f} is below the target 100",
        ),
    ],
)
def test_spanish_reading_thresholds(clinic_project, thresholds, severity, message):
    write_spanish_topic(clinic_project, HARD_SPANISH)
    if thresholds:
        set_reading(clinic_project, **thresholds)
    result, data = check(clinic_project, "--lang", "es")
    score = data["handouts"][0]["score"]
    assert data["handouts"][0]["formula"] == "Fernández-Huerta"
    target = thresholds.get("target_fernandez_huerta", 75)
    assert without_draft_note(findings(data)) == [
        (severity, SPANISH_FILE, message.format(score=score)),
        ("warning", f"{SPANISH_FILE}:3", f"summary: Fernández-Huerta -52.4 is below the target {target}"),
        (
            "warning",
            f"{SPANISH_FILE}:3",
            'summary: 11 long words in 17 (65 per 100, over 20), e.g. "administración", "interdisciplinaria", '
            '"corticosteroides": use shorter words, or explain them in bold',
        ),
    ]
    assert result.exit_code == (1 if severity == "error" else 0)


def test_translation_whose_original_is_missing(clinic_project):
    write_spanish_topic(clinic_project, "Usted puede llamarnos a cualquier hora. Con gusto le ayudamos.")
    path = clinic_project / SPANISH_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["review"]["translation_of"] = {"language": "en", "version": 1}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result, report = check(clinic_project, "--lang", "es")
    assert result.exit_code == 1
    assert without_draft_note(findings(report)) == [
        ("error", f"{SPANISH_FILE}:17", "review.translation_of: there is no en test-topic")
    ]


def test_table_on_a_terminal(clinic_project):
    write_topic(clinic_project, call_us=["You need to utilize the phone."])
    result = invoke("check", "test-topic", "--project", str(clinic_project))
    lines = result.output.splitlines()
    assert lines[0].startswith("en/test-topic: Flesch-Kincaid grade ") and lines[0].endswith(
        "1 pages, 0 errors, 1 warning"
    )
    assert f'warning {FILE}:5: call_us[1]: "utilize": try "use", or explain it in bold' in lines


@pytest.mark.slow
def test_builtin_library_passes_strict():
    result = invoke("check", "--strict")
    assert result.exit_code == 0, result.output


def test_page_counts_of_unchanged_pdfs_come_from_the_built_folder(clinic_project, monkeypatch):
    from handouts import pdf

    write_topic(clinic_project)
    out = clinic_project / "output"
    assert invoke("build", "test-topic", "--project", clinic_project, "--out", out).exit_code == 0
    layouts = []
    lay_out = pdf.render_document
    monkeypatch.setattr(pdf, "render_document", lambda *args: layouts.append(args) or lay_out(*args))
    result, data = check(clinic_project, "--out", str(out))
    assert result.exit_code == 0 and data["handouts"][0]["pages"] == 1
    assert layouts == []

    extras = [{"heading": f"Part {number}", "text": "- You can call us.\n" * 30} for number in range(8)]
    write_topic(clinic_project, extras=extras)  # three pages now; the built PDF had one
    result, data = check(clinic_project, "--out", str(out))  # changed since the build: laid out again
    assert len(layouts) == 1
    assert result.exit_code == 1 and data["handouts"][0]["pages"] > 2


# Short, easy list items: they pull the whole handout's average down, as in a real handout.
EASY_EXTRAS = [
    {
        "heading": "At home",
        "text": "".join(
            f"- You can {thing}.\n"
            for thing in (
                "rest in bed",
                "eat and drink",
                "walk a bit",
                "take a warm bath",
                "call us",
                "go back to work",
                "sit in a chair",
                "sleep well",
                "read a book",
                "see a friend",
                "cook a meal",
                "go for a walk",
            )
        ),
    }
]
HARD_SUMMARY = (
    "Epidural corticosteroid administration constitutes a minimally invasive interventional methodology. "
    "Fluoroscopic guidance facilitates precise medication deposition."
)


def test_hard_summary_that_an_easy_average_hides(clinic_project):
    write_topic(clinic_project, summary=HARD_SUMMARY, extras=EASY_EXTRAS)
    result, data = check(clinic_project, "--strict")
    assert data["handouts"][0]["score"] <= 6  # the whole handout reads easily
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("warning", f"{FILE}:3", "summary: Flesch-Kincaid grade 30.6 is above the target 6"),
        (
            "warning",
            f"{FILE}:3",
            'summary: 12 long words in 15 (80 per 100, over 20), e.g. "Epidural", "corticosteroid", '
            '"administration": use shorter words, or explain them in bold',
        ),
    ]


LONG_WINDED = (
    "Your doctor cleans the lower back, places a thin needle beside the swollen nerve, and watches its pathway "
    "on a bedside screen. Then the doctor slowly pushes numbing fluid and a steroid into the narrow space, "
    "which settles the angry nerve for weeks."
)


def test_section_far_above_the_target(clinic_project):
    write_topic(clinic_project, what_it_is=LONG_WINDED, extras=EASY_EXTRAS)
    result, data = check(clinic_project, "--strict")
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("warning", f"{FILE}:17", "what_it_is: Flesch-Kincaid grade 9.8 is above 9, far past the target 6")
    ]


def test_how_far_past_the_target_a_section_may_go_comes_from_clinic_yaml(clinic_project):
    write_topic(clinic_project, what_it_is=LONG_WINDED, extras=EASY_EXTRAS)
    set_reading(clinic_project, section_grade_margin=4)
    result, data = check(clinic_project, "--strict")
    assert result.exit_code == 0 and without_draft_note(findings(data)) == []


UNEXPLAINED = ["Your medicine is different.", "Your appetite is unusual.", "Your energy is terrible."]


def test_long_words_that_pile_up(clinic_project):
    write_topic(clinic_project, call_us=[*UNEXPLAINED, "Your memory is unclear.", "You have a fever or chills."])
    result, data = check(clinic_project, "--strict")
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        (
            "warning",
            f"{FILE}:4",
            'call_us: 6 long words in 22 (27 per 100, over 20), e.g. "different", "appetite", "unusual": '
            "use shorter words, or explain them in bold",
        )
    ]


def test_long_words_explained_in_bold_or_by_the_jargon_list_do_not_pile_up(clinic_project):
    # "medicine" explains "anesthetic" in the jargon list; "appetite" and "energy" are set in bold here
    write_topic(
        clinic_project,
        summary="Your **appetite** is how much you want to eat. Your **energy** is how strong you feel.",
        call_us=[*UNEXPLAINED, "Your memory is unclear.", "You have a fever or chills."],
    )
    result, data = check(clinic_project, "--strict")
    assert result.exit_code == 0 and without_draft_note(findings(data)) == []


GLOSSARY = """\
side_effects:
  en: side effects
  use: efectos secundarios
  avoid: [efectos malos]
trigger_point:
  en: trigger point
  use: punto gatillo (nudo en el músculo)
"""


def write_glossary(project, text=GLOSSARY):
    path = project / "content/es/_glossary.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_avoided_variant_names_the_preferred_term(clinic_project):
    write_glossary(clinic_project)
    write_spanish_topic(clinic_project, "Usted puede tener Efectos malos. Con gusto le ayudamos.")
    result, data = check(clinic_project, "--lang", "es", "--strict")
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        ("warning", f"{SPANISH_FILE}:3", 'summary: "Efectos malos": say "efectos secundarios" (glossary: side_effects)')
    ]


def test_the_library_glossary_keeps_one_plain_wording_for_rating_pain(clinic_project):
    """ "Dele un número a su dolor" everywhere (blocks, plan labels, the pain diary): "califique" is a
    harder word for a reader with 6 years of school, and two wordings read as two things."""
    write_spanish_topic(clinic_project, "Califique su dolor cada mañana. Con gusto le ayudamos.")
    result, data = check(clinic_project, "--lang", "es", "--strict")
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        (
            "warning",
            f"{SPANISH_FILE}:3",
            'summary: "Califique su dolor": say "dele un número a su dolor" (glossary: rate_pain)',
        )
    ]


def test_the_library_glossary_keeps_usted_as_le_when_it_is_the_object(clinic_project):
    """One rule for "you" as a verb's object: "le vigilamos" (as "le lleve a casa"), never "lo vigilamos"."""
    write_spanish_topic(clinic_project, "Lo vigilamos un rato. Con gusto le ayudamos.")
    result, data = check(clinic_project, "--lang", "es", "--strict")
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        (
            "warning",
            f"{SPANISH_FILE}:3",
            'summary: "Lo vigilamos": say "le (le vigilamos, le lleve a casa)" (glossary: usted_object)',
        )
    ]


def test_avoided_variant_only_as_whole_words(clinic_project):
    write_glossary(clinic_project, GLOSSARY.replace("[efectos malos]", "[efecto]"))
    write_spanish_topic(clinic_project, "Usted puede tener efectos leves. Con gusto le ayudamos.")
    result, data = check(clinic_project, "--lang", "es", "--strict")
    assert result.exit_code == 0 and without_draft_note(findings(data)) == []


@pytest.mark.parametrize("spanish,warned", [("punto gatillo", True), ("**punto gatillo**", False)])
def test_term_the_english_explains_in_bold_is_bold_in_spanish_too(clinic_project, spanish, warned):
    write_glossary(clinic_project)
    write_topic(clinic_project, summary="A **trigger point** is a knot in a muscle. It can hurt a lot.")
    write_spanish_topic(clinic_project, f"Un {spanish} es un nudo en el músculo. Puede doler mucho.")
    result, data = check(clinic_project, "--lang", "es", "--strict")
    expected = (
        "warning",
        f"{SPANISH_FILE}:3",
        'summary: the en handout explains "trigger point" in bold: set "punto gatillo" in bold where you '
        "explain it (glossary: trigger_point)",
    )
    assert without_draft_note(findings(data)) == ([expected] if warned else [])
    assert result.exit_code == (1 if warned else 0)


@pytest.mark.slow
def test_layouts_on_two_processes_give_the_same_report_as_on_one(tmp_path):
    slugs = ["epidural-steroid-injection", "pain-diary", "facet-joint-injection"]
    empty = tmp_path / "nothing-built"  # no manifest: every handout is laid out
    reports = [invoke("check", *slugs, "--json", "--out", empty, "--jobs", jobs).output for jobs in ("1", "2")]
    data = json.loads(reports[0])
    assert len(data["handouts"]) == 3 * len(LIBRARY_LANGUAGES)
    assert all(report["pages"] in (1, 2) for report in data["handouts"])
    assert reports[1] == reports[0]


def test_avoided_variant_in_the_shared_blocks_is_reported_once(clinic_project):
    write_glossary(clinic_project)
    (clinic_project / "content/es/_blocks.yaml").write_text(
        "sedation:\n  before:\n    - Puede tener efectos malos por la medicina para relajarse.\n", encoding="utf-8"
    )
    write_spanish_topic(clinic_project, "Usted puede llamarnos a cualquier hora. Con gusto le ayudamos.")
    result, data = check(clinic_project, "--lang", "es", "--strict")
    assert result.exit_code == 1
    assert without_draft_note(findings(data)) == [
        (
            "warning",
            "content/es/_blocks.yaml:3",
            'sedation.before[1]: "efectos malos": say "efectos secundarios" (glossary: side_effects)',
        )
    ]


def wait_in_text_checks_for_a_layout(monkeypatch, tmp_path, then=None):
    """Make the pool's workers mark each layout they finish (they are forked with this patch), and
    the first text check wait for such a mark: it comes only if the layouts started before the
    texts were checked. No timing: the deadline only ends a wait that would never end."""
    from handouts import maker
    from handouts.check import Checker

    laid_out = tmp_path / "laid-out"
    count = maker.pages_or_problem

    def count_and_mark(worker, html):
        pages = count(worker, html)
        laid_out.touch()
        return pages

    check_text = Checker._check_text

    def wait_then_check(self, *args):
        deadline = time.monotonic() + 60
        while not laid_out.exists():
            assert time.monotonic() < deadline, "no layout finished while the texts were being checked"
            time.sleep(0.05)
        if then is not None:
            then()
        return check_text(self, *args)

    monkeypatch.setattr(maker, "pages_or_problem", count_and_mark)
    monkeypatch.setattr(Checker, "_check_text", wait_then_check)


TWO_BUILT_IN = ["epidural-steroid-injection", "pain-diary"]


@pytest.mark.slow
@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the workers must inherit the patch")
def test_layouts_run_on_the_pool_while_the_texts_are_checked(clinic_project, tmp_path, monkeypatch):
    wait_in_text_checks_for_a_layout(monkeypatch, tmp_path)
    empty = tmp_path / "nothing-built"
    result = invoke("check", *TWO_BUILT_IN, "--json", "--project", clinic_project, "--out", empty, "--jobs", "2")
    data = json.loads(result.output)
    assert len(data["handouts"]) == 2 * len(LIBRARY_LANGUAGES)  # both in every language of the library
    assert all(report["pages"] in (1, 2) and report["score"] is not None for report in data["handouts"])
    assert multiprocessing.active_children() == []


@pytest.mark.slow
@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the workers must inherit the patch")
def test_ctrl_c_while_the_texts_are_checked_shuts_the_pool_down(clinic_project, tmp_path, monkeypatch):
    def press_ctrl_c():
        raise KeyboardInterrupt

    wait_in_text_checks_for_a_layout(monkeypatch, tmp_path, then=press_ctrl_c)
    empty = tmp_path / "nothing-built"
    result = invoke("check", *TWO_BUILT_IN, "--project", clinic_project, "--out", empty, "--jobs", "2")
    assert result.exit_code == 1 and result.output.strip().endswith("Aborted!")
    assert "Traceback" not in result.output
    assert multiprocessing.active_children() == []
