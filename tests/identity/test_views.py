"""Identity pages: registration, phone verification, sign-in, my space, workbench, TOTP."""

import re

import pytest
from django.db import connection
from stdnum.cn import ric

from yiwang.identity.models import User
from yiwang.notify.models import Channel, Message

pytestmark = pytest.mark.django_db

NEW_ID = "11010119920517003"
NEW_ID += ric.calc_check_digit(NEW_ID)


def registration(**overrides):
    data = {
        "real_name": "刘洋",
        "id_number": NEW_ID,
        "phone": "13900000009",
        "username": "liuyang",
        "password1": "Sunflower-2024!",
        "password2": "Sunflower-2024!",
    }
    data.update(overrides)
    return data


def code_from_outbox(client) -> str:
    page = client.get("/outbox/").content.decode()
    return re.search(r"验证码是 (\d{6})", page).group(1)


def test_wrong_check_digit_shows_chinese_error_and_creates_no_user(client, demo):
    wrong = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    response = client.post("/register/", registration(id_number=wrong))
    page = response.content.decode()
    assert response.status_code == 200
    assert "身份证号码校验位不正确，请核对是否输错。" in page
    assert 'aria-invalid="true"' in page and 'id="id_id_number_error"' in page
    assert not User.objects.filter(username="liuyang").exists()


def test_every_problem_is_shown_next_to_its_field(client, demo):
    page = client.post(
        "/register/",
        registration(phone="123", username="citizen", password1="a", password2="b"),
    ).content.decode()
    assert "请输入11位中国大陆手机号码。" in page
    assert "该用户名已被使用。" in page
    assert "两次输入的密码不一致。" in page


def test_valid_registration_encrypts_the_number_and_texts_a_code(client, demo):
    response = client.post("/register/", registration())
    assert response.status_code == 302 and response["Location"] == "/account/phone/"
    user = User.objects.get(username="liuyang")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_encrypted FROM identity_user WHERE id = %s", [user.pk])
        (stored,) = cursor.fetchone()
    assert stored and NEW_ID not in stored
    sms = Message.objects.get(recipient=user, channel=Channel.SMS)
    assert sms.address == "13900000009"
    assert re.search(r"验证码是 \d{6}", code_from_outbox(client) and sms.body)


def test_phone_verification_with_the_code_from_the_outbox(client, demo):
    client.post("/register/", registration())
    code = code_from_outbox(client)
    response = client.post("/account/phone/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert User.objects.get(username="liuyang").phone_verified_at is not None
    assert "已验证" in client.get("/me/").content.decode()


def test_wrong_phone_code_is_refused_in_chinese(client, demo):
    client.post("/register/", registration())
    code = code_from_outbox(client)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page = client.post("/account/phone/", {"code": wrong}).content.decode()
    assert "验证码不正确。" in page
    assert User.objects.get(username="liuyang").phone_verified_at is None


def test_resend_is_limited_to_once_a_minute(client, demo):
    client.post("/register/", registration())
    client.post("/account/phone/resend/")
    user = User.objects.get(username="liuyang")
    assert Message.objects.filter(recipient=user, channel=Channel.SMS).count() == 1
    session = client.session
    session["yiwang_phone_code_sent_at"] = 0
    session.save()
    client.post("/account/phone/resend/")
    assert Message.objects.filter(recipient=user, channel=Channel.SMS).count() == 2


def test_login_with_demo_password(client, demo):
    response = client.post("/login/", {"username": "citizen", "password": "yiwang-demo"})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_wrong_password_is_explained_in_chinese(client, demo):
    page = client.post("/login/", {"username": "citizen", "password": "nope"}).content.decode()
    assert "用户名或密码不正确" in page


def test_repeated_failures_show_the_lockout_page(client, demo, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "citizen2", "password": "wrong-one"})
    response = client.post("/login/", {"username": "citizen2", "password": "yiwang-demo"})
    assert "账户暂时锁定" in response.content.decode()


def test_logout_is_a_post(client, demo, user_named):
    client.force_login(user_named("citizen"))
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get("/me/").status_code == 302


def test_my_space_masks_the_number_and_reveals_it_once(client, demo, user_named):
    from yiwang.audit.models import AuditEvent

    client.force_login(user_named("citizen"))
    page = client.get("/me/").content.decode()
    assert "110101********2019" in page and "110101198503152019" not in page
    assert "138****0001" in page
    revealed = client.post("/me/").content.decode()
    assert "110101198503152019" in revealed
    assert AuditEvent.objects.filter(action="identity.reveal_id_number").count() == 1
    assert "110101198503152019" not in client.get("/me/").content.decode()


def test_my_space_lists_enterprises_the_agent_acts_for(client, demo, user_named):
    client.force_login(user_named("company"))
    assert "示范区明德餐饮有限公司" in client.get("/me/").content.decode()


def test_citizen_gets_403_on_the_workbench(client, demo, user_named):
    client.force_login(user_named("citizen"))
    response = client.get("/workbench/")
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_clerk_sees_roles_on_the_workbench(client, demo, user_named):
    client.force_login(user_named("clerk"))
    page = client.get("/workbench/").content.decode()
    assert "综合窗口受理员" in page and "示范区政务服务中心" in page


@pytest.mark.parametrize(("username", "status"), [("clerk", 200), ("street-clerk", 404)])
def test_org_outside_scope_is_a_404(client, demo, user_named, username, status):
    client.force_login(user_named(username))
    assert client.get("/workbench/orgs/990101-ZWZX/").status_code == status


def test_org_list_is_scoped(client, demo, user_named):
    client.force_login(user_named("street-clerk"))
    page = client.get("/workbench/orgs/").content.decode()
    assert "和平街道便民服务中心" in page
    assert "示范区市场监督管理局" not in page


def test_org_list_paginates(client, demo, user_named, monkeypatch):
    from yiwang.identity import views

    assert views.ORGS_PER_PAGE == 50
    monkeypatch.setattr(views, "ORGS_PER_PAGE", 10)
    client.force_login(user_named("admin"))
    response = client.get("/workbench/orgs/")
    assert len(response.context["page"].object_list) == 10
    assert "下一页" in response.content.decode()
    assert client.get("/workbench/orgs/", {"page": 2}).status_code == 200


def test_org_detail_shows_staff_granted_there(client, demo, user_named):
    client.force_login(user_named("supervisor"))
    page = client.get("/workbench/orgs/990101-ZWZX/").content.decode()
    assert "赵敏" in page and "综合窗口受理员" in page
    assert "示例市示范区人民路88号" in page


def test_clerk_finds_applicant_masked_and_can_reveal(client, demo, user_named):
    client.force_login(user_named("clerk"))
    page = client.post("/workbench/person/", {"id_number": "110101198503152019"}).content.decode()
    assert "张三" in page and "110101********2019" in page
    assert "显示完整号码" in page
    citizen = user_named("citizen")
    page = client.post("/workbench/person/", {"reveal": citizen.pk}).content.decode()
    assert "110101198503152019" in page


def test_lookup_with_bad_number_explains(client, demo, user_named):
    client.force_login(user_named("clerk"))
    page = client.post("/workbench/person/", {"id_number": "110101198503152010"}).content.decode()
    assert "校验位不正确" in page


def test_registration_page_refuses_a_foreign_digit_in_a_taken_number(client, demo):
    before = User.objects.count()
    page = client.post("/register/", registration(id_number="11\u0660101198503152019"))
    assert page.status_code == 200
    assert "只能用数字0–9和字母X填写" in page.content.decode()
    assert User.objects.count() == before


def test_clerk_finds_the_same_person_by_full_width_digits(client, demo, user_named):
    client.force_login(user_named("clerk"))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "110101198503152019")
    page = client.post("/workbench/person/", {"id_number": full_width}).content.decode()
    assert "张三" in page
    page = client.post(
        "/workbench/person/", {"id_number": "11\u0660101198503152019"}
    ).content.decode()
    assert "只能用数字0–9和字母X填写" in page and "张三" not in page


def test_citizen_cannot_look_people_up(client, demo, user_named):
    client.force_login(user_named("citizen"))
    assert client.get("/workbench/person/").status_code == 403


def test_staff_sets_up_totp_with_a_qr_code_and_confirms(client, demo, user_named):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clerk = user_named("clerk")
    client.force_login(clerk)
    page = client.get("/account/otp/").content.decode()
    assert "<svg" in page and "设置身份验证器" in page
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    response = client.post("/account/otp/", {"code": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_required_second_factor_sends_staff_to_the_code_page(client, demo, user_named, settings):
    from django_otp.oath import totp

    from yiwang.identity import services

    settings.YIWANG_REQUIRE_STAFF_OTP = True
    clerk = user_named("clerk")
    device = services.start_totp_setup(clerk)
    device.confirmed = True
    device.save()
    client.force_login(clerk)
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].startswith("/account/otp/")
    assert "输入动态码" in client.get(response["Location"]).content.decode()
    response = client.post(
        "/account/otp/", {"code": f"{totp(device.bin_key):06d}", "next": "/workbench/"}
    )
    assert response["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200


def test_citizen_has_no_totp_page(client, demo, user_named):
    client.force_login(user_named("citizen"))
    assert client.get("/account/otp/").status_code == 403
