"""The licence lifecycle: revocation by the issuing department, replacement, expiry as
the day passes, reuse lookups that say why a licence cannot be used, and the reminder 30
days before expiry, sent once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.core.machines import TransitionError
from yiwang.licenses import services
from yiwang.licenses.models import License
from yiwang.notify.models import Message

from .conftest import id_card_data


def test_issue_signs_numbers_and_tells_the_holder(types, user_named):
    citizen = user_named("citizen")
    licence = services.issue(
        types["L-SFZ"],
        holder_person=citizen,
        data=id_card_data(citizen),
        by="test",
        issued_on=datetime.date(2026, 1, 5),
    )
    assert licence.number == "SFZ-2026-000001"
    assert licence.valid_until == datetime.date(2046, 1, 4)  # 20 years, as the type says
    assert licence.final and licence.kid and licence.payload_hash
    assert Message.objects.filter(recipient=citizen, subject="新的电子证照已入库").exists()
    assert AuditEvent.objects.filter(action="license.issued", object_id=str(licence.pk)).exists()


def test_issue_refuses_missing_and_unknown_fields_and_the_wrong_holder(
    types, user_named, enterprise
):
    citizen = user_named("citizen")
    with pytest.raises(services.LicenseError) as missing:
        services.issue(types["L-SFZ"], holder_person=citizen, data={"姓名": "张三"}, by="t")
    assert missing.value.code == "missing_fields"
    with pytest.raises(services.LicenseError) as unknown:
        services.issue(
            types["L-SFZ"], holder_person=citizen, data=id_card_data(citizen, 血型="A"), by="t"
        )
    assert unknown.value.code == "unknown_fields"
    with pytest.raises(services.LicenseError) as kind:
        services.issue(
            types["L-SFZ"], holder_enterprise=enterprise, data=id_card_data(citizen), by="t"
        )
    assert kind.value.code == "holder_kind"
    assert not License.objects.exists()


def test_only_the_issuing_department_may_issue(types, user_named):
    citizen = user_named("citizen")
    with pytest.raises((Http404, PermissionDenied)):
        services.issue(
            types["L-SFZ"],
            holder_person=citizen,
            data=id_card_data(citizen),
            by=user_named("approver2"),
        )
    licence = services.issue(
        types["L-SFZ"], holder_person=citizen, data=id_card_data(citizen), by=user_named("head-gaj")
    )
    assert licence.confirmed_by.username == "head-gaj"


def test_revoked_verifies_as_revoked_and_only_the_issuing_department_may_revoke(
    id_card, user_named
):
    for outsider in ["approver2", "issuer", "citizen"]:
        with pytest.raises((Http404, PermissionDenied)):
            services.revoke(id_card.pk, by=user_named(outsider), reason="测试")
    with pytest.raises(services.LicenseError):
        services.revoke(id_card.pk, by=user_named("head-gaj"), reason=" ")
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="证件遗失，已申请补领")
    result = services.verify(id_card.payload)
    assert (result.status, result.words) == ("revoked", "已注销")
    assert Message.objects.filter(
        recipient=user_named("citizen"), subject="电子证照已注销", body__contains="证件遗失"
    ).exists()
    with pytest.raises(TransitionError):
        services.revoke(id_card.pk, by=user_named("head-gaj"), reason="again")


def test_replaced_verifies_as_replaced_and_points_at_the_new_licence(id_card, user_named):
    new = services.replace(
        id_card.pk,
        by=user_named("head-gaj"),
        data_changes={"住址": "示例市示范区学府路8号2栋502室"},
        reason="住址变更",
    )
    id_card.refresh_from_db()
    assert id_card.status == "replaced" and id_card.replaced_by == new
    assert new.data["住址"] == "示例市示范区学府路8号2栋502室" and new.number != id_card.number
    old_result = services.verify(id_card.payload)
    assert old_result.status == "replaced" and old_result.license.replaced_by == new
    assert services.verify(new.payload).status == "valid"


def test_a_replaced_licence_is_neither_revoked_nor_replaced_again(id_card, user_named):
    """注销 and 换发 act on a valid licence only: on a replaced one both are refused with
    their codes, and nothing changes — no new licence is issued."""
    head = user_named("head-gaj")
    new = services.replace(id_card.pk, by=head, data_changes={}, reason="有效期满换领")
    licences = License.objects.count()
    with pytest.raises(TransitionError) as revoking:
        services.revoke(id_card.pk, by=head, reason="遗失")
    assert revoking.value.code == "not_revocable"
    assert str(revoking.value) == "只有已制证且未注销、未换发的证照可以注销。"
    with pytest.raises(TransitionError) as replacing:
        services.replace(id_card.pk, by=head, data_changes={}, reason="再换")
    assert replacing.value.code == "not_replaceable"
    id_card.refresh_from_db()
    assert (id_card.status, id_card.replaced_by, id_card.revoke_reason) == ("replaced", new, "")
    assert License.objects.count() == licences
    assert services.verify(id_card.payload).status == "replaced"


def test_expired_verifies_as_expired_on_and_after_the_day_after(types, user_named):
    citizen2 = user_named("citizen2")
    permit = services.issue(
        types["L-JZZ"],
        holder_person=citizen2,
        data={
            "姓名": "李四",
            "性别": "女",
            "公民身份号码": citizen2.reveal_id_number(),
            "居住地址": "示例市示范区学府路20号",
            "签发机关": "示例市公安局示范分局",
            "有效期限": "2023.03.01-2024.02.29",
        },
        by="test",
        issued_on=datetime.date(2023, 3, 1),
    )
    assert permit.valid_until == datetime.date(2024, 2, 29)
    assert services.verify(permit.payload, today=datetime.date(2024, 2, 29)).status == "valid"
    assert services.verify(permit.payload, today=datetime.date(2024, 3, 1)).status == "expired"
    assert services.verify(permit.payload).words == "已过期"


def test_valid_for_finds_the_licence_or_says_why_not(id_card, types, user_named):
    citizen = user_named("citizen")
    found = services.valid_for(citizen, types["L-SFZ"])
    assert found and found.license == id_card and found.words == "已从电子证照库调取"
    assert services.valid_for(citizen, types["L-SFZ"], datetime.date(2035, 4, 2)).reason == (
        "expired"
    )
    assert services.valid_for(citizen, types["L-HKB"]).reason == "none"
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="注销")
    missing = services.valid_for(citizen, types["L-SFZ"])
    assert not missing and missing.reason == "revoked" and "已注销" in missing.words


def test_valid_for_an_enterprise(types, enterprise):
    licence = services.issue(
        types["L-YYZZ"],
        holder_enterprise=enterprise,
        data={
            "名称": enterprise.name,
            "统一社会信用代码": enterprise.uscc,
            "类型": "有限责任公司",
            "法定代表人": "王五",
            "经营范围": "餐饮服务",
            "注册资本": "伍拾万元整",
            "成立日期": "2024年1月8日",
            "住所": enterprise.address,
        },
        by="test",
    )
    assert licence.valid_until is None  # 营业执照: no expiry
    assert services.valid_for(enterprise, types["L-YYZZ"]).license == licence


def test_expiry_reminder_goes_once_thirty_days_ahead(id_card, user_named):
    citizen = user_named("citizen")
    before = datetime.date(2035, 3, 1)  # 31 days ahead: not yet
    assert services.notify_expiring(today=before) == 0
    day = datetime.date(2035, 3, 2)
    assert list(services.expiring(today=day)) == [id_card]
    assert services.notify_expiring(today=day) == 1
    assert services.notify_expiring(today=day + datetime.timedelta(days=1)) == 0
    id_card.refresh_from_db()
    assert id_card.expiry_notified_on == day
    reminders = Message.objects.filter(recipient=citizen, subject="电子证照即将到期")
    assert reminders.count() == 1 and "2035年4月1日" in reminders.get().body


def test_enterprise_licence_news_goes_to_its_agents(types, enterprise, user_named):
    services.issue(
        types["L-YYZZ"],
        holder_enterprise=enterprise,
        data=dict.fromkeys(types["L-YYZZ"].fields, "x"),
        by="test",
    )
    assert Message.objects.filter(
        recipient=user_named("company"), subject="新的电子证照已入库"
    ).exists()


def test_the_job_is_registered():
    from yiwang.core import schedule
    from yiwang.licenses import jobs  # noqa: F401

    assert any(j.name.endswith("remind_expiring_licences") for j in schedule.jobs())


# --- statement budgets (tests/statements.py) ---------------------------------------------------


def first_licence_of_the_year(types, user_named):
    """The year's first licence of a type creates its number counter, and the platform's
    first signature its signing key: one-off statements the pins below leave out."""
    someone = user_named("citizen2")
    services.issue(types["L-SFZ"], holder_person=someone, data=id_card_data(someone), by="t")


def test_issuing_replacing_and_revoking_cost_a_fixed_number_of_statements(types, user_named):
    citizen, head = user_named("citizen"), user_named("head-gaj")
    first_licence_of_the_year(types, user_named)
    fresh(head)
    # Savepoint; the number (counter locked and moved in a savepoint, the number free?);
    # the issuer's grants, the number free under the lock, the signing key; the licence,
    # the audit event, the holder's message; release.
    with exactly(13, "issue (final, a person's)"):
        licence = services.issue(
            types["L-SFZ"], holder_person=citizen, data=id_card_data(citizen), by=head
        )
    fresh(head)
    # Savepoint, the old licence locked, grants, its holder; the new one issued as above in
    # its own savepoint (11, the grants already read); the old one marked, its audit event,
    # the holder's message; release.
    with exactly(20, "replace"):
        new = services.replace(licence.pk, by=head, data_changes={}, reason="有效期满换领")
    fresh(head)
    # Savepoint, lock, grants, UPDATE, audit, the holder, the holder's message, release.
    with exactly(8, "revoke"):
        services.revoke(new.pk, by=head, reason="证件遗失，已申请补领")


def test_confirming_a_draft_costs_a_fixed_number_of_statements(types, user_named):
    citizen, head = user_named("citizen"), user_named("head-gaj")
    first_licence_of_the_year(types, user_named)
    draft = services.issue(
        types["L-SFZ"], holder_person=citizen, data=id_card_data(citizen), by=head, final=False
    )
    fresh(head)
    # Savepoint, lock, grants, the signing key, UPDATE, audit, the holder, message, release.
    with exactly(9, "confirm"):
        services.confirm(draft.pk, by=head, data={"民族": "汉"})


def test_telling_an_enterprise_costs_the_same_for_one_or_three_agents(
    types, enterprise, django_user_model
):
    from yiwang.identity import services as identity

    licence_type, data = types["L-YYZZ"], dict.fromkeys(types["L-YYZZ"].fields, "x")
    services.issue(licence_type, holder_enterprise=enterprise, data=data, by="test")  # the first
    # As a person's, with the enterprise's agents read in one query and told in one INSERT.
    with exactly(13, "issue (an enterprise's, 1 agent)"):
        services.issue(licence_type, holder_enterprise=enterprise, data=data, by="test")
    for n in range(2):
        agent = django_user_model.objects.create_user(f"agent{n}", password="x" * 12)
        identity.authorise_agent(enterprise, agent, valid_from=datetime.date(2020, 1, 1))
    with exactly(13, "issue (an enterprise's, 3 agents)"):
        services.issue(licence_type, holder_enterprise=enterprise, data=data, by="test")
