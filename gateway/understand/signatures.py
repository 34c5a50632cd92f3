"""The end of a mail: closing formula kept, identity block apart, legal notices dropped.

``split_signature(kept, elided, sender_name)`` returns ``(text, signature)``:

- ``text`` is what the author wrote, ending with the closing formula
  ("Cordialement,", "Bien à vous,", "Merci d'avance") when there is one;
- ``signature`` is the identity block (name, title, service, address,
  phone) that followed it, or that followed a ``-- `` delimiter (which
  ``trim`` has already cut into the elided part), or a lone block at the end
  whose first line is the sender's name;
- confidentiality disclaimers and "pensez à l'environnement" lines are in
  neither: they carry nothing for a reader and are left in the elided text.

Hand-written because the signature extractors that exist (talon's, trained
on English mail) neither know French closings nor French administrations'
notices; measured in ``benchmarks/understanding_eval.py``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["is_closing", "is_notice", "short_signature", "split_signature"]

#: An identity block is short: more lines is text (or a pasted letter).
MAX_SIGNATURE_LINES = 8
MAX_SIGNATURE_LINE_CHARS = 90

_CLOSING_RE = re.compile(
    r"^(?:(?:tres |bien |tres bien )?cordialement|bien (?:a vous|des choses|amicalement)|"
    r"(?:sinceres |meilleures |mes |nos )?salutations(?: distinguees| respectueuses)?|respectueusement|"
    r"amicalement|bonne (?:journee|soiree|fin de journee)|a bientot|merci(?: a vous| encore| bien| infiniment)?|"
    r"merci (?:beaucoup|d'avance|par avance|pour (?:votre|ton) (?:aide|retour|reponse|temps)|de votre (?:aide|retour|reponse))"
    r"(?: pour (?:votre|ton) (?:aide|retour|reponse))?|"
    r"veuillez agreer.{0,120}|je vous prie d'agreer.{0,120}|dans l'attente de (?:votre|vous) .{0,60}|"
    r"en vous remerciant.{0,80}|je vous remercie.{0,80}|avec (?:mes|nos|tous mes) remerciements.{0,40}|"
    r"veuillez recevoir.{0,120}|je vous prie de (?:croire|recevoir|bien vouloir).{0,120}|recevez.{0,60}salutations.{0,40}|"
    r"cdt|cdlt|cordt|slts?|bien a (?:toi|vous tous)|bises|bisous|sincerement|sinceres salutations|"
    r"best regards|kind regards|regards|thanks|thank you|un grand merci.{0,40})[ .,!]*$"
)
#: Confidentiality disclaimers and printing reminders, folded (no accents,
#: lower case); each needs the words of a notice, not one word a person may write.
_NOTICE_RE = re.compile(
    r"(?:message|courriel|mail|pieces? jointes?|informations?).{0,80}confidentiel|confidentiel.{0,80}(?:message|courriel|destinataire)|"
    r"(?:intention|usage) exclusi\w* de|destinee?s? (?:uniquement|exclusivement)|recu (?:ce message|ce courriel|cet e-?mail)? ?par erreur|"
    r"toute (?:utilisation|diffusion|publication|copie).{0,80}interdite?|"
    r"(?:pensez|songez) a l'environnement|respect de l'environnement|n'imprimez|avant d'imprimer|"
    r"(?:imprimer|impression de) ce (?:message|courriel|mail)|"
    r"(?:this|the) (?:e-?mail|message).{0,80}confidential|intended (?:solely|only|exclusively) for|"
    r"please consider the environment|before printing"
)
_NAME_WORD_RE = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w'’.-]*$")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def is_notice(line: str) -> bool:
    """A confidentiality disclaimer or a "pensez à l'environnement" line."""
    return bool(_NOTICE_RE.search(fold(line)))


def is_closing(line: str) -> bool:
    """A closing formula line: "Cordialement,", "Merci d'avance", "Bien à vous"."""
    return _is_closing(line)


def _is_closing(line: str) -> bool:
    return len(line) <= 160 and bool(_CLOSING_RE.match(fold(line)))


def _is_sentence(line: str) -> bool:
    """A line of text rather than of an identity block: a question, or five
    words or more closed by a full stop ("Je joins l'attestation de la CAF.")."""
    stripped = line.strip()
    return stripped.endswith("?") or (len(stripped.split()) >= 5 and stripped.endswith((".", "!", "…")))


def _looks_like_identity(lines: list[str]) -> bool:
    non_empty = [line for line in lines if line.strip()]
    return 0 < len(non_empty) <= MAX_SIGNATURE_LINES and all(
        len(line.strip()) <= MAX_SIGNATURE_LINE_CHARS and not _is_sentence(line) for line in non_empty
    )


def _is_name_line(line: str, sender_name: str) -> bool:
    words = line.strip().split()
    if not 1 <= len(words) <= 4:
        return False
    folded = fold(line)
    sender = fold(sender_name)
    if sender and (folded in sender or sender in folded or set(folded.split()) & set(sender.split()) - {"", "de", "la"}):
        return True
    return len(words) >= 2 and all(_NAME_WORD_RE.match(word) for word in words)


def _without_notices(lines: list[str]) -> list[str]:
    """The lines without the notice paragraphs at the end (notices come
    last; a notice line at the end of a signature block goes too)."""
    lines = _strip_blank(lines)
    while lines:
        start = len(lines)
        while start > 0 and lines[start - 1].strip():
            start -= 1
        paragraph = lines[start:]
        first = next((k for k, line in enumerate(paragraph) if is_notice(line)), None)
        if first is None:
            return lines
        lines = _strip_blank(lines[: start + first])
    return lines


def _strip_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _delimited_signature(elided: str) -> list[str]:
    """The block right after a ``-- `` delimiter at the start of the elided text."""
    lines = elided.split("\n")
    if not lines or not re.match(r"^[ \t]*-{2,3}[ \t]*$", lines[0]):
        return []
    block: list[str] = []
    for line in lines[1:]:
        if not line.strip() and block:
            break
        if line.strip():
            block.append(line.rstrip())
    block = _without_notices(block)
    return block if _looks_like_identity(block) else []


def split_signature(kept: str, elided: str = "", sender_name: str = "") -> tuple[str, str]:
    """``(text, signature)`` of the author's kept text; see the module docstring."""
    lines = _strip_blank(_without_notices(kept.split("\n")))
    if not lines:
        return kept.strip(), ""
    for i in range(len(lines) - 1, max(-1, len(lines) - MAX_SIGNATURE_LINES - 3), -1):
        if _is_closing(lines[i]) and i > 0:
            tail = _strip_blank(lines[i + 1 :])
            if not tail:
                return "\n".join(lines).strip(), "\n".join(_delimited_signature(elided))
            if _looks_like_identity(tail):
                return "\n".join(lines[: i + 1]).strip(), "\n".join(line.rstrip() for line in tail)
            break
    block_start = _last_block_start(lines)
    if block_start > 0 and _is_name_line(lines[block_start], sender_name) and _looks_like_identity(lines[block_start:]):
        return "\n".join(lines[:block_start]).strip(), "\n".join(line.rstrip() for line in lines[block_start:])
    return "\n".join(lines).strip(), "\n".join(_delimited_signature(elided))


def _last_block_start(lines: list[str]) -> int:
    """Index of the first line of the last paragraph, or of a name line that
    directly follows the last sentence ("... situation.\\nPaulette Giraud")."""
    i = len(lines) - 1
    while i > 0 and lines[i - 1].strip():
        i -= 1
    return i


#: The shorter form relayed under the author's words.
MAX_RELAYED_LINES = 4
_CONTACT_RE = re.compile(
    r"@|https?://|www\.|(?:\+33|0)\s?[1-9](?:[\s.-]?\d{2}){4}|\b\d{5}\b|\b(?:t[ée]l|fax|mobile|portable|standard)\b"
    r"|\b(?:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|all[ée]e|quai|cours|route|bp|cs|cedex)\b",
    re.IGNORECASE,
)


def short_signature(signature: str, *, for_agent: bool) -> str:
    """The identity block as relayed: at most four lines, and for the usager's
    copy only who wrote (name, title, service), without contact details.

    Why: the usager needs to know who is handling the case; an agent's direct
    line, e-mail or service address are the organisations' internal relay
    network, and everything the usager sends must stay in the ticket, through
    A+. Agents get the phone lines too: they call each other.
    """
    lines = [line.strip() for line in signature.split("\n") if line.strip() and not is_notice(line)]
    if not for_agent:
        lines = [line for line in lines if not _CONTACT_RE.search(line)]
    return "\n".join(line[:MAX_SIGNATURE_LINE_CHARS] for line in lines[:MAX_RELAYED_LINES])
