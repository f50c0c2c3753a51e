"""The catalogue exchange file (catalog.xlsx): read every sheet, validate every row, import
in one transaction, export the published catalogue in the same format.

An item's row, materials, steps and form (申请表) are compared as exchange-format text with
what is published: the same text changes nothing, different text becomes a new published version,
so re-importing a file is a no-op and history is never rewritten."""

import re
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core.exchange import ImportRejected, RowError, rows_of
from yiwang.forms import services as forms_services
from yiwang.identity import orgs_exchange
from yiwang.identity.models import OrgUnit

from . import exchange_forms, vocab
from .models import (
    Bundle,
    BundleItem,
    ItemVersion,
    LicenseType,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    Theme,
    VersionStatus,
)

ORGS = orgs_exchange.SHEET
ITEMS, MATERIALS, STEPS, LICENSES, BUNDLES = "事项", "申请材料", "办理流程", "证照类型", "一件事"
COLUMNS = {
    ORGS: orgs_exchange.COLUMNS,
    ITEMS: [
        "事项编码",
        "事项名称",
        "英文名称",
        "事项类型",
        "实施主体",
        "主管部门",
        "行使层级",
        "服务对象",
        "主题分类",
        "设定依据",
        "受理条件",
        "法定办结时限",
        "承诺办结时限",
        "收费标准",
        "办理深度",
        "到现场次数",
        "办理结果名称",
        "结果类型",
        "结果证照类型编码",
        "办理地点",
        "是否支持预约",
        "是否支持物流快递",
        "是否热门",
        "关键词",
    ],
    MATERIALS: [
        "事项编码",
        "序号",
        "材料名称",
        "材料类型",
        "份数",
        "材料形式",
        "来源渠道",
        "关联证照类型编码",
        "必要性",
        "填报须知",
    ],
    STEPS: ["事项编码", "序号", "环节名称", "办理岗位", "时限(工作日)"],
    LICENSES: [
        "证照类型编码",
        "证照名称",
        "英文名称",
        "发证机构",
        "持证主体类型",
        "有效期(年)",
        "照面字段",
        *exchange_forms.LICENSE_COLUMNS,
    ],
    BUNDLES: ["一件事编码", "名称", "英文名称", "服务对象", "主办事项", "并联事项", "说明"],
    **exchange_forms.SHEETS,
}
CODE_LISTS, ELEMENTS, FORMS = (
    exchange_forms.CODE_LISTS,
    exchange_forms.ELEMENTS,
    exchange_forms.FORMS,
)
# Added with application forms (docs/forms.md): a file made before them has none of these
# sheets and columns, and reads as if they were empty.
OPTIONAL_SHEETS = set(exchange_forms.SHEETS)
# English names came later still (docs/i18n.md).
OPTIONAL_COLUMNS = set(exchange_forms.LICENSE_COLUMNS) | orgs_exchange.OPTIONAL_COLUMNS
_ITEM_CODE = re.compile(r"^[A-Z]{2,4}-(XK|JF|QR|CJ|JL|QT|GG)-\d{4}$")
_MULTI = {"实施主体", "主题分类", "办理地点", "关键词", "照面字段", "主办事项", "并联事项"}

Progress = Callable[[int], None]


# --- reading ------------------------------------------------------------------------------


def read_workbook(path) -> dict[str, list[dict]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets, errors = {}, []
    try:
        for name, columns in COLUMNS.items():
            if name in OPTIONAL_SHEETS and name not in workbook.sheetnames:
                sheets[name] = []
                continue
            required = [c for c in columns if c not in OPTIONAL_COLUMNS]
            try:
                rows = rows_of(workbook, name, required)
            except ImportRejected as rejected:
                errors.extend(rejected.errors)
                continue
            sheets[name] = [_normalise({c: "" for c in columns} | row) for row in rows]
    finally:
        workbook.close()
    if errors:
        raise ImportRejected(errors)
    return sheets


def _normalise(row: dict) -> dict:
    """Multi-valued cells in one spelling (";" separated, no blanks), so text compares."""
    for column in _MULTI & row.keys():
        row[column] = vocab.join(vocab.split(row[column]))
    if row.get("服务对象") == "法人;自然人":
        row["服务对象"] = "自然人;法人"
    return exchange_forms.normalise(row)


# --- validating ---------------------------------------------------------------------------


def _int(errors, sheet, row, column, low=0, high=None) -> int | None:
    text = row[column]
    if not re.fullmatch(r"\d+", text or ""):
        errors.append(RowError(sheet, row["_row"], column, _("应为不小于0的整数。")))
        return None
    value = int(text)
    if value < low or (high is not None and value > high):
        errors.append(
            RowError(
                sheet,
                row["_row"],
                column,
                _("应在%(low)d到%(high)d之间。") % {"low": low, "high": high},
            )
        )
        return None
    return value


def _one_of(errors, sheet, row, column, allowed) -> None:
    if row[column] not in allowed:
        errors.append(
            RowError(
                sheet,
                row["_row"],
                column,
                _("应为：%(values)s。") % {"values": "、".join(sorted(allowed))},
            )
        )


def _duplicates(errors, sheet, rows, column) -> None:
    seen = {}
    for row in rows:
        key = row[column]
        if key in seen:
            errors.append(
                RowError(sheet, row["_row"], column, _("与第%(row)d行重复。") % {"row": seen[key]})
            )
        seen.setdefault(key, row["_row"])


def validate(sheets: dict[str, list[dict]]) -> list[RowError]:
    errors = orgs_exchange.validate(sheets[ORGS])
    org_codes = {r["机构编码"] for r in sheets[ORGS]} | set(
        OrgUnit.objects.values_list("code", flat=True)
    )
    licences = dict(LicenseType.objects.values_list("code", "fields")) | {
        r["证照类型编码"]: vocab.split(r["照面字段"]) for r in sheets[LICENSES]
    }
    licence_codes = set(licences)
    themes = set(vocab.THEMES_PERSON) | set(vocab.THEMES_ENTERPRISE)

    def orgs_exist(sheet, row, column, codes):
        unknown = [c for c in codes if c not in org_codes]
        if unknown:
            errors.append(
                RowError(
                    sheet,
                    row["_row"],
                    column,
                    _("机构编码不存在：%(codes)s。") % {"codes": "、".join(unknown)},
                )
            )

    _duplicates(errors, LICENSES, sheets[LICENSES], "证照类型编码")
    for row in sheets[LICENSES]:
        if not row["证照名称"]:
            errors.append(RowError(LICENSES, row["_row"], "证照名称", _("不能为空。")))
        orgs_exist(LICENSES, row, "发证机构", [row["发证机构"]])
        _one_of(errors, LICENSES, row, "持证主体类型", vocab.HOLDER_KINDS)
        _int(errors, LICENSES, row, "有效期(年)", 0, 100)

    _duplicates(errors, ITEMS, sheets[ITEMS], "事项编码")
    for row in sheets[ITEMS]:
        sheet = ITEMS
        if not _ITEM_CODE.match(row["事项编码"]):
            errors.append(
                RowError(
                    sheet,
                    row["_row"],
                    "事项编码",
                    _("格式应为“部门简码-类型码-4位序号”，如 SCJ-XK-0001。"),
                )
            )
        if not row["事项名称"]:
            errors.append(RowError(sheet, row["_row"], "事项名称", _("不能为空。")))
        _one_of(errors, sheet, row, "事项类型", vocab.ITEM_TYPES)
        orgs_exist(sheet, row, "实施主体", vocab.split(row["实施主体"]) or [""])
        orgs_exist(sheet, row, "主管部门", [row["主管部门"]])
        _one_of(errors, sheet, row, "行使层级", vocab.LEVELS)
        _one_of(errors, sheet, row, "服务对象", vocab.AUDIENCES)
        unknown = [t for t in vocab.split(row["主题分类"]) if t not in themes]
        if unknown:
            errors.append(
                RowError(
                    sheet,
                    row["_row"],
                    "主题分类",
                    _("未知主题：%(themes)s。") % {"themes": "、".join(unknown)},
                )
            )
        statutory = _int(errors, sheet, row, "法定办结时限", 0, 365)
        promised = _int(errors, sheet, row, "承诺办结时限", 0, 365)
        if statutory is not None and promised is not None and promised > statutory:
            errors.append(
                RowError(
                    sheet,
                    row["_row"],
                    "承诺办结时限",
                    _("承诺时限不能超过法定时限（%(days)d个工作日）。") % {"days": statutory},
                )
            )
        _int(errors, sheet, row, "办理深度", 1, 4)
        _int(errors, sheet, row, "到现场次数", 0, 2)
        _one_of(errors, sheet, row, "结果类型", vocab.RESULT_TYPES)
        licence = row["结果证照类型编码"]
        if row["结果类型"] == "证照" and licence not in licence_codes:
            errors.append(
                RowError(
                    sheet,
                    row["_row"],
                    "结果证照类型编码",
                    _("结果类型为证照时，应填写已有的证照类型编码。"),
                )
            )
        elif row["结果类型"] != "证照" and licence:
            errors.append(
                RowError(sheet, row["_row"], "结果证照类型编码", _("结果类型不是证照时应为空。"))
            )
        orgs_exist(sheet, row, "办理地点", vocab.split(row["办理地点"]) or [""])
        for column in ["是否支持预约", "是否支持物流快递", "是否热门"]:
            _one_of(errors, sheet, row, column, vocab.YES_NO)

    item_codes = {r["事项编码"] for r in sheets[ITEMS]}
    for sheet, seq_key in [(MATERIALS, "序号"), (STEPS, "序号"), (FORMS, "序号")]:
        seen = {}
        for row in sheets[sheet]:
            if row["事项编码"] not in item_codes:
                errors.append(RowError(sheet, row["_row"], "事项编码", _("事项表中没有该事项。")))
            if _int(errors, sheet, row, seq_key, 1, 999) is not None:
                key = (row["事项编码"], row[seq_key])
                if key in seen:
                    errors.append(
                        RowError(
                            sheet,
                            row["_row"],
                            seq_key,
                            _("同一事项的序号与第%(row)d行重复。") % {"row": seen[key]},
                        )
                    )
                seen.setdefault(key, row["_row"])
    for row in sheets[MATERIALS]:
        if not row["材料名称"]:
            errors.append(RowError(MATERIALS, row["_row"], "材料名称", _("不能为空。")))
        _one_of(errors, MATERIALS, row, "材料类型", vocab.MATERIAL_KINDS)
        _int(errors, MATERIALS, row, "份数", 0, 99)
        _one_of(errors, MATERIALS, row, "材料形式", vocab.MEDIA)
        _one_of(errors, MATERIALS, row, "来源渠道", vocab.SOURCES)
        licence = row["关联证照类型编码"]
        if row["来源渠道"] == "电子证照库" and licence not in licence_codes:
            errors.append(
                RowError(
                    MATERIALS,
                    row["_row"],
                    "关联证照类型编码",
                    _("来源为电子证照库时，应填写已有的证照类型编码。"),
                )
            )
        elif row["来源渠道"] != "电子证照库" and licence:
            errors.append(
                RowError(
                    MATERIALS, row["_row"], "关联证照类型编码", _("来源不是电子证照库时应为空。")
                )
            )
        _one_of(errors, MATERIALS, row, "必要性", vocab.NECESSITIES)
    for row in sheets[STEPS]:
        if not row["环节名称"]:
            errors.append(RowError(STEPS, row["_row"], "环节名称", _("不能为空。")))
        _one_of(errors, STEPS, row, "办理岗位", vocab.STEP_ROLES)
        _int(errors, STEPS, row, "时限(工作日)", 0, 365)
    errors += exchange_forms.validate(sheets, item_codes=item_codes, licences=licences)

    _duplicates(errors, BUNDLES, sheets[BUNDLES], "一件事编码")
    known_items = item_codes | set(ServiceItem.objects.values_list("code", flat=True))
    for row in sheets[BUNDLES]:
        if not row["名称"]:
            errors.append(RowError(BUNDLES, row["_row"], "名称", _("不能为空。")))
        _one_of(errors, BUNDLES, row, "服务对象", vocab.AUDIENCES)
        if not vocab.split(row["主办事项"]):
            errors.append(RowError(BUNDLES, row["_row"], "主办事项", _("至少需要一个主办事项。")))
        for column in ["主办事项", "并联事项"]:
            unknown = [c for c in vocab.split(row[column]) if c not in known_items]
            if unknown:
                errors.append(
                    RowError(
                        BUNDLES,
                        row["_row"],
                        column,
                        _("事项不存在：%(codes)s。") % {"codes": "、".join(unknown)},
                    )
                )
    return sorted(errors, key=lambda e: (list(COLUMNS).index(e.sheet), e.row))


# --- text of what is stored (for comparing and exporting) --------------------------------


def item_row(version: ItemVersion) -> dict:
    orgs = version.implementing_orgs.all()
    places = version.places.all()
    return {
        "事项编码": version.item.code,
        "事项名称": version.name,
        "英文名称": version.name_en,
        "事项类型": version.item_type,
        "实施主体": vocab.join(sorted(o.code for o in orgs)),
        "主管部门": version.department.code,
        "行使层级": vocab.LEVEL_WORDS[version.level],
        "服务对象": vocab.AUDIENCE_WORDS[version.audience],
        "主题分类": vocab.join(t.name for t in _ordered_themes(version)),
        "设定依据": version.legal_basis,
        "受理条件": version.conditions,
        "法定办结时限": str(version.statutory_days),
        "承诺办结时限": str(version.promised_days),
        "收费标准": version.fee,
        "办理深度": str(version.online_depth),
        "到现场次数": str(version.max_visits),
        "办理结果名称": version.result_name,
        "结果类型": version.result_type,
        "结果证照类型编码": version.result_license_type.code if version.result_license_type else "",
        "办理地点": vocab.join(sorted(p.code for p in places)),
        "是否支持预约": vocab.yes_no(version.appointment),
        "是否支持物流快递": vocab.yes_no(version.courier),
        "是否热门": vocab.yes_no(version.hot),
        "关键词": vocab.join(version.keywords),
    }


def _ordered_themes(version):
    # Theme order of the version is kept in the through table's id order.
    through = ItemVersion.themes.through
    ids = list(
        through.objects.filter(itemversion=version)
        .order_by("id")
        .values_list("theme_id", flat=True)
    )
    by_id = {t.id: t for t in version.themes.all()}
    return [by_id[i] for i in ids if i in by_id]


def material_rows(version: ItemVersion) -> list[dict]:
    return [
        {
            "事项编码": version.item.code,
            "序号": str(m.seq),
            "材料名称": m.name,
            "材料类型": m.kind,
            "份数": str(m.copies),
            "材料形式": m.medium,
            "来源渠道": m.source,
            "关联证照类型编码": m.license_type.code if m.license_type else "",
            "必要性": vocab.NECESSITY_WORDS[m.necessity],
            "填报须知": m.notes,
        }
        for m in version.materials.all()
    ]


def step_rows(version: ItemVersion) -> list[dict]:
    return [
        {
            "事项编码": version.item.code,
            "序号": str(s.seq),
            "环节名称": s.name,
            "办理岗位": s.role,
            "时限(工作日)": str(s.days),
        }
        for s in version.steps.all()
    ]


def _comparable(row: dict, sort_multi=("实施主体", "办理地点")) -> dict:
    row = {k: v for k, v in row.items() if not k.startswith("_")}
    for column in sort_multi:
        if column in row:
            row[column] = vocab.join(sorted(vocab.split(row[column])))
    return row


def _by_seq(rows):
    return sorted((_comparable(r) for r in rows), key=lambda r: int(r["序号"]))


def form_rows(version: ItemVersion) -> list[dict]:
    return exchange_forms.form_rows(version)


# --- importing ----------------------------------------------------------------------------


def import_sheets(
    sheets: dict[str, list[dict]], *, by=None, progress: Progress | None = None
) -> dict[str, int]:
    """Validate everything; if anything is wrong raise ImportRejected and write nothing.
    A sheet that is not there is empty (files made before forms had no 申请表)."""
    sheets = {name: [] for name in COLUMNS} | dict(sheets)
    errors = validate(sheets)
    if errors:
        raise ImportRejected(errors)
    progress = progress or (lambda percent: None)
    with transaction.atomic():
        summary = {"orgs": sum(orgs_exchange.import_orgs(sheets[ORGS], by=by).values())}
        summary.update(exchange_forms.import_dictionary(sheets))
        summary["license_types"] = _import_license_types(sheets[LICENSES])
        themes = _ensure_themes()
        materials, steps, form_rows = defaultdict(list), defaultdict(list), defaultdict(list)
        for row in sheets[MATERIALS]:
            materials[row["事项编码"]].append(row)
        for row in sheets[STEPS]:
            steps[row["事项编码"]].append(row)
        for row in sheets[FORMS]:
            form_rows[row["事项编码"]].append(row)
        form_fields = exchange_forms.Parsed.of(sheets).forms
        dictionary = forms_services.Dictionary.stored()
        created = changed = 0
        total = max(len(sheets[ITEMS]), 1)
        orgs = {o.code: o for o in OrgUnit.objects.all()}
        licences = {t.code: t for t in LicenseType.objects.all()}
        for index, row in enumerate(sheets[ITEMS], start=1):
            code = row["事项编码"]
            outcome = _import_item(
                row,
                materials[code],
                steps[code],
                (form_rows[code], form_fields.get(code, []), dictionary),
                orgs=orgs,
                licences=licences,
                themes=themes,
                by=by,
            )
            created += outcome == "created"
            changed += outcome == "changed"
            if index % 10 == 0 or index == total:
                progress(int(index * 95 / total))
        summary.update(
            items_created=created,
            items_changed=changed,
            items_unchanged=len(sheets[ITEMS]) - created - changed,
        )
        summary["bundles"] = _import_bundles(sheets[BUNDLES])
        if any(summary.values()):
            audit.record(by, "catalog.imported", None, summary=summary)
    progress(100)
    return summary


def import_file(path, *, by=None, progress: Progress | None = None) -> dict[str, int]:
    return import_sheets(read_workbook(path), by=by, progress=progress)


def _import_license_types(rows) -> int:
    """Licence types the rows name, created or brought up to date (never deleted)."""
    changed = 0
    orgs = {o.code: o for o in OrgUnit.objects.all()}
    for row in rows:
        values = {
            "name": row["证照名称"],
            "name_en": row["英文名称"],
            "issuer": orgs[row["发证机构"]],
            "holder_kind": row["持证主体类型"],
            "validity_years": int(row["有效期(年)"]),
            "fields": vocab.split(row["照面字段"]),
            **exchange_forms.licence_values(row),
        }
        current = LicenseType.objects.filter(code=row["证照类型编码"]).first()
        if current is None:
            LicenseType.objects.create(code=row["证照类型编码"], **values)
            changed += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save()
            changed += 1
    return changed


def _ensure_themes() -> dict[str, Theme]:
    for audience, names in [
        ("person", vocab.THEMES_PERSON),
        ("enterprise", vocab.THEMES_ENTERPRISE),
    ]:
        for position, name in enumerate(names):
            theme, _created = Theme.objects.get_or_create(
                name=name,
                defaults={"audience": audience, "position": position},
            )
            if theme.name_en != vocab.THEME_NAMES_EN[name]:
                theme.name_en = vocab.THEME_NAMES_EN[name]
                theme.save(update_fields=["name_en"])
    return {t.name: t for t in Theme.objects.all()}


def _import_item(row, materials, steps, form, *, orgs, licences, themes, by) -> str:
    """`form`: the item's 申请表 rows as the file spells them, the same as forms dicts, and
    the dictionary they refer to."""
    form_text, form_fields, dictionary = form
    item, created = ServiceItem.objects.get_or_create(code=row["事项编码"])
    current = item.published
    if current is not None and (
        _comparable(item_row(current)) == _comparable(row)
        and _by_seq(material_rows(current)) == _by_seq(materials)
        and _by_seq(step_rows(current)) == _by_seq(steps)
        and _by_seq(exchange_forms.form_rows(current)) == _by_seq(form_text)
    ):
        return "unchanged"
    number = item.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ItemVersion.objects.create(
        item=item,
        number=number + 1,
        status=VersionStatus.IN_REVIEW,
        source="import",
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **_version_fields(row, orgs, licences),
    )
    version.implementing_orgs.set([orgs[c] for c in vocab.split(row["实施主体"])])
    version.places.set([orgs[c] for c in vocab.split(row["办理地点"])])
    for name in vocab.split(row["主题分类"]):
        version.themes.add(themes[name])  # one by one: the through ids keep the file's order
    MaterialRequirement.objects.bulk_create(
        [
            MaterialRequirement(
                version=version,
                seq=int(m["序号"]),
                name=m["材料名称"],
                kind=m["材料类型"],
                copies=int(m["份数"]),
                medium=m["材料形式"],
                source=m["来源渠道"],
                license_type=licences.get(m["关联证照类型编码"]),
                necessity=vocab.NECESSITIES[m["必要性"]],
                notes=m["填报须知"],
            )
            for m in materials
        ]
    )
    ProcessStep.objects.bulk_create(
        [
            ProcessStep(
                version=version,
                seq=int(s["序号"]),
                name=s["环节名称"],
                role=s["办理岗位"],
                days=int(s["时限(工作日)"]),
            )
            for s in steps
        ]
    )
    exchange_forms.replace_form(version, form_fields, dictionary)
    from . import services  # the one way to publish: retire the old, notify search and caches

    services.publish_imported(version)
    return "created" if created or current is None else "changed"


def _version_fields(row, orgs, licences) -> dict:
    return {
        "name": row["事项名称"],
        "name_en": row["英文名称"],
        "item_type": row["事项类型"],
        "department": orgs[row["主管部门"]],
        "level": vocab.LEVELS[row["行使层级"]],
        "audience": vocab.AUDIENCES[row["服务对象"]],
        "legal_basis": row["设定依据"],
        "conditions": row["受理条件"],
        "statutory_days": int(row["法定办结时限"]),
        "promised_days": int(row["承诺办结时限"]),
        "fee": row["收费标准"],
        "online_depth": int(row["办理深度"]),
        "max_visits": int(row["到现场次数"]),
        "result_name": row["办理结果名称"],
        "result_type": row["结果类型"],
        "result_license_type": licences.get(row["结果证照类型编码"]),
        "appointment": vocab.YES_NO[row["是否支持预约"]],
        "courier": vocab.YES_NO[row["是否支持物流快递"]],
        "hot": vocab.YES_NO[row["是否热门"]],
        "keywords": vocab.split(row["关键词"]),
    }


def _import_bundles(rows) -> int:
    changed = 0
    items = {i.code: i for i in ServiceItem.objects.all()}
    for row in rows:
        values = {
            "name": row["名称"],
            "name_en": row["英文名称"],
            "audience": vocab.AUDIENCES[row["服务对象"]],
            "note": row["说明"],
        }
        bundle, created = Bundle.objects.get_or_create(code=row["一件事编码"], defaults=values)
        members = [(c, "main") for c in vocab.split(row["主办事项"])] + [
            (c, "parallel") for c in vocab.split(row["并联事项"])
        ]
        stored = [
            (m.item.code, m.role)
            for m in bundle.members.select_related("item").order_by("role", "position")
        ]
        wanted = sorted(members, key=lambda m: (m[1], members.index(m)))
        if created or stored != wanted or any(getattr(bundle, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(bundle, key, value)
            bundle.save()
            bundle.members.all().delete()
            position = defaultdict(int)
            for code, role in members:
                BundleItem.objects.create(
                    bundle=bundle, item=items[code], role=role, position=position[role]
                )
                position[role] += 1
            changed += 1
    return changed


# --- exporting ----------------------------------------------------------------------------


def export_rows() -> dict[str, list[dict]]:
    versions = (
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("item", "department", "result_license_type")
        .prefetch_related(
            "implementing_orgs",
            "places",
            "themes",
            "materials__license_type",
            "steps",
            "form_fields__element",
            "form_fields__code_list",
        )
        .order_by("item__code")
    )
    sheets = {name: [] for name in COLUMNS}
    sheets[ORGS] = [
        {
            "机构编码": o.code,
            "机构名称": o.name,
            "英文名称": o.name_en,
            "机构类型": {v: k for k, v in orgs_exchange.KINDS.items()}[o.kind],
            "上级机构编码": o.parent.code if o.parent_id else "",
            "层级": {v: k for k, v in orgs_exchange.LEVELS.items()}[o.level],
            "办公地址": o.address,
            "咨询电话": o.phone,
            "办公时间": o.hours,
        }
        for o in OrgUnit.objects.select_related("parent").order_by("path")
    ]
    for version in versions:
        sheets[ITEMS].append(item_row(version))
        sheets[MATERIALS].extend(material_rows(version))
        sheets[STEPS].extend(step_rows(version))
        sheets[FORMS].extend(exchange_forms.form_rows(version))
    sheets[LICENSES] = [
        {
            "证照类型编码": t.code,
            "证照名称": t.name,
            "英文名称": t.name_en,
            "发证机构": t.issuer.code,
            "持证主体类型": t.holder_kind,
            "有效期(年)": str(t.validity_years),
            "照面字段": vocab.join(t.fields),
            **exchange_forms.licence_cells(t),
        }
        for t in LicenseType.objects.select_related("issuer")
    ]
    sheets.update(exchange_forms.dictionary_sheets())
    for bundle in Bundle.objects.prefetch_related("members__item"):
        members = list(bundle.members.all())
        sheets[BUNDLES].append(
            {
                "一件事编码": bundle.code,
                "名称": bundle.name,
                "英文名称": bundle.name_en,
                "服务对象": vocab.AUDIENCE_WORDS[bundle.audience],
                "主办事项": vocab.join(m.item.code for m in members if m.role == "main"),
                "并联事项": vocab.join(m.item.code for m in members if m.role == "parallel"),
                "说明": bundle.note,
            }
        )
    return sheets


_NUMERIC = {
    "法定办结时限",
    "承诺办结时限",
    "办理深度",
    "到现场次数",
    "序号",
    "份数",
    "时限(工作日)",
    "有效期(年)",
}


def export_workbook(target) -> None:
    """Write the published catalogue as an exchange file (path or file object)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    for name, rows in export_rows().items():
        sheet = workbook.create_sheet(name)
        sheet.append(COLUMNS[name])
        for row in rows:
            sheet.append(
                [
                    int(row[c])
                    if c in _NUMERIC and row[c] != ""
                    else exchange_forms.cell_value(c, row[c])
                    for c in COLUMNS[name]
                ]
            )
    workbook.save(target)


def exported_at() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")
