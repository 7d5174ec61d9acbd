"""Text in every workbook the product writes stays text (issue 15.2: no formula injection).

openpyxl turns a string that starts with ``=`` into a formula, and ``#N/A`` and the other error words
into error cells, the moment it is assigned. Text typed by a unit, a council member or an administrator
(explanations, comments, reasons, names, titles) must never become a live formula: ``=HYPERLINK(...)``
would be a clickable link in the secretariat's copy. Every writer therefore passes each value through
``value_cell`` (write-only sheets) or ``text_only`` (a whole workbook built otherwise, e.g. by tablib):

* a string is stored as a string cell exactly as typed (``data_type = "s"``, written as an inline string,
  so the sheet has no ``<f>`` element);
* a string that a spreadsheet would read as a formula or a command when the cell is edited or the data is
  pasted elsewhere (leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) is also marked with Excel's
  "quote prefix" (the hidden apostrophe), which keeps it text without changing the text;
* numbers, dates and empty cells are left as they are.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

#: What a spreadsheet program reads as the start of a formula or a command (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: Cell) -> Cell:
    """Make ``cell`` a string cell if it holds a string (whatever openpyxl inferred from it)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def value_cell(sheet, value: Any) -> Cell:
    """A cell of ``sheet`` holding ``value``: a string stays a string cell (see the module), others as they are."""
    cell = WriteOnlyCell(sheet, value=value) if getattr(sheet.parent, "write_only", False) else Cell(sheet, value=value)
    return as_text(cell)


def text_row(sheet, values) -> list:
    """``values`` ready for ``sheet.append``: every string becomes a string cell, every other value is kept."""
    return [value_cell(sheet, value) if isinstance(value, str) else value for value in values]


def text_only(data: bytes) -> bytes:
    """The workbook ``data`` (written by another library) with every string cell forced to a string cell."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                as_text(cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
