"""The small pieces every API module shares."""

from django.utils import translation
from rest_framework import serializers

from yiwang.api.helpers import ChoiceDisplay
from yiwang.journey.cases.models import Case, Status


class StatusOnly(serializers.Serializer):
    status = serializers.CharField()
    status_display = ChoiceDisplay("status")


def test_a_status_label_follows_the_language_of_the_request():
    case = Case(status=Status.DRAFT)
    with translation.override("zh-hans"):
        assert StatusOnly(case).data["status_display"] == "草稿"
    with translation.override("en"):
        assert StatusOnly(case).data["status_display"] == "Draft"
    with translation.override("zh-hans"):  # the English table did not stick
        assert StatusOnly(case).data["status_display"] == case.get_status_display()


def test_a_value_outside_the_choices_shows_as_itself():
    assert StatusOnly(Case(status="archived")).data["status_display"] == "archived"
