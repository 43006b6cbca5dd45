"""What Sphinx and furo emit, made usable with a keyboard and a screen reader.

- The navigation's captions ("Authentication") are ``role="heading"`` paragraphs:
  Sphinx gives them no ``aria-level``, which a heading role requires; here they are
  level 2, below the page's ``<h1>``.
- Code blocks and tables that scroll sideways become keyboard-reachable, named groups
  (``docs/_static/accessibility.js``); their names, translated, come from ``LABELS``.

The templates in ``docs/_templates`` do the rest: a name for each sidebar landmark, a
heading on the search page.
"""

import json

from docutils import nodes
from labels import Label, in_language
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata
from sphinx.writers.html5 import HTML5Translator

#: The level of the navigation's captions: the page's title is the only level 1.
CAPTION_LEVEL = "2"
#: The accessible names of scrolling blocks, before their caption or tab label if any.
LABELS: dict[str, Label] = {
    "code": {"ru": "Код", "en": "Code"},
    "table": {"ru": "Таблица", "en": "Table"},
}


class AccessibleHTMLTranslator(HTML5Translator):
    """Sphinx's HTML, with a level on the navigation's caption headings."""

    def visit_title(self, node: nodes.title) -> None:
        if isinstance(node.parent, addnodes.compact_paragraph) and node.parent.get("toctree"):
            attributes = {"role": "heading", "aria-level": CAPTION_LEVEL}
            self.body.append(self.starttag(node, "p", "", CLASS="caption", **attributes))
            self.body.append('<span class="caption-text">')
            self.context.append("</span></p>\n")
            return
        super().visit_title(node)


def add_scrolling_labels(app: Sphinx) -> None:
    """Give accessibility.js the names of scrolling blocks, in the build's language."""
    language = app.config.language
    names = {name: in_language(label, language) for name, label in LABELS.items()}
    app.add_js_file(None, body=f"const SCROLLING_LABELS = {json.dumps(names, ensure_ascii=False)};")
    app.add_js_file("accessibility.js")


def setup(app: Sphinx) -> ExtensionMetadata:
    app.set_translator("html", AccessibleHTMLTranslator)
    app.connect("builder-inited", add_scrolling_labels)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
