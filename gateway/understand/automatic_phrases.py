"""The phrases that give automatic mail away: subjects and first body lines.

Folded (no accents, lower case) and anchored, so they are written plainly;
kept apart from the rules in ``automatic`` because they are the part that
grows with each new server or language met.
"""

from __future__ import annotations

import re


def _pattern(*alternatives: str, strict: bool = False) -> re.Pattern[str]:
    """Anchor phrases at the start of a subject; strict ones need ':' or end."""
    tail = r"\s*(?::|$)" if strict else r"\b"
    return re.compile(r"^\s*(?:" + "|".join(alternatives) + r")" + tail)


#: Out-of-office and acknowledgement subjects, folded (no accents, lower case).
AUTO_REPLY_SUBJECTS = (
    _pattern(
        r"reponse automatique",
        r"message d.absence",
        r"automatic reply",
        r"auto(?:matic)?[- ]?reply",
        r"auto[- ]?response",
        r"autoreply",
        r"out of (?:the )?office",
        r"abwesenheitsnotiz",
        r"automatyczna odpowiedz",
        r"accuse de reception (?:de|du) votre (?:message|courriel|mail|e-mail|demande)",
        r"avis d'absence",
    ),
    _pattern(
        r"absence du bureau",
        r"absent du bureau",
        r"je suis absente?",
        r"accuse de reception",
        strict=True,
    ),
)

#: Non-delivery subjects of the usual MTAs, French and English, folded.
BOUNCE_SUBJECTS = (
    _pattern(
        r"undeliverable",
        r"undelivered mail returned to sender",
        r"undelivered mail",
        r"echec de la remise",
        r"delivery status notification",
        r"mail delivery failed",
        r"mail delivery failure",
        r"delivery failure",
        r"failure notice",
        r"returned mail",
        r"mail system error",
        r"message delivery failure",
        r"delivery notification: delivery has failed",
        r"non-delivery",
        r"nondeliverable",
        r"could not send message",
        r"(?:mail|message) could not be delivered",
        r"warning: could not send message",
        r"delivery (?:has )?failed",
        r"message non remis",
        r"impossible de remettre",
        r"permanent delivery failure",
        r"undeliverable mail",
        r"(?:notification d'|avis d')?echec de (?:la )?(?:distribution|remise)",
        r"(?:avertissement ?: )?remise (?:du message )?(?:retardee|differee)",
        r"warning: message \S{1,80} delayed",
        r"delivery failure:",
    ),
    _pattern(r"non remis", r"non distribuable", strict=True),
)

#: Boilerplate first lines of non-standard bounces (qmail, Exim, Postfix
#: without a report, Exchange, Gmail, French providers), folded.
BOUNCE_BODY = re.compile(
    "|".join(
        (
            r"this is the qmail-send program",
            r"this message was created automatically by mail delivery software",
            r"this is the mail system at host",
            r"i'm sorry to have to inform you that your message could not",
            r"your message could not be delivered",
            r"could not be delivered to one or more recipients",
            r"delivery has failed to these recipients or groups",
            r"la remise a echoue pour ces destinataires ou groupes",
            r"votre message n'a pas pu etre remis",
            r"the following addresses? had permanent fatal errors",
            r"delivery to the following recipients? failed",
            r"message could not be delivered",
            r"i wasn't able to deliver your message",
            r"undeliverable message",
            r"unable to deliver (?:the |your )?message",
            r"permanent error\. the following address",
            r"delivery to the following recipient has been delayed",
            r"your message was not delivered",
            r"has not been delivered to",
            r"returned mail: ",
            r"this is the mailer-daemon",
            r"had permanent fatal delivery errors",
            r"your mail was never delivered",
            r"was not delivered to:?",
            r"n'a (?:pas )?pu etre (?:distribue|remis|delivre)",
            r"la remise (?:de votre message |aux destinataires suivants )?(?:est|a ete) (?:retardee|differee)",
            r"undeliverable mail sent to",
            r"has not yet been delivered to",
            r"this is a warning message only",
            r'\\?"notificationtype\\?"\s*:\s*\\?"bounce',  # Amazon SES notifications
            r"\b[45]\d\d[- ][45]\.\d{1,3}\.\d{1,3}\b",  # an SMTP transcript: "550 5.1.1"
        )
    )
)
