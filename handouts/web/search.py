"""Finding a handout by the words people use: its title and every other name (`also_known_as`) in
every language, folded to plain lowercase words. The page's script (static/search.js) matches the
same way as it filters; the words to skip reach it from here, through the page."""

import re
import unicodedata

SKIPPED_WORDS = frozenset(
    {"a", "an", "and", "at", "for", "i", "in", "into", "is", "it", "me", "my", "of", "on", "or", "the", "to", "with"}
    | {"your", "al", "con", "de", "del", "el", "en", "la", "las", "los", "mi", "mis", "para", "por", "su", "sus"}
    | {"un", "una", "y"}
)
"""Small words that name no procedure: a query of real words around them still finds the handout."""


# Scripts written without spaces between words (Chinese, Japanese): a query word is found anywhere in a name.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def folded(text: str) -> str:
    """Words in lowercase without accents, vowel marks or punctuation, so "inyeccion" finds "Inyección"
    (and Arabic typed without its short-vowel marks finds a title written with them)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.category(char).startswith("M"))
    return " ".join(re.split(r"\W+", plain)).strip()


def query_words(query: str) -> list[str]:
    """The words of a query that name something: folded, small words left out."""
    return [word for word in folded(query).split() if word not in SKIPPED_WORDS]


def word_matches(word: str, names: str) -> bool:
    """The word starts a word of the names ("burn" finds "burning"); a plural also finds its
    singular ("shots" finds "shot", "inyecciones" finds "inyeccion"); in Chinese or Japanese, where
    words are not spaced, it may stand anywhere ("日记" finds "疼痛日记")."""
    if UNSPACED.search(word):
        return word in names
    stems = [word] + [word[: -len(end)] for end in ("es", "s") if word.endswith(end) and len(word) > len(end) + 2]
    return any(f" {stem}" in f" {names}" for stem in stems)


def matches(query: str, names: str) -> bool:
    """Every word of the query that names something is found in the (folded) names."""
    return all(word_matches(word, names) for word in query_words(query))
