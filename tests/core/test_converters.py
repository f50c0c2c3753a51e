"""An id in a path that no row can have is a 404, like any id that does not exist: in the API
and on pages alike."""

import pytest

from yiwang.core.converters import MAX_ID


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/cases/{MAX_ID}"),
        ("get", f"/api/v1/cases/{MAX_ID + 1}"),  # SQLite raised OverflowError: a 500
        ("post", "/api/v1/cases/39178142198042124288/materials/185822495754517408/files"),
        ("get", f"/api/v1/me/licenses/{10**30}.pdf"),
        ("post", f"/api/v1/messages/{'9' * 5000}/read"),  # more digits than int() reads
    ],
)
def test_an_id_beyond_any_row_is_a_problem_404(api_as, method, path):
    response = getattr(api_as("citizen"), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("path", [f"/my/cases/{MAX_ID + 1}/", f"/my/cases/{10**30}/form/"])
def test_an_id_beyond_any_row_on_a_page_is_a_404(client, demo, user_named, path):
    client.force_login(user_named("citizen"))
    assert client.get(path).status_code == 404
