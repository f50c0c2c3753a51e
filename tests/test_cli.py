import os
import shutil
import subprocess
import sys

import pytest

YIWANG = shutil.which("yiwang") or os.path.join(os.path.dirname(sys.executable), "yiwang")


def run(args, data_dir):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["YIWANG_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [YIWANG, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.skipif(not os.path.exists(YIWANG), reason="the yiwang command is not installed")
def test_demo_prepares_sqlite_twice_and_prints_where_to_go(tmp_path):
    first = run(["demo", "--no-serve", "--port", "8123"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8123/" in first.stdout
    assert "citizen" in first.stdout and "yiwang-demo" in first.stdout
    assert (tmp_path / "yiwang.sqlite3").exists()
    assert "demo history:" in first.stdout

    second = run(["demo", "--no-serve"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "demo history: already there" in second.stdout

    # The demo signed the audit chain with a dev key made under the data folder.
    assert "Audit checkpoint signed at event #" in first.stdout
    assert list((tmp_path / "audit-keys").glob("a*.key"))
    verify = run(["audit", "verify"], tmp_path)
    assert verify.returncode == 0 and "chain intact" in verify.stdout
    assert "Checkpoints:" in verify.stdout and "0 do not, 0 are not genuine" in verify.stdout


def test_help_lists_the_commands():
    from yiwang.cli import USAGE

    assert all(word in USAGE for word in ["demo", "serve", "worker", "audit verify"])
