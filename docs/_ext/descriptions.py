"""Each page's description for search engines and link previews: whole sentences.

sphinxext-opengraph describes a page by the first 200 characters of all its text,
headings and list items run together ("...API;, the API key is a GUID;, ...") and cut
in the middle of a word. This extension gives it, and ``<meta name="description">``,
the page's opening instead: the paragraphs (and lists whose items end in punctuation,
which read as one sentence) above the first section, cut after the last whole sentence
that fits in ``LIMIT`` characters. It reads the translated page, so each language gets
its own. Marks (the provenance badges) and footnote numbers are left out.
"""

import html
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

#: The longest description made of several sentences; a longer first sentence stays whole.
LIMIT = 200
#: Classes of inline nodes that are not part of the sentence they sit in.
NOT_TEXT = {"provenance-badge"}
#: A sentence ends with . ! ? or … and the next starts with a capital letter or a digit
#: (\u0400-\u042f: the Cyrillic capitals, Ё included).
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“(]?[A-Z0-9\u0400-\u042f])")
#: A first word in small letters alone ("the"), which a sentence capitalises; a term such as
#: "api-key" or "client_id" keeps its spelling.
LOWERCASE_WORD = re.compile(r"[a-z\u0430-\u044f\u0451]+(?=[\s,;:])")
#: What ends a sentence.
SENTENCE_STOPS = (".", "!", "?", "…")
#: What a list item ends with when the list reads as one sentence ("...; ...; ....").
ITEM_END = (";", ",", ".", ":", "!", "?")


def plain_text(node: nodes.Element) -> str:
    """The node's text as a reader reads it, on one line, without marks."""
    copy = node.deepcopy()
    for inline in list(copy.findall(nodes.Element)):
        if NOT_TEXT & set(inline.get("classes", [])) or isinstance(
            inline, nodes.footnote_reference
        ):
            inline.parent.remove(inline)
    return " ".join(copy.astext().split())


def list_as_sentence(node: nodes.Element) -> str:
    """A list whose items are one paragraph each ending in punctuation, as one line; else ""."""
    items = []
    for item in node.children:
        if len(item.children) != 1 or not isinstance(item.children[0], nodes.paragraph):
            return ""
        items.append(plain_text(item.children[0]))
    return " ".join(items) if items and all(i.endswith(ITEM_END) for i in items) else ""


def opening(doctree: nodes.document) -> list[str]:
    """The text of the blocks above the page's first section, else of its first paragraph."""
    title_section = doctree.next_node(nodes.section)
    blocks = []
    for block in title_section.children if title_section else doctree.children:
        if isinstance(block, nodes.section):
            break
        if isinstance(block, nodes.paragraph):
            blocks.append(plain_text(block))
        elif isinstance(block, (nodes.bullet_list, nodes.enumerated_list)):
            blocks.append(list_as_sentence(block))
    blocks = [block for block in blocks if block]
    if not blocks and (first := doctree.next_node(nodes.paragraph)) is not None:
        blocks = [plain_text(first)]
    return blocks


def describe(doctree: nodes.document) -> str:
    """Whole sentences of the page's opening, as many as fit in ``LIMIT`` (at least one)."""
    sentences = [s for block in opening(doctree) for s in SENTENCE_END.split(block) if s]
    if not sentences:
        return ""
    description = sentences[0]
    for sentence in sentences[1:]:
        if not description.endswith(SENTENCE_STOPS) or len(description) + 1 + len(sentence) > LIMIT:
            break  # full, or the last block ended without a full stop (it led into a list)
        description += " " + sentence
    if LOWERCASE_WORD.match(description):
        description = description[0].upper() + description[1:]
    return description


def add_description(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """Hand the description to sphinxext-opengraph, which then writes both tags."""
    if not isinstance(doctree, nodes.document):
        return  # search, genindex: no page text to describe
    description = describe(doctree)
    if not description:
        return
    # A page's own og: fields override what sphinxext-opengraph computes; a copy, so the
    # environment's metadata is left as the page wrote it.
    context["meta"] = {**(context.get("meta") or {}), "og:description": description}
    # sphinxext-opengraph writes no meta description when the page already has one.
    content = html.escape(description, quote=True)
    context["metatags"] += f'<meta name="description" content="{content}" />\n'


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("sphinxext.opengraph")
    # Before sphinxext-opengraph's handler (default priority 500), which reads both.
    app.connect("html-page-context", add_description, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
