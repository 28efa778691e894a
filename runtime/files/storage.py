"""Bytes on disk, addressed by content: ``<root>/<sha256[:2]>/<sha256>``. The same content is kept
once however often it is uploaded; names never become paths.

The root is ``CRM_FILES_PATH`` when set, else ``<instance>/files``. Several web workers may share
it (a network file system); writes go to a temporary file in the root and are renamed into place.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping

import sqlalchemy as sa

from schema_store.database import advisory_locks

CHUNK = 1 << 16
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def lock_contents(conn: sa.Connection, checksums: Iterable[str]) -> None:
    """Hold the content addresses ``checksums`` for the rest of ``conn``'s write transaction: a
    transaction that keeps bytes and records them, and one that checks nobody records them before
    removing them, take turns, so bytes are never removed under a row that was just written. On
    PostgreSQL an advisory lock per checksum (taken in a fixed order); SQLite's BEGIN IMMEDIATE
    (``begin_write``) already serializes such transactions."""
    advisory_locks(conn, (int(sha256[:15], 16) for sha256 in checksums if _SHA256.match(sha256)))


class TooLarge(Exception):
    """The stream went past the allowed number of bytes."""


@dataclass(frozen=True)
class Incoming:
    """An upload written to a temporary file, hashed and measured, not yet kept."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class FileStore:
    root: Path

    @classmethod
    def for_instance(cls, instance_path: Path, env: Mapping[str, str] | None = None) -> "FileStore":
        env = os.environ if env is None else env
        configured = env.get("CRM_FILES_PATH")
        return cls(Path(configured).expanduser().absolute() if configured else instance_path / "files")

    def receive(self, stream: BinaryIO, limit: int) -> Incoming:
        """Copy ``stream`` to a temporary file, hashing it; TooLarge past ``limit`` bytes."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, name = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(size)
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Incoming(Path(name), digest.hexdigest(), size)

    def keep(self, incoming: Incoming) -> Path:
        """Move the upload to its content address (or drop it when that content is already kept)."""
        target = self.path(incoming.sha256)
        if target.exists():
            incoming.path.unlink(missing_ok=True)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(incoming.path, 0o640)
        os.replace(incoming.path, target)
        return target

    def discard(self, incoming: Incoming) -> None:
        incoming.path.unlink(missing_ok=True)

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256

    def preview_path(self, sha256: str, page: int) -> Path:
        """Where the PNG of ``page`` of the kept file ``sha256`` is cached, next to the file."""
        return self.path(sha256).with_name(f"{sha256}.p{int(page)}.png")
