"""Settings for the test suite: the real ones, with fast password hashing and background
tasks run inline so a test sees their effect. Argon2 stays the production default
(tests/test_settings.py checks it)."""

from yiwang.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    # The real queue, for tests of the worker itself.
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}

# Uploaded and generated files of a test run go to a throwaway folder, not the demo's.
import tempfile  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="yiwang-test-media-")
# Signed audit checkpoints and their keys too (tests/conftest.py empties the file after
# each test, whose database is gone by then).
_AUDIT_DIR = tempfile.mkdtemp(prefix="yiwang-test-audit-")
YIWANG_AUDIT_CHECKPOINT_FILE = f"{_AUDIT_DIR}/checkpoints.jsonl"
YIWANG_AUDIT_KEY_DIR = f"{_AUDIT_DIR}/keys"

# Live update sockets of the SQLite runs (yiwang.core.live.backends.LocalBackend) stay apart
# from the demo's.
from pathlib import Path  # noqa: E402

YIWANG_LIVE_DIR = Path(tempfile.mkdtemp(prefix="yiwang-test-live-"))
