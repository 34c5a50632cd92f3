"""Personal reply addresses: unforgeable, bound to ticket and participant, case-proof."""

from __future__ import annotations

from gateway.addresses import MAC_HEX, extension_of, make_token, personal_address, verify_token
from gateway.config import load_settings

SETTINGS = load_settings(environ={}, secret_key="a-secret", data_dir="/tmp/unused")


def test_a_token_round_trips_to_its_ticket_participant_and_purpose():
    address = personal_address(SETTINGS, "reply", 42, 7)
    token = verify_token(SETTINGS, extension_of(SETTINGS, address))
    assert (token.purpose, token.ticket_id, token.participant_id) == ("reply", 42, 7)
    note = verify_token(SETTINGS, extension_of(SETTINGS, personal_address(SETTINGS, "note", 42, 7)))
    assert note.purpose == "note"


def test_the_mac_has_at_least_64_bits():
    assert MAC_HEX * 4 >= 64
    assert len(make_token(SETTINGS.secret, "reply", 1, 1).rsplit("-", 1)[1]) == MAC_HEX


def test_servers_that_upper_case_local_parts_do_not_break_replies():
    address = personal_address(SETTINGS, "reply", 3, 9).upper()
    assert verify_token(SETTINGS, extension_of(SETTINGS, address)).participant_id == 9


def test_changing_any_part_of_a_token_invalidates_it():
    extension = make_token(SETTINGS.secret, "reply", 3, 9)
    assert verify_token(SETTINGS, extension.replace("r3-", "r4-", 1)) is None  # another ticket
    assert verify_token(SETTINGS, extension.replace("-9-", "-8-", 1)) is None  # another participant
    assert verify_token(SETTINGS, "n" + extension[1:]) is None  # a reply token used as a note token
    last = extension[-1]
    assert verify_token(SETTINGS, extension[:-1] + ("0" if last != "0" else "1")) is None


def test_another_secret_rejects_the_token():
    other = load_settings(environ={}, secret_key="another-secret", data_dir="/tmp/unused")
    assert verify_token(other, make_token(SETTINGS.secret, "reply", 3, 9)) is None


def test_addresses_of_other_domains_or_local_parts_are_not_ours():
    assert extension_of(SETTINGS, "aplus+r1-1-0123456789abcdef@autre.example") is None
    assert extension_of(SETTINGS, "autre+r1-1-0123456789abcdef@aplus.localhost") is None
    assert verify_token(SETTINGS, "r1-1-zz") is None
