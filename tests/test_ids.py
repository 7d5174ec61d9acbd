"""config.ids: the one parser of ids posted by pages (issue #15 item 7: "²" or 40 digits used to end in 500)."""

import pytest

from config.ids import db_id, db_ids


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), (" 7 ", 7), (5, 5), ("0", 0), ("9" * 18, 10**18 - 1),
    ("", None), ("²", None), ("٣", None), ("-1", None), ("+1", None), ("1.0", None), ("9" * 19, None),
    ("1 2", None), ("abc", None),
])
def test_db_id(raw, expected):
    assert db_id(raw) == expected


def test_db_ids_keeps_order_and_drops_what_names_no_row():
    assert db_ids(["3", "x", " 1", "²", "3"]) == [3, 1, 3]
