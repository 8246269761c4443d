"""Importing customers (with their first product and agreement) from Excel or CSV.

Every row is checked, every problem reported with its spreadsheet row number, and nothing is
written unless all rows are good: the whole import is one transaction, each row a savepoint that
runs the same services as the pages and the API (so the same rules and timeline events apply).

This module also holds the shared import pieces (``RowError``, ``ImportResult``, file-error
messages) used by ``fuwu.org.imports``; keeping the messages here puts their translations in the
customers catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.lib.tabular import Table, TableError, TableRow, parse_date, read_table, split_list
from fuwu.org.models import Department, Organisation, User

from .models import CustomerKind, Phone
from .services import (
    agreement_add,
    customer_create,
    normalise_phone,
    phone_digits,
    phone_problem,
    product_add,
)

# --- shared with fuwu.org.imports -----------------------------------------------------------

MESSAGES: dict[str, Any] = {
    "required": gettext_lazy("is required"),
    "duplicate_in_file": gettext_lazy("%(value)s also appears on row %(row)s"),
    "unknown_department": gettext_lazy("no department with code or name %(value)s"),
    "unknown_role": gettext_lazy(
        "unknown role %(value)s (use agent/客服专员, technician/服务人员, "
        "department_head/部门主管, quality_inspector/品质, director/总监, "
        "administrator/管理员)"
    ),
    "username_taken": gettext_lazy("%(value)s is already a user name"),
    "bad_date": gettext_lazy("%(value)s is not a date (use YYYY-MM-DD)"),
    "bad_number": gettext_lazy("%(value)s is not a whole number"),
    "not_allowed_customers": gettext_lazy("You are not allowed to import customers."),
    "not_allowed_staff": gettext_lazy("You are not allowed to import staff."),
}

_TABLE_MESSAGES = {
    "unreadable": gettext_lazy("The file cannot be read. Save it as .xlsx or as CSV (UTF-8 or GB18030)."),
    "unsupported": gettext_lazy("Only .xlsx and .csv files can be imported."),
    "empty": gettext_lazy("The file has no header row."),
    "missing_columns": gettext_lazy("Required columns are missing: %(columns)s"),
    "duplicate_column": gettext_lazy("Columns %(column)s and %(other)s mean the same thing; keep one."),
    "too_many_rows": gettext_lazy("The file has more than %(limit)s rows; split it."),
}


def table_error_message(error: TableError, columns: Mapping[str, Any] | None = None) -> str:
    params = dict(error.params)
    if "columns" in params:
        names = [
            f"{key} ({next(iter(columns.get(key, ())), key)})" if columns else key
            for key in params["columns"]
        ]
        params["columns"] = ", ".join(names)
    template = _TABLE_MESSAGES.get(error.code)
    return str(template) % params if template else str(error)


@dataclass
class RowError:
    row: int  # spreadsheet row number; 0 for the file as a whole
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RowChecker:
    """Collects the problems of one row."""

    def __init__(self, row: TableRow, table: Table, result: ImportResult) -> None:
        self.row, self.table, self.result = row, table, result
        self.count = 0

    def add(self, column: str, message: Any) -> None:
        self.result.errors.append(
            RowError(self.row.number, self.table.headers.get(column, column), str(message))
        )
        self.count += 1

    def add_validation(self, exc: ValidationFailed, column_for: Callable[[str], str]) -> None:
        if not exc.fields:
            self.add("", exc.message)
        for name, messages in exc.fields.items():
            for message in messages:
                self.add(column_for(name), message)


def read_import_table(
    file: IO[bytes] | bytes, *, columns: Mapping[str, Any], required: tuple[str, ...], filename: str = ""
) -> Table | ImportResult:
    try:
        return read_table(file, columns=columns, required=required, filename=filename)
    except TableError as exc:
        return ImportResult(errors=[RowError(0, "", table_error_message(exc, columns))])


def department_finder(organisation: Organisation) -> Callable[[str], Department | None]:
    """Look a department up by its code or its name (one query for the whole file)."""
    by_key: dict[str, Department] = {}
    for department in Department.objects.filter(organisation=organisation, is_active=True):
        by_key.setdefault(department.name.strip().lower(), department)
        by_key[department.code.strip().lower()] = department
    return lambda text: by_key.get(text.strip().lower())


# --- customers ------------------------------------------------------------------------------

CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名称", "客户", "客户名称", "业主", "name"),
    "kind": ("类型", "客户类型", "kind", "type"),
    "phone": ("电话", "手机", "联系电话", "phone", "phones"),
    "building": ("楼栋", "楼号", "栋", "building"),
    "unit": ("单元", "unit"),
    "room": ("室", "房号", "房间", "room"),
    "address": ("地址", "address"),
    "department": ("部门", "管理处", "服务部门", "department"),
    "notes": ("备注", "notes"),
    "product": ("产品", "产品名称", "product"),
    "model": ("型号", "model"),
    "serial": ("序列号", "编号", "serial"),
    "sale_date": ("销售日期", "购买日期", "sale_date"),
    "warranty_ends_on": ("保修截止", "保修截止日期", "三包截止", "warranty_ends_on", "warranty"),
    "running_hours": ("运行时间", "运行小时", "running_hours"),
    "mileage_km": ("里程", "行驶里程", "mileage_km", "mileage"),
    "agreement_number": ("协议编号", "合同编号", "agreement_number"),
    "agreement_title": ("协议名称", "agreement_title"),
    "agreement_starts_on": ("协议开始", "协议开始日期", "agreement_starts_on"),
    "agreement_ends_on": ("协议结束", "协议结束日期", "agreement_ends_on"),
}

KIND_ALIASES = {
    "个人": CustomerKind.PERSON,
    "住户": CustomerKind.HOUSEHOLD,
    "户": CustomerKind.HOUSEHOLD,
    "业主": CustomerKind.HOUSEHOLD,
    "家庭": CustomerKind.HOUSEHOLD,
    "单位": CustomerKind.ORGANISATION,
    "企业": CustomerKind.ORGANISATION,
    "公司": CustomerKind.ORGANISATION,
    **{value: value for value in CustomerKind.values},
    "单位客户": CustomerKind.ORGANISATION,
    "个人客户": CustomerKind.PERSON,
}

_CUSTOMER_FIELD_COLUMNS = {"text": "address", "number": "phone"}
_PRODUCT_FIELD_COLUMNS = {"name": "product"}
_AGREEMENT_FIELD_COLUMNS = {
    "number": "agreement_number",
    "title": "agreement_title",
    "starts_on": "agreement_starts_on",
    "ends_on": "agreement_ends_on",
}


def _customer_column(field_name: str) -> str:
    last = field_name.rsplit(".", 1)[-1]
    return _CUSTOMER_FIELD_COLUMNS.get(last, last)


def _product_column(field_name: str) -> str:
    return _PRODUCT_FIELD_COLUMNS.get(field_name, field_name)


def _agreement_column(field_name: str) -> str:
    return _AGREEMENT_FIELD_COLUMNS.get(field_name, field_name)


def _parse_int(check: RowChecker, column: str) -> int | None:
    text = check.row.get(column).replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = -1.5
    if not number.is_integer() or number < 0:
        check.add(column, MESSAGES["bad_number"] % {"value": text})
        return None
    return int(number)


def _parse_date(check: RowChecker, column: str) -> Any:
    text = check.row.get(column)
    try:
        return parse_date(text)
    except ValueError:
        check.add(column, MESSAGES["bad_date"] % {"value": text})
        return None


def import_customers(
    *, organisation: Organisation, file: IO[bytes] | bytes, by: User | None, filename: str = ""
) -> ImportResult:
    """Create one customer per row (with its product and agreement when the row has them)."""
    if by is not None and (not visibility.can_edit_customers(by) or by.organisation_id != organisation.pk):
        raise PermissionDeniedError(MESSAGES["not_allowed_customers"])
    table = read_import_table(file, columns=CUSTOMER_COLUMNS, required=("name",), filename=filename)
    if isinstance(table, ImportResult):
        return table
    result = ImportResult(rows=len(table.rows))
    find_department = department_finder(organisation)

    all_digits = {
        phone_digits(normalise_phone(number)) for row in table.rows for number in split_list(row.get("phone"))
    }
    existing = {
        digits: name
        for digits, name in Phone.objects.filter(
            customer__organisation=organisation, digits__in=all_digits
        ).values_list("digits", "customer__name")
    }
    first_row: dict[tuple[str, str], int] = {}

    with transaction.atomic():
        for row in table.rows:
            check = RowChecker(row, table, result)
            kind_text = row.get("kind")
            kind = KIND_ALIASES.get(kind_text.lower()) if kind_text else CustomerKind.HOUSEHOLD
            if kind is None:
                check.add("kind", _("must be one of %(choices)s") % {"choices": "个人/住户/单位"})
            department = None
            if row.get("department"):
                department = find_department(row.get("department"))
                if department is None:
                    check.add("department", MESSAGES["unknown_department"] % {"value": row.get("department")})

            phones = [normalise_phone(n) for n in split_list(row.get("phone"))]
            for number in phones:
                if problem := phone_problem(number):
                    check.add("phone", problem)
                    continue
                digits = phone_digits(number)
                if digits in existing:
                    check.add(
                        "phone",
                        _("%(value)s already belongs to customer %(name)s")
                        % {"value": number, "name": existing[digits]},
                    )
            keys = [("phone", phone_digits(n)) for n in phones]
            keys += [
                (column, row.get(column)) for column in ("serial", "agreement_number") if row.get(column)
            ]
            for column, key in keys:
                if not key:
                    continue
                earlier = first_row.setdefault((column, key), row.number)
                if earlier != row.number:
                    check.add(column, MESSAGES["duplicate_in_file"] % {"value": key, "row": earlier})

            product = {
                "name": row.get("product"),
                "model": row.get("model"),
                "serial": row.get("serial"),
                "sale_date": _parse_date(check, "sale_date"),
                "warranty_ends_on": _parse_date(check, "warranty_ends_on"),
                "running_hours": _parse_int(check, "running_hours"),
                "mileage_km": _parse_int(check, "mileage_km"),
            }
            has_product = any(v not in ("", None) for v in product.values())
            agreement = {
                "number": row.get("agreement_number"),
                "title": row.get("agreement_title") or "居家服务协议书",
                "starts_on": _parse_date(check, "agreement_starts_on"),
                "ends_on": _parse_date(check, "agreement_ends_on"),
            }
            has_agreement = bool(agreement["number"] or agreement["starts_on"] or agreement["ends_on"])
            if has_agreement and agreement["starts_on"] is None and not row.get("agreement_starts_on"):
                check.add("agreement_starts_on", MESSAGES["required"])
            if check.count:
                continue

            address = {
                "building": row.get("building"),
                "unit": row.get("unit"),
                "room": row.get("room"),
                "text": row.get("address"),
            }
            stage = _customer_column
            try:
                with transaction.atomic():
                    customer = customer_create(
                        organisation=organisation,
                        by=by,
                        name=row.get("name"),
                        kind=kind or CustomerKind.HOUSEHOLD,
                        department=department,
                        notes=row.get("notes"),
                        addresses=[address] if any(address.values()) else [],
                        phones=[{"number": n} for n in phones],
                    )
                    if has_product:
                        stage = _product_column
                        product_add(customer=customer, by=by, **product)
                    if has_agreement:
                        stage = _agreement_column
                        agreement_add(customer=customer, by=by, **agreement)
            except ValidationFailed as exc:
                check.add_validation(exc, stage)
                continue
            result.created += 1

        if result.errors:
            result.created = 0
            transaction.set_rollback(True)
    return result
