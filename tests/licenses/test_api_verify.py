"""The verification API refuses a request that carries no text to verify, as a 400 problem,
rather than verifying whatever it was given (or failing with a 500)."""

import pytest

VERIFY = "/api/v1/licenses/verify"


@pytest.mark.parametrize(
    "body",
    [{}, {"payload": ""}, {"payload": {}}, {"payload": 0}, {"payload": None}, [None, None], "x"],
)
def test_a_body_without_a_text_payload_is_refused(api, db, body):
    response = api.post(VERIFY, body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid"


def test_a_scan_without_a_payload_is_refused_with_a_message(api, db):
    response = api.get(VERIFY, {"payload": ""})
    assert response.status_code == 400
    assert response.json()["errors"]["payload"][0]["message"] == "请提供二维码中的核验内容。"
