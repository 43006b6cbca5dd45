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

The role keeps its text and adds a small badge after it; the directive is an admonition
whose title is the badge. Both carry the classes ``provenance provenance-<kind>`` (what the
tests look for) and link to the explanation of the marks (the label ``provenance_target``,
on the sandbox page). The labels are the extension's, one per language, translated once
for every page (see ``labels``); the marked text itself is translated with its page.
"""

from docutils import nodes
from docutils.parsers.rst.states import Inliner
from labels import Label, in_language
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

#: The label of each kind of mark, per language: the badge and the admonition's title.
LABELS: dict[str, Label] = {
    "inferred": {"ru": "Не описано Контуром", "en": "Not documented by Kontur"},  # noqa: RUF001
    "formerly-documented": {
        "ru": "Было в документации Контура в 2020–2023 годах",  # noqa: RUF001
        "en": "Shown in Kontur's documentation from 2020 to 2023",
    },
    "sandbox": {"ru": "Поведение песочницы", "en": "Sandbox behavior"},
}
KINDS = tuple(LABELS)
#: The source a kind of mark rests on: its key in docs/sources.toml ("" when none is one).
SOURCES: dict[str, str] = {"inferred": "", "formerly-documented": "docs-2020", "sandbox": ""}


def label(kind: str, language: str) -> str:
    """The words of a mark in the build's language (English for a language without its own)."""
    return in_language(LABELS[kind], language)


def badge(kind: str, language: str, target: str) -> nodes.Node:
    """The badge: the mark's label, linking to the explanation of the marks.

    The classes sit on a wrapper: resolving the reference replaces its content. (No
    ``translatable`` attribute: Sphinx unwraps inline nodes that carry one.)
    """
    text = label(kind, language)
    reference = addnodes.pending_xref(
        "",
        nodes.Text(text),
        refdomain="std",
        reftype="ref",
        reftarget=target,
        refexplicit=True,
        refwarn=True,
    )
    wrapper = nodes.inline(
        "", "", reference, classes=["provenance-badge", f"provenance-badge-{kind}"]
    )
    return wrapper


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
        marked += nodes.Text(" ")
        marked += badge(kind, env.config.language, env.config.provenance_target)
        return [marked], messages

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
        title += badge(kind, self.config.language, self.config.provenance_target)
        admonition += title
        self.state.nested_parse(self.content, self.content_offset, admonition)
        return [admonition]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register a role and a directive for each kind of mark."""
    # The section that explains the marks; every badge links to it.
    app.add_config_value("provenance_target", "sandbox-marks", "env", types=[str])
    for kind in KINDS:
        app.add_role(kind, make_role(kind))
        app.add_directive(kind, ProvenanceDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
