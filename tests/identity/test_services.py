import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from yiwang.audit.models import AuditEvent
from yiwang.identity import services
from yiwang.identity.models import User
from yiwang.identity.services import Registration
from yiwang.notify.models import Message

GOOD = Registration(
    username="wangxiaoer",
    password="A-long-passphrase-42",
    real_name="王小二",
    id_number="110101199203044010",
    phone="13912345678",
)


def last_sms_code(phone):
    body = Message.objects.filter(channel="sms", address=phone).latest("id").body
    return "".join(ch for ch in body if ch.isdigit())[:6]


@pytest.fixture
def registered(db):
    return services.register_citizen(GOOD)


def test_registration_with_a_wrong_check_digit_creates_nothing(db):
    bad = Registration(**{**GOOD.__dict__, "id_number": "110101199203044011"})
    with pytest.raises(ValidationError) as error:
        services.register_citizen(bad)
    assert "校验位" in str(error.value.message_dict["id_number"])
    assert not User.objects.exists()
    assert not Message.objects.exists()


def test_registration_reports_every_problem_at_once(db):
    bad = Registration(username="", password="123", real_name="", id_number="123", phone="12")
    with pytest.raises(ValidationError) as error:
        services.register_citizen(bad)
    assert set(error.value.message_dict) == {
        "username",
        "password",
        "real_name",
        "id_number",
        "phone",
    }


def test_the_database_never_holds_the_plain_id_number(registered):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_encrypted, id_number_index FROM identity_user")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert GOOD.id_number not in stored
    assert registered.id_number_masked == "110101********4010"


def test_the_same_id_number_cannot_register_twice(registered):
    again = Registration(**{**GOOD.__dict__, "username": "another"})
    with pytest.raises(ValidationError) as error:
        services.register_citizen(again)
    assert "已注册" in str(error.value.message_dict["id_number"])


def test_phone_is_verified_with_the_code_from_the_sms(registered):
    services.verify_phone(registered, last_sms_code(GOOD.phone))
    registered.refresh_from_db()
    assert registered.phone_verified_at is not None


def test_a_wrong_code_counts_and_locks_after_five_tries(registered):
    code = last_sms_code(GOOD.phone)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.verify_phone(registered, wrong)
    with pytest.raises(ValidationError) as error:
        services.verify_phone(registered, code)
    assert error.value.code == "code_locked"


def test_revealing_the_full_number_is_audited(registered):
    assert services.reveal_id_number(registered, by=registered) == GOOD.id_number
    event = AuditEvent.objects.get(action="identity.reveal_id_number")
    assert event.actor == registered and event.object_id == str(registered.pk)


def test_another_citizen_cannot_reveal_it(registered, django_user_model):
    from django.http import Http404

    other = django_user_model.objects.create_user("other", password="x" * 12)
    with pytest.raises(Http404):
        services.reveal_id_number(registered, by=other)


def test_a_clerk_finds_a_walk_in_applicant_by_id_number(demo, user_named, registered):
    found = services.find_person_by_id_number(GOOD.id_number, by=user_named("clerk"))
    assert found == registered
    assert AuditEvent.objects.filter(action="identity.lookup_person").exists()


def test_an_approver_may_not_look_people_up(demo, user_named, registered):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.find_person_by_id_number(GOOD.id_number, by=user_named("approver"))


def test_an_agent_acts_only_while_authorised(demo, user_named):
    import datetime

    company = user_named("company")
    assert [e.name for e in services.enterprises_of(company, datetime.date(2026, 6, 1))] == [
        "示范区明德餐饮有限公司"
    ]
    assert not services.enterprises_of(company, datetime.date(2031, 1, 1)).exists()


def test_a_credit_code_in_full_width_is_the_same_enterprise(demo):
    from yiwang.identity.models import Enterprise

    again = services.create_enterprise(
        name="别的名字",
        uscc="９１９９０１０１ＭＡ００００００１ｙ",
        legal_representative="王五",
    )
    assert again.uscc == "91990101MA0000001Y"
    assert Enterprise.objects.filter(uscc__icontains="0000001").count() == 1


def test_the_stored_number_is_always_the_validated_ascii_form(db):
    with pytest.raises(ValueError):
        User(username="x").set_id_number("11\u0660101198503152019")
