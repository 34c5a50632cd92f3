"""The receiver's fast reading of MAIL FROM / RCPT TO paths agrees with aiosmtpd's parser.

``_PlainPaths`` reads the common ``<local@domain> PARAMS`` shape with a regular
expression and hands everything else to aiosmtpd; whatever it reads itself
must come out exactly as aiosmtpd would have read it.
"""

from __future__ import annotations

import string

from aiosmtpd.smtp import SMTP
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.inbound.smtp import _PLAIN_PATH, GatewaySMTP


def reader(server_class, local_part_limit: int = 0):
    """A server object good enough for ``_getaddr``, which only reads ``local_part_limit``."""
    server = server_class.__new__(server_class)
    server.local_part_limit = local_part_limit
    return server


OURS, THEIRS = reader(GatewaySMTP), reader(SMTP)


def outcome(server, arg: str):
    """What ``_getaddr`` gives, or the exception it raises (the standard library's parser
    raises IndexError on some inputs, ``"`` for one; aiosmtpd then answers 500)."""
    try:
        return server._getaddr(arg)
    except Exception as error:  # noqa: BLE001 - the comparison is the point
        return type(error)

ALPHABET = string.ascii_letters[:6] + string.digits[:3] + "<>@.+-_ ()\"[]:,;\\\t=!é"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
@example("<a@b.c>")
@example("<a@b.c> SIZE=100 BODY=8BITMIME")
@example("<a@b.c>  X ")
@example("<a@b.c> (comment) SIZE=1")
@example("<a@b.c>(comment)")
@example("<a..b@c>")
@example("<a@b..c>")
@example("<a@-b.c>")
@example("<aplus+abc123@aplus.localhost>")
@example('"')
def test_a_path_reads_as_aiosmtpd_reads_it(arg):
    theirs = outcome(THEIRS, arg)
    if isinstance(theirs, type):  # aiosmtpd crashed: we answer a syntax error instead
        theirs = (None, None)
    assert outcome(OURS, arg) == theirs


@settings(max_examples=1000, deadline=None)
@given(
    st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}(\.[A-Za-z0-9+_-]{1,5}){0,2}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9-]{1,10}(\.[A-Za-z0-9-]{1,6}){0,3}", fullmatch=True),
    st.sampled_from(["", " SIZE=3700", "  BODY=8BITMIME SMTPUTF8", "\tNOTIFY=NEVER", " ORCPT=rfc822;x@y.z "]),
)
def test_plain_paths_take_the_fast_way_and_agree(local, domain, params):
    arg = f"<{local}@{domain}>{params}"
    assert _PLAIN_PATH.fullmatch(arg) is not None  # the shape real senders use is read without the header parser
    assert OURS._getaddr(arg) == THEIRS._getaddr(arg)


def test_the_local_part_limit_still_applies_on_the_fast_way():
    arg = "<" + "a" * 65 + "@example.org>"
    assert _PLAIN_PATH.fullmatch(arg) is not None
    assert reader(GatewaySMTP, 64)._getaddr(arg) == (None, None) == reader(SMTP, 64)._getaddr(arg)
    assert reader(GatewaySMTP, 65)._getaddr(arg) == ("a" * 65 + "@example.org", "")


def test_unusual_paths_go_to_aiosmtpd():
    for arg in ['<"q r"@b.c>', "<a@[1.2.3.4]>", "<é@b.c>", "<@x,@y:a@b.c>", "<>", "a@b.c", "<a(c)@b.c>"]:
        assert _PLAIN_PATH.fullmatch(arg) is None
        assert OURS._getaddr(arg) == THEIRS._getaddr(arg)
