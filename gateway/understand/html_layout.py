"""How an HTML body is laid out as text: inscriptis, lists without indentation.

inscriptis keeps paragraphs, headings, lists and tables, but indents lists
by four spaces (its CSS profiles' ``padding-inline``), which a relayed plain
text mail shows as stray indentation; the source's own indentation is
already dropped by HTML's whitespace rules. Lists here keep their bullets
("* ", "1. ") at the start of the line.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["text_config"]


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
