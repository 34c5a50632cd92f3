"""Tell human mail from automatic mail: auto-replies, bulk, bounces, our own.

A gateway that answers an out-of-office, relays a bounce or processes its own
mail coming back starts a mail loop (DESIGN.md invariant 3). This module is a
small pipeline of named rules in the Mailman style: every rule is a tiny
function that looks at one thing (a header, the MIME structure, the sender,
the subject, the first lines of the body) and returns the name of what it saw
or None. All rules run, so the verdict's ``reasons`` reads like a log of every
hit (``header:auto-submitted=auto-replied``, ``subject:auto-reply``, ...);
the kind is then chosen from the hits by a fixed precedence:

``own`` > ``bounce`` > ``auto_reply`` > ``bulk`` > ``human``

- ``own`` first: our own mail coming back must stop here whatever else it
  looks like, or it feeds itself. One exception: a real delivery report
  (a ``delivery-status`` part) whose own Message-ID is at our domain is a
  bounce, because our own relay writes its reports with such Message-IDs;
  the ``X-Aplus-Loop`` header still wins over everything.
- ``bounce`` beats ``auto_reply``: delivery reports routinely carry
  ``Auto-Submitted: auto-replied`` (RFC 3464 reports are auto-submitted) and
  an empty Return-Path, like vacation replies do; a bounce needs its own
  handling (the failing address is marked), so the more specific kind wins.
- ``auto_reply`` beats ``bulk``: vacation responders add
  ``Precedence: bulk`` to avoid loops; an out-of-office is logged on its
  ticket, bulk mail is only dropped, so again the more specific kind wins.

Decisions measured on the shared corpora (see docs/understanding-automatic.md):

- ``X-Auto-Response-Suppress`` alone never counts: Outlook puts it on normal
  mails (read receipts suppressed on a reply). It counts only together with
  an Exchange rule header (``X-MS-Exchange-Inbox-Rules-Loop`` or
  ``X-MS-Exchange-Generated-Message-Source``), which is how Exchange marks
  the replies its own rules generate (the same combination Zammad uses).
  ``X-MS-Exchange-Inbox-Rules-Loop`` alone does not count either: a person's
  redirect rule adds it to mail that a human wrote.
- ``Feedback-ID`` is ignored: senders of transactional mail set it too.
- ARF feedback reports (``multipart/report; report-type=feedback-report``,
  a mailbox provider telling us someone pressed "spam") are ``bulk``, not
  ``bounce``: the mail was delivered, so the address must not be marked as
  failing; the report is machine mail that is never answered nor relayed.
- A read receipt (MDN, ``report-type=disposition-notification``) is an
  ``auto_reply``.
- Subject patterns are anchored at the start of the subject, compared
  without accents and case, and the ambiguous ones ("Accusé de réception",
  "Non remis", "Je suis absent", "Absence du bureau") must be followed by a
  colon or end the subject, so that "Question sur mon absence de revenus" or
  "Accusé de réception de ma lettre recommandée" stay human.

Hand-written rules rather than a library: the maintained bounce library
(flufl.bounce, used in bounces.py) finds failed recipients but does not tell
auto-replies, bulk and loops apart, and none handles French subjects.
"""

from __future__ import annotations

import email.message
import re
from dataclasses import dataclass
from typing import Callable

from gateway.understand.absence import absence_notice
from gateway.understand.automatic_phrases import AUTO_REPLY_SUBJECTS, BOUNCE_BODY, BOUNCE_SUBJECTS
from gateway.understand.mail_view import MailView, view_of
from gateway.understand.model import Automatic, AutomaticKind

#: Kinds from the strongest to the weakest: the first kind with a hit wins.
PRECEDENCE: tuple[AutomaticKind, ...] = ("own", "bounce", "auto_reply", "bulk")

#: Our own loop header; its value is the gateway's domain.
LOOP_HEADER = "x-aplus-loop"

#: Senders that are always a delivery system.
_DAEMON_LOCALS = frozenset({"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "mail.daemon", "mdaemon"})
#: Mailboxes that a person may also write from: they count with other evidence.
_POSTMASTER_LOCALS = frozenset({"postmaster", "post_master", "post-master"})
_DAEMON_NAMES = re.compile(
    r"^(mail delivery (subsystem|system|service)|mailer[- ]daemon|mail administrator|"
    r"microsoft outlook|systeme de remise du courrier|administrateur de (?:la )?messagerie|mail router)$"
)
_NOREPLY_LOCAL = re.compile(r"^(no-?reply|do-?not-?reply|ne-?pas-?repondre|nepasrepondre|noreply-\S*)$")


Rule = Callable[[MailView, str], "str | None"]


@dataclass(frozen=True)
class NamedRule:
    """One rule: the kind it votes for, and the check that names its hit."""

    name: str
    kind: AutomaticKind
    check: Rule


# --- the rules -------------------------------------------------------------


def loop_header(view: MailView, own_domain: str) -> str | None:
    values = [v.strip().lower() for v in view.headers.get(LOOP_HEADER, [])]
    return "header:x-aplus-loop" if own_domain.lower() in values else None


def own_message_id(view: MailView, own_domain: str) -> str | None:
    """Only the mail's own Message-ID: In-Reply-To/References are replies."""
    message_id = view.first("message-id").strip().strip("<>").lower()
    if own_domain and message_id.endswith("@" + own_domain.lower()):
        return "header:message-id=own-domain"
    return None


def delivery_status_report(view: MailView, own_domain: str) -> str | None:
    if "delivery-status" in view.report_types:
        return "content:report=delivery-status"
    if "message/delivery-status" in view.part_types or "message/global-delivery-status" in view.part_types:
        return "content:part=delivery-status"
    return None


def daemon_sender(view: MailView, own_domain: str) -> str | None:
    if view.sender_local in _DAEMON_LOCALS:
        return f"sender:{view.sender_local}"
    if _DAEMON_NAMES.match(view.sender_name):
        return "sender:delivery-system-name"
    return None


def postmaster_sender(view: MailView, own_domain: str) -> str | None:
    """postmaster@ is a person's mailbox too: it counts with machine evidence."""
    if view.sender_local not in _POSTMASTER_LOCALS:
        return None
    if _empty_return_path(view) or _auto_submitted(view) or bounce_subject(view, own_domain) or view.report_types:
        return "sender:postmaster"
    return None


def bounce_subject(view: MailView, own_domain: str) -> str | None:
    return "subject:bounce" if any(p.match(view.subject) for p in BOUNCE_SUBJECTS) else None


def bounce_body(view: MailView, own_domain: str) -> str | None:
    """Non-standard bounces, only when the mail is not signed by a person.

    A person can quote bounce boilerplate ("my mail came back with ..."), so
    the body counts only with an empty Return-Path, a daemon sender, an
    Auto-Submitted header or a bounce subject.
    """
    if not BOUNCE_BODY.search(view.body_head):
        return None
    machine = (
        _empty_return_path(view)
        or daemon_sender(view, own_domain)
        or view.sender_local in _POSTMASTER_LOCALS
        or noreply_sender(view, own_domain)
        or _auto_submitted(view)
        or bounce_subject(view, own_domain)
    )
    return "body:bounce" if machine else None


def absence_body(view: MailView, own_domain: str) -> str | None:
    """An out-of-office notice without automatic headers (see ``absence``)."""
    references = " ".join(view.headers.get("in-reply-to", []) + view.headers.get("references", [])).split()
    return absence_notice(view.body_head, references, own_domain)


def _empty_return_path(view: MailView) -> bool:
    return any(v.strip() in ("<>", "") for v in view.headers.get("return-path", []))


def _auto_submitted(view: MailView) -> str:
    value = view.first("auto-submitted").strip().lower()
    return "" if value in ("", "no") else value.split(";")[0].split("(")[0].strip()


def empty_return_path_with_report(view: MailView, own_domain: str) -> str | None:
    if _empty_return_path(view) and "multipart/report" in view.part_types:
        return "return-path:empty+report"
    return None


def auto_submitted(view: MailView, own_domain: str) -> str | None:
    value = _auto_submitted(view)
    return f"header:auto-submitted={value}" if value else None


def x_autoreply(view: MailView, own_domain: str) -> str | None:
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse", "x-autogenerated"):
        value = view.first(name).strip().lower()
        if name in view.headers and value not in ("no", "false", "0"):
            return f"header:{name}"
    return None


def exchange_rule_reply(view: MailView, own_domain: str) -> str | None:
    suppress = view.first("x-auto-response-suppress")
    rule_made = "x-ms-exchange-inbox-rules-loop" in view.headers or (
        "x-ms-exchange-generated-message-source" in view.headers
    )
    if suppress and rule_made:
        return "header:x-auto-response-suppress+exchange-rule"
    return None


def read_receipt(view: MailView, own_domain: str) -> str | None:
    if "disposition-notification" in view.report_types:
        return "content:report=disposition-notification"
    return None


def precedence_auto_reply(view: MailView, own_domain: str) -> str | None:
    value = view.first("precedence").strip().lower()
    return "header:precedence=auto_reply" if value in ("auto_reply", "auto-reply") else None


def auto_reply_subject(view: MailView, own_domain: str) -> str | None:
    return "subject:auto-reply" if any(p.match(view.subject) for p in AUTO_REPLY_SUBJECTS) else None


def null_return_path(view: MailView, own_domain: str) -> str | None:
    """RFC 3834 3.3: responders send with a null return path; people never do."""
    return "return-path:empty" if _empty_return_path(view) else None


def noreply_sender(view: MailView, own_domain: str) -> str | None:
    return "sender:no-reply" if _NOREPLY_LOCAL.match(view.sender_local) else None


def precedence_bulk(view: MailView, own_domain: str) -> str | None:
    value = view.first("precedence").strip().lower()
    return f"header:precedence={value}" if value in ("bulk", "list", "junk") else None


def list_headers(view: MailView, own_domain: str) -> str | None:
    for name in ("list-id", "list-unsubscribe", "list-post"):
        if name in view.headers:
            return f"header:{name}"
    return None


def feedback_report(view: MailView, own_domain: str) -> str | None:
    if "feedback-report" in view.report_types or "message/feedback-report" in view.part_types:
        return "content:report=feedback-report"
    if _COMPLAINT_SUBJECT.match(view.subject):  # Hotmail's pre-ARF complaints
        return "subject:complaint"
    return None


_COMPLAINT_SUBJECT = re.compile(r"^\s*complaint about message from\b")


#: The pipeline, in precedence order (the order also makes ``reasons`` read
#: from the strongest evidence to the weakest).
RULES: tuple[NamedRule, ...] = (
    NamedRule("loop_header", "own", loop_header),
    NamedRule("own_message_id", "own", own_message_id),
    NamedRule("delivery_status_report", "bounce", delivery_status_report),
    NamedRule("daemon_sender", "bounce", daemon_sender),
    NamedRule("postmaster_sender", "bounce", postmaster_sender),
    NamedRule("bounce_subject", "bounce", bounce_subject),
    NamedRule("bounce_body", "bounce", bounce_body),
    NamedRule("empty_return_path_with_report", "bounce", empty_return_path_with_report),
    NamedRule("auto_submitted", "auto_reply", auto_submitted),
    NamedRule("x_autoreply", "auto_reply", x_autoreply),
    NamedRule("exchange_rule_reply", "auto_reply", exchange_rule_reply),
    NamedRule("read_receipt", "auto_reply", read_receipt),
    NamedRule("precedence_auto_reply", "auto_reply", precedence_auto_reply),
    NamedRule("auto_reply_subject", "auto_reply", auto_reply_subject),
    NamedRule("noreply_sender", "auto_reply", noreply_sender),
    NamedRule("absence_body", "auto_reply", absence_body),
    NamedRule("null_return_path", "auto_reply", null_return_path),
    NamedRule("precedence_bulk", "bulk", precedence_bulk),
    NamedRule("list_headers", "bulk", list_headers),
    NamedRule("feedback_report", "bulk", feedback_report),
)


_DELIVERY_REPORT_REASONS = frozenset({"content:report=delivery-status", "content:part=delivery-status"})


def _verdict(hits: list[tuple[AutomaticKind, str]]) -> AutomaticKind:
    kinds = {kind for kind, _ in hits}
    # A feedback report is sent by a provider's system (daemon sender, empty
    # Return-Path, Auto-Submitted, sometimes a bounce-like subject) but is
    # neither a failure nor a reply: it stays bulk unless it also carries a
    # delivery-status part.
    reasons = {reason for _, reason in hits}
    delivery_report = bool(_DELIVERY_REPORT_REASONS & reasons)
    if "content:report=feedback-report" in reasons and not delivery_report:
        kinds -= {"bounce", "auto_reply"}
    # Our own relay (Postfix with myhostname = our domain) writes its
    # delivery reports with a Message-ID at our domain: a real report about
    # our mail is a bounce, only the loop header makes it ours regardless.
    if delivery_report and "header:x-aplus-loop" not in reasons:
        kinds.discard("own")
    for kind in PRECEDENCE:
        if kind in kinds:
            return kind
    return "human"


def classify_automatic(msg: email.message.EmailMessage, *, own_domain: str) -> Automatic:
    """Run every rule on the message and return the verdict with its hits.

    Never raises: a rule that fails is recorded as ``error:<rule>`` and the
    others still run; if the message cannot be read at all the verdict is
    ``human`` with ``error:unreadable`` (a human verdict is the conservative
    one: the mail is kept and shown, never silently dropped).
    """
    try:
        view = view_of(msg)
    except Exception as exc:  # hostile structure: keep the mail, say why
        return Automatic(kind="human", reasons=[f"error:unreadable:{type(exc).__name__}"])
    hits: list[tuple[AutomaticKind, str]] = []
    errors: list[str] = []
    for rule in RULES:
        try:
            reason = rule.check(view, own_domain or "")
        except Exception as exc:
            errors.append(f"error:{rule.name}:{type(exc).__name__}")
            continue
        if reason:
            hits.append((rule.kind, reason))
    return Automatic(kind=_verdict(hits), reasons=[reason for _, reason in hits] + errors)
