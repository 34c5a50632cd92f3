"""French reasons for a processing attempt that failed, as the admin shows them.

The person reading a quarantine must know what happened and what to do, in
French; a Python exception text says neither (``UnicodeEncodeError: 'ascii'
codec can't encode...``). The exception itself goes to the log, with the
spool id these sentences carry, for whoever fixes the cause.
"""

from __future__ import annotations

KEPT = "Le message reçu est conservé tel quel"
REQUEUE = "une fois la cause corrigée, remettez-le en file depuis l'administration ou avec « aplus quarantine requeue »."


def attempt_failed(reason: str, attempt: int, max_attempts: int, retry_in: float | None) -> str:
    """What one failed attempt means: retried later, or quarantined after the last one."""
    reason = reason.rstrip(". ") + "."
    if retry_in is None:
        return (f"{reason} Mis en quarantaine après {attempt} tentative{'s' if attempt > 1 else ''} "
                f"(le maximum configuré est {max_attempts}). {KEPT} ; {REQUEUE}")
    return f"{reason} Tentative {attempt} sur {max_attempts} : nouvel essai dans {_duration(retry_in)}."


def interrupted(attempts: int) -> str:
    """A mail whose processing never ended (processor killed each time, e.g. out of memory)."""
    return (f"Le traitement de ce message a été interrompu {attempts} fois sans se terminer (processus arrêté "
            f"brutalement, par exemple faute de mémoire) : mis en quarantaine pour examen. {KEPT} ; {REQUEUE}")


def for_exception(error: BaseException, inbound_id: int) -> str:
    """A French sentence for an unexpected error; the details are in the log under the spool id."""
    if isinstance(error, UnicodeError):
        what = "un texte ou une adresse dans un encodage que la passerelle n'a pas su traiter"
    elif isinstance(error, MemoryError):
        what = "un manque de mémoire"
    elif isinstance(error, (OSError, TimeoutError)):
        what = "une erreur d'accès aux fichiers ou au réseau"
    elif type(error).__module__.startswith("sqlalchemy"):
        what = "une erreur de la base de données"
    else:
        what = "une erreur interne de la passerelle"
    return (f"Le traitement a échoué sur {what} (détails dans le journal du serveur, "
            f"message entrant n° {inbound_id}).")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h".replace(".", ",")
