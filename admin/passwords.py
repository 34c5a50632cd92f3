"""Passwords of admin accounts: Argon2id hashes, and refusal of weak or common ones.

Hashing is argon2-cffi's ``PasswordHasher`` with Argon2id at OWASP's
recommended minimum (19 MiB, 2 passes, 1 lane): about 50 ms here, where the
library's default (64 MiB, 3 passes, 4 lanes) took 0.7 s on the 2-core
machine and 256 MiB for four concurrent logins, which is a denial of service
waiting to happen. Hashes made with other parameters still verify and are
upgraded at the next login (``needs_rehash``). Common passwords are refused with ``zxcvbn`` (the maintained
Python port of Dropbox's estimator, 4.5 in 2025): it ships the frequency
lists of passwords seen in real leaks and also catches their usual
disguises (l33t, reversed, keyboard patterns, dates, repeats). A fixed list
alone would accept "Azerty123456!"; zxcvbn scores it. The e-mail address
and the product's names count as guessable words too.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12  # ANSSI's recommendation for a password guarding personal data
MIN_SCORE = 4  # zxcvbn: at least 10^10 guesses, "very unguessable" (3 accepts "Azerty123456!")
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = HASHER.hash("a password nobody has: it only evens out the time of a failed login")
PRODUCT_WORDS = ("aplus", "passerelle", "admin", "administration", "motdepasse", "beta", "gouv")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when it matches; an empty or broken hash never does (and takes the same time)."""
    try:
        return HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password is refused, in French; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères."
    if len(password) > 200:
        return "Le mot de passe ne doit pas dépasser 200 caractères."
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        return "Le mot de passe ne doit pas contenir votre adresse électronique."
    words = [*PRODUCT_WORDS, *[part for part in email.replace("@", ".").split(".") if part]]
    result = zxcvbn(password[:100], user_inputs=words)
    if result["score"] < MIN_SCORE:
        return ("Ce mot de passe est trop courant ou trop facile à deviner : choisissez une phrase de passe "
                "de plusieurs mots sans rapport entre eux.")
    return None
