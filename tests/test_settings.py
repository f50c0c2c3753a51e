import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

OWN = {"SECRET_KEY", "YIWANG_DATA_KEY", "YIWANG_DEBUG", "YIWANG_ENV", "DATABASE_URL"}
OWN |= {"YIWANG_TRUSTED_PROXIES", "YIWANG_TRUSTED_PROXY_HOPS"}


def start(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in OWN}
    env.update(env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
            "'yiwang.settings'; django.setup(); print('started')",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_the_default_secret():
    result = start({"YIWANG_ENV": "production"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def production(tmp_path, **overrides):
    """A production environment that starts, with `overrides` applied."""
    return {
        "YIWANG_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "YIWANG_DATA_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "gov.example",
        **overrides,
    }


def test_production_refuses_debug(tmp_path):
    result = start(production(tmp_path, YIWANG_DEBUG="1"))
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_production_starts_with_real_secrets(tmp_path):
    result = start(production(tmp_path))
    assert "started" in result.stdout, result.stderr


@pytest.mark.parametrize("value", ["Production", "prod", "staging", ""])
def test_an_unknown_environment_is_refused_not_taken_for_development(tmp_path, value):
    result = start(production(tmp_path, YIWANG_ENV=value))
    assert result.returncode != 0
    assert "YIWANG_ENV" in result.stderr and "development, production" in result.stderr


@pytest.mark.parametrize(
    "weak",
    [
        "s" * 40,  # long, and one character
        "abcdefgh" * 8,  # a repeated pattern
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",  # a sequence
        "change-me-to-64-random-characters",  # the example deploy/env.example used to ship
        "yiwang-insecure-development-secret-key-do-not-use",  # the development default
        # Django's startproject marker before random characters (fixed here: every xdist
        # worker must collect the same test ids)
        "django-insecure-q0lW4S8qwmDK9nhIrcNkgPP_dUhyPvA2F6ueiF45WQObio0itTt3eA",
    ],
)
@pytest.mark.parametrize("name", ["SECRET_KEY", "YIWANG_DATA_KEY"])
def test_production_refuses_a_guessable_secret(tmp_path, name, weak):
    result = start(production(tmp_path, **{name: weak}))
    assert result.returncode != 0
    assert f"refuses this {name}" in result.stderr


def test_a_weak_data_key_may_stay_behind_a_strong_one_to_decrypt_old_data(tmp_path):
    rotated = f"{secrets.token_urlsafe(48)},change-me-to-64-random-characters"
    result = start(production(tmp_path, YIWANG_DATA_KEY=rotated))
    assert "started" in result.stdout, result.stderr


def test_production_needs_an_explicit_database(tmp_path):
    environment = production(tmp_path)
    del environment["DATABASE_URL"]
    result = start(environment)
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def test_a_trusted_proxy_must_be_an_address_or_network(tmp_path):
    result = start(production(tmp_path, YIWANG_TRUSTED_PROXIES="127.0.0.1,nginx.local"))
    assert result.returncode != 0
    assert "YIWANG_TRUSTED_PROXIES" in result.stderr and "nginx.local" in result.stderr


def test_defaults_are_chinese_shanghai_and_argon2():
    from yiwang import settings as real

    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"
    assert "Argon2" in real.PASSWORD_HASHERS[0]
