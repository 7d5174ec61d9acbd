"""Database ids posted by pages (checkboxes, selects, hidden fields): one parser for every view.

An id is ASCII digits that fit the database's 64-bit keys: other scripts' digits ("²", "٣"), a sign ("-1") or
40 digits name no row, and used to end in HTTP 500 (issue #15 item 7). Callers refuse ``None`` in Vietnamese.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_DIGITS = 18  # 10**18 - 1 < 2**63: every such number fits a BigAutoField


def db_id(value) -> int | None:
    """The id ``value`` names (surrounding spaces ignored), or None when it cannot name a row."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS else None


def db_ids(values: Iterable) -> list[int]:
    """The ids among ``values``, in their order; values that cannot name a row are left out."""
    return [i for i in map(db_id, values) if i is not None]
