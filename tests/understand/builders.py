"""Small builders of raw mails for the understanding tests (hostile ones included)."""

from __future__ import annotations

import base64
from pathlib import Path

MAIL_DATA = Path(__file__).resolve().parents[1] / "data" / "mail"

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def fixture(name: str) -> bytes:
    return (MAIL_DATA / name).read_bytes()


def headers(subject: str = "Test", content_type: str = "text/plain; charset=utf-8") -> bytes:
    return (
        "From: Marie Dupont <marie.dupont@example.fr>\r\n"
        "To: aplus@aplus.localhost\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <built@example.fr>\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n"
    ).encode("utf-8")


def with_attachment(content: bytes, filename: str = "piece.pdf", text: str = "Bonjour, voici la pièce.") -> bytes:
    """A multipart/mixed mail: one text part, one base64 attachment."""
    return (
        headers("Pièce jointe", 'multipart/mixed; boundary="B"')
        + b"\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + text.encode("utf-8")
        + b"\r\n--B\r\nContent-Type: application/pdf\r\n"
        + f'Content-Disposition: attachment; filename="{filename}"\r\n'.encode("utf-8")
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(content).replace(b"\n", b"\r\n")
        + b"\r\n--B--\r\n"
    )


def many_parts(count: int) -> bytes:
    body = b"".join(
        b"--B\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="f%d.txt"\r\n\r\npart %d\r\n' % (i, i)
        for i in range(count)
    )
    return headers("Beaucoup de parties", 'multipart/mixed; boundary="B"') + b"\r\n" + body + b"--B--\r\n"


def nested(depth: int) -> bytes:
    """``depth`` multiparts each inside the previous one, a text at the bottom."""
    opening = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i) for i in range(1, depth))
    bottom = b"--b%d\r\nContent-Type: text/plain\r\n\r\nTout en bas.\r\n--b%d--\r\n" % (depth - 1, depth - 1)
    closing = b"".join(b"--b%d--\r\n" % i for i in range(depth - 2, -1, -1))
    return headers("Imbrication", "multipart/mixed; boundary=b0") + b"\r\n" + opening + bottom + closing


def single_line_html(size: int) -> bytes:
    chunk = "<p>Bonjour <b>é</b> <a href='https://x.example/'>lien</a> <img src='https://e.example/x.png'></p>"
    html = "<html><body>" + chunk * (size // len(chunk)) + "</body></html>"
    return headers("HTML énorme", "text/html; charset=utf-8") + b"\r\n" + html.encode("utf-8") + b"\r\n"
