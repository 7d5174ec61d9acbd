"""Natural order of node codes (pure): the one sort key every view that sorts codes uses.

Codes mix three notations (``fixtures/criteria/FORMAT.md``): content groups ``ND1``–``ND3`` (or a PAR framework's own
group codes), sections in Roman numerals ``I`` … ``X`` and criteria in Arabic numbers with dots ("2.4",
"3.10", "5.2.4.1"). A section without sub-criteria (IX, X) is itself a leaf, so a council member's
criteria mix "2.4" and "IX". Sorting the raw strings puts "3.10" before "3.2" and "IX" before "V";
sorting with ``int`` where a part is a number compares ``str`` with ``int`` and fails. Here every part
becomes a tuple of comparable tokens: a Roman section counts as its number (IX is 9, so section IX
follows criterion 8.3 and precedes 10.1), digits count as numbers, other text as case-folded text, and
tokens of different kinds never meet in one comparison.
"""

from __future__ import annotations

import re

_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_RUNS = re.compile(r"\d+|\D+")


def roman_value(text: str) -> int | None:
    """The value of an upper-case Roman numeral, or None when ``text`` is not one."""
    if not text or not _ROMAN.match(text):
        return None
    total = 0
    for char, following in zip(text, text[1:] + " ", strict=True):
        value = _VALUES[char]
        total += -value if following != " " and _VALUES[following] > value else value
    return total


def _part_key(part: str) -> tuple:
    roman = roman_value(part)
    if roman is not None:
        return ((0, roman, ""),)
    return tuple((0, int(run), "") if run.isdigit() else (1, 0, run.casefold()) for run in _RUNS.findall(part))


def code_key(code: str) -> tuple:
    """Sort key of a node code: ``sorted(codes, key=code_key)`` is the document's order.

    >>> sorted(["IX", "2.4", "3.10", "3.2", "X", "10.1"], key=code_key)
    ['2.4', '3.2', '3.10', 'IX', 'X', '10.1']
    """
    return tuple(_part_key(part) for part in code.strip().split("."))
