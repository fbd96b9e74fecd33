"""Characters as they print: how many combining marks pile up on one letter.

A combining mark (Unicode category Mn or Me: an accent, a vowel sign, an enclosing circle) is drawn
on the character before it. Real writing puts at most a few on one letter (Vietnamese "ệ" written
as e + two marks, a Hindi consonant with a nukta and a vowel sign); hundreds piled on one letter
draw through the rest of the page, and laying them out takes time growing with the square of their
number. Text is counted as written, without normalizing it first.
"""

import unicodedata

COMBINING = frozenset({"Mn", "Me"})


def piled_marks(text: str) -> int:
    """The largest number of combining marks in a row in the text: those piled on one character
    (or, at the very start, on none)."""
    if text.isascii():  # no marks in plain ASCII: most texts stop here
        return 0
    most = run = 0
    for char in text:
        run = run + 1 if unicodedata.category(char) in COMBINING else 0
        most = max(most, run)
    return most
