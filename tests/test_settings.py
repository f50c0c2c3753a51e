import os
import subprocess
import sys

from django.conf import settings


def start(env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "YIWANG_DATA_KEY", "YIWANG_DEBUG"}
    }
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


def test_production_refuses_debug():
    result = start(
        {
            "YIWANG_ENV": "production",
            "SECRET_KEY": "s" * 50,
            "YIWANG_DATA_KEY": "d" * 50,
            "YIWANG_DEBUG": "1",
        }
    )
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_production_starts_with_real_secrets():
    result = start(
        {
            "YIWANG_ENV": "production",
            "SECRET_KEY": "s" * 50,
            "YIWANG_DATA_KEY": "d" * 50,
            "ALLOWED_HOSTS": "gov.example",
        }
    )
    assert "started" in result.stdout, result.stderr


def test_defaults_are_chinese_shanghai_and_argon2():
    from yiwang import settings as real

    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"
    assert "Argon2" in real.PASSWORD_HASHERS[0]
