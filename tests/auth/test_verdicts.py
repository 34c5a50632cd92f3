"""Authentication verdicts on their own: DMARC lookup, alignment, a trusted MTA's header."""

from __future__ import annotations

from gateway.authentication.dns import Resolver
from gateway.authentication.inbound import verdict_for
from gateway.authentication.verdict import authenticate, dmarc_policy, organisational_domain

RAW = b"From: Marie <marie@mail.example.org>\r\nTo: aplus@aplus.localhost\r\nSubject: x\r\n\r\nBonjour\r\n"


def test_organisational_domain_comes_from_the_public_suffix_list():
    assert organisational_domain("mail.caf.fr") == "caf.fr"
    assert organisational_domain("a.b.example.co.uk") == "example.co.uk"
    assert organisational_domain("Gouv.FR") == "gouv.fr"


def test_a_subdomain_inherits_the_organisational_policy(dns):
    dns.txt("_dmarc.example.org", "v=DMARC1; p=none; sp=reject")
    resolver = Resolver(dns.address, 1.0)
    assert dmarc_policy("mail.example.org", resolver) == "reject"
    assert dmarc_policy("example.org", resolver) == "none"
    assert dmarc_policy("other.example", resolver) is None


def test_spf_of_an_unaligned_envelope_does_not_authenticate_the_from(dns):
    dns.txt("_dmarc.example.org", "v=DMARC1; p=reject")
    dns.txt("attacker.example", "v=spf1 ip4:127.0.0.1 -all")
    verdict = authenticate(RAW, from_address="marie@mail.example.org", mail_from="x@attacker.example",
                           peer_ip="127.0.0.1", resolver=Resolver(dns.address, 1.0))
    assert verdict.result == "fail" and "spf=pass smtp.mailfrom=attacker.example" in verdict.details


def test_a_trusted_mta_header_decides_and_others_are_ignored(settings, dns):
    from dataclasses import replace

    settings = replace(settings, trusted_authserv_id="mx.aplus.example", dns_servers=dns.address)
    forged_above = b"Authentication-Results: evil.example; dmarc=pass header.from=example.org\r\n"
    ours = b"Authentication-Results: mx.aplus.example; dkim=fail header.d=example.org; dmarc=fail header.from=example.org\r\n"
    verdict = verdict_for(settings, forged_above + ours + RAW, from_address="marie@mail.example.org",
                          mail_from="marie@mail.example.org", peer="127.0.0.1")
    assert verdict.result == "fail" and "authserv-id=mx.aplus.example" in verdict.details
    aligned_dkim = b"Authentication-Results: mx.aplus.example; dkim=pass header.d=example.org; spf=none\r\n"
    verdict = verdict_for(settings, aligned_dkim + RAW, from_address="marie@mail.example.org", mail_from="", peer="")
    assert verdict.result == "pass"
    only_forged = verdict_for(settings, forged_above + RAW, from_address="marie@mail.example.org",
                              mail_from="marie@mail.example.org", peer="127.0.0.1")
    assert only_forged.result == "none"  # no header of our MTA: our own DKIM check, nothing signed


def test_dns_that_does_not_answer_gives_no_verdict_quickly(dns):
    import time

    dns.unavailable = True
    started = time.monotonic()
    verdict = authenticate(RAW, from_address="marie@mail.example.org", mail_from="marie@mail.example.org",
                           peer_ip="127.0.0.1", resolver=Resolver(dns.address, 0.3))
    assert verdict.result == "none" and "dmarc=temperror" in verdict.details
    assert time.monotonic() - started < 5
