"""Links between the language versions of a page.

Every page gets, in its template context, ``language_links``: one entry per
language in ``conf.languages`` with a relative link to the same page in that
language. The templates turn them into the switcher and into
``<link rel="alternate" hreflang>`` tags.
"""

import posixpath
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata


def add_language_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """Put the other languages' URLs of this page into the template context."""
    current = app.config.language
    suffix = app.builder.out_suffix
    page_dir = posixpath.dirname(pagename)
    base = app.config.html_baseurl.rstrip("/")
    links = []
    for code, label in app.config.languages.items():
        # Each language is built into a sibling folder: _build/html/<code>/.
        target = f"{code}/{pagename}{suffix}"
        href = posixpath.relpath(target, posixpath.join(current, page_dir))
        links.append(
            {
                "code": code,
                "label": label,
                "href": href,
                "absolute": f"{base}/{target}" if base else href,
                "current": code == current,
            }
        )
    context["language_links"] = links


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_config_value("languages", {}, "html", types=[dict])
    app.connect("html-page-context", add_language_links)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
