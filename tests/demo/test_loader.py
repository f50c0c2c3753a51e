from yiwang.demo import accounts
from yiwang.demo.loader import load_demo
from yiwang.identity.models import OrgKind, OrgUnit, User


def test_every_contract_account_exists_with_the_demo_password(demo):
    names = [
        "citizen",
        "citizen2",
        "company",
        "clerk",
        "street-clerk",
        "approver",
        "chief",
        "approver2",
        "issuer",
        "supervisor",
        "catalog-admin",
        "catalog-reviewer",
        "hall-manager",
        "admin",
    ]
    for username in names:
        assert User.objects.get(username=username).check_password(accounts.DEMO_PASSWORD)


def test_every_department_has_a_reviewer_and_a_head(demo):
    for org in OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT):
        suffix = org.code.rsplit("-", 1)[1].lower()
        assert User.objects.get(username=f"reviewer-{suffix}").grants.get().org == org
        assert User.objects.get(username=f"head-{suffix}").grants.get().org == org


def test_citizen_has_a_valid_id_number(demo):
    from yiwang.identity.validators import validate_id_number

    citizen = User.objects.get(username="citizen")
    assert citizen.real_name == "张三"
    validate_id_number(citizen.reveal_id_number())


def test_loading_twice_is_safe(demo):
    users = User.objects.count()
    load_demo()
    assert User.objects.count() == users


def test_demo_citizens_have_email_addresses_for_notifications(demo):
    for username in ["citizen", "citizen2", "company"]:
        assert User.objects.get(username=username).email == f"{username}@example.org"


def test_loading_again_gives_older_demo_citizens_their_email(demo):
    User.objects.filter(username="citizen").update(email="")
    load_demo(catalog=False)
    assert User.objects.get(username="citizen").email == "citizen@example.org"
