"""Reading an uploaded xlsx or csv file into header and rows, refusing what is not a table."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from apps.core.exceptions import BusinessError

# A 5,000-row catalogue with long descriptions is ≈ 1.5 MB as xlsx and ≈ 3 MB as csv, and it
# imports within the worker's time limit; larger files are split by the user.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# The template has ≈ 45 columns; wider sheets are cut rather than read cell by cell.
MAX_COLUMNS = 200
# xlsx is a zip: refuse archives that inflate far beyond any real catalogue (zip bombs).
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024

XLSX_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .et


@dataclass
class Table:
    """A sheet's header cells and its non-blank data rows as (row number, cells)."""

    format: str
    header: list[Any]
    header_row: int
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def file_check_size(size: int) -> None:
    """Raise `file_too_large` (413) or `empty_file` for a size outside the caps."""
    if size > MAX_FILE_BYTES:
        raise BusinessError(
            "file_too_large",
            _("文件过大（%(size).1f MB），最大 %(max)d MB。请拆分后分批导入。")
            % {"size": size / 1024 / 1024, "max": MAX_FILE_BYTES // 1024 // 1024},
            status=413,
        )
    if size == 0:
        raise BusinessError("empty_file", _("文件是空的。"))


def table_read(*, filename: str, content: bytes) -> Table:
    """Parse `content` as xlsx (first sheet) or csv (UTF-8 with or without BOM, UTF-16, GB18030).

    The format follows the content, not only the name. Raises BusinessError with code
    empty_file, file_too_large, unsupported_format, invalid_xlsx, invalid_csv, no_header,
    no_rows or too_many_rows.
    """
    file_check_size(len(content))
    name = (filename or "").lower()
    if content.startswith(_ZIP_MAGIC):
        table = _xlsx_read(content)
    elif content.startswith(_OLE_MAGIC):
        raise BusinessError(
            "unsupported_format",
            _("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入。"),
        )
    elif name.endswith(XLSX_EXTENSIONS):
        raise BusinessError("invalid_xlsx", _("文件不是有效的 Excel（.xlsx）文件，可能已损坏。"))
    elif name.endswith(CSV_EXTENSIONS) or "." not in name.rsplit("/", 1)[-1]:
        table = _csv_read(content)
    else:
        raise BusinessError(
            "unsupported_format", _("不支持的文件类型，请上传 .xlsx 或 .csv 文件。")
        )
    if not table.rows:
        raise BusinessError("no_rows", _("文件中没有数据行（表头之下为空）。"))
    return table


def _rows_to_table(format_: str, rows: Any) -> Table:
    """Take the first non-blank row as the header and keep the non-blank rows below it."""
    header: list[Any] | None = None
    header_row = 0
    data: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        cells = list(cells[:MAX_COLUMNS])
        if all(cell is None or str(cell).strip() == "" for cell in cells):
            continue
        if header is None:
            header, header_row = cells, number
            continue
        if len(data) >= MAX_ROWS:
            raise BusinessError(
                "too_many_rows",
                _("数据行过多：一次最多导入 %(max)d 行，请拆分后分批导入。") % {"max": MAX_ROWS},
            )
        data.append((number, cells))
    if header is None:
        raise BusinessError("no_header", _("文件中没有表头行。请使用下载的导入模板。"))
    return Table(format=format_, header=header, header_row=header_row, rows=data)


def _xlsx_read(content: bytes) -> Table:
    from openpyxl import load_workbook

    invalid = BusinessError("invalid_xlsx", _("文件不是有效的 Excel（.xlsx）文件，可能已损坏。"))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise invalid from None
    if "xl/workbook.xml" not in names:
        raise invalid
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise BusinessError("file_too_large", _("文件解压后过大，请拆分后分批导入。"), status=413)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    # openpyxl fails on malformed parts with whatever its XML and zip layers raise (KeyError,
    # ValueError, TypeError, lxml/expat errors...); to the user they all mean a broken file.
    except Exception:
        raise invalid from None
    try:
        if not workbook.worksheets:
            raise invalid
        sheet = workbook.worksheets[0]
        try:
            rows = enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
            return _rows_to_table("xlsx", rows)
        except BusinessError:
            raise
        except Exception:  # the same as above, for parts read lazily while iterating
            raise invalid from None
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]  # Excel's "Unicode text" export
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BusinessError(
        "invalid_csv",
        _("无法识别文件编码。请上传 .xlsx 文件，或以 UTF-8 / GB18030 编码保存的 CSV 文件。"),
    )


def _csv_read(content: bytes) -> Table:
    text = _decode(content)
    # Text files have no control characters besides tab and line breaks; binary data decoded
    # by a lenient codec always does.
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text[:100_000]):
        raise BusinessError("invalid_csv", _("文件内容不是有效的 CSV 表格。"))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _rows_to_table("csv", enumerate(reader, start=1))
    except csv.Error as exc:
        raise BusinessError("invalid_csv", _("CSV 格式错误：%(error)s") % {"error": exc}) from None
