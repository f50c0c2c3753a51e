"""A case whose item yields a licence concludes approved: the licence is drafted from the
case and the applicant's identity, and is final (signed, verifiable) only once the issuing
side confirms it."""

import pytest
from django.http import Http404
from django.test import TestCase

from tests.journey.workflow.conftest import accepted_case, catalog, people  # noqa: F401
from yiwang.journey.workflow import services as workflow
from yiwang.journey.workflow.models import ApprovalTask
from yiwang.licenses import services
from yiwang.licenses.models import License


def approve_all(case, people):  # noqa: F811
    while True:
        task = ApprovalTask.objects.filter(case=case, status__in=["pending", "active"]).first()
        if task is None:
            break
        who = "chief" if task.role == "chief" else "approver"
        # As a request does: the work that follows a commit (drafting the result) runs.
        with TestCase.captureOnCommitCallbacks(execute=True):
            workflow.complete(task.pk, by=people[who], decision="approve")
    case.refresh_from_db()


def test_an_approved_case_drafts_its_licence_and_the_issuer_confirms_it(
    accepted_case,  # noqa: F811
    people,  # noqa: F811
):
    case = accepted_case()  # 个体工商户设立登记 → 个体工商户营业执照
    approve_all(case, people)
    assert case.status == "approved"
    draft = License.objects.get(case=case)
    assert draft.license_type.code == "L-GTYYZZ" and not draft.final and not draft.payload
    assert draft.holder_person == people["citizen"] and draft.issuer.code == "990101-SCJ"
    assert draft.data["经营者"] == "张三" and draft.data["注册日期"]
    # Filled from the case's form (issue 17): the shop's name as the applicant wrote it, a
    # new credit code; nothing is left for the issuer to type.
    assert draft.data["名称"] == case.form_data["ent_name"]
    assert draft.data["统一社会信用代码"].startswith("92990101")
    assert all(draft.data.values())
    assert not services.valid_for(people["citizen"], draft.license_type)  # drafts are not used

    with pytest.raises(Http404):
        services.confirm(draft.pk, by=people["approver2"], data={})

    # The centre's issuer hands out this case's result: checks and confirms.
    licence = services.confirm(draft.pk, by=people["issuer"])
    assert licence.final and licence.confirmed_by == people["issuer"]
    assert services.verify(licence.payload).status == "valid"
    assert services.valid_for(people["citizen"], licence.license_type).license == licence
    with pytest.raises(services.LicenseError):
        services.confirm(draft.pk, by=people["issuer"])
    # The workflow may call again (a retry): still one licence.
    assert services.issue_for_case(case, by=people["chief"]) == licence
    assert License.objects.filter(case=case).count() == 1


def test_a_denied_case_drafts_nothing(accepted_case, people):  # noqa: F811
    case = accepted_case()
    task = ApprovalTask.objects.get(case=case, status__in=["pending", "active"])
    workflow.complete(task.pk, by=people["approver"], decision="deny", opinion="材料不实")
    case.refresh_from_db()
    assert case.status == "denied"
    assert not License.objects.filter(case=case).exists()
