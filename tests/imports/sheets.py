"""Building upload files for the import tests: a filled template, CSVs, ad-hoc sheets."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from apps.imports.services import import_template_workbook


def good_row(**overrides: Any) -> dict[str, Any]:
    """A valid module offering, keyed by column code."""
    return {
        "kind": "module",
        "name": "BC260Y NB-IoT 模组",
        "model_number": "BC260Y-CN",
        "sectors": "municipal，smart_grid",
        "technologies": "nb_iot",
        "nationwide": "否",
        "regions": "130000、110000",
        "certifications": "ccc; srrc",
        "price_min": 12.5,
        "price_max": 18,
        "annual_capacity": 5_000_000,
        "attributes.chipset": "Hi2115",
        "attributes.form_factor": "LCC",
        "attributes.psm_edrx": "是",
        **overrides,
    }


def header_codes(sheet) -> list[str]:
    return [str(cell.value).rsplit("(", 1)[1].rstrip(")") for cell in sheet[1]]


def fill_template(rows: list[dict[str, Any]], template: bytes | None = None) -> bytes:
    """The downloaded template with `rows` (column code → value) typed into its first sheet."""
    workbook = load_workbook(io.BytesIO(template or import_template_workbook()))
    sheet = workbook.worksheets[0]
    codes = header_codes(sheet)
    for row in rows:
        unknown = set(row) - set(codes)
        assert not unknown, f"not template columns: {unknown}"
        sheet.append([row.get(code) for code in codes])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict[str, Any]], encoding: str) -> bytes:
    """A CSV (header of "title (code)" cells) in the given encoding."""
    codes = list(dict.fromkeys(code for row in rows for code in row))
    lines = [",".join(f"列 ({code})" for code in codes)]
    for row in rows:
        cells = []
        for code in codes:
            value = "" if row.get(code) is None else str(row[code])
            cells.append(f'"{value}"' if "," in value else value)
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def plain_xlsx(header: list[Any], rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
