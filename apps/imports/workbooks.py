"""Writing the offerings workbook: the import template and the catalogue export share a layout."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .layout import Column, export_cell
from .reading import MAX_ROWS

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_REQUIRED_FILL = PatternFill("solid", fgColor="FFE699")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_cell(value: Any) -> Any:
    """A value openpyxl stores as given: no control characters, no text read as a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _set(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column, value=safe_cell(value))
    if isinstance(value, str) and value.startswith("="):
        # A listing named "=HYPERLINK(...)" must stay text, not become a live formula.
        cell.data_type = "s"


def _write_header(sheet: Worksheet, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        _set(sheet, 1, index, column.header)
        cell = sheet.cell(row=1, column=index)
        cell.font = _BOLD
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        width = 40 if column.code == "description" else max(14, min(30, len(column.header) + 6))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _write_rows(sheet: Worksheet, columns: Sequence[Column], rows: Iterable[dict]) -> None:
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            _set(sheet, number, index, export_cell(row.get(column.code), column.value))


def _add_choices(
    sheet: Worksheet, columns: Sequence[Column], choices: dict[str, Sequence[str]]
) -> None:
    """Drop-down lists for the columns with `choices` and the yes/no cells (Excel still
    accepts typed values)."""
    for index, column in enumerate(columns, start=1):
        if choices.get(column.code):
            options = ",".join(str(option).replace(",", " ") for option in choices[column.code])
            if len(options) > 250:  # Excel's limit for an inline list
                continue
        elif column.value == "boolean":
            options = f"{_('是')},{_('否')}"
        else:
            continue
        letter = get_column_letter(index)
        validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)


def offerings_workbook(
    *,
    columns: Sequence[Column],
    rows: Iterable[dict],
    choices: dict[str, Sequence[str]] | None = None,
    example: dict | None = None,
    instructions: Iterable[Sequence[Any]] = (),
) -> bytes:
    """An xlsx whose first sheet is the offerings table (header and `rows` keyed by column
    code, `choices` its drop-down options by column code); with `example`, a second sheet
    shows one filled row; with `instructions`, a last sheet holds those lines (a line whose
    single cell ends with "：" is a section title)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("供给")
    _write_header(sheet, columns)
    _write_rows(sheet, columns, rows)
    _add_choices(sheet, columns, choices or {})
    if example is not None:
        example_sheet = workbook.create_sheet(_("示例"))
        _write_header(example_sheet, columns)
        _write_rows(example_sheet, columns, [example])
    lines = list(instructions)
    if lines:
        _write_instructions(workbook.create_sheet(_("填写说明")), lines)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_instructions(sheet: Worksheet, lines: list[Sequence[Any]]) -> None:
    for number, line in enumerate(lines, start=1):
        for index, value in enumerate(line, start=1):
            _set(sheet, number, index, value)
        if len(line) == 1 and str(line[0]).endswith("："):
            sheet.cell(row=number, column=1).font = _TITLE
    for letter, width in zip("ABCDEF", (34, 30, 30, 14, 40, 40), strict=True):
        sheet.column_dimensions[letter].width = width


def instructions_section(
    title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[list[Any]]:
    """An instructions block: a blank line, a title line, a header line and the rows."""
    return [[], [title], list(header), *(list(row) for row in rows)]
