"""HTML bodies: readable text for the gateway, sanitised HTML for display.

inscriptis makes the text (it keeps the layout of tables and lists, which
French administrative mails are full of); nh3 (ammonia) sanitises what the
admin may show. Remote images are dropped by default (they track the reader),
``cid:`` images that travel with the mail are kept.

Measured on a 5 MB single-line HTML: inscriptis 3.5 s (7 s on a busy machine),
nh3 0.7 s; on 1 MB of nested ``<div>`` nh3 took 36 s. So both only ever see
HTML bounded by ``limits.bound_html`` (size and nesting depth); above
``Limits.max_html_chars`` the text is made by ``limits.strip_tags`` (linear
time) and only the head is sanitised for display, so a hostile HTML body
cannot hold the processor for minutes.
"""

from __future__ import annotations

import re

import nh3

from .limits import Limits, bound_html, strip_tags

#: Tags a mail body may keep when shown in the admin (no forms, no media, no frames).
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir", "align", "valign"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "width"},
    "th": {"colspan", "rowspan", "width"},
    "table": {"width", "border", "cellpadding", "cellspacing"},
    "font": {"color", "size"},
    "ol": {"start", "type"},
}

_REMOTE = re.compile(r"^\s*(https?:|//)", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")


def html_to_text(html: str, limits: Limits | None = None) -> str:
    """Readable plain text of an HTML body (layout kept, no markup)."""
    if not html or not html.strip():
        return ""
    limits = limits or Limits()
    if len(html) > limits.max_html_chars:
        text = strip_tags(html)
    else:
        try:
            from inscriptis import get_text

            from .html_layout import text_config, without_source_indentation

            bounded = bound_html(html, limits)
            text = without_source_indentation(bounded, get_text(bounded, text_config()))
        except Exception:  # inscriptis/lxml refusing a document: strip instead
            text = strip_tags(html)
    return tidy_text(text)


def tidy_text(text: str) -> str:
    """Trailing spaces removed, runs of blank lines reduced to one."""
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    text = _TRAILING_SPACES.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def sanitise_html(html: str, *, allow_remote_images: bool = False, limits: Limits | None = None) -> str:
    """HTML safe to show: no script, no event handler, no remote image by default.

    Bounded first (``limits.bound_html``): a longer HTML shows its head only.
    """
    if not html:
        return ""
    html = bound_html(html, limits or Limits())

    def keep_attribute(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src" and not allow_remote_images and _REMOTE.match(value):
            return None
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid", "tel"},
        attribute_filter=keep_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
