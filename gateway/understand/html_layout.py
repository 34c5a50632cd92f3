"""How an HTML body is laid out as text: inscriptis, lists without indentation.

inscriptis keeps paragraphs, headings, lists and tables, but indents lists
by four spaces (its CSS profiles' ``padding-inline``), which a relayed plain
text mail shows as stray indentation; the source's own indentation is
already dropped by HTML's whitespace rules. Lists here keep their bullets
("* ", "1. ") at the start of the line.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["text_config", "without_source_indentation"]


@lru_cache(maxsize=1)
def text_config():
    """The inscriptis ``ParserConfig`` the gateway uses (built once)."""
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    css = dict(CSS_PROFILES["relaxed"])  # the default profile: inline elements spaced apart
    for tag in ("ul", "ol", "dl", "dd", "menu"):
        if tag in css:
            element = css[tag].__copy__()
            element.padding_inline = 0
            css[tag] = element
    return ParserConfig(css=css)


_LAYOUT_TAGS = re.compile(r"<\s*(?:pre|table)\b", re.IGNORECASE)


def without_source_indentation(html: str, text: str) -> str:
    """The text's lines without the leading spaces the HTML source's own
    indentation left (inscriptis keeps the whitespace of text nodes after a
    line break); kept where layout means something (``<pre>``, tables)."""
    if _LAYOUT_TAGS.search(html):
        return text
    return _lists_apart([line.lstrip(" \t") for line in text.split("\n")])


_ITEM = re.compile(r"^(?:[*•◦-]|\d{1,3}\.) \S")


def _lists_apart(lines: list[str]) -> str:
    """A blank line before and after each run of list items, as around paragraphs."""
    out: list[str] = []
    for i, line in enumerate(lines):
        item = bool(_ITEM.match(line))
        previous_item = i > 0 and bool(_ITEM.match(lines[i - 1]))
        if out and out[-1].strip() and item != previous_item and line.strip():
            out.append("")
        out.append(line)
    return "\n".join(out)
