"""`yiwang import-licenses FILE.csv`: bulk-load existing licences (docs/licenses.md).

The file is UTF-8 CSV with one licence per row: the fixed columns below, then one column
per 照面字段 named exactly as in the licence type (a file may mix types; a row fills the
columns of its own type and leaves the others empty). Everything is checked first and every
problem is reported with its row and column; if there is any, nothing is imported. Rows
already in the library are skipped, so the same file can be imported again: by 证照编号,
or — when the number is left empty and generated — by type, holder and 签发日期."""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.catalog.models import LicenseType
from yiwang.core.exchange import ImportRejected
from yiwang.identity import crypto
from yiwang.identity.models import Enterprise, User
from yiwang.identity.validators import validate_id_number, validate_uscc

from . import services
from .models import License

TYPE = "证照类型编码"
NUMBER = "证照编号"
HOLDER_KIND = "持证主体类型"
HOLDER_ID = "持证人证件号码"
HOLDER_NAME = "持证人名称"
ISSUED = "签发日期"
# Not "有效期至": 食品经营许可证 has a 照面字段 of that name.
UNTIL = "证照有效期至"
REQUIRED = [TYPE, HOLDER_KIND, HOLDER_ID, HOLDER_NAME, ISSUED]
COLUMNS = [TYPE, NUMBER, HOLDER_KIND, HOLDER_ID, HOLDER_NAME, ISSUED, UNTIL]
NO_EXPIRY = "长期"
DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


@dataclass(frozen=True)
class LicenseRowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("第%(row)d行“%(column)s”：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Row:
    line: int
    license_type: LicenseType
    number: str
    holder_person: User | None
    holder_enterprise: Enterprise | None
    holder_name: str
    issued_on: datetime.date
    valid_until: datetime.date | None | str
    data: dict = field(default_factory=dict)


def _read(source) -> list[list[str]]:
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            text = stream.read()
    else:
        text = source.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
    try:
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as exc:
        raise ImportRejected([LicenseRowError(1, "", _("无法读取 CSV：%s") % exc)]) from None


def _date(text: str) -> datetime.date | None:
    match = DATE.fullmatch(text.strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse(source) -> list[Row]:
    """Read and check the whole file; raise ImportRejected with every problem."""
    records = _read(source)
    header = [cell.strip() for cell in records[0]] if records else []
    types = {t.code: t for t in LicenseType.objects.select_related("issuer")}
    known_fields = {name for t in types.values() for name in t.fields}
    errors: list[LicenseRowError] = []
    for column in REQUIRED:
        if column not in header:
            errors.append(LicenseRowError(1, column, _("缺少该列。")))
    for position, column in enumerate(header):
        if column and column in header[:position]:
            errors.append(LicenseRowError(1, column, _("该列出现了两次。")))
        if column and column not in COLUMNS and column not in known_fields:
            errors.append(
                LicenseRowError(1, column, _("不是固定列，也不是任何证照类型的照面字段。"))
            )
    if errors:
        raise ImportRejected(errors)

    rows: list[Row] = []
    numbers_seen: dict[str, int] = {}
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)}

        def error(column, message, line=line):
            errors.append(LicenseRowError(line, column, message))

        kind = types.get(cells.get(TYPE, ""))
        if kind is None:
            error(TYPE, _("没有这个证照类型编码（见事项目录的“证照类型”表）。"))
            continue
        number = cells.get(NUMBER, "")
        if number:
            if number in numbers_seen:
                error(NUMBER, _("与第%(row)d行的证照编号重复。") % {"row": numbers_seen[number]})
            numbers_seen.setdefault(number, line)
        holder_kind = cells.get(HOLDER_KIND, "")
        person = enterprise = None
        if holder_kind not in LicenseType.HolderKind.values:
            error(HOLDER_KIND, _("只能是“自然人”或“法人”。"))
        elif holder_kind != kind.holder_kind:
            error(
                HOLDER_KIND,
                _("“%(type)s”的持证主体应为%(kind)s。")
                % {"type": kind.name, "kind": kind.holder_kind},
            )
        else:
            person, enterprise = _holder(cells, kind, error)
        issued_on = _date(cells.get(ISSUED, ""))
        if issued_on is None:
            error(ISSUED, _("日期应写成 2024-01-31 的形式，且须是存在的日期。"))
        until_text = cells.get(UNTIL, "")
        valid_until: datetime.date | None | str = "derive"
        if until_text == NO_EXPIRY:
            valid_until = None
        elif until_text:
            valid_until = _date(until_text)
            if valid_until is None:
                error(
                    UNTIL,
                    _(
                        "日期应写成 2024-01-31 的形式，长期有效写“长期”，留空按证照类型的有效期计算。"
                    ),
                )
            elif issued_on and valid_until < issued_on:
                error(UNTIL, _("有效期至不能早于签发日期。"))
        data = {}
        for name in kind.fields:
            value = cells.get(name, "")
            if not value:
                error(name, _("“%(type)s”的照面字段，不能为空。") % {"type": kind.name})
            data[name] = value
        for column, value in cells.items():
            if value and column in known_fields and column not in kind.fields:
                error(column, _("“%(type)s”没有这个照面字段，请留空。") % {"type": kind.name})
        if (person or enterprise) and issued_on:  # with errors the file is refused anyway
            rows.append(
                Row(
                    line,
                    kind,
                    number,
                    person,
                    enterprise,
                    cells.get(HOLDER_NAME, ""),
                    issued_on,
                    valid_until,
                    data,
                )
            )
    if not rows and not errors:
        errors.append(LicenseRowError(1, "", _("文件中没有任何证照。")))
    if not errors:
        _check_existing(rows, error_list=errors)
    if errors:
        raise ImportRejected(errors)
    return rows


def _holder(cells, kind, error):
    code, name = cells.get(HOLDER_ID, ""), cells.get(HOLDER_NAME, "")
    if kind.holder_kind == LicenseType.HolderKind.PERSON:
        try:
            number = validate_id_number(code)
        except ValidationError as exc:
            error(HOLDER_ID, exc.messages[0])
            return None, None
        person = User.objects.filter(id_number_index=crypto.blind_index(number)).first()
        if person is None:
            error(HOLDER_ID, _("平台中没有该身份证号的实名用户。"))
            return None, None
        if name != person.real_name:
            error(HOLDER_NAME, _("与该身份证号实名登记的姓名不一致。"))
            return None, None
        return person, None
    try:
        uscc = validate_uscc(code)
    except ValidationError as exc:
        error(HOLDER_ID, exc.messages[0])
        return None, None
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None:
        error(HOLDER_ID, _("平台中没有该统一社会信用代码的企业。"))
        return None, None
    if name != enterprise.name:
        error(HOLDER_NAME, _("与该统一社会信用代码登记的企业名称不一致。"))
        return None, None
    return None, enterprise


def _existing(row: Row) -> License | None:
    if row.number:
        return License.objects.filter(number=row.number).first()
    return License.objects.filter(
        license_type=row.license_type,
        holder_person=row.holder_person,
        holder_enterprise=row.holder_enterprise,
        issued_on=row.issued_on,
    ).first()


def _check_existing(rows: list[Row], *, error_list: list) -> None:
    for row in rows:
        found = _existing(row)
        if found is None:
            continue
        same = (
            found.license_type_id == row.license_type.pk
            and found.holder_person_id == (row.holder_person and row.holder_person.pk)
            and found.holder_enterprise_id == (row.holder_enterprise and row.holder_enterprise.pk)
        )
        if not same:
            error_list.append(
                LicenseRowError(row.line, NUMBER, _("该证照编号已被另一张证照使用。"))
            )


@transaction.atomic
def import_rows(rows: list[Row], *, by="yiwang import-licenses") -> dict[str, int]:
    """Issue each new row (signed, final); rows already in the library are left alone."""
    created = unchanged = 0
    for row in rows:
        if _existing(row) is not None:
            unchanged += 1
            continue
        services.issue(
            row.license_type,
            holder_person=row.holder_person,
            holder_enterprise=row.holder_enterprise,
            data=row.data,
            by=by,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            number=row.number,
            holder_name=row.holder_name,
            notify_holder=False,
        )
        created += 1
    return {"created": created, "unchanged": unchanged}


def import_file(source, *, by="yiwang import-licenses") -> dict[str, int]:
    return import_rows(parse(source), by=by)
