"""The words of a figure against its coded range: "more than 300" must be coded low 301, no best, no high.

The words may be English or French (« des centaines »: hundreds, at least 200); a new language's wording gets
its rule here and in docs/codebook.md before its range is trusted.

docs/codebook.md (section 6) gives the coding rules; this module applies them to the words as written
(`count_text`, `value_text`) so a machine can check that every coded number says what its words say. A row
whose words follow none of the rules gets a warning, so a new kind of wording is noticed, not waved through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+|" + "|".join(NUMBER_WORDS) + r")"
_SUPERLATIVE = r"(?:the )?(?:largest|biggest|deadliest|most \w+|highest|\w+est)"


# Which bounds each qualifier fills; the others stay empty. One rule for every table: low and high are inclusive
# bounds in whole units ("more than 300" low 301; "almost ten years" high 9, fewer than 10 whole years), best
# only for an exact number, and words with no number ("massacres") fill none.
BOUNDS = {
    "exact": ("low", "best", "high"),
    "more_than": ("low",),
    "almost": ("high",),
    "a_few": ("low",),
    "hundreds": ("low",),
    "thousands": ("low",),
    "several_thousand": ("low",),
    "millions": ("low",),
    "unspecified": (),
}


@dataclass(frozen=True)
class Reading:
    """What the words say: a qualifier and the inclusive bounds it implies (None: no bound, no point)."""

    qualifier: str
    low: float | None
    best: float | None
    high: float | None


def _number(token: str) -> int:
    token = token.lower()
    return NUMBER_WORDS[token] if token in NUMBER_WORDS else int(token.replace(",", ""))


# (pattern on the lower-cased words, how to read the match); the first pattern that matches wins
RULES = [
    (rf"(?:more than|over) {_NUMBER}\b.*", lambda n: Reading("more_than", _number(n) + 1, None, None)),
    (rf"almost {_NUMBER}\b.*", lambda n: Reading("almost", None, None, _number(n) - 1)),
    (r"several thousands?\b.*", lambda: Reading("several_thousand", 3000, None, None)),
    (r"thousands\b.*", lambda: Reading("thousands", 2000, None, None)),
    # French: « des centaines » (hundreds, plural): at least 200, no upper bound, as "thousands" is at least 2,000
    (r"(?:des )?centaines\b.*|hundreds\b.*", lambda: Reading("hundreds", 200, None, None)),
    (r"millions\b.*", lambda: Reading("millions", 2_000_000, None, None)),
    (r"a few\b.*", lambda: Reading("a_few", 2, None, None)),
    (rf"{_NUMBER}\b.*", lambda n: Reading("exact", _number(n), _number(n), _number(n))),
    (rf"{_SUPERLATIVE}", lambda: Reading("exact", 1, 1, 1)),
]


def read_figure(words: str) -> Reading | None:
    """The reading of a figure's words under the codebook's rules, or None when no rule applies."""
    text = " ".join(words.lower().split())
    for pattern, read in RULES:
        match = re.fullmatch(pattern, text)
        if match:
            return read(*match.groups())
    return None


def disagreements(words: str, qualifier: str | None, low, best, high) -> list[tuple[str, str]] | None:
    """[(field, note)] where the coded values differ from the words' reading; None when the words are unread."""
    reading = read_figure(words)
    if reading is None:
        return None
    found = []
    if qualifier != reading.qualifier:
        found.append(("qualifier", f"{words!r} reads as {reading.qualifier}, not {qualifier}"))
    for name, coded, expected in (("low", low, reading.low), ("best", best, reading.best), ("high", high, reading.high)):
        if coded != expected:
            want = "empty" if expected is None else _show(expected)
            got = "empty" if coded is None else _show(coded)
            found.append((name, f"{words!r} ({reading.qualifier}) means {name} {want}, not {got}"))
    return found


def _show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
