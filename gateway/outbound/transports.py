"""How an outbound mail leaves the gateway: through the relay, or into a folder.

The delivery worker (``gateway.outbound.outbox``) only knows the ``Transport``
protocol: ``send`` hands one mail to the next hop or raises
``TemporaryFailure`` (try again later) or ``PermanentFailure`` (never try
again). Two transports exist:

* ``RelayTransport`` speaks SMTP to the configured relay with ``smtplib``
  (STARTTLS with certificate verification, AUTH when a username is set) and
  reuses one connection for a whole batch;
* ``CaptureTransport`` writes each mail as a readable ``.eml`` file, the
  default of ``make run`` so a fresh install never sends real mail.

What counts as permanent: a 5xx answer to MAIL FROM, RCPT TO or DATA, that is
a refusal of *this* mail. A refusal while opening the session (connection,
greeting, EHLO, STARTTLS, AUTH) is about our relay configuration, not the
mail, so it is temporary: once the configuration is fixed the queue drains
instead of having been failed wholesale.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from gateway.outbound import international
from gateway.config import Settings
from gateway.storage.files import write_atomically
from gateway.understand.verp import BOUNCE_TAG

log = logging.getLogger(__name__)

_LINE_END = re.compile(rb"\r\n|\n|\r")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9@._+=-]+")
_VERP_ID = re.compile(re.escape(BOUNCE_TAG) + r"(\d+)-", re.IGNORECASE)


class DeliveryError(Exception):
    """A mail could not be handed over; ``answer`` is what the server said."""

    def __init__(self, answer: str, code: int | None = None) -> None:
        super().__init__(answer)
        self.answer = answer
        self.code = code


class TemporaryFailure(DeliveryError):
    """Try again later: 4xx, connection refused, timeout, TLS or AUTH trouble."""


class PermanentFailure(DeliveryError):
    """Never try again: the relay refused this mail with a 5xx answer."""


class _StaleConnection(Exception):
    """The connection died before MAIL FROM was accepted: safe to reconnect."""


class Transport(Protocol):
    def send(self, envelope_from: str, recipient: str, raw: bytes) -> None:
        """Hand one mail over, or raise ``TemporaryFailure`` / ``PermanentFailure``."""

    def close(self) -> None:
        """Release whatever a batch of ``send`` calls kept open."""


def check_address(address: str) -> None:
    """Refuse addresses that would inject SMTP commands or headers."""
    if not address or "\r" in address or "\n" in address or "\0" in address:
        raise PermanentFailure(f"adresse invalide : {address!r}")


def smtp_line_endings(raw: bytes) -> bytes:
    """Every line ending as CRLF, the body ending with one.

    SMTP requires CRLF; since the 2023 "SMTP smuggling" fixes, relays such as
    Postfix drop bare LF, while ``EmailMessage.as_bytes()`` writes LF. smtplib
    dot-stuffs bytes but leaves their line endings alone, so we fix them here.
    """
    fixed = _LINE_END.sub(b"\r\n", raw)
    return fixed if fixed.endswith(b"\r\n") else fixed + b"\r\n"


def _describe(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def _refusal(stage: str, code: int, message: bytes | str) -> DeliveryError:
    """Classify the relay's answer to one command of the mail transaction."""
    answer = f"{stage}: {_describe(code, message)}"
    if 500 <= code < 600:
        return PermanentFailure(answer, code)
    return TemporaryFailure(answer, code)


class RelayTransport:
    """SMTP to the relay host, one connection reused for a batch.

    ``ssl_context`` defaults to the system's verifying context; tests (or a
    private relay with its own CA) pass one that trusts their certificate.
    STARTTLS is never silently skipped: when it is configured and the relay
    does not offer it, nothing is sent.
    """

    def __init__(self, settings: Settings, ssl_context: ssl.SSLContext | None = None) -> None:
        self.host = settings.relay_host
        self.port = settings.relay_port
        self.starttls = settings.relay_starttls
        self.username = settings.relay_username
        self.password = settings.relay_password
        self.timeout = settings.relay_timeout
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    # -- the Transport protocol ----------------------------------------
    def send(self, envelope_from: str, recipient: str, raw: bytes) -> None:
        check_address(envelope_from)
        check_address(recipient)
        envelope_from, recipient = international.smtp_address(envelope_from), international.smtp_address(recipient)
        data = smtp_line_endings(raw)
        for _ in range(2):
            reused = self._smtp is not None
            smtp = self._connection()
            try:
                self._transaction(smtp, envelope_from, recipient, data)
                return
            except _StaleConnection as error:
                self._drop()
                if not reused:  # a fresh connection closing at once is no idle timeout
                    raise TemporaryFailure(f"connexion au relais perdue : {error}") from error
                # The relay closed the connection kept from the previous mail:
                # nothing of this mail was sent yet, so open a new one.
            except PermanentFailure:
                raise  # the session was reset and stays usable
            except TemporaryFailure:
                self._drop()
                raise
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                raise TemporaryFailure(f"relais injoignable : {error.__class__.__name__}: {error}") from error
        raise TemporaryFailure("connexion au relais perdue deux fois de suite")

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    # -- internals -------------------------------------------------------
    def _transaction(self, smtp: smtplib.SMTP, envelope_from: str, recipient: str, data: bytes) -> None:
        options = self._mail_options(smtp, envelope_from, recipient, data)
        try:
            code, message = smtp.mail(envelope_from, options)
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise _StaleConnection(str(error)) from error
        if code == 421:  # e.g. Postfix's "421 4.4.2 timeout exceeded", queued while idle
            raise _StaleConnection(_describe(code, message))
        if code != 250:
            self._reset(smtp)
            raise _refusal("MAIL FROM", code, message)
        code, message = smtp.rcpt(recipient)
        if code not in (250, 251):
            self._reset(smtp)
            raise _refusal("RCPT TO", code, message)
        try:
            code, message = smtp.data(data)
        except smtplib.SMTPDataError as error:  # DATA itself refused (no 354)
            self._reset(smtp)
            raise _refusal("DATA", error.smtp_code, error.smtp_error) from error
        if code != 250:
            raise _refusal("DATA", code, message)
        log.info("relay accepted the mail: %s", _describe(code, message))

    def _mail_options(self, smtp: smtplib.SMTP, envelope_from: str, recipient: str, data: bytes) -> list[str]:
        options: list[str] = []
        if not data.isascii() and smtp.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if not (envelope_from.isascii() and recipient.isascii()):
            if not smtp.has_extn("smtputf8"):
                address = recipient if not recipient.isascii() else envelope_from
                raise PermanentFailure(international.UNDELIVERABLE_LOCAL_PART.format(address=address))
            options.append("SMTPUTF8")
        return options

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except smtplib.SMTPConnectError as error:
            raise TemporaryFailure(f"connexion : {_describe(error.smtp_code, error.smtp_error)}", error.smtp_code) from error
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"relais injoignable ({self.host}:{self.port}) : {error}") from error
        try:
            self._open_session(smtp)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _open_session(self, smtp: smtplib.SMTP) -> None:
        """EHLO, STARTTLS, AUTH: any refusal here is temporary (configuration)."""
        try:
            smtp.ehlo()
            if self.starttls:
                if not smtp.has_extn("starttls"):
                    raise TemporaryFailure("STARTTLS : le relais ne le propose pas, rien n'est envoyé en clair")
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except smtplib.SMTPResponseException as error:
            raise TemporaryFailure(f"ouverture de session : {_describe(error.smtp_code, error.smtp_error)}", error.smtp_code) from error
        except (OSError, smtplib.SMTPException) as error:  # TLS errors are OSErrors
            raise TemporaryFailure(f"ouverture de session : {error.__class__.__name__}: {error}") from error

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


class CaptureTransport:
    """Write each mail as ``<folder>/<YYYYmmdd-HHMMSS>-<outbox id>-<recipient>.eml``.

    Two headers are prepended so a person opening the file sees where it
    would have gone: ``X-Aplus-Envelope-From`` and ``X-Aplus-Envelope-To``.
    The file appears atomically (temporary file, fsync, rename): a reader
    never sees half a mail. The outbox id is read back from the VERP
    envelope sender (no secret needed to *name* a file).
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def send(self, envelope_from: str, recipient: str, raw: bytes) -> None:
        check_address(envelope_from)
        check_address(recipient)
        self.folder.mkdir(parents=True, exist_ok=True)
        newline = b"\r\n" if b"\r\n" in raw else b"\n"
        header = (
            b"X-Aplus-Envelope-From: " + envelope_from.encode("utf-8") + newline
            + b"X-Aplus-Envelope-To: " + recipient.encode("utf-8") + newline
        )
        try:
            write_atomically(self.folder / self.file_name(envelope_from, recipient), header + raw)
        except OSError as error:  # disk full, permissions: may be fixed, so retry
            raise TemporaryFailure(f"écriture impossible dans {self.folder} : {error}") from error

    def close(self) -> None:
        pass

    @staticmethod
    def file_name(envelope_from: str, recipient: str, now: datetime | None = None) -> str:
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        match = _VERP_ID.search(envelope_from)
        outbox_id = match.group(1) if match else "0"
        safe_recipient = _UNSAFE_FILE_CHARS.sub("_", recipient).strip("._")[:120] or "destinataire"
        return f"{stamp}-{outbox_id}-{safe_recipient}.eml"


def make_transport(settings: Settings) -> Transport:
    """The transport chosen by ``settings.delivery``: "capture" or "relay"."""
    if settings.delivery == "capture":
        return CaptureTransport(settings.outbox_dir)
    if settings.delivery == "relay":
        return RelayTransport(settings)
    raise ValueError(f"APLUS_DELIVERY must be 'capture' or 'relay', not {settings.delivery!r}")
