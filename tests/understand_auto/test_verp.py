"""VERP return paths: signed, parsed back, tampering refused."""

from __future__ import annotations

import pytest

from gateway.understand.verp import make_verp, parse_verp

SECRET = b"a-long-random-secret"


def test_round_trip():
    address = make_verp("aplus", "aplus.example.gouv.fr", 1234, SECRET)
    assert address.startswith("aplus+bounce-1234-")
    assert address.endswith("@aplus.example.gouv.fr")
    mac = address.split("@")[0].rsplit("-", 1)[1]
    assert len(mac) == 16 and mac == mac.lower()
    assert parse_verp(address, SECRET) == 1234


def test_angle_brackets_and_upper_case_are_accepted():
    address = make_verp("aplus", "aplus.example.gouv.fr", 7, SECRET)
    assert parse_verp(f"<{address.upper()}>", SECRET) == 7
    local, domain = address.split("@")
    assert parse_verp(f"{local.upper()}@{domain}", SECRET) == 7


@pytest.mark.parametrize(
    "tamper",
    [
        lambda a: a.replace("+bounce-7-", "+bounce-8-"),  # another outbox row
        lambda a: a.replace("+bounce-7-", "+bounce-07-"),  # same id, other spelling
        lambda a: a.replace("@", "0@", 1),  # longer MAC
        lambda a: a[: a.index("@") - 1] + ("0" if a[a.index("@") - 1] != "0" else "1") + a[a.index("@") :],
        lambda a: a.replace("+bounce-", "+rebond-"),
        lambda a: "aplus@aplus.example.gouv.fr",
        lambda a: "",
    ],
)
def test_tampering_is_refused(tamper):
    address = make_verp("aplus", "aplus.example.gouv.fr", 7, SECRET)
    assert parse_verp(tamper(address), SECRET) is None


def test_wrong_secret_is_refused():
    address = make_verp("aplus", "aplus.example.gouv.fr", 7, SECRET)
    assert parse_verp(address, b"another-secret") is None


def test_not_a_string_is_refused():
    assert parse_verp(None, SECRET) is None  # type: ignore[arg-type]


def test_negative_id_cannot_be_made():
    with pytest.raises(ValueError):
        make_verp("aplus", "x.fr", -1, SECRET)
