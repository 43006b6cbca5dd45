"""``:ru:`...```: a Russian phrase quoted on a page of another language.

The English site names some things as the reader will see them, in Russian: the button
«Выпустить ключ» on Kontur's key page, the titles of Kontur's Russian-only pages. The role
keeps the words and tells the browser and screen readers their language
(``<span lang="ru">``; docutils writes a ``language-<code>`` class as ``lang``)::

    the :ru:`«Выпустить ключ»` (Issue a key) button
"""

from docutils import nodes
from docutils.parsers.rst.states import Inliner
from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata


def russian(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Inliner,
    options: dict | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """The phrase as it is, in a span whose language is Russian."""
    return [nodes.inline(rawtext, text, classes=["language-ru"])], []


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the ``ru`` role."""
    app.add_role("ru", russian)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
