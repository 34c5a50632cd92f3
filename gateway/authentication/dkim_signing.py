"""DKIM signing of what the gateway sends, with a key kept in the data folder.

Relayed mail is From the gateway's own domain (DESIGN invariant 7); signing
it with that domain's key is what makes it pass DMARC at the agents' and
people's providers. The key (RSA 2048, generated with ``cryptography`` on
first use, PKCS#1 PEM as dkimpy reads it) is ``<data folder>/dkim/<selector>.key``
with mode 0600; ``aplus dkim`` prints the TXT record to publish at
``<selector>._domainkey.<domain>``. Signing happens at delivery (the outbox
keeps the unsigned bytes), so changing the key or selector never leaves
queued mail with a stale signature.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.config import Settings

_LINE_END = re.compile(rb"\r\n|\n|\r")
SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"in-reply-to", b"references",
                  b"mime-version", b"content-type", b"auto-submitted"]


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "dkim" / f"{settings.dkim_selector}.key"


def ensure_key(settings: Settings) -> bytes:
    """The private key (PEM), generated on first use with mode 0600."""
    path = key_path(settings)
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, path)  # appears whole, and only once: another process's key wins if it was first
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes()


@lru_cache(maxsize=4)
def _key(path: str, mtime_ns: int) -> bytes:
    return Path(path).read_bytes()


def _current_key(settings: Settings) -> bytes:
    path = key_path(settings)
    if not path.exists():
        ensure_key(settings)
    return _key(str(path), path.stat().st_mtime_ns)


def sign(settings: Settings, raw: bytes) -> bytes:
    """``raw`` with a DKIM-Signature of the gateway's domain on top (unchanged when signing is off)."""
    if not settings.dkim_sign:
        return raw
    raw = _LINE_END.sub(b"\r\n", raw)  # what goes on the wire, so the body hash is the one receivers compute
    head = raw.split(b"\r\n\r\n", 1)[0]
    present = {line.split(b":", 1)[0].strip().lower() for line in head.split(b"\r\n") if line[:1] not in b" \t"}
    signature = dkim.sign(
        raw, settings.dkim_selector.encode(), settings.domain.encode(), _current_key(settings),
        include_headers=[h for h in SIGNED_HEADERS if h in present or h == b"from"],  # an absent From stays absent
    )
    return signature + raw


def dns_record(settings: Settings) -> tuple[str, str]:
    """(name, TXT value) to publish for the current key."""
    private = serialization.load_pem_private_key(ensure_key(settings), password=None)
    public = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"{settings.dkim_selector}._domainkey.{settings.domain}", f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"
