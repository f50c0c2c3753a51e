import pytest


@pytest.fixture
def demo(db):
    """The demo district: org tree from the exchange file and every demo account."""
    from yiwang.demo.loader import load_demo

    load_demo()


@pytest.fixture
def user_named(db):
    from yiwang.identity.models import User

    return lambda username: User.objects.get(username=username)
