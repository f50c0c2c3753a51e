"""Small pieces every app's API module uses the same way."""

import functools

from django.urls import reverse
from django.utils import translation
from rest_framework import serializers


def validated(serializer_class, data) -> dict:
    """Query or body data checked by a serializer; a 400 problem when it is not valid."""
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data


class TextField(serializers.CharField):
    """A CharField that takes only text. DRF's also takes a number and makes it text, so a
    JSON body `{"payload": 0}` would pass where the schema says a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def absolute_url(request, name: str, pk) -> str:
    return request.build_absolute_uri(reverse(name, kwargs={"pk": pk}))


def display_name(user) -> str | None:
    return user.display_name if user is not None else None


@functools.cache
def _choice_labels(model, field_name: str, language: str | None) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


class ChoiceDisplay(serializers.CharField):
    """A choice field's label in the request's language, as `get_FOO_display()` gives it,
    looked up in a table made once per language. `get_FOO_display()` hashes every lazy
    label of the field on each call: on a list page that was a third of the time spent
    serialising."""

    def __init__(self, field_name: str, **kwargs):
        self.choice_field = field_name
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        value = getattr(instance, self.choice_field)
        labels = _choice_labels(type(instance), self.choice_field, translation.get_language())
        return labels.get(value, value)  # an unknown value shows as itself, as Django does
