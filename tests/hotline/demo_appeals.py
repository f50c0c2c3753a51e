"""The demo district's hotline data as rows, for the analysis tests: the subject tree of
categories.yaml and the 180 past appeals of appeals.yaml (dates in 2026), built with the
models directly (closed, handled by the unit the data names)."""

import datetime
from pathlib import Path

import yaml

from yiwang.hotline.models import (
    TYPE_BY_LABEL,
    Appeal,
    AppealStatus,
    Channel,
    Resolution,
    Subject,
)
from yiwang.identity.models import OrgUnit
from yiwang.workdays.calendar import SHANGHAI

DATA = Path(__file__).resolve().parents[2] / "src" / "yiwang" / "demo" / "data" / "hotline"


def load_subjects() -> dict[str, Subject]:
    data = yaml.safe_load((DATA / "categories.yaml").read_text(encoding="utf-8"))
    orgs = {o.code: o for o in OrgUnit.objects.all()}
    found = {}
    for n, top in enumerate(data["subjects"]):
        parent, _created = Subject.objects.get_or_create(
            code=top["code"], defaults={"name": top["name"], "position": n}
        )
        for m, child in enumerate(top["children"]):
            subject, _created = Subject.objects.get_or_create(
                code=child["code"],
                defaults={
                    "name": child["name"],
                    "parent": parent,
                    "org": orgs.get(child.get("org")),
                    "days": child.get("deadline", 5),
                    "keywords": child.get("keywords", []),
                    "position": m,
                },
            )
            found[subject.code] = subject
    return found


def load_appeals() -> list[Appeal]:
    """The demo's appeals, received at 10:00 of their day (Asia/Shanghai)."""
    subjects = load_subjects()
    orgs = {o.code: o for o in OrgUnit.objects.all()}
    rows = yaml.safe_load((DATA / "appeals.yaml").read_text(encoding="utf-8"))
    appeals = []
    for row in rows:
        day = datetime.date.fromisoformat(row["date"])
        at = datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI)
        area = orgs.get(str(row.get("area") or ""))
        unit = orgs.get(row["org"])
        appeals.append(
            Appeal(
                received_at=at,
                type=TYPE_BY_LABEL[row["type"]],
                subject=subjects[row["subject"]],
                text=row["text"],
                channel=Channel.PHONE,
                area=area,
                area_path=area.path if area else "",
                status=AppealStatus.CLOSED,
                resolution=Resolution.HANDLED,
                lead_unit=unit,
                unit_path=unit.path if unit else "",
                dispatched_at=at,
                closed_at=at + datetime.timedelta(days=3),
                token_hash=Appeal.hash_token(f"demo-{row['id']}"),
            )
        )
    return Appeal.objects.bulk_create(appeals)
