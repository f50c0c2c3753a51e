"""Signing keys kept as files, outside the database, so that whoever can write the database
can neither sign in our name nor slip in a public key of their own.

A key ring is a folder and a published list:

    <folder>/<kid>.key     one private key, JSON {"kid", "alg", "private_key": base64 raw,
                           "created_at"}, mode 0600; the newest one signs
    <public file>          JSON lines, one per key that ever signed:
                           {"kid", "alg", "public_key": base64 raw, "created_at"}

As with the licence keys, the first key is made on first use and a rotation makes a new one
that signs from then on; the old one is retired — its private file is removed, so it can
sign nothing more — while its public line stays and keeps verifying what it signed. The
public file is appended to and never rewritten, so an operator can copy it anywhere
(another host, a printed page) and compare.
"""

import base64
import datetime
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .signing import ALGORITHMS, DEFAULT_ALGORITHM, canonical


@dataclass(frozen=True)
class PrivateKey:
    kid: str
    algorithm: str
    private: bytes
    path: Path

    def sign(self, message: bytes) -> bytes:
        return ALGORITHMS[self.algorithm].sign(self.private, message)


def append_line(path: Path, line: str, *, mode: int = 0o644) -> None:
    """Append one line with a single write to a file opened O_APPEND, then fsync: lines of
    concurrent writers never interleave and a written line survives a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        if os.write(fd, data) != len(data):
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class KeyRing:
    def __init__(self, folder: Path, public_file: Path, *, prefix: str):
        self.folder = Path(folder)
        self.public_file = Path(public_file)
        self.prefix = prefix

    # --- private side: only the signer reads it -------------------------------------------

    def active(self, algorithm: str = DEFAULT_ALGORITHM) -> PrivateKey:
        """The key that signs now, made on first use."""
        keys = self._private_keys()
        return keys[-1] if keys else self._create(algorithm)

    def rotate(self, algorithm: str = DEFAULT_ALGORITHM) -> PrivateKey:
        """A new signing key; the old ones' private files are removed, their public lines
        stay."""
        old = self._private_keys()
        key = self._create(algorithm)
        for retired in old:
            retired.path.unlink(missing_ok=True)
        return key

    def _private_keys(self) -> list[PrivateKey]:
        """Oldest first (kids start with the creation time)."""
        keys = []
        for path in sorted(self.folder.glob(f"{self.prefix}*.key")):
            data = json.loads(path.read_text("utf-8"))
            keys.append(
                PrivateKey(
                    kid=data["kid"],
                    algorithm=data["alg"],
                    private=base64.b64decode(data["private_key"]),
                    path=path,
                )
            )
        return keys

    def _create(self, algorithm: str) -> PrivateKey:
        private, public = ALGORITHMS[algorithm].generate()
        now = datetime.datetime.now(datetime.UTC)
        kid = f"{self.prefix}{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        created_at = now.isoformat(timespec="seconds")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{kid}.key"
        # Published before it can sign, so nothing it signs is ever unverifiable.
        append_line(
            self.public_file,
            canonical(
                {
                    "kid": kid,
                    "alg": algorithm,
                    "public_key": base64.b64encode(public).decode("ascii"),
                    "created_at": created_at,
                }
            ).decode("utf-8"),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(
                {
                    "kid": kid,
                    "alg": algorithm,
                    "private_key": base64.b64encode(private).decode("ascii"),
                    "created_at": created_at,
                },
                file,
            )
            file.flush()
            os.fsync(file.fileno())
        return PrivateKey(kid, algorithm, private, path)

    # --- public side: all a verifier needs ------------------------------------------------

    def public_keys(self) -> dict[str, tuple[str, bytes]]:
        """kid → (algorithm, raw public key), from the published file only. A line that is
        not a well-formed key is skipped; a kid published twice keeps its first key."""
        keys: dict[str, tuple[str, bytes]] = {}
        try:
            lines = self.public_file.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return keys
        for line in lines:
            try:
                data = json.loads(line)
                kid, algorithm = str(data["kid"]), str(data["alg"])
                public = base64.b64decode(data["public_key"], validate=True)
            except (ValueError, KeyError, TypeError):
                continue
            keys.setdefault(kid, (algorithm, public))
        return keys
