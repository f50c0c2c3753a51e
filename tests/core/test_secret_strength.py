"""Production keys are judged by how hard they are to guess, not by how long they are."""

import secrets
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.core.secret_strength import weakness

PRINTABLE = string.ascii_letters + string.digits + string.punctuation


@settings(max_examples=60, deadline=None)
@given(unit=st.text(alphabet=PRINTABLE, min_size=1, max_size=8), length=st.integers(40, 200))
def test_a_short_unit_repeated_to_any_length_is_refused(unit, length):
    key = (unit * length)[:length]
    assert weakness(key) is not None


@settings(max_examples=30, deadline=None)
@given(start=st.integers(0, 60), length=st.integers(32, 72))
def test_a_run_of_consecutive_characters_is_refused(start, length):
    run = "".join(chr(0x21 + (start + n) % 94) for n in range(length))
    assert weakness(run) is not None


def test_keys_from_the_documented_generators_are_accepted():
    # secrets.token_urlsafe(48) is what the refusal message and docs suggest; token_hex(16)
    # is the shortest random key the old rule ("32 characters") let operators make.
    for _ in range(20):
        assert weakness(secrets.token_urlsafe(48)) is None
        assert weakness(secrets.token_hex(16)) is None


def test_a_long_random_key_is_judged_on_its_first_72_characters():
    assert weakness(secrets.token_urlsafe(200)) is None


def test_an_empty_key_is_refused():
    assert weakness("   ") == "it is empty"
