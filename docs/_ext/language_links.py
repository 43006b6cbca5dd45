"""Links between the language versions of a page.

Every page gets, in its template context, ``language_links``: one entry per
language in ``conf.languages`` with a relative link to the same page in that
language. The templates turn them into the switcher and into
``<link rel="alternate" hreflang>`` tags. Those are only written where the site's
address is known (``site_url_template``, set in conf.py): an alternate must be an
absolute URL, so a local build has none.
"""

import posixpath
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata


def language_folder(template: str, code: str) -> str:
    """The URL path of one language's site: ``/<code>/`` as ``make html`` lays it out,
    or the path of its published address (on Read the Docs, ``/<code>/<version>/``)."""
    return urlsplit(template.format(lang=code)).path if template else f"/{code}/"


def add_language_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """Put the other languages' URLs of this page into the template context."""
    template = app.config.site_url_template
    here = posixpath.join(language_folder(template, app.config.language), pagename)
    suffix = app.builder.out_suffix
    links = []
    for code, label in app.config.languages.items():
        target = f"{language_folder(template, code)}{pagename}{suffix}"
        href = posixpath.relpath(target, posixpath.dirname(here))
        if pagename == getattr(app.config, "notfound_pagename", None):
            # The 404 page is served at any address: link by path, to the other home page.
            href = f"{language_folder(template, code)}index{suffix}"
        links.append(
            {
                "code": code,
                "label": label,
                "href": href,
                "absolute": f"{template.format(lang=code)}{pagename}{suffix}" if template else "",
                "current": code == app.config.language,
            }
        )
    context["language_links"] = links


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_config_value("languages", {}, "html", types=[dict])
    app.add_config_value("site_url_template", "", "html", types=[str])
    app.connect("html-page-context", add_language_links)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
