"""Small pieces every app's API module uses the same way."""

from django.urls import reverse


def validated(serializer_class, data) -> dict:
    """Query or body data checked by a serializer; a 400 problem when it is not valid."""
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data


def absolute_url(request, name: str, pk) -> str:
    return request.build_absolute_uri(reverse(name, kwargs={"pk": pk}))


def display_name(user) -> str | None:
    return user.display_name if user is not None else None
