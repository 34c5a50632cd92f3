"""What an agent's reply asks for, read from its first line: take, not me, treated, invite.

Agents answer from Outlook, Zimbra or a phone; they will not learn a syntax.
So a command is either a tag (``#jemenoccupe``, ``#pasmoi``, ``#traite``,
``#inviter CPAM 13``), as the quick-answer links of every notification
prepare it, or one of the sentences agents actually write at the top of a
reply ("Je m'en occupe.", "Bien reçu, je prends le dossier", "Ce n'est pas
pour nous", "Dossier traité"), accents and case ignored.

Only the author's own new text is read (the understood, trimmed text: the
quoted history below a reply is never parsed), and only its first
meaningful line, after a greeting. A sentence counts when it stands alone on
its line or opens a short one: "Je m'en occupe dès lundi" does, a question
("Dossier traité ?") or a negation ("Je ne m'en occupe pas") does not.

Hand-written because it is a few phrases of French office mail; no library
knows them. The phrases live in the tables below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unidecode import unidecode

TAGS = {
    "jemenoccupe": "take", "jmenoccupe": "take", "jemencharge": "take", "jeprends": "take", "prisencharge": "take",
    "pasmoi": "not_me", "paspourmoi": "not_me", "pasbonintermediaire": "not_me", "pasleboninterlocuteur": "not_me",
    "traite": "treated", "dossiertraite": "treated", "clos": "treated", "cloture": "treated", "resolu": "treated",
    "inviter": "invite", "invite": "invite", "invitation": "invite",
}
KINDS = ("take", "not_me", "treated", "invite", "unknown")

_PHRASES = {
    "take": (
        "je m en occupe", "je men occupe", "je m en charge", "je m occupe du dossier", "je m occupe de ce dossier",
        "je m occupe de cette demande", "je prends en charge", "je prends le dossier", "je prends ce dossier",
        "je prends la demande", "je prends cette demande", "je le prends", "je la prends", "dossier pris en charge",
        "demande prise en charge", "pris en charge", "nous nous en occupons", "on s en occupe", "je m en occupe",
    ),
    "not_me": (
        "je ne suis pas le bon interlocuteur", "je ne suis pas la bonne interlocutrice", "pas le bon interlocuteur",
        "nous ne sommes pas le bon interlocuteur", "nous ne sommes pas les bons interlocuteurs",
        "ce n est pas pour moi", "ce n est pas pour nous", "pas pour moi", "pas pour nous",
        "ce n est pas de mon ressort", "ce n est pas de notre ressort", "cela ne releve pas de nos services",
        "ne releve pas de nos services", "ne releve pas de notre competence", "ne releve pas de ma competence",
        "hors de notre perimetre", "hors de mon perimetre", "nous ne sommes pas competents",
        "je ne suis pas competent", "je ne suis pas competente", "mauvais destinataire",
    ),
    "treated": (
        "dossier traite", "demande traitee", "dossier clos", "dossier cloture", "dossier resolu", "dossier regle",
        "demande resolue", "probleme resolu", "probleme regle", "situation regularisee", "c est regle",
        "c est resolu", "je clos le dossier", "je cloture le dossier", "nous cloturons le dossier",
        "le dossier est traite", "le dossier est clos", "le dossier est resolu", "la demande est traitee",
    ),
}
_GREETING = re.compile(
    r"^(bonjour|bonsoir|hello|salut|coucou|madame|monsieur|mesdames|messieurs|cher|chere|chers|cheres|"
    r"collegues|a tous|a toutes|re)\b"
)
_FILLER = re.compile(r"^(ok|okay|d accord|bien recu|bien note|merci|parfait|tres bien|entendu|oui|bonjour)\b[\s,!.;:-]*")
_TAG = re.compile(r"^#\s*([a-z][a-z_-]*)\s*[:\-]?\s*(.*)$")
_SUGGESTION = re.compile(
    r"^(?:#\s*inviter?|a inviter(?: plutot)?|inviter plutot|plutot|suggestion|voir avec|a transmettre a|"
    r"transmettre a|il faut inviter|orienter vers|a orienter vers)\s*[:\-]?\s*(.+)$"
)
_REASON = re.compile(r"^(?:raison|motif|pourquoi)\s*[:\-]\s*(.*)$")
MAX_WORDS_AFTER = 8  # "Je m'en occupe dès lundi matin" counts; a long sentence that happens to begin so does not


@dataclass
class Command:
    kind: str  # one of KINDS
    argument: str = ""  # what follows the tag on its line, as written ("CPAM 13")
    rest: str = ""  # the author's text after the command line, as written
    tagged: bool = False  # a #tag (False: a sentence)
    line: str = ""  # the command line as written
    tag: str = ""  # an unknown tag, as written
    phrase: str = ""  # the sentence recognised (folded)

    @property
    def reason(self) -> str:
        """For "not me": the explained reason, else the text that follows."""
        for line in self.rest.splitlines():
            match = _REASON.match(fold(line))
            if match:
                original = line.split(":", 1)[-1] if ":" in line else line
                return original.strip()
        return "\n".join(
            line for line in self.rest.splitlines() if not _SUGGESTION.match(fold(line))
        ).strip()

    @property
    def suggestion(self) -> str:
        """For "not me": whom to invite instead, as written ("CPAM 13"), or ""."""
        if self.argument:
            argument = self.argument.strip(" ,.;:!-–")
            match = _SUGGESTION.match(fold(argument))
            if match:
                return _original_tail(argument, match).strip(" .!")
            if self.tagged:
                return argument
        for line in self.rest.splitlines():
            match = _SUGGESTION.match(fold(line))
            if match and match.group(1).strip():
                return _original_tail(line, match)
        return ""


def fold(text: str) -> str:
    """Lower-case ASCII, apostrophes and hyphens as spaces, one space between words."""
    text = unidecode(text or "").lower().replace("'", " ").replace("`", " ")
    return " ".join(re.sub(r"[^a-z0-9#:,.!?;_\-]+", " ", text).replace("-", " ").split())


def parse_command(text: str) -> Command | None:
    """The command of a reply's first meaningful line, or None (a plain message)."""
    lines = (text or "").splitlines()
    for index, line in enumerate(lines[:12]):
        folded = fold(line).strip(" -*>")
        if not folded or _is_greeting(folded):
            continue
        command = _tagged(folded, line) or _sentence(folded)
        if command is None:
            return None
        command.line = line.strip()
        if not command.tagged and command.argument:  # the line's tail as written, not folded
            command.argument = _tail_after(line, command.phrase)
        command.rest = "\n".join(lines[index + 1:]).strip()
        if command.kind == "treated" and not command.tagged and _sentence_rest(folded, command):
            command.rest = (line.strip() + "\n" + command.rest).strip()  # "Dossier traité : le RSA est rétabli."
        return command
    return None


def _is_greeting(folded: str) -> bool:
    return bool(_GREETING.match(folded)) and len(folded.split()) <= 5 and not _tagged(folded, folded)


def _tagged(folded: str, line: str) -> Command | None:
    match = _TAG.match(folded.replace("# ", "#"))
    if match is None:
        return None
    word = match.group(1).replace("-", "").replace("_", "")
    kind = TAGS.get(word)
    position = line.find("#")
    after = line[position + 1:] if position >= 0 else line
    argument = re.sub(r"^\s*[\w'’\-]+\s*[:\-]?\s*", "", after, count=1).strip()
    if kind is None:
        return Command("unknown", argument=argument, tagged=True, tag="#" + match.group(1))
    return Command(kind, argument=argument, tagged=True)


def _sentence(folded: str) -> Command | None:
    body = _FILLER.sub("", folded).strip()
    body = _FILLER.sub("", body).strip()  # "Bonjour, ok, je m'en occupe"
    for kind, phrases in _PHRASES.items():
        for phrase in sorted(phrases, key=len, reverse=True):
            if body == phrase or body.startswith(phrase + " ") or body.startswith(phrase) and _punctuated(body, phrase):
                after = body[len(phrase):].strip()
                if after.startswith("?") or after.startswith("pas"):
                    return None
                if after[:1] in (".", ",", "!", ";", ":", "-") or not after or len(after.split()) <= MAX_WORDS_AFTER:
                    return Command(kind, argument=after, phrase=phrase)
                return None
    return None


def _punctuated(body: str, phrase: str) -> bool:
    return body[len(phrase):len(phrase) + 1] in (".", ",", "!", ";", ":", "?")


def _sentence_rest(folded: str, command: Command) -> bool:
    """Whether a "treated" sentence says more than the phrase on its line (kept as the answer)."""
    body = _FILLER.sub("", folded).strip(" .!")
    return not any(body == phrase for phrase in _PHRASES["treated"])


def _tail_after(line: str, phrase: str) -> str:
    """What follows ``phrase`` in ``line`` as written: folding one character at a time keeps positions."""
    aligned = "".join((unidecode(c)[:1] or " ").lower() if c.isalnum() else " " for c in line)
    words = re.findall(r"[a-z0-9]+", phrase)
    if not words:
        return line.strip()
    match = re.search(r"\b" + r"\W+".join(re.escape(w) for w in words) + r"\b", aligned)
    return line[match.end():].strip(" :-–") if match else ""


def _original_tail(line: str, match: re.Match) -> str:
    """The suggestion as the agent wrote it (accents, case): what follows the folded match's lead words."""
    return _tail_after(line, match.string[:match.start(1)])


_CLOSING = re.compile(
    r"^(bien |tres |tres bien )?(cordialement|a vous|bonne (fin de )?(journee|soiree|semaine)|belle journee|"
    r"bien a vous|a bientot|merci( beaucoup| d avance| par avance)?|salutations|sinceres salutations|"
    r"bonne continuation|regards|best regards)\b[\s,.!]*$"
)


def substance(rest: str, author_name: str = "") -> str:
    """The text after a command worth relaying: "" when it is only a closing formula and a name.

    "#jemenoccupe / Bonne journée / Awa" says nothing to the person beyond the
    notice that Awa took the case; a real sentence is relayed as a message.
    """
    name_words = set(fold(author_name).split())
    kept = []
    for line in rest.splitlines():
        folded = fold(line).strip(" -_")
        if _CLOSING.match(folded):
            break  # what follows a closing formula is the signature
        if not folded or (name_words and set(folded.split()) <= name_words):
            continue
        kept.append(line)
    return rest.strip() if kept else ""
