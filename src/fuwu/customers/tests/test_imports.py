"""Imports from CSV and Excel: all rows checked, each bad row reported, nothing written unless all good."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from fuwu.customers.imports import import_customers
from fuwu.customers.models import Customer, Product, ServiceAgreement
from fuwu.org.imports import import_staff
from fuwu.org.models import Role, User
from fuwu.timeline.models import Event

from .factories import make_customer

GOOD_ROWS = [
    [
        "姓名",
        "类型",
        "电话",
        "楼栋",
        "单元",
        "室",
        "部门",
        "产品",
        "型号",
        "序列号",
        "销售日期",
        "保修截止",
        "协议编号",
        "协议开始",
        "协议结束",
    ],
    [
        "张三",
        "住户",
        "13812345678",
        "12",
        "3",
        "1502",
        "repair",
        "空调",
        "KFR-35GW",
        "SN-1",
        "2024-01-01",
        "2027-01-01",
        "XY-001",
        "2024-01-01",
        "2024-12-31",
    ],
    [
        "李四",
        "个人",
        "13912345678、0571-88886666",
        "8",
        "1",
        "101",
        "工程维修部",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    ["某某公司", "单位", "021-66668888", "", "", "", "", "", "", "", "", "", "", "", ""],
]

BAD_ROWS = [
    [
        "name",
        "kind",
        "phone",
        "building",
        "room",
        "department",
        "product",
        "sale_date",
        "warranty_ends_on",
        "agreement_number",
        "agreement_starts_on",
        "agreement_ends_on",
    ],
    ["好客户", "household", "13812345678", "1", "101", "repair", "", "", "", "", "", ""],  # row 2: good
    ["", "household", "13812340000", "1", "102", "", "", "", "", "", "", ""],  # row 3: no name
    ["坏电话", "household", "12345", "1", "103", "", "", "", "", "", "", ""],  # row 4: phone
    ["重复", "household", "13812345678", "1", "104", "", "", "", "", "", "", ""],  # row 5: dup of row 2
    ["坏部门", "household", "13800000005", "1", "105", "不存在部", "", "", "", "", "", ""],  # row 6
    [
        "坏保修",
        "household",
        "13800000006",
        "1",
        "106",
        "",
        "空调",
        "2024-05-01",
        "2024-01-01",
        "",
        "",
        "",
    ],  # 7
    [
        "坏协议",
        "household",
        "13800000007",
        "1",
        "107",
        "",
        "",
        "",
        "",
        "XY-9",
        "2024-05-01",
        "2024-04-01",
    ],  # 8
    ["坏类型", "alien", "13800000008", "1", "108", "", "", "", "", "", "", ""],  # row 9
    ["坏日期", "household", "13800000009", "1", "109", "", "空调", "昨天", "", "", "", ""],  # row 10
]


def csv_bytes(rows, encoding="utf-8-sig"):
    text = "\n".join(",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows)
    return text.encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([int(c) if c.isdigit() and len(c) == 11 else c for c in row])  # phones as numbers
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("customers.csv", csv_bytes),
        ("customers.csv", lambda rows: csv_bytes(rows, "gb18030")),
        ("customers.xlsx", xlsx_bytes),
    ],
)
def test_a_good_file_imports_every_row(cast, filename, build):
    # when
    result = import_customers(
        organisation=cast.organisation, file=build(GOOD_ROWS), by=cast.agent, filename=filename
    )
    # then
    assert result.ok, result.errors
    assert (result.rows, result.created) == (3, 3)
    zhang = Customer.objects.get(name="张三")
    assert zhang.department == cast.repair
    assert zhang.addresses.get().label == "12号楼3单元1502室"
    assert zhang.phones.get().number == "13812345678"
    assert zhang.products.get().serial == "SN-1"
    assert zhang.agreements.get().number == "XY-001"
    li = Customer.objects.get(name="李四")
    assert sorted(li.phones.values_list("number", flat=True)) == ["0571-88886666", "13912345678"]
    assert li.kind == "person"
    assert li.department == cast.repair
    assert Customer.objects.get(name="某某公司").kind == "organisation"


@pytest.mark.parametrize(("filename", "build"), [("bad.csv", csv_bytes), ("bad.xlsx", xlsx_bytes)])
def test_a_file_with_bad_rows_reports_each_row_and_imports_nothing(cast, filename, build):
    # when
    result = import_customers(
        organisation=cast.organisation, file=build(BAD_ROWS), by=cast.agent, filename=filename
    )
    # then
    assert not result.ok
    assert result.created == 0
    problems = {(e.row, e.column) for e in result.errors}
    assert problems == {
        (3, "name"),
        (4, "phone"),
        (5, "phone"),
        (6, "department"),
        (7, "warranty_ends_on"),
        (8, "agreement_ends_on"),
        (9, "kind"),
        (10, "sale_date"),
    }
    duplicate = next(e for e in result.errors if e.row == 5)
    assert "2" in duplicate.message
    assert Customer.objects.count() == 0
    assert Product.objects.count() == ServiceAgreement.objects.count() == 0
    assert not Event.objects.filter(action__startswith="customer.").exists()


def test_phone_already_in_the_database_is_reported(cast):
    make_customer(cast.organisation, "老客户", phones=("13812345678",))
    result = import_customers(
        organisation=cast.organisation, file=csv_bytes(GOOD_ROWS), by=None, filename="c.csv"
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "电话")]
    assert "老客户" in result.errors[0].message
    assert Customer.objects.count() == 1


def test_file_problems_are_reported_without_rows(cast):
    missing = import_customers(
        organisation=cast.organisation, file=csv_bytes([["电话"], ["13812345678"]]), by=None, filename="c.csv"
    )
    assert [e.row for e in missing.errors] == [0]
    unsupported = import_customers(organisation=cast.organisation, file=b"x", by=None, filename="c.pdf")
    assert not unsupported.ok


def test_import_page_shows_the_row_error_table(cast, web):
    client = web(cast.agent)
    upload = SimpleUploadedFile("bad.csv", csv_bytes(BAD_ROWS), content_type="text/csv")
    response = client.post("/customers/import/", {"file": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page
    assert "<td>10</td>" in page
    good = SimpleUploadedFile("good.csv", csv_bytes(GOOD_ROWS), content_type="text/csv")
    assert client.post("/customers/import/", {"file": good}).status_code == 302
    assert Customer.objects.count() == 3


STAFF_GOOD = [
    ["用户名", "姓名", "部门", "角色", "岗位", "电话", "密码"],
    ["zhang", "张工", "repair", "服务人员", "维修工", "13800001111", "secret-pass-1"],
    ["li", "李客服", "客服中心", "客服专员、部门主管", "", "", ""],
    ["wang", "王品质", "quality", "quality_inspector, director", "", "", ""],
]

STAFF_BAD = [
    ["username", "full_name", "department", "roles", "password"],
    ["ok1", "好人", "repair", "technician", ""],  # row 2 good
    ["ok1", "重名", "repair", "technician", ""],  # row 3 duplicate of row 2
    ["agent", "已存在", "repair", "technician", ""],  # row 4 taken (cast)
    ["nobody", "", "repair", "technician", ""],  # row 5 no name
    ["x2", "某人", "火星部", "technician", ""],  # row 6 department
    ["x3", "某人", "repair", "宇航员", ""],  # row 7 role
    ["x4", "某人", "repair", "technician", "123"],  # row 8 short password
]


def test_staff_import_good_file(cast):
    result = import_staff(
        organisation=cast.organisation, file=csv_bytes(STAFF_GOOD), by=cast.admin, filename="staff.csv"
    )
    assert result.ok, result.errors
    assert result.created == 3
    zhang = User.objects.get(username="zhang")
    assert zhang.department == cast.repair
    assert zhang.roles == [Role.TECHNICIAN]
    assert zhang.check_password("secret-pass-1")
    assert User.objects.get(username="li").roles == [Role.AGENT, Role.DEPARTMENT_HEAD]
    assert not User.objects.get(username="li").has_usable_password()
    assert User.objects.get(username="wang").roles == [Role.QUALITY_INSPECTOR, Role.DIRECTOR]


@pytest.mark.parametrize(("filename", "build"), [("staff.csv", csv_bytes), ("staff.xlsx", xlsx_bytes)])
def test_staff_import_reports_every_bad_row_and_imports_nothing(cast, filename, build):
    before = User.objects.count()
    result = import_staff(
        organisation=cast.organisation, file=build(STAFF_BAD), by=cast.admin, filename=filename
    )
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "username"),
        (4, "username"),
        (5, "full_name"),
        (6, "department"),
        (7, "roles"),
        (8, "password"),
    }
    assert User.objects.count() == before


def test_staff_import_is_for_administrators(cast):
    from fuwu.lib.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        import_staff(organisation=cast.organisation, file=csv_bytes(STAFF_GOOD), by=cast.agent)


def test_import_command(cast, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(BAD_ROWS))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import", "customers", str(bad), "--org", cast.organisation.name)
    assert "row 10" in capsys.readouterr().err
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes(GOOD_ROWS))
    call_command("import", "customers", str(good), "--org", "测试物业")
    assert Customer.objects.count() == 3
    staff = tmp_path / "staff.csv"
    staff.write_bytes(csv_bytes(STAFF_GOOD))
    call_command("import", "staff", str(staff), "--org", cast.organisation.name)
    assert User.objects.filter(username="zhang").exists()
