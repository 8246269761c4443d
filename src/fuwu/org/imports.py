"""Importing staff from Excel or CSV: every row checked and reported, nothing written unless all are good.

Columns (Chinese or English headers): 用户名/username, 姓名/full_name, 部门/department (code or name),
角色/roles (codes or Chinese labels separated by commas or 、), 岗位/post, 电话/phone, 密码/password
(optional: without one the person cannot sign in until an administrator sets it).
"""

from __future__ import annotations

from typing import IO

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from fuwu import visibility
from fuwu.customers.imports import (
    MESSAGES,
    ImportResult,
    RowChecker,
    department_finder,
    read_import_table,
)
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.lib.tabular import split_list

from .models import Organisation, Role, User
from .services import staff_create

STAFF_COLUMNS: dict[str, tuple[str, ...]] = {
    "username": ("用户名", "账号", "登录名", "工号", "username", "user"),
    "full_name": ("姓名", "名字", "full_name", "name"),
    "department": ("部门", "department"),
    "roles": ("角色", "roles", "role"),
    "post": ("岗位", "职务", "post"),
    "phone": ("电话", "手机", "phone"),
    "password": ("密码", "初始密码", "password"),
}

ROLE_ALIASES: dict[str, str] = {
    **{code: code for code in Role.values},
    "客服专员": Role.AGENT,
    "客服": Role.AGENT,
    "接待员": Role.AGENT,
    "服务人员": Role.TECHNICIAN,
    "维修工": Role.TECHNICIAN,
    "技术员": Role.TECHNICIAN,
    "部门主管": Role.DEPARTMENT_HEAD,
    "部门经理": Role.DEPARTMENT_HEAD,
    "主管": Role.DEPARTMENT_HEAD,
    "department head": Role.DEPARTMENT_HEAD,
    "品质": Role.QUALITY_INSPECTOR,
    "品质部": Role.QUALITY_INSPECTOR,
    "品质专员": Role.QUALITY_INSPECTOR,
    "质检员": Role.QUALITY_INSPECTOR,
    "quality inspector": Role.QUALITY_INSPECTOR,
    "总监": Role.DIRECTOR,
    "总经理": Role.DIRECTOR,
    "管理员": Role.ADMINISTRATOR,
    "系统管理员": Role.ADMINISTRATOR,
}


def parse_roles(text: str) -> tuple[list[str], list[str]]:
    """(role codes, unknown words) of ``客服专员、服务人员`` or ``agent, technician``."""
    roles: list[str] = []
    unknown: list[str] = []
    for word in split_list(text):
        code = ROLE_ALIASES.get(word.lower()) or ROLE_ALIASES.get(word)
        if code is None:
            unknown.append(word)
        elif code not in roles:
            roles.append(code)
    return roles, unknown


def import_staff(
    *, organisation: Organisation, file: IO[bytes] | bytes, by: User | None, filename: str = ""
) -> ImportResult:
    if by is not None and (
        not visibility.can_manage_organisation(by) or by.organisation_id != organisation.pk
    ):
        raise PermissionDeniedError(MESSAGES["not_allowed_staff"])
    table = read_import_table(
        file, columns=STAFF_COLUMNS, required=("username", "full_name"), filename=filename
    )
    if isinstance(table, ImportResult):
        return table
    result = ImportResult(rows=len(table.rows))
    find_department = department_finder(organisation)
    usernames = [row.get("username") for row in table.rows if row.get("username")]
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    first_row: dict[str, int] = {}

    with transaction.atomic():
        for row in table.rows:
            check = RowChecker(row, table, result)
            username = row.get("username")
            if not username:
                check.add("username", MESSAGES["required"])
            elif username in taken:
                check.add("username", MESSAGES["username_taken"] % {"value": username})
            elif (earlier := first_row.setdefault(username, row.number)) != row.number:
                check.add("username", MESSAGES["duplicate_in_file"] % {"value": username, "row": earlier})
            if not row.get("full_name"):
                check.add("full_name", MESSAGES["required"])
            department = None
            if row.get("department"):
                department = find_department(row.get("department"))
                if department is None:
                    check.add("department", MESSAGES["unknown_department"] % {"value": row.get("department")})
            roles, unknown = parse_roles(row.get("roles"))
            for word in unknown:
                check.add("roles", MESSAGES["unknown_role"] % {"value": word})
            password = row.get("password")
            if password:
                try:
                    validate_password(password)
                except DjangoValidationError as exc:
                    for message in exc.messages:
                        check.add("password", message)
            if check.count:
                continue
            try:
                with transaction.atomic():
                    staff_create(
                        organisation=organisation,
                        username=username,
                        full_name=row.get("full_name"),
                        department=department,
                        roles=roles,
                        post=row.get("post"),
                        phone=row.get("phone"),
                        password=password or None,
                        by=by,
                    )
            except ValidationFailed as exc:
                check.add_validation(exc, lambda name: name)
                continue
            result.created += 1

        if result.errors:
            result.created = 0
            transaction.set_rollback(True)
    return result
