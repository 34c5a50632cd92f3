"""Jinja2 environment for outbound mail: French, autoescaped HTML, strict variables.

Templates live in the top-level ``templates/`` folder, installed as the
package ``aplus_templates`` by ``pip install .``; a missing variable is an
error, never an empty hole in a mail sent to a person.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape


def templates_dir() -> Path:
    """The templates folder of a source checkout, else of the installed package."""
    source = Path(__file__).resolve().parents[2] / "templates"
    if (source / "mail").is_dir():
        return source
    return Path(str(resources.files("aplus_templates")))


@lru_cache(maxsize=1)
def mail_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(templates_dir() / "mail")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["paragraphs"] = paragraphs
    return environment


def paragraphs(text: str) -> Markup:
    """Escape plain text and keep its line breaks in HTML."""
    return Markup("<br>\n").join(escape(line) for line in str(text).splitlines())


def render_mail(name: str, **context) -> tuple[str, str]:
    """Render ``<name>.txt`` and ``<name>.html``; returns (text, html)."""
    environment = mail_environment()
    text = environment.get_template(f"{name}.txt").render(**context)
    html = environment.get_template(f"{name}.html").render(**context)
    return text, html


def warm_up() -> None:
    """Compile every mail template now rather than in the first mail's transaction."""
    environment = mail_environment()
    for name in environment.list_templates():
        if not name.startswith("_"):
            environment.get_template(name)
