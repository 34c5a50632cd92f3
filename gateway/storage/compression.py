"""Raw mail stored compressed, read back byte for byte: the column type ``CompressedBytes``.

Why: the spool keeps every received mail and the outbox every mail sent,
for years; measured at 1,000 tickets, ``outbound_mail`` was 17 of the 26 MB
of the database. Mail is text (headers, base64, quoted replies) and zlib
makes it three to six times smaller for about 0.1 ms per 4 KB mail.

Why a column type and not a helper around the attribute: ``InboundMail.raw``
and ``OutboundMail.raw`` are read and written by plain SQL on the paths that
run for every mail (the spool's multi-row INSERT, the ``UPDATE … RETURNING
raw`` leases) as well as through the ORM; a ``TypeDecorator`` is applied by
SQLAlchemy on every one of those paths, so every caller — delivery, DKIM
signing, the captured outbox, the admin, the purge — still sees exactly the
bytes that were received or rendered, and no caller had to change.

The stored format names itself, so any setting reads any row:

* ``\\x00z`` + a zlib stream: compressed (``raw_compression = "zlib"``, and
  ``"auto"``, the default, on SQLite);
* ``\\x00r`` + the bytes: kept as they were, for a value that itself starts with NUL;
* anything else: the bytes as they were (``"none"``, ``"auto"`` on PostgreSQL, and every
  row written before this format existed — migration 0004 marks the rare old
  rows that started with a NUL byte, so the rule holds for them too).

Why "auto" leaves PostgreSQL alone: PostgreSQL already compresses values
over about 2 KB when it moves them out of the row (TOAST, pglz). Measured
with ``benchmarks/scale.py`` (200 tickets, a request and two replies each):
66 KB per ticket uncompressed against 80 KB with zlib, whose 1-3 KB values
stay inside the rows; on SQLite, which never compresses, 130 KB against 60 KB.

zlib rather than zstandard: it is in the standard library; zstandard's
gain is in speed on large inputs, while mail rows are a few kilobytes and
cost about a tenth of a millisecond with zlib, so a compiled dependency
would buy little. A new method is one more prefix here. The setting is process-wide (``configure``) because the
type has no access to the settings of the session writing the value.
"""

from __future__ import annotations

import zlib

from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

ZLIB = b"\x00z"
VERBATIM = b"\x00r"
METHODS = ("auto", "zlib", "none")
#: zlib's level 6: within 3 % of level 9 on mail, twice as fast.
LEVEL = 6

_method = "auto"


def configure(method: str) -> None:
    """Choose how new values are stored in this process (``Settings.raw_compression``)."""
    global _method
    if method not in METHODS:
        raise ValueError(f"compression inconnue : {method!r} (valeurs possibles : {', '.join(METHODS)})")
    _method = method


def pack(raw: bytes, method: str | None = None, backend: str = "sqlite") -> bytes:
    """The stored form of ``raw`` (see the module docstring); ``backend``: the dialect's name, for "auto"."""
    method = method or _method
    if method == "auto":
        method = "none" if backend == "postgresql" else "zlib"
    if method == "zlib":
        return ZLIB + zlib.compress(raw, LEVEL)
    return VERBATIM + raw if raw[:1] == b"\x00" else raw


def unpack(stored: bytes) -> bytes:
    """The bytes as received or rendered, whatever form they were stored in."""
    if stored[:2] == ZLIB:
        return zlib.decompress(stored[2:])
    if stored[:2] == VERBATIM:
        return stored[2:]
    return stored


class CompressedBytes(TypeDecorator):
    """``LargeBinary`` in the database (the schema does not change), raw bytes in Python."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return pack(bytes(value), backend=dialect.name) if value is not None else None

    def process_result_value(self, value, dialect):
        return unpack(bytes(value)) if value is not None else None
