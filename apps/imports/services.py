"""Catalogue import and export: Excel/CSV rows become offerings through the catalog services.

An import is all or nothing: every row is validated and written inside one transaction, and
that transaction is rolled back when any row fails or when it is a dry run, so the report
always describes every row and the catalogue changes only when all rows are good.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.catalog.api.serializers import OfferingInSerializer
from apps.catalog.attributes import attribute_label, choice_name, enumeration
from apps.catalog.models import (
    Certification,
    Function,
    Offering,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.catalog.services import (
    DRAFT_STATUSES,
    OFFERING_FIELDS,
    listing_owner_check,
    offering_create,
    offering_errors,
    offering_missing,
    offering_submit,
    offering_update,
    supply_kind_get,
)
from apps.core.exceptions import BusinessError, PermissionDenied
from apps.core.i18n import reads_english

from .layout import (
    ATTRIBUTE_PREFIX,
    Column,
    attribute_value,
    cell_text,
    header_code,
    offering_columns,
    parse_boolean,
    parse_number,
    split_list,
)
from .models import ImportJob
from .reading import MAX_FILE_BYTES, MAX_ROWS, Table, table_read
from .vocabulary import UnknownName, Vocabulary
from .workbooks import instructions_section, offerings_workbook

ACTION_CREATE = "create"
ACTION_UPDATE = "update"


@dataclass
class RowError:
    """One problem of one row: `field` is the column code ("" for the whole row), `column` its
    header and `value` the cell as it was typed."""

    row: int
    field: str
    column: str
    message: str
    value: str = ""


@dataclass
class RowResult:
    row: int
    action: str
    offering_id: int | None
    name: str
    ok: bool = True


@dataclass
class ImportReport:
    """What an import did or would do. `committed` is true only when offerings were written;
    `creates`/`updates` count the rows that create or update an offering either way."""

    filename: str
    format: str
    dry_run: bool
    committed: bool = False
    rows: list[RowResult] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return len(self.rows)

    @property
    def creates(self) -> int:
        return sum(1 for row in self.rows if row.action == ACTION_CREATE)

    @property
    def updates(self) -> int:
        return sum(1 for row in self.rows if row.action == ACTION_UPDATE)

    @property
    def error_rows(self) -> int:
        return sum(1 for row in self.rows if not row.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "format": self.format,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "total_rows": self.total_rows,
            "creates": self.creates,
            "updates": self.updates,
            "error_rows": self.error_rows,
            "ignored_columns": self.ignored_columns,
            "errors": [asdict(error) for error in self.errors],
            "rows": [asdict(row) for row in self.rows],
        }


# --- template and export ----------------------------------------------------------------------

# The example row, in codes; the template writes the codes' names in the reader's language.
_EXAMPLE = {
    "kind": "module",
    "function": "module_lpwa",
    "model_number": "BC260Y-CN",
    "sectors": ["municipal", "smart_grid"],
    "scenarios": ["municipal.water_meter", "municipal.gas_meter"],
    "technologies": ["nb_iot"],
    "nationwide": False,
    "regions": ["130000", "110000"],
    "certifications": ["ccc", "srrc", "cta"],
    "protocols": ["mqtt", "lwm2m", "coap"],
    "price_min": 12.5,
    "price_max": 18,
    "min_order": 1000,
    "annual_capacity": 5_000_000,
    "lead_time_days": 30,
    "attributes.chipset": "Hi2115",
    "attributes.form_factor": "LCC",
    "attributes.bands": ["B3", "B5", "B8"],
    "attributes.positioning": ["cellular"],
    "attributes.psm_edrx": True,
    "attributes.operating_temp": "-40~85℃",
}
_FORMATS = {
    "string": lambda: _("文本"),
    "integer": lambda: _("整数"),
    "number": lambda: _("数字"),
    "boolean": lambda: _("是/否"),
    "list": lambda: _("列表（逗号分隔）"),
}


def _example() -> dict[str, Any]:
    return {
        **_EXAMPLE,
        "name": _("BC260Y NB-IoT 模组（示例）"),
        "description": _("超低功耗 NB-IoT 模组，适用于智能水表、燃气表等场景。"),
    }


def _named_row(row: dict[str, Any], columns: list[Column], vocabulary: Vocabulary) -> dict:
    """A row keyed by column code with its reference codes and attribute choices written as
    names in the active language (the importer reads either back)."""
    named = dict(row)
    for column in columns:
        value = row.get(column.code)
        if value in (None, "", []) or not (column.reference or column.choice_names):
            continue
        if isinstance(value, list):
            named[column.code] = [vocabulary.name(column, str(item)) for item in value]
        elif isinstance(value, str):
            named[column.code] = vocabulary.name(column, value)
    return named


def _cell_choices(columns: list[Column], vocabulary: Vocabulary) -> dict[str, list[str]]:
    """The drop-down options of the kind column and of single-choice attribute columns."""
    options: dict[str, list[str]] = {}
    for column in columns:
        if column.code == "kind":
            codes = SupplyKind.objects.order_by("chain_position").values_list("code", flat=True)
            options[column.code] = [vocabulary.name(column, code) for code in codes]
        elif column.is_attribute and column.choices and column.value == "string":
            options[column.code] = [vocabulary.name(column, code) for code in column.choices]
    return options


def _name_columns() -> tuple[list[str], tuple[str, str, str]]:
    """Headers and value_list fields of a code table, the reader's language first."""
    if reads_english():
        return [_("英文名称"), _("中文名称"), _("代码")], ("name_en", "name_zh", "code")
    return [_("中文名称"), _("英文名称"), _("代码")], ("name_zh", "name_en", "code")


def _instructions(columns: list[Column]) -> list[list[Any]]:
    lines: list[list[Any]] = [
        [_("填写说明：")],
        [
            _(
                "1. 在“供给”工作表中每行填写一条供给。表头请勿修改：括号中的代码用于识别列，"
                "列的顺序可以调整，用不到的属性列可以删除。"
            )
        ],
        [
            _(
                "2. 黄色表头的列为必填项。行业、技术、区域等列填写名称（中文或英文）或代码，"
                "多个之间用逗号、分号或顿号分隔；“是/否”列填“是”或“否”。"
            )
        ],
        [
            _(
                "3. 编号列留空表示新增（导入后为草稿，需提交审核后发布）；填写本组织已有供给的编号"
                "表示用该行内容更新这条供给。"
            )
        ],
        [
            _(
                "4. 导入整体生效：只要有一行出错，整个文件都不会导入，并一次列出每一行的"
                "全部错误（列、填写的值和原因）。可以先选择“仅预检”确认无误后再正式导入；"
                "导入后可一次提交全部新供给审核。"
            )
        ],
        [
            _(
                "5. 支持 .xlsx 和 .csv（UTF-8 或 GB18030 编码）文件，最大 %(mb)d MB、"
                "%(rows)d 行；只读取第一个工作表。"
            )
            % {"mb": MAX_FILE_BYTES // 1024 // 1024, "rows": MAX_ROWS}
        ],
        [
            _(
                "6. “属性：”开头的列是供给类型的专属属性，只填写该行类型用到的属性"
                "（见下方“供给类型与属性”）。“示例”工作表有一行填写示例。"
            )
        ],
    ]
    lines += instructions_section(
        _("列说明："),
        [_("列名（表头）"), _("代码"), _("必填"), _("格式"), _("说明")],
        [
            [
                column.header,
                column.code,
                _("是") if column.required else "",
                _FORMATS[column.value](),
                column.help,
            ]
            for column in columns
        ],
    )
    kind_lines: list[list[Any]] = []
    for kind in SupplyKind.objects.order_by("chain_position", "code"):
        kind_lines.append([kind.name, kind.code])
        spec = kind.attribute_spec or {}
        for name, rule in sorted(spec.items(), key=lambda item: not item[1].get("required")):
            kind_lines.append(
                [
                    "",
                    f"{ATTRIBUTE_PREFIX}{name}",
                    attribute_label(rule, name),
                    _("必填") if rule.get("required") else "",
                    _FORMATS[rule.get("type", "string")](),
                    enumeration(choice_name(rule, choice) for choice in rule.get("choices") or ()),
                ]
            )
    lines += instructions_section(
        _("供给类型与属性："),
        [_("类型"), _("属性列代码"), _("属性"), _("必填"), _("格式"), _("可选值")],
        kind_lines,
    )
    names, fields = _name_columns()
    for title, model in (
        (_("行业："), Sector),
        (_("网络技术："), Technology),
        (_("认证："), Certification),
        (_("协议："), Protocol),
    ):
        lines += instructions_section(title, names, model.objects.values_list(*fields))
    kind_names = {kind.code: kind.name for kind in SupplyKind.objects.all()}
    lines += instructions_section(
        _("产品功能："),
        [*names, _("所属类型")],
        (
            [*row[:3], kind_names.get(row[3], row[3])]
            for row in Function.objects.order_by("kind__chain_position", "sort_order").values_list(
                *fields, "kind_id"
            )
        ),
    )
    sector_names = {sector.code: sector.name for sector in Sector.objects.all()}
    lines += instructions_section(
        _("场景："),
        [*names, _("所属行业")],
        (
            [*row[:3], sector_names.get(row[3], row[3])]
            for row in Scenario.objects.values_list(*fields, "sector_id")
        ),
    )
    lines += instructions_section(
        _("行政区划（省级、地级、县级）："),
        [*names, _("上级代码")],
        Region.objects.values_list(*fields, "parent_id"),
    )
    return lines


def import_template_workbook() -> bytes:
    """The xlsx to fill in: the offerings sheet (header only), an example sheet with one
    filled row, and instructions listing every column and the allowed codes."""
    columns = offering_columns()
    vocabulary = Vocabulary(columns)
    return offerings_workbook(
        columns=columns,
        rows=[],
        choices=_cell_choices(columns, vocabulary),
        example=_named_row(_example(), columns, vocabulary),
        instructions=_instructions(columns),
    )


def _offering_row(offering: Offering) -> dict[str, Any]:
    row: dict[str, Any] = {"id": offering.pk, "kind": offering.kind_id}
    # A guessed function stays blank: importing the file back guesses again rather than
    # confirming what the vendor never chose.
    row["function"] = offering.function_id if offering.function_confirmed else ""
    for code in (
        "name",
        "model_number",
        "description",
        "sectors",
        "scenarios",
        "technologies",
        "nationwide",
        "regions",
        "certifications",
        "protocols",
        "price_min",
        "price_max",
        "min_order",
        "annual_capacity",
        "lead_time_days",
    ):
        row[code] = getattr(offering, code)
    for name, value in (offering.attributes or {}).items():
        row[f"{ATTRIBUTE_PREFIX}{name}"] = value
    return row


def offerings_export(*, organization: Organization) -> bytes:
    """The organisation's offerings (all but archived ones) as an xlsx in the template's
    layout; importing it back updates the same offerings to the same values."""
    offerings = Offering.objects.filter(organization=organization).exclude(
        status=Offering.Status.ARCHIVED
    )
    columns = offering_columns()
    vocabulary = Vocabulary(columns)
    return offerings_workbook(
        columns=columns,
        rows=(
            _named_row(_offering_row(offering), columns, vocabulary)
            for offering in offerings.order_by("id").iterator()
        ),
        choices=_cell_choices(columns, vocabulary),
    )


# --- import -----------------------------------------------------------------------------------


def import_permission_check(*, actor: Any, organization: Organization) -> None:
    """Raise unless `actor` may import offerings for `organization` (a vendor it acts for)."""
    listing_owner_check(actor=actor, organization=organization)
    if not organization.is_vendor:
        raise PermissionDenied("vendor_role_required", _("只有供给方组织可以发布供给。"))


def _map_header(header: list[Any], columns: list[Column]) -> tuple[dict[int, Column], list[str]]:
    """Column position → column, and the header cells that name no column."""
    by_code = {column.code: column for column in columns}
    titles = {column.title: column.code for column in columns}
    titles |= {column.code: column.code for column in columns}
    mapping: dict[int, Column] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        code = header_code(cell, titles)
        if code is None or code not in by_code:
            if cell_text(cell):
                ignored.append(cell_text(cell))
            continue
        if any(column.code == code for column in mapping.values()):
            raise BusinessError(
                "duplicate_columns",
                _("表头中“%(column)s”列出现了多次。") % {"column": by_code[code].header},
            )
        mapping[index] = by_code[code]
    present = {column.code for column in mapping.values()}
    missing = [
        column.header for column in columns if column.required and column.code not in present
    ]
    if missing:
        raise BusinessError(
            "missing_columns",
            _("缺少必需的列：%(columns)s。请使用下载的导入模板。")
            % {"columns": enumeration(missing)},
            fields={"columns": missing},
        )
    return mapping, ignored


def _table_read_mapped(
    *, filename: str, content: bytes
) -> tuple[Table, list[Column], dict[int, Column], list[str]]:
    table = table_read(filename=filename, content=content)
    columns = offering_columns()
    mapping, ignored = _map_header(table.header, columns)
    return table, columns, mapping, ignored


def _row_values(
    cells: dict[str, tuple[Column, Any]], offering: Offering | None, vocabulary: Vocabulary
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The row as OfferingInSerializer input, and the cells whose names or codes are unknown
    (by column code). Codes and names in either language are read as codes; the known items
    of a list are kept beside an unknown one. Blank numeric cells are left out (defaults on
    create, unchanged on update); attribute cells replace those attributes of the offering."""
    data: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    attributes = dict(offering.attributes or {}) if offering is not None else {}
    kind = offering.kind_id if offering is not None else None
    if "kind" in cells and cell_text(cells["kind"][1]):
        # An unknown kind is reported with the other reference cells below.
        with contextlib.suppress(UnknownName):
            kind = vocabulary.code(cells["kind"][0], cell_text(cells["kind"][1]))
    for code, (column, raw) in cells.items():
        blank = cell_text(raw) == ""
        if column.is_attribute:
            if blank:
                attributes.pop(column.attribute, None)
                continue
            value = attribute_value(raw, column.value)
            if column.choices and isinstance(value, list):
                value = [vocabulary.choice_code(column, item) for item in value]
            elif column.choices and isinstance(value, str):
                value = vocabulary.choice_code(column, value)
            attributes[column.attribute] = value
        elif column.reference:
            items = split_list(raw) if column.value == "list" else [cell_text(raw)] * (not blank)
            codes = []
            for item in items:
                try:
                    codes.append(vocabulary.code(column, item, kind=kind))
                except UnknownName as exc:
                    problems.setdefault(code, []).append(str(exc))
            if column.value == "list":
                data[code] = codes
            elif codes:
                data[code] = codes[0]
            elif blank and not column.required:
                data[code] = ""
        elif column.value == "boolean":
            data[code] = False if blank else parse_boolean(raw)
        elif column.value in ("integer", "number"):
            if not blank:
                data[code] = parse_number(raw, column.value)
        elif not (blank and column.required):
            data[code] = cell_text(raw)
    data["attributes"] = attributes
    return data, problems


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


class _RowImporter:
    """Validates and writes rows one by one for one organisation (inside the caller's
    transaction); each row's problems are collected, never raised."""

    def __init__(self, *, actor: Any, organization: Organization, columns: list[Column]) -> None:
        self.actor = actor
        self.organization = organization
        self.headers = {column.code: column.header for column in columns}
        self.order = {column.code: index for index, column in enumerate(columns)}
        self.vocabulary = Vocabulary(columns)
        self.seen_ids: dict[int, int] = {}

    def _error(
        self, row: int, field: str, message: Any, cells: dict[str, tuple[Column, Any]] | None = None
    ) -> RowError:
        raw = (cells or {}).get(field, (None, None))[1]
        return RowError(
            row=row,
            field=field,
            column=self.headers.get(field, ""),
            message=str(message),
            value=cell_text(raw)[:200],
        )

    def _target(self, row: int, raw_id: Any, errors: list[RowError]) -> Offering | None:
        """The offering an `id` cell names, if it is one of this organisation's."""
        cells = {"id": (None, raw_id)}
        offering_id = parse_number(raw_id, "integer")
        if not isinstance(offering_id, int) or isinstance(offering_id, bool) or offering_id < 1:
            errors.append(self._error(row, "id", _("编号必须是正整数。"), cells))
            return None
        if offering_id in self.seen_ids:
            errors.append(
                self._error(
                    row,
                    "id",
                    _("编号 %(id)s 与第 %(row)d 行重复。")
                    % {"id": offering_id, "row": self.seen_ids[offering_id]},
                    cells,
                )
            )
            return None
        self.seen_ids[offering_id] = row
        # Another organisation's id reads the same as a missing one: existence is not revealed.
        offering = (
            Offering.objects.filter(pk=offering_id, organization=self.organization)
            .select_related("organization", "kind")
            .first()
        )
        if offering is None:
            errors.append(
                self._error(
                    row, "id", _("本组织没有编号为 %(id)s 的供给。") % {"id": offering_id}, cells
                )
            )
        return offering

    def _field_errors(
        self,
        data: dict[str, Any],
        problems: dict[str, list[str]],
        offering: Offering | None,
        serializer: Any,
    ) -> dict[str, list[str]]:
        """Every problem of a row that failed a check, at once: unknown names, the API's field
        checks (`serializer`, already validated), then the catalogue's checks of the values
        that passed those (price range, attributes, regions …); each field is reported by the
        first of these that fails it."""
        errors = {field: list(messages) for field, messages in problems.items()}
        # An empty required cell in the catalogue's words ("请填写名称。"), not DRF's.
        missing = offering_missing({})
        for field_name, detail in serializer.errors.items():
            if field_name in errors:
                continue
            messages = _messages(detail)
            codes = (
                {getattr(item, "code", "") for item in detail}
                if isinstance(detail, list)
                else set()
            )
            if codes & {"required", "blank", "null"} and field_name in missing:
                messages = missing[field_name]
            elif field_name == "kind" and data.get("kind"):
                # The catalog's wording ("未知供给类型") rather than DRF's primary-key jargon.
                try:
                    supply_kind_get(str(data["kind"]))
                except BusinessError as exc:
                    messages = [str(exc.message)]
            errors[field_name] = messages
        good = {name: value for name, value in data.items() if name not in errors}
        partial = OfferingInSerializer(data=good, partial=True)
        valid_values = partial.validated_data if partial.is_valid() else {}
        values: dict[str, Any] = {}
        if offering is not None:
            values = {name: getattr(offering, name) for name in OFFERING_FIELDS}
            values["function"] = offering.function_id if offering.function_confirmed else None
        values |= dict(valid_values)
        values.pop("organization", None)
        for field_name, messages in offering_errors(values).items():
            if field_name not in errors:
                errors[field_name] = messages
        return errors

    def row(self, number: int, cells: dict[str, tuple[Column, Any]]) -> tuple[RowResult, list]:
        errors: list[RowError] = []
        raw_id = cells.pop("id", (None, None))[1]
        is_update = cell_text(raw_id) != ""
        offering = self._target(number, raw_id, errors) if is_update else None
        name = cell_text(cells.get("name", (None, ""))[1])
        result = RowResult(
            row=number,
            action=ACTION_UPDATE if is_update else ACTION_CREATE,
            offering_id=offering.pk if offering is not None else None,
            name=name,
        )
        data, problems = _row_values(cells, offering, self.vocabulary)
        serializer = OfferingInSerializer(data=data)
        field_errors = {}
        if not serializer.is_valid() or problems:
            field_errors = self._field_errors(data, problems, offering, serializer)
        if not errors and not field_errors:
            values = dict(serializer.validated_data)
            values.pop("organization", None)
            # No savepoint of our own: the services raise before writing, and write inside
            # their own atomic block.
            try:
                if offering is None:
                    saved = offering_create(
                        actor=self.actor, organization=self.organization, **values
                    )
                else:
                    saved = offering_update(actor=self.actor, offering=offering, **values)
                result.offering_id = saved.pk
            except BusinessError as exc:
                field_errors = exc.fields or {"": [str(exc.message)]}
        ordered = sorted(field_errors.items(), key=lambda item: self.order.get(item[0], 999))
        errors += [
            self._error(number, field_name, message, cells)
            for field_name, messages in ordered
            for message in messages
        ]
        result.ok = not errors
        return result, errors


def import_offerings(
    *,
    actor: Any,
    organization: Organization,
    filename: str,
    content: bytes,
    dry_run: bool,
) -> ImportReport:
    """Import an xlsx/csv catalogue for `organization`, all or nothing.

    New rows become draft offerings; a row with an `id` updates that offering of the same
    organisation. Nothing is written when any row fails or when `dry_run` is true; the
    report lists every row and every error (row number, column code, message). Raises
    BusinessError for a file that cannot be read as a table (see `reading.table_read`), with
    missing_columns / duplicate_columns for a wrong header, and PermissionDenied when the
    actor may not import for the organisation.
    """
    import_permission_check(actor=actor, organization=organization)
    table, columns, mapping, ignored = _table_read_mapped(filename=filename, content=content)
    report = ImportReport(
        filename=filename, format=table.format, dry_run=dry_run, ignored_columns=ignored
    )
    importer = _RowImporter(actor=actor, organization=organization, columns=columns)
    with transaction.atomic():
        for number, row_cells in table.rows:
            cells = {
                column.code: (column, row_cells[index] if index < len(row_cells) else None)
                for index, column in mapping.items()
            }
            result, errors = importer.row(number, cells)
            report.rows.append(result)
            report.errors += errors
        report.committed = not dry_run and not report.errors
        if not report.committed:
            transaction.set_rollback(True)
    if not report.committed:
        for result in report.rows:
            if result.action == ACTION_CREATE:
                result.offering_id = None  # its insert was rolled back
    return report


# --- after an import --------------------------------------------------------------------------


@dataclass
class SubmitResult:
    """What submitting one imported offering did: `submitted`, or why not (`message`)."""

    offering_id: int
    name: str
    submitted: bool
    message: str


# Drafts submitted per transaction: one commit per batch instead of one per row, while a
# 5,000-row import still holds no more than this many row locks at a time.
SUBMIT_BATCH = 200


def offerings_submit_for_review(
    *, actor: Any, organization: Organization, offering_ids: list[int]
) -> list[SubmitResult]:
    """Submit for review, in one call, each of the organisation's offerings among
    `offering_ids` that is a draft or was rejected: each goes through `offering_submit` (the
    one transition rule), SUBMIT_BATCH of them per transaction, and a row that fails (an
    incomplete draft) is rolled back alone and reported with its reason. The others (already
    waiting, published, archived) are reported with their status; ids of other organisations'
    offerings are skipped. The result follows the order of `offering_ids`."""
    import_permission_check(actor=actor, organization=organization)
    wanted = list(dict.fromkeys(offering_ids))
    offerings = {
        offering.pk: offering
        for offering in Offering.objects.filter(
            organization=organization, pk__in=wanted
        ).select_related("organization")
    }
    results: dict[int, SubmitResult] = {}
    drafts = []
    for offering_id in wanted:
        offering = offerings.get(offering_id)
        if offering is None:
            continue
        if offering.status in DRAFT_STATUSES:
            drafts.append(offering)
        else:
            results[offering_id] = SubmitResult(
                offering_id,
                offering.name,
                False,
                _("状态为“%(status)s”，不需要提交。") % {"status": offering.get_status_display()},
            )
    for start in range(0, len(drafts), SUBMIT_BATCH):
        with transaction.atomic():
            for offering in drafts[start : start + SUBMIT_BATCH]:
                results[offering.pk] = _submit_one(actor=actor, offering=offering)
    return [results[offering_id] for offering_id in wanted if offering_id in results]


def _submit_one(*, actor: Any, offering: Offering) -> SubmitResult:
    """One draft through `offering_submit` inside the batch's transaction: its own savepoint,
    so a refused row leaves the batch's other rows submitted."""
    try:
        with transaction.atomic():
            offering_submit(actor=actor, offering=offering)
    except BusinessError as exc:
        return SubmitResult(offering.pk, offering.name, False, str(exc.message))
    return SubmitResult(offering.pk, offering.name, True, _("已提交审核。"))


def import_job_submit(*, actor: Any, job: ImportJob) -> list[tuple[int | None, SubmitResult]]:
    """Submit for review every offering a finished import wrote, as
    `offerings_submit_for_review` does; each result with its sheet row. Raises BusinessError
    `import_not_committed` (409) for a job that wrote nothing (failed, dry run, not run yet)."""
    report = job.report or {}
    if job.status != ImportJob.Status.SUCCEEDED or not report.get("committed"):
        raise BusinessError(
            "import_not_committed",
            _("这次导入没有写入任何供给（失败、仅预检或尚未完成），没有可提交审核的内容。"),
            status=409,
        )
    rows = {
        row["offering_id"]: row["row"] for row in report.get("rows", []) if row.get("offering_id")
    }
    results = offerings_submit_for_review(
        actor=actor, organization=job.organization, offering_ids=list(rows)
    )
    return [(rows.get(result.offering_id), result) for result in results]


# --- jobs -------------------------------------------------------------------------------------


def import_job_create(
    *,
    actor: Any,
    organization: Organization,
    filename: str,
    content: bytes,
    dry_run: bool,
) -> ImportJob:
    """Store an upload as a queued job and hand it to a worker after commit.

    The file is read once here so a malformed or oversized file is refused at upload
    (BusinessError, see `import_offerings`) instead of becoming a failed job.
    """
    import_permission_check(actor=actor, organization=organization)
    _table_read_mapped(filename=filename, content=content)
    user = actor if getattr(actor, "_meta", None) is not None else None
    job = ImportJob.objects.create(
        organization=organization,
        created_by=user,
        api_key=getattr(actor, "key", None),
        actor_label=getattr(actor, "audit_label", None) or (user.get_username() if user else ""),
        filename=(filename or "upload")[-255:],
        content=content,
        size=len(content),
        dry_run=dry_run,
        language=translation.get_language() or "zh-hans",
    )
    transaction.on_commit(partial(_job_enqueue, job.pk), robust=True)
    return job


def _job_enqueue(job_id: int) -> None:
    from .tasks import run_import

    run_import.delay(job_id)


# A queued job older than this lost its message (broker down at upload, purged queue).
STALE_QUEUED_AFTER = timedelta(minutes=10)


def import_jobs_requeue_stale() -> int:
    """Enqueue again the jobs still queued long after upload; returns how many.

    Safe with duplicates: `import_job_run` leaves a finished job alone.
    """
    cutoff = timezone.now() - STALE_QUEUED_AFTER
    job_ids = list(
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for job_id in job_ids:
        _job_enqueue(job_id)
    return len(job_ids)


def _job_actor(job: ImportJob) -> Any:
    """The uploader again, as the catalog services expect an actor."""
    if job.created_by_id is not None:
        return job.created_by
    key = job.api_key
    if key is not None and not key.revoked and not key.has_expired:
        from apps.accounts.authentication import APIKeyPrincipal

        org_ids = frozenset([key.organization_id]) if key.organization_id else frozenset()
        return APIKeyPrincipal(
            key=key,
            organization_ids=org_ids,
            owned_organization_ids=org_ids,
            is_coordinator=key.is_platform,
        )
    raise PermissionDenied("uploader_gone", _("上传者的账号或 API 密钥已失效，导入未执行。"))


def _job_finish(
    job: ImportJob, *, report: ImportReport | None, error: BusinessError | None
) -> None:
    job.finished_at = timezone.now()
    if report is not None:
        job.report = report.as_dict()
        job.total_rows = report.total_rows
        job.error_rows = report.error_rows
        job.created_count = report.creates
        job.updated_count = report.updates
        job.status = ImportJob.Status.SUCCEEDED if not report.errors else ImportJob.Status.FAILED
        if report.errors:
            job.error_code = "row_errors"
            job.error_message = _("%(n)d 行有错误，未导入任何数据。") % {"n": report.error_rows}
    if error is not None:
        job.status = ImportJob.Status.FAILED
        job.error_code = error.code
        job.error_message = str(error.message)[:500]
    job.save()


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job; a finished job is left as it is (safe to call again or concurrently).

    The offerings and the job's outcome commit in one transaction, so a worker that dies
    midway leaves nothing behind and the redelivered task starts over.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return job
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
    try:
        with transaction.atomic():
            # A second worker holding the same message waits here, then sees the job finished.
            job = (
                ImportJob.objects.select_for_update().select_related("organization").get(pk=job_id)
            )
            if job.is_finished:
                return job
            with translation.override(job.language):
                try:
                    report = import_offerings(
                        actor=_job_actor(job),
                        organization=job.organization,
                        filename=job.filename,
                        content=bytes(job.content),
                        dry_run=job.dry_run,
                    )
                except BusinessError as exc:
                    _job_finish(job, report=None, error=exc)
                else:
                    _job_finish(job, report=report, error=None)
    except Exception:
        # A bug or an outage: record it on the job so nobody waits forever, then let Celery log it.
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            error_code="internal_error",
            error_message=_("导入时发生内部错误，请稍后重试或联系平台。"),
            finished_at=timezone.now(),
        )
        raise
    return job
