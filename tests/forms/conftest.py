"""Small forms built row by row against one bare item version (no demo load)."""

import itertools

import pytest

from yiwang.forms import definition

from .factories import make_version


@pytest.fixture(autouse=True)
def _fresh_compiled_forms():
    # Compiled forms are kept per process; a test's database (and its pks) is gone after it.
    definition.clear_cache()
    yield
    definition.clear_cache()


@pytest.fixture
def version(db):
    """A published item version for natural persons, without form rows."""
    return make_version()


@pytest.fixture
def versions(db):
    counter = itertools.count(1)
    return lambda **kwargs: make_version(code=f"T-{next(counter):04d}", **kwargs)
