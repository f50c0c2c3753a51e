"""Who sees which ratings and rectifications: the department's staff their department's,
supervisors by "place_path OR department_path" — the district supervisor everything, the
street supervisor what was handled at its street's service points."""

import pytest

from yiwang.feedback import selectors
from yiwang.journey.cases import services as cases

from .conftest import STREET_ITEM, rate_bad


@pytest.fixture
def district_and_street(concluded_case, filed, people, street_centre):
    """A bad rating of a case at the district centre, and one refused at 和平街道's centre;
    both are 市场监管局's items."""
    district = rate_bad(concluded_case(), people["citizen"]).rectification
    case = filed(STREET_ITEM, applicant="citizen2", at_window=True, place=street_centre)
    cases.refuse(case.pk, by=people["street-clerk"], reason="经营场所不在本街道。")
    street = rate_bad(case, people["citizen2"]).rectification
    return district, street


def test_the_department_sees_its_own(district_and_street, people):
    district, street = district_and_street
    assert set(selectors.rectifications(people["chief"])) == {district, street}
    assert set(selectors.rectifications(people["approver"])) == {district, street}
    assert set(selectors.evaluations(people["chief"])) == {district.evaluation, street.evaluation}


def test_a_chief_of_another_department_sees_nothing_and_gets_404(
    district_and_street, people, client
):
    district, _street = district_and_street
    head = people["head-wjw"]
    assert not selectors.rectifications(head).exists()
    assert not selectors.evaluations(head).exists()
    client.force_login(head)
    assert client.get(f"/workbench/rectifications/{district.pk}/").status_code == 404
    assert client.get("/workbench/rectifications/").status_code == 200
    response = client.post(
        f"/workbench/rectifications/{district.pk}/respond/",
        {"explanation": "x", "measures": "y"},
    )
    assert response.status_code == 404


def test_the_district_supervisor_sees_every_one(district_and_street, people):
    assert set(selectors.rectifications(people["supervisor"])) == set(district_and_street)


def test_the_street_supervisor_sees_only_its_street(district_and_street, people, client):
    district, street = district_and_street
    watcher = people["street-supervisor"]
    assert list(selectors.rectifications(watcher)) == [street]
    assert list(selectors.evaluations(watcher)) == [street.evaluation]
    client.force_login(watcher)
    assert client.get(f"/workbench/rectifications/{district.pk}/").status_code == 404
    assert client.get(f"/workbench/rectifications/{street.pk}/").status_code == 200


def test_citizens_have_no_rectification_pages(people, client):
    client.force_login(people["citizen"])
    assert client.get("/workbench/rectifications/").status_code == 404
    assert client.get("/workbench/evaluations/").status_code == 404
