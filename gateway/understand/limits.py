"""Caps that keep understanding one mail bounded in time and memory.

A mail comes from anyone on the internet. The SMTP server already refuses
mail over its size limit; these caps bound what is decoded and kept from a
mail that was accepted, so one hostile mail cannot exhaust the processor.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one mail may carry before parts are dropped (with a defect)."""

    max_attachment_bytes: int = 25 * MIB  # one decoded file
    max_total_bytes: int = 50 * MIB  # all decoded files of one mail
    max_parts: int = 1000  # MIME parts looked at
    max_depth: int = 20  # nesting of multiparts and attached messages
    max_html_chars: int = 2 * MIB  # HTML larger than this is made text the cheap way (nh3 strip)
    max_trim_chars: int = MIB // 2  # only the head of a longer text is trimmed / searched for a forward
