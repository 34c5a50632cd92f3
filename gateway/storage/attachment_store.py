"""Attachment bytes on disk, addressed by their SHA-256.

Content addressing makes storing idempotent (a mail processed twice writes the
same file) and deduplicates the same PDF sent to many tickets. Files are
written with ``gateway.storage.files.write_atomically``, so a crash never leaves a
half-written file under a valid name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from gateway.storage.files import write_atomically


def path_for(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store(root: Path, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    target = path_for(root, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, content)
    return digest


def load(root: Path, sha256: str) -> bytes:
    return path_for(root, sha256).read_bytes()
