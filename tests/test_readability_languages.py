"""Readability per language: a validated formula where textstat has one, else the stated length
limits (characters in Chinese and Japanese, words elsewhere), and the name of the measure used."""

import unicodedata

import pytest

from handouts.project import Reading as Thresholds
from handouts.readability import measure, word_limit


def test_english_and_spanish_keep_their_formulas():
    assert measure(["You rest today. Call us if you have a fever."], "en").formula.name == "Flesch-Kincaid grade"
    assert measure(["Descanse hoy. Llámenos si tiene fiebre."], "es").formula.name == "Fernández-Huerta"


def test_italian_is_scored_with_gulpease():
    easy = measure(["Il medico le fa una puntura. Poi lei riposa. Ci chiami se ha la febbre."], "it")
    hard = measure(
        [
            "L'infiltrazione epidurale corticosteroidea interlaminare rappresenta un'opportunità terapeutica "
            "particolarmente indicata nelle radicolopatie lombosacrali conseguenti a protrusioni discali."
        ],
        "it",
    )
    assert easy.formula.name == "Gulpease"
    limit, target, _ = easy.formula.bounds(Thresholds())
    assert (limit, target) == (60, 70)
    assert easy.score > target and hard.score < limit
    assert not easy.formula.fails(easy.score, limit) and hard.formula.fails(hard.score, limit)


def test_german_is_scored_as_a_school_grade_against_max_grade():
    reading = measure(["Der Arzt gibt Ihnen eine Spritze. Danach ruhen Sie sich aus."], "de")
    assert reading.formula.name == "Wiener Sachtextformel grade"
    assert reading.formula.bounds(Thresholds(max_grade=8, target_grade=5))[:2] == (8, 5)


def test_chinese_sentences_are_counted_in_characters():
    reading = measure(["今天请休息。", "如果发烧，请给我们打电话。"], "zh")
    assert reading.formula.name == "average sentence length in characters"
    assert reading.score == pytest.approx((5 + 11) / 2)  # the comma is no character of a word
    assert word_limit("zh") is None


def test_vietnamese_sentences_are_counted_in_words_and_words_in_letters():
    decomposed = unicodedata.normalize("NFD", "Gọi cho chúng tôi nếu bạn bị sốt.")  # accents as separate marks
    reading = measure(["Hôm nay bạn nghỉ ngơi.", decomposed], "vi")
    assert reading.formula.name == "average sentence length in words"
    assert reading.score == pytest.approx((5 + 8) / 2)
    assert reading.word_length == pytest.approx(42 / 13)  # 42 letters as typed composed


def test_arabic_question_mark_ends_a_sentence_and_long_sentences_fail():
    short = measure(["هل عندك حمى؟ اتصل بنا."], "ar")
    assert short.score == pytest.approx((3 + 2) / 2)
    long = measure([" ".join(["كلمة"] * 20) + "."], "ar")
    limit, _, _ = long.formula.bounds(Thresholds())
    assert long.formula.fails(long.score, limit) and not short.formula.fails(short.score, limit)


def test_a_language_with_no_stated_limits_gets_the_default_ones():
    reading = measure(["Magpahinga ka ngayon. Tawagan mo kami kung may lagnat ka."], "tl")
    assert reading.formula.name == "average sentence length in words"
    assert reading.formula.bounds(Thresholds())[:2] == (15, 12)
    assert word_limit("tl") == 6.0
