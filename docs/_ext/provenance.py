"""Marks for what Kontur's documentation does not say.

A statement about Kontur's real servers comes from Kontur's documentation or the official
SDK. Whatever else a page says about them carries one of these marks:

``inferred``
    Not documented by Kontur: inferred from a standard (OAuth 2.0, OpenID Connect,
    RFC 8628) or from the SDK's behaviour, and not promised.
``formerly-documented``
    Shown by Kontur's own documentation from 2020 to 2023 and no longer: the one real token
    response it ever showed (the password sign-in page of that time). True of that
    response, not promised today.
``sandbox``
    The sandbox's own behaviour: what the local stub does where Kontur's documentation
    is silent.

``SOURCES`` names, for a kind that rests on one source, that source's key in
``docs/sources.toml``; tests/test_provenance.py checks that such a mark stands beside a
link to it.

Each kind is a role for a phrase and a directive for whole paragraphs (or a doctest)::

    :inferred:`какую ошибку вернет площадка на ключ другой площадки`

    .. sandbox::

       Paragraphs, lists, a doctest...

The role keeps its phrase (class ``provenance provenance-<kind>``) and puts the mark after
it: a small superscript link (class ``provenance-badge provenance-badge-<kind>``) placed after
the punctuation that closes the phrase, so that a mark ending a sentence stands after the
sentence, as a footnote's number does, and never interrupts it. (A page puts the role's
end at the end of a sentence or clause; tests/test_provenance.py checks it.) The directive
is an admonition whose title is the mark. Every mark links to the explanation of the marks
(the label ``provenance_target``, on the sandbox page), and its link's accessible name says
what it is: the label, then words a screen reader reads and the eye does not see
("Not documented by Kontur (what the marks mean)"). The labels are the extension's, one per
language, translated once for every page (see ``labels``); the marked text itself is
translated with its page. Everything here works from ``LABELS``: a new kind of mark is one
more entry there, and a paragraph about it in the explanation.
"""

import re

from docutils import nodes
from docutils.parsers.rst.states import Inliner
from labels import Label, in_language
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

#: The label of each kind of mark, per language: the badge and the admonition's title.
LABELS: dict[str, Label] = {
    "inferred": {"ru": "Не описано Контуром", "en": "Not documented by Kontur"},  # noqa: RUF001
    "formerly-documented": {
        "ru": "Было в документации Контура в 2020–2023 годах",  # noqa: RUF001
        "en": "Shown in Kontur’s documentation from 2020 to 2023",  # noqa: RUF001 - as smartquotes writes it
    },
    "sandbox": {"ru": "Поведение песочницы", "en": "Sandbox behavior"},
}
KINDS = tuple(LABELS)
#: The source a kind of mark rests on: its key in docs/sources.toml ("" when none is one).
SOURCES: dict[str, str] = {"inferred": "", "formerly-documented": "docs-2020", "sandbox": ""}
#: What every mark's link leads to, for a screen reader: read after the kind's label.
HINT: Label = {"ru": " (что значат пометки)", "en": " (what the marks mean)"}
#: The punctuation that closes a marked phrase: the mark goes after it.
CLOSING = re.compile(r"^[.,;:!?…)\]»”\"]+")
#: Punctuation that ends a sentence or a clause: a mark after it interrupts nothing.
SENTENCE_END = re.compile(r"[.!?;…][)\]»”\"]*$")

logger = logging.getLogger(__name__)


def label(kind: str, language: str) -> str:
    """The words of a mark in the build's language (English for a language without its own)."""
    return in_language(LABELS[kind], language)


def badge(kind: str, language: str, target: str, container: type[nodes.Element]) -> nodes.Node:
    """The mark: the kind's label, linking to the explanation of the marks.

    The classes sit on a container (a superscript after a phrase, an inline in a title):
    resolving the reference replaces its content. (No ``translatable`` attribute: Sphinx
    unwraps inline nodes that carry one.) ``NameMarks`` adds the hint for screen readers.
    """
    reference = addnodes.pending_xref(
        "",
        nodes.Text(label(kind, language)),
        refdomain="std",
        reftype="ref",
        reftarget=target,
        refexplicit=True,
        refwarn=True,
    )
    return container("", "", reference, classes=["provenance-badge", f"provenance-badge-{kind}"])


def make_role(kind: str):  # noqa: ANN201 - a docutils role function
    def role(
        name: str,
        rawtext: str,
        text: str,
        lineno: int,
        inliner: Inliner,
        options: dict | None = None,
        content: list[str] | None = None,
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        env = inliner.document.settings.env
        parsed, messages = inliner.parse(text, lineno, inliner, inliner.parent)
        marked = nodes.inline(rawtext, "", *parsed, classes=["provenance", f"provenance-{kind}"])
        mark = badge(kind, env.config.language, env.config.provenance_target, nodes.superscript)
        return [marked, mark], messages

    return role


class ProvenanceDirective(SphinxDirective):
    """``.. inferred::`` / ``.. sandbox::``: paragraphs under the mark's title."""

    has_content = True
    required_arguments = 0

    def run(self) -> list[nodes.Node]:
        kind = self.name
        admonition = nodes.admonition(classes=["provenance", f"provenance-{kind}"])
        self.set_source_info(admonition)
        title = nodes.title("")
        title["translatable"] = False
        title += badge(kind, self.config.language, self.config.provenance_target, nodes.inline)
        admonition += title
        self.state.nested_parse(self.content, self.content_offset, admonition)
        return [admonition]


def is_phrase_mark(node: nodes.Node) -> bool:
    return isinstance(node, nodes.superscript) and "provenance-badge" in node["classes"]


class PlaceMarks(SphinxTransform):
    """Move each phrase's mark after the punctuation that closes the phrase.

    ``:inferred:`...`.`` reads as the phrase, the full stop, then the mark. A mark that
    would still stand inside a sentence (the role ends before a comma, or before more words)
    is a warning that names the page and line: the role should end with its sentence. Runs
    on the translated text: after the translation (``Locale``, priority 20) put it in.
    """

    default_priority = 500

    def apply(self) -> None:
        for mark in list(self.document.findall(is_phrase_mark)):
            closing = self.move_past_closing_punctuation(mark)
            parent = mark.parent
            following = parent[parent.index(mark) + 1 :]
            rest = "".join(node.astext() for node in following if not is_phrase_mark(node))
            if rest.strip() and not SENTENCE_END.search(closing):
                logger.warning(
                    "a mark inside a sentence (%s, before %r): end the role with its "
                    "sentence or clause, so that the mark follows the full stop",
                    self.config.language,
                    rest.strip()[:40],
                    location=mark,
                    type="provenance",
                    subtype="placement",
                )

    @staticmethod
    def move_past_closing_punctuation(mark: nodes.Element) -> str:
        """Put the punctuation right after the mark before it; return that punctuation."""
        parent = mark.parent
        after = parent.index(mark) + 1
        if after == len(parent) or not isinstance(parent[after], nodes.Text):
            return ""
        text = parent[after].astext()
        closing = CLOSING.match(text)
        if not closing:
            return ""
        if text[closing.end() :]:
            parent[after] = nodes.Text(text[closing.end() :])
        else:
            del parent[after]
        parent.insert(after - 1, nodes.Text(closing.group()))
        return closing.group()


class NameMarks(SphinxPostTransform):
    """Give each mark's link the accessible name "<label> (what the marks mean)".

    The hint is text of the link that only the eye misses (the class ``provenance-hint``
    hides it visually in docs/_static/site.css): a screen reader, a text browser and a
    search engine read it. Runs after ``ReferencesResolver`` (priority 10) made the link.
    """

    default_priority = 20

    def run(self, **kwargs: object) -> None:
        hint = in_language(HINT, self.config.language)
        for mark in list(self.document.findall(nodes.Element)):
            if "provenance-badge" not in mark["classes"]:
                continue
            for reference in mark.findall(nodes.reference):
                reference += nodes.inline("", hint, classes=["provenance-hint"])


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register a role and a directive for each kind of mark."""
    # The section that explains the marks; every badge links to it.
    app.add_config_value("provenance_target", "sandbox-marks", "env", types=[str])
    for kind in KINDS:
        app.add_role(kind, make_role(kind))
        app.add_directive(kind, ProvenanceDirective)
    app.add_transform(PlaceMarks)
    app.add_post_transform(NameMarks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
