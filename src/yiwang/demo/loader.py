"""Loads the demo district: its org tree from the catalogue exchange file and its people.
Safe to run again: what exists is left as it is."""

import datetime
from importlib import resources
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from yiwang.identity import services as identity
from yiwang.identity.models import OrgKind, OrgUnit, User
from yiwang.identity.orgs_exchange import import_orgs, read_sheet

from . import accounts


def catalog_file() -> Path:
    return Path(str(resources.files("yiwang.demo") / "data" / "catalog" / "catalog.xlsx"))


def load_orgs() -> dict[str, int]:
    return import_orgs(read_sheet(catalog_file()))


def load_catalog() -> dict[str, int]:
    """The whole demo catalogue: orgs, 209 items, materials, steps, licence types, bundles."""
    from yiwang.catalog import exchange

    return exchange.import_file(catalog_file())


def _user(username, *, real_name, kind, password, **extra) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user:
        return user, False
    user = User(username=username, real_name=real_name, kind=kind, **extra)
    user.set_password(password)
    user.save()
    return user, True


def department_suffix(org: OrgUnit) -> str:
    return org.code.rsplit("-", 1)[-1].lower()


@transaction.atomic
def load_people(password: str = accounts.DEMO_PASSWORD) -> list[tuple[str, str, str]]:
    """Create the demo accounts; return (username, name, what they are) for printing."""
    listing = []
    for username, name, id_number, phone, email in accounts.CITIZENS:
        user, created = _user(
            username,
            real_name=name,
            kind=User.Kind.CITIZEN,
            password=password,
            phone=phone,
            email=email,
            phone_verified_at=timezone.now(),
        )
        if created:
            user.set_id_number(id_number)
            user.save()
        elif not user.email:
            # Demo databases made before the accounts had e-mail addresses get them now.
            User.objects.filter(pk=user.pk).update(email=email)
        listing.append((username, name, "市民"))

    spec = accounts.ENTERPRISE
    enterprise = identity.create_enterprise(
        name=spec["name"],
        uscc=spec["uscc"],
        legal_representative=spec["legal_representative"],
        address=spec["address"],
    )
    agent = User.objects.get(username=spec["agent"])
    if not enterprise.authorisations.filter(agent=agent).exists():
        identity.authorise_agent(
            enterprise,
            agent,
            valid_from=datetime.date(2024, 1, 1),
            valid_until=datetime.date(2030, 12, 31),
        )
    listing[-1] = (agent.username, agent.real_name, f"{enterprise.name} 经办人")

    orgs = {o.code: o for o in OrgUnit.objects.all()}
    for username, name, role, org_code in accounts.STAFF:
        user, _ = _user(username, real_name=name, kind=User.Kind.STAFF, password=password)
        identity.grant_role(user, role, orgs[org_code])
        listing.append((username, name, f"{role.label} · {orgs[org_code].name}"))

    for org in sorted(orgs.values(), key=lambda o: o.code):
        if org.kind == OrgKind.DEPARTMENT:
            roles = accounts.DEPARTMENT_ROLES
        elif org.kind == OrgKind.STREET:
            roles = accounts.STREET_ROLES
        else:
            continue
        for prefix, role, title in roles:
            username = f"{prefix}-{department_suffix(org)}"
            user, _ = _user(
                username, real_name=f"{org.name}{title}", kind=User.Kind.STAFF, password=password
            )
            identity.grant_role(user, role, org)
            listing.append((username, user.real_name, f"{role.label} · {org.name}"))

    admin, created = _user(
        "admin",
        real_name="系统管理员",
        kind=User.Kind.STAFF,
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    listing.append(("admin", admin.real_name, "超级管理员"))
    return listing


def load_messages() -> None:
    """A few in-site messages, so the bell and the outbox have something to show."""
    from yiwang.notify import services as notify
    from yiwang.notify.models import Message

    citizen = User.objects.get(username="citizen")
    if Message.objects.filter(recipient=citizen, channel="site").exists():
        return
    notify.site(citizen, "欢迎使用一网通办", "您已完成实名认证，可以在线办理政务服务事项。")
    notify.sms(
        citizen.phone, "【一网】您的手机号已验证，欢迎使用示范区政务服务。", recipient=citizen
    )
    clerk = User.objects.get(username="clerk")
    notify.site(clerk, "工作台已开通", "您已被授权为示范区政务服务中心综合窗口受理员。")


def load_demo(*, catalog: bool = True) -> list[tuple[str, str, str]]:
    if catalog:
        load_catalog()
        from .guides import load_guides

        load_guides()
    else:
        load_orgs()
    people = load_people()
    load_messages()
    if catalog:  # licence types come with the catalogue
        from yiwang.licenses.demo import load_licenses

        load_licenses()
    return people
