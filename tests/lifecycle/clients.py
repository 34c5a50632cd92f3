"""Replies as real mail clients write them, to a notification the gateway sent.

Each builder takes the notification (as queued in the outbox) and the lines
the agent typed at the top, and returns the raw bytes the client would send:
its headers, its reply marker, its quoting of the history (which carries the
footer with every command name: parsing it would be a bug), text and HTML
parts or HTML alone.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tests.lifecycle.conftest import Sent


def _head(sent: Sent, sender: str, name: str, *, subject_prefix: str = "RE: ", cc: str = "",
          to: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = to or sent.reply_to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject_prefix + sent.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    mail["In-Reply-To"] = str(sent.mail["Message-ID"])
    mail["References"] = f"{sent.mail.get('References', '')} {sent.mail['Message-ID']}".strip()
    return mail


def _quoted(sent: Sent, prefix: str = "> ") -> str:
    return "\n".join(prefix + line for line in sent.text.splitlines())


def outlook(sent: Sent, sender: str, name: str, typed: str, **kw) -> bytes:
    mail = _head(sent, sender, name, **kw)
    mail["X-Mailer"] = "Microsoft Outlook 16.0"
    mail["Thread-Index"] = "AdlCq3Jb0f5e1uTzQm2wq8yV1m3X9A=="
    header = (f"De : A+ <{sent.mail['From'].addresses[0].addr_spec}>\nEnvoyé : jeudi 3 décembre 2026 10:12\n"
              f"À : {name} <{sender}>\nObjet : {sent.subject}\n")
    mail.set_content(f"{typed}\n\n{name}\n\n________________________________\n{header}\n{sent.text}")
    body_html = "".join(f"<p class=MsoNormal>{html.escape(line) or '&nbsp;'}<o:p></o:p></p>" for line in typed.splitlines())
    mail.add_alternative(
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><meta charset=utf-8></head><body lang=FR>"
        f"<div class=WordSection1>{body_html}<p class=MsoNormal>{html.escape(name)}</p>"
        "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
        f"<p class=MsoNormal><b>De :</b> A+<br><b>Envoyé :</b> jeudi 3 décembre 2026 10:12<br><b>À :</b> {html.escape(name)}"
        f"<br><b>Objet :</b> {html.escape(sent.subject)}</p></div>{sent.html}</div></body></html>",
        subtype="html",
    )
    return mail.as_bytes()


def gmail(sent: Sent, sender: str, name: str, typed: str, **kw) -> bytes:
    mail = _head(sent, sender, name, subject_prefix="Re: ", **kw)
    marker = f"Le jeu. 3 déc. 2026 à 10:12, A+ <{sent.mail['From'].addresses[0].addr_spec}> a écrit :"
    mail.set_content(f"{typed}\n\n{marker}\n\n{_quoted(sent)}\n")
    typed_html = "<br>".join(html.escape(line) for line in typed.splitlines())
    mail.add_alternative(
        f'<div dir="ltr">{typed_html}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        f'{html.escape(marker)}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
        f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{sent.html}</blockquote></div>',
        subtype="html",
    )
    return mail.as_bytes()


def thunderbird(sent: Sent, sender: str, name: str, typed: str, **kw) -> bytes:
    mail = _head(sent, sender, name, subject_prefix="Re: ", **kw)
    mail["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"
    mail.set_content(f"{typed}\n\nLe 03/12/2026 à 10:12, A+ a écrit :\n{_quoted(sent)}\n")
    return mail.as_bytes()


def zimbra(sent: Sent, sender: str, name: str, typed: str, **kw) -> bytes:
    mail = _head(sent, sender, name, subject_prefix="RE: ", **kw)
    mail["X-Mailer"] = "Zimbra 9.0.0_GA_4546 (ZimbraWebClient - FF128 (Linux)/9.0.0_GA_4546)"
    original = (f"----- Mail original -----\nDe: \"A+\" <{sent.mail['From'].addresses[0].addr_spec}>\n"
                f"À: \"{name}\" <{sender}>\nEnvoyé: Jeudi 3 Décembre 2026 10:12:33\nObjet: {sent.subject}\n")
    mail.set_content(f"{typed}\n\n{name}\nCaisse d'allocations familiales des Bouches-du-Rhône\n\n{original}\n{sent.text}")
    return mail.as_bytes()


def orange_webmail(sent: Sent, sender: str, name: str, typed: str, **kw) -> bytes:
    mail = _head(sent, sender, name, subject_prefix="RE: ", **kw)
    mail["X-Mailer"] = "Orange Messagerie"
    quoted = (f"> Message du 03/12/26 10:12\n> De : \"A+\" <{sent.mail['From'].addresses[0].addr_spec}>\n"
              f"> A : {sender}\n> Copie à :\n> Objet : {sent.subject}\n>\n{_quoted(sent)}")
    mail.set_content(f"{typed}\n\n{name}\n\n{quoted}\n")
    return mail.as_bytes()


def html_only(sent: Sent, sender: str, name: str, typed: str, **kw) -> bytes:
    """Outlook on the web, sending HTML alone."""
    mail = _head(sent, sender, name, subject_prefix="RE: ", **kw)
    typed_html = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in typed.splitlines())
    mail.set_content(
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
        f'<div style="font-family: Aptos, sans-serif; font-size: 12pt;">{typed_html}</div>'
        f'<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt">'
        f'<b>De :</b> A+<br><b>Envoyé :</b> jeudi 3 décembre 2026 10:12<br><b>À :</b> {html.escape(name)}<br>'
        f'<b>Objet :</b> {html.escape(sent.subject)}</font><div>&nbsp;</div></div>{sent.html}</body></html>',
        subtype="html",
    )
    return mail.as_bytes()


CLIENTS = {"outlook": outlook, "gmail": gmail, "thunderbird": thunderbird, "zimbra": zimbra,
           "orange": orange_webmail, "html_only": html_only}
