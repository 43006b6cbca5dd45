"""The words extensions put on pages (tab labels, captions, column titles), translated once.

They are not messages of the pages that show them, so they never reach a page's ``.po``
file, where every page would translate them again. Each extension that writes such words
keeps them in a module-level table ``LABELS``: a name, then the text in each language
(``{"ru": ..., "en": ...}``), and marks the nodes it makes of them not translatable.
tests/test_glossary.py finds every such table in ``docs/_ext/`` and checks its English
as it checks the ``.po`` files.

The extensions import ``in_language`` from here; as an extension of its own it adds nothing.
"""

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

#: One label: its text per language code.
Label = dict[str, str]


def in_language(label: Label, language: str) -> str:
    """The label in the build's language; English for a language it does not list."""
    return label.get(language, label["en"])


def setup(app: Sphinx) -> ExtensionMetadata:
    """Nothing to register: the module holds what the extensions share."""
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
