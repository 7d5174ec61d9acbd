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

import datetime
import io
from decimal import Decimal
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


# --------------------------------------------------------------------------- printed layout (issue 14.6)
#
# Every workbook the product writes prints on A4 landscape, one page wide (as many pages tall as the rows
# need), with its header row repeated on every printed page and frozen on screen, columns as wide as their
# content (up to a cap; longer text wraps), sheet names cut at a word boundary, and the numbers of the
# regulation with its decimals (docs/regulation.md: "totals show two decimals"; ties are broken at three):
#
# * ``TOTAL_FORMAT`` ("0.00") for totals and subtotals, as published;
# * ``TIE_FORMAT`` ("0.000") for the total at three decimals that breaks ties (Điều 6.4);
# * ``POINTS_FORMAT`` ("0.00##") for a criterion's points, kept exact (a 0,125 point stays 0,125).

TOTAL_FORMAT = "0.00"
TIE_FORMAT = "0.000"
POINTS_FORMAT = "0.00##"
PERCENT_FORMAT = "0.0###"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"

SHEET_TITLE_MAX = 31  # Excel's limit
_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
MIN_WIDTH = 6
MAX_WIDTH = 60
HEADER_WORD_SLACK = 2


def sheet_title(name: str, taken=()) -> str:
    """``name`` as a sheet name: the characters Excel forbids replaced, at most 31 characters cut at a word
    boundary (a word longer than the limit alone is cut), and unique among ``taken`` ("…(2)")."""
    text = " ".join(str(name or "").translate(_TITLE_FORBIDDEN).split()).strip("'") or "Trang tính"

    def cut(value: str, limit: int) -> str:
        if len(value) <= limit:
            return value
        head = value[:limit + 1]
        head = head[:head.rfind(" ")] if " " in head else value[:limit]
        return head.rstrip(" ,;-–—.") or value[:limit]

    title = cut(text, SHEET_TITLE_MAX)
    lowered = {t.lower() for t in taken}
    number = 2
    while title.lower() in lowered:
        suffix = f" ({number})"
        title = cut(text, SHEET_TITLE_MAX - len(suffix)) + suffix
        number += 1
    return title


def _shown(value) -> str:
    value = getattr(value, "value", value)
    if value is None:
        return ""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return f"{value:.3f}" if not isinstance(value, int) else str(value)
    if isinstance(value, datetime.datetime):
        return "00/00/0000 00:00"
    if isinstance(value, datetime.date):
        return "00/00/0000"
    return str(value)


def column_widths(rows, header_row: int, max_width: int = MAX_WIDTH, caps: dict[int, int] | None = None) -> list[int]:
    """The width of each column (characters): its longest line from the header row down, at least
    ``MIN_WIDTH``, at most ``max_width`` (or the column's own cap); a header wraps, so only its longest word
    counts. Rows above the header (the title lines) do not widen the first column."""
    widths: list[int] = []
    for index, row in enumerate(rows, start=1):
        if index < header_row:
            continue
        for column, value in enumerate(row):
            text = _shown(value)
            if index == header_row:  # the header wraps on at most three lines
                length = max(max((len(word) for word in text.split()), default=0), -(-len(text) // 3))
                length += HEADER_WORD_SLACK
            else:
                length = max((len(line) for line in text.splitlines()), default=0) + 2
            while len(widths) <= column:
                widths.append(MIN_WIDTH)
            cap = (caps or {}).get(column, max_width)
            widths[column] = max(widths[column], min(length, cap))
    return widths


def set_print_layout(sheet, *, header_row: int) -> None:
    """A4 landscape, one page wide, header row repeated on every page and frozen on screen."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = f"A{header_row + 1}"


LINE_HEIGHT = 15  # points, one line of the default 11 pt font


def wrapped_lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a wrapping column ``width`` characters wide (words kept whole)."""
    room = max(int(width * 1.1) - 1, 1)  # a column width counts "0"s; text of the default font is a little narrower
    total = 0
    for line in str(text).splitlines() or [""]:
        count, used = 1, 0
        for word in line.split():
            size = len(word)
            if used and used + 1 + size > room:
                count, used = count + 1, 0
            used += size + (1 if used else 0)
            while used > room:  # a word longer than the column
                count, used = count + 1, used - room
        total += count
    return total


def _fit_height(sheet, index: int, cells: list, widths: list[int]) -> None:
    """Set the height of a row whose wrapped text needs more than one line (neither Excel nor LibreOffice
    grows a written row by itself when it opens or prints the file)."""
    lines = 1
    for column, cell in enumerate(cells):
        if isinstance(cell.value, str) and cell.alignment.wrap_text and column < len(widths):
            lines = max(lines, wrapped_lines(cell.value, widths[column]))
    if lines > 1:
        sheet.row_dimensions[index].height = LINE_HEIGHT * lines


def write_table(sheet, rows: list[list], *, header_row: int = 1, formats: dict[int, str] | None = None,
                max_width: int = MAX_WIDTH, caps: dict[int, int] | None = None) -> None:
    """Lay ``sheet`` (write-only or not) out for print and screen, then append ``rows`` (title lines, the header
    row at ``header_row``, the data). ``formats``: column index (0-based) → number format for the numbers below
    the header (a cell that already has a format of its own keeps it). The header is bold and wraps; text wider
    than its column wraps; dates show dd/mm/yyyy. Every string goes through :func:`value_cell` (stays text)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    widths = column_widths(rows, header_row, max_width, caps)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    set_print_layout(sheet, header_row=header_row)
    header_font, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for index, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row):
            cell = value if isinstance(value, Cell) else value_cell(sheet, value)
            raw = cell.value
            if index == header_row:
                cell.font, cell.alignment = header_font, wrap
            elif index > header_row:
                long = isinstance(raw, str) and column < len(widths) and ("\n" in raw or len(raw) + 2 > widths[column])
                cell.alignment = Alignment(wrap_text=bool(long or cell.alignment.wrap_text), vertical="top",
                                           horizontal=cell.alignment.horizontal)
                if isinstance(raw, datetime.datetime):  # openpyxl gives dates its ISO format: shown dd/mm/yyyy
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(raw, datetime.date):
                    cell.number_format = DATE_FORMAT
                elif (cell.number_format == "General" and isinstance(raw, Decimal | float | int)
                      and not isinstance(raw, bool) and formats and column in formats):
                    cell.number_format = formats[column]
            cells.append(cell)
        if index >= header_row:
            _fit_height(sheet, index, cells, widths)
        sheet.append(cells)


def printable(data: bytes, *, header_row: int = 1) -> bytes:
    """The workbook ``data`` (built by another library, e.g. tablib) with the layout of :func:`write_table` on
    every sheet and every string a string cell (:func:`as_text`)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        rows = [list(row) for row in sheet.iter_rows()]
        widths = column_widths(rows, header_row)
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        set_print_layout(sheet, header_row=header_row)
        for index, row in enumerate(rows, start=1):
            for column, cell in enumerate(row):
                as_text(cell)
                if index == header_row:
                    cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
                elif isinstance(cell.value, str) and ("\n" in cell.value or len(cell.value) + 2 > widths[column]):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if index >= header_row:
                _fit_height(sheet, index, row, widths)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def total_cell(sheet, value, number_format: str = TOTAL_FORMAT) -> Cell:
    """A bold total (two decimals by default, as published)."""
    from openpyxl.styles import Font

    cell = value_cell(sheet, value)
    cell.number_format, cell.font = number_format, Font(bold=True)
    return cell
