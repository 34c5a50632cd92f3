"""Caps that keep understanding one mail bounded in time and memory.

A mail comes from anyone on the internet. The SMTP server already refuses
mail over its size limit; these caps bound what is decoded and kept from a
mail that was accepted, so one hostile mail cannot exhaust the processor.

Three kinds of bound, each applied *before* the costly step starts:

* the raw mail given to the stdlib parser (``bound_headers``, ``cut_parsed``): at most
  ``max_header_bytes`` per header and ``max_headers`` headers in the top
  header block, at most ``max_parsed_bytes`` of body once the big base64 runs
  are lifted out (``bigparts``), at most about ``2 * max_parts`` boundary
  lines. Measured before these caps: a 20 MB folded
  header took 4.1 s and 340 MB, a 29 MB text mail 307 MB;
* the parts walked (``max_parts``, ``max_depth``, sizes per file and per mail);
* the HTML given to inscriptis (text) and nh3 (sanitised display):
  ``bound_html`` keeps at most ``max_html_chars`` and flattens nesting deeper
  than ``max_html_depth``. Measured before: 1 MB of nested ``<div>`` took
  36 s in the sanitiser, and 1,000 levels gave inscriptis (lxml) no text.

Why the HTML pass is written by hand: the only libraries that know HTML
nesting are the tree builders that are slow on it (html5ever inside nh3,
lxml inside inscriptis). A tag scanner with a counter is linear and only has
to be conservative: a tag it drops loses markup, never text.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

MIB = 1024 * 1024
KIB = 1024


@dataclass(frozen=True)
class Limits:
    """What one mail may carry before parts are dropped (with a defect)."""

    max_attachment_bytes: int = 25 * MIB  # one decoded file
    max_total_bytes: int = 50 * MIB  # all decoded files of one mail
    max_parts: int = 1000  # MIME parts looked at
    max_depth: int = 20  # nesting of multiparts and attached messages
    max_html_chars: int = 512 * KIB  # HTML given to inscriptis / nh3; longer HTML is made text the cheap way
    max_trim_chars: int = 128 * KIB  # only the head of a longer text is trimmed / searched for a forward
    max_html_depth: int = 100  # nesting of HTML elements given to a parser; deeper tags are dropped
    max_parsed_bytes: int = 4 * MIB  # body bytes given to the MIME parser (big base64 runs lifted apart)
    max_header_bytes: int = 64 * KIB  # one header of the top block, folded lines included
    max_headers: int = 500  # headers of the top block


# --- headers -----------------------------------------------------------------------

_HEAD_END = re.compile(rb"\r?\n\r?\n")


def bound_headers(raw: bytes, limits: Limits, defects: list[str]) -> bytes:
    """The mail with its top header block cut to ``max_headers`` headers of ``max_header_bytes``.

    Only rebuilt when the block is larger than the two caps allow at all, so
    an ordinary mail is returned as it came (same object, no copy).
    """
    match = _HEAD_END.search(raw, 0, limits.max_headers * limits.max_header_bytes + 4)
    head_end = match.start() if match else len(raw)
    if head_end <= limits.max_header_bytes and (match or len(raw) <= limits.max_header_bytes):
        return raw
    head = raw[:head_end]
    kept: list[bytes] = []
    current: list[bytes] = []
    size = 0
    cut = dropped = 0
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and current:
            if size + len(line) <= limits.max_header_bytes:
                current.append(line)
                size += len(line)
            else:
                cut += 1
            continue
        if current:
            kept.append(b"".join(current))
        if len(kept) >= limits.max_headers:
            current, dropped = [], dropped + 1
            continue
        current, size = [line[: limits.max_header_bytes]], min(len(line), limits.max_header_bytes)
    if current:
        kept.append(b"".join(current))
    if cut or dropped or not match:
        defects.append(f"header block over the caps ({limits.max_headers} headers of "
                       f"{limits.max_header_bytes} bytes): {cut} folded lines and {dropped} headers dropped")
    body = raw[head_end:] if match else b"\r\n\r\n"
    joined = b"".join(line if line.endswith(b"\n") else line + b"\r\n" for line in kept).rstrip(b"\r\n")
    return joined + body


# --- body given to the parser ---------------------------------------------------------


def cut_parsed(lifted, limits: Limits, defects: list[str]) -> None:
    """Cut what the parser reads at ``max_parsed_bytes`` (after lifting), leaving a mark.

    The feed parser keeps every line as its own object (about 8x the bytes),
    so this is what bounds its memory. The mark (``lifted.cut_mark``, nonce
    included) ends the part that was cut: a text keeps what came before it, a
    file is dropped rather than kept truncated. The raw mail stays whole in the spool.
    """
    end = _after_boundaries(lifted.parsed, 2 * limits.max_parts + 2)
    if end is not None:
        defects.append(f"more than {limits.max_parts} MIME parts announced: the rest was not read")
    elif len(lifted.parsed) > limits.max_parsed_bytes:
        end = lifted.parsed.rfind(b"\n", limits.max_parsed_bytes // 2, limits.max_parsed_bytes) + 1
        end = end or limits.max_parsed_bytes  # one long line: cut inside it
        defects.append(f"mail over {limits.max_parsed_bytes} bytes once attachments are set apart: "
                       "only the beginning was read (the raw mail is kept whole)")
    else:
        return
    if not lifted.token:
        lifted.token = f"APLUSBLOB{secrets.token_hex(8)}x"
    lifted.parsed = lifted.parsed[:end] + lifted.cut_mark.encode("ascii") + b"\r\n"
    lifted.truncated = True


def _after_boundaries(data: bytes, count: int) -> int | None:
    """Where the ``count``-th line starting with ``--`` begins, None when there are fewer.

    Parts beyond ``max_parts`` are ignored by the walk anyway; not giving them
    to the parser bounds its time (10,000 parts: 0.9 s with compat32, 12 s with
    the default policy).
    """
    if data.count(b"\n--") < count:
        return None
    position = 0
    for _ in range(count):
        position = data.find(b"\n--", position) + 1
    return position


# --- HTML --------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})(?:[^<>]*)>")
#: Elements that never hold content: they do not open a level.
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
#: Elements an opening of the same name closes implicitly (``<p>a<p>b``, ``<li>``...).
SELF_CLOSING_SIBLINGS = frozenset("p li dt dd tr td th option".split())


def bound_html(html: str, limits: Limits, defects: list[str] | None = None) -> str:
    """HTML a tree builder can take in bounded time: cut in size, flattened in depth."""
    if len(html) > limits.max_html_chars:
        cut = html.rfind("<", 0, limits.max_html_chars)
        html = html[: cut if cut > limits.max_html_chars // 2 else limits.max_html_chars]
        if defects is not None:
            defects.append(f"HTML over {limits.max_html_chars} characters: the rest is not shown")
    return flatten_html(html, limits.max_html_depth, defects)


def flatten_html(html: str, max_depth: int, defects: list[str] | None = None) -> str:
    """Drop the tags that would open a level deeper than ``max_depth`` (and their closing tags).

    The text between the tags is always kept. Linear in the length: one scan
    and a stack of open elements never deeper than ``max_depth``.
    """
    if html.count("<") < max_depth:
        return html
    stack: list[str] = []
    dropped: dict[str, int] = {}
    pieces: list[str] = []
    position = 0
    removed = 0
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        keep = True
        if name in VOID or match.group(0).endswith("/>"):
            pass
        elif not closing:
            if name in SELF_CLOSING_SIBLINGS and stack and stack[-1] == name:
                stack.pop()
            if len(stack) >= max_depth:
                dropped[name] = dropped.get(name, 0) + 1
                keep = False
            else:
                stack.append(name)
        elif dropped.get(name):
            dropped[name] -= 1
            keep = False
        elif name in stack:
            while stack and stack.pop() != name:
                pass
        if not keep:
            pieces.append(html[position : match.start()])
            pieces.append(" ")
            position = match.end()
            removed += 1
    if not removed:
        return html
    pieces.append(html[position:])
    if defects is not None:
        defects.append(f"HTML nested deeper than {max_depth}: {removed} tags flattened")
    return "".join(pieces)


_STRIP_BREAK = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|tr|h[1-6]|table|blockquote)\s*>")
_STRIP_TAG = re.compile(r"<[^<>]*>")
_HIDDEN_OPEN = re.compile(r"(?i)<(script|style)\b")


def strip_tags(html: str) -> str:
    """Text of any HTML in linear time: block ends become line breaks, every tag goes.

    ``[^<>]`` (not ``[^>]``) so a run of ``<`` without ``>`` costs one scan, not one per ``<``.
    """
    import html as html_module

    text = _without_hidden(html)
    text = _STRIP_BREAK.sub("\n", text)
    text = _STRIP_TAG.sub("", text)
    return html_module.unescape(text)


def _without_hidden(html: str) -> str:
    """Scripts and styles removed; each search starts where the last ended (linear)."""
    lowered = html.lower()
    pieces: list[str] = []
    position = 0
    while (match := _HIDDEN_OPEN.search(html, position)) is not None:
        pieces.append(html[position : match.start()])
        end = lowered.find(f"</{match.group(1).lower()}", match.end())
        if end < 0:
            return "".join(pieces)
        position = end
    pieces.append(html[position:])
    return "".join(pieces)
