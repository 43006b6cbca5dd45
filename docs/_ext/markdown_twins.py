"""A Markdown twin of every reader page, and ``llms.txt`` / ``llms-full.txt`` for each language.

An assistant reading the site gets plain Markdown instead of navigation, tab buttons and
badges: ``page.html`` has its twin at ``page.md``, written by the ``html`` build itself from
the same resolved doctree as the HTML (the ``doctree-resolved`` event), so the twin is
always of the same text, in the build's language. The translator is
sphinx-markdown-builder's, taught what this site adds:

- an example (``examples.py``) becomes each of its files *whole*, read from the file the
  page includes whatever part the page shows, as a fenced block in its language, then
  each recorded output labelled with its environment;
- other tabs (sphinx-tabs) become their panels, each under its tab's label;
- a provenance mark (``provenance.py``) becomes its words, in parentheses, right after
  the statement it marks; a marked block, a quotation that opens with them;
- links to other reader pages lead to their twins, and are absolute when the site's
  address is known (``DOCS_BASE_URL``, Read the Docs).

The pages get ``<link rel="alternate" type="text/markdown">`` and a visible "Markdown"
link (the template ``components/view-this-page.html``). At the end of the build,
``llms.txt`` (the llmstxt.org format: title, summary, one section per navigation caption
listing every reader page with its description) and ``llms-full.txt`` (every twin, in the
same order) are written from the twins. Pages matching ``markdown_twins_exclude`` (the
writers' guide, the 404 page) get none of this.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from docutils import nodes
from examples import LABELS as EXAMPLE_LABELS
from examples import LANGUAGES
from labels import Label, in_language
from provenance import KINDS
from provenance import label as mark_label
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import docname_join, logging
from sphinx.util.matching import Matcher
from sphinx.util.typing import ExtensionMetadata
from sphinx_markdown_builder.contexts import IndentContext, SubContextParams, WrappedContext
from sphinx_markdown_builder.translator import MarkdownTranslator, pushing_context

logger = logging.getLogger(__name__)

#: The words this extension writes, in each language (see ``labels``).
LABELS: dict[str, Label] = {
    "link": {"ru": "Markdown", "en": "Markdown"},
    "link_title": {
        "ru": "Текст этой страницы в формате Markdown",
        "en": "The text of this page as Markdown",
    },
    "output": {
        "ru": "Что выводит пример в песочнице",
        "en": "What the example prints in the sandbox",
    },
    "about": {
        "ru": "Каждая страница ниже — это ее текст в формате Markdown, с примерами на всех"  # noqa: RUF001
        " языках целиком; весь текст сайта одним файлом:",
        "en": "Each page below is its text as Markdown, with its examples whole in every"
        " language; the whole site's text in one file:",
    },
    "more": {"ru": "Другие страницы", "en": "More pages"},
}
SUFFIX = ".md"
#: The builder whose pages get twins: page.html beside page.md (not dirhtml's page/index.html).
BUILDER = "html"
LLMS_TXT = "llms.txt"
LLMS_FULL_TXT = "llms-full.txt"
#: The first sentence of a paragraph: up to a full stop followed by a capital letter.
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])\s+(?=[A-ZА-ЯЁ])", re.DOTALL)  # noqa: RUF001


def is_reader_page(app: Sphinx, docname: str) -> bool:
    """A page for integrators: not the writers' guide, not the 404 page."""
    excluded = _excluded(tuple(app.config.markdown_twins_exclude))
    return docname in app.env.all_docs and not excluded(docname)


@functools.cache
def _excluded(patterns: tuple[str, ...]) -> Matcher:
    return Matcher(list(patterns))


def page_base(app: Sphinx) -> str:
    """The language's published address (ends with /), or "" when it is unknown."""
    return app.config.html_baseurl.rstrip("/") + "/" if app.config.html_baseurl else ""


def twin_uri(app: Sphinx, docname: str) -> str:
    """The address of a page's twin: absolute when the site's is known, else from the root."""
    return page_base(app) + docname + SUFFIX


class TwinTranslator(MarkdownTranslator):
    """sphinx-markdown-builder's translator, with the site's examples, tabs and marks."""

    def __init__(self, document: nodes.document, app: Sphinx, docname: str) -> None:
        super().__init__(document, app.builder)
        self.app = app
        self.docname = docname
        self.tab_labels: dict[str, str] = {}

    # The base class finds its generic visit/depart methods in a __getattribute__ that every
    # attribute access goes through, a third of a twin's time; asked only on a miss
    # (__getattr__), it finds the same methods.
    __getattribute__ = object.__getattribute__

    def __getattr__(self, name: str) -> Any:
        method = self._find_predefined_method(name)
        if method is None:
            raise AttributeError(name)
        return method

    def say(self, name: str) -> str:
        return in_language(LABELS[name], self.config.language)

    # -- examples: every file whole, then the outputs per environment ----------------------

    def visit_container(self, node: nodes.Element) -> None:
        if "example" not in node["classes"]:
            return
        language_of = {suffix: (label, language) for label, suffix, language in LANGUAGES}
        files = _included_files(node)
        if not files:  # the directive changed how it includes them: never a silent gap
            logger.warning(
                "example: no included file found for the page's Markdown twin", location=node
            )
        for path in files:
            if path.name.startswith("output."):  # output.<site>.txt
                site = in_language(EXAMPLE_LABELS[path.name.split(".")[1]], self.config.language)
                title, language = f"{self.say('output')} — {site}", "text"
            elif path.suffix in language_of:
                title, language = language_of[path.suffix]
            else:
                continue
            text = _read(path, path.stat().st_mtime_ns).rstrip()
            fence = "`" * max([3, *(len(run) + 1 for run in re.findall("`{3,}", text))])
            self.add(f"**{title}** (`{path.parent.name}/{path.name}`):", prefix_eol=2, suffix_eol=2)
            self.add(f"{fence}{language}\n{text}\n{fence}", prefix_eol=1, suffix_eol=2)
        raise nodes.SkipNode

    def depart_container(self, node: nodes.Element) -> None:
        pass

    # -- tabs: each panel under its label -------------------------------------------------

    def visit_SphinxTabsContainer(self, node: nodes.Element) -> None:
        pass

    def depart_SphinxTabsContainer(self, node: nodes.Element) -> None:
        pass

    def visit_SphinxTabsTablist(self, node: nodes.Element) -> None:
        for tab in node.children:
            if isinstance(tab, nodes.Element) and tab.get("ids"):
                self.tab_labels[tab["ids"][0]] = tab.astext()
        raise nodes.SkipNode

    def visit_SphinxTabsPanel(self, node: nodes.Element) -> None:
        label = self.tab_labels.get(node.get("aria-labelledby", ""), "")
        if label:
            self.add(f"**{label}:**", prefix_eol=2, suffix_eol=2)

    def depart_SphinxTabsPanel(self, node: nodes.Element) -> None:
        self.ensure_eol(2)

    # -- provenance marks: their words beside what they mark ------------------------------

    def visit_inline(self, node: nodes.Element) -> None:
        if _is_badge(node):
            raise nodes.SkipNode  # the mark's own words follow the statement instead

    def visit_superscript(self, node: nodes.Element) -> None:
        if _is_badge(node):  # a phrase's mark: its words follow the phrase (depart_inline)
            raise nodes.SkipNode
        self._push_context(WrappedContext("<sup>", "</sup>"))  # the base class writes <sub>

    def depart_inline(self, node: nodes.Element) -> None:
        kind = _mark_kind(node)
        if kind:
            text = "".join(
                child.astext()
                for child in node.children
                if not (isinstance(child, nodes.Element) and _is_badge(child))
            )
            space = "" if text.endswith(" ") else " "
            self.add(f"{space}*({mark_label(kind, self.config.language)})*")

    def visit_admonition(self, node: nodes.Element) -> None:
        kind = _mark_kind(node)
        if kind:
            title = mark_label(kind, self.config.language)
        else:
            title = next(iter(node.findall(nodes.title)), nodes.title()).astext()
        self.ensure_eol(2)
        self._push_context(IndentContext("> ", empty=True, params=SubContextParams(2, 2)))
        self.add(f"**{title}:**", prefix_eol=0, suffix_eol=2)

    def depart_admonition(self, node: nodes.Element) -> None:
        self._pop_context()

    @pushing_context  # departing pops the title's context, as for the base class's
    def visit_title(self, node: nodes.Element) -> None:
        if isinstance(node.parent, nodes.Admonition):
            raise nodes.SkipNode  # said by visit_admonition
        super().visit_title(node)

    def visit_comment(self, node: nodes.Element) -> None:
        raise nodes.SkipNode  # a note to the page's writers, never translated

    def visit_meta(self, node: nodes.Element) -> None:
        raise nodes.SkipNode  # in the HTML's head (the description: llms.txt), not its text

    # -- a table of contents shown on the page: its entries as a list of links --------------

    def visit_toctree(self, node: nodes.Element) -> None:
        if not node.get("hidden"):
            self.ensure_eol(2)
            for title, docname in node["entries"]:
                text = title or self.app.env.titles[docname].astext()
                relative = posixpath.relpath(docname, posixpath.dirname(self.docname) or ".")
                uri = self._fetch_ref_uri(nodes.reference(refuri=relative + ".html", internal=True))
                self.add(f"{self.config.markdown_bullet} [{text}]({uri})", suffix_eol=1)
            self.ensure_eol(2)
        raise nodes.SkipNode

    # -- links: to the twins, absolute when the address is known -------------------------

    def _fetch_ref_uri(self, node: nodes.Element) -> str:
        uri = node.get("refuri", "")
        if "refid" in node:
            return "#" + node["refid"]
        if urlsplit(uri).scheme or uri.startswith(("#", "/")):
            return uri  # elsewhere, or on this page
        path, _, fragment = uri.partition("#")  # relative to this page: a page or a file
        if path.endswith(".html"):
            target = posixpath.normpath(
                posixpath.join(posixpath.dirname(self.docname), path.removesuffix(".html"))
            )
            if is_reader_page(self.app, target):
                path = path.removesuffix(".html") + SUFFIX
        uri = path + ("#" + fragment if fragment else "")
        base = page_base(self.app)
        return urljoin(base + self.docname, uri) if base else uri

    @pushing_context
    def visit_download_reference(self, node: nodes.Element) -> None:
        if "filename" in node:  # a file Sphinx copies to _downloads/, as the HTML links it
            here = posixpath.dirname(self.docname) or "."
            node = nodes.reference(refuri=posixpath.relpath(f"_downloads/{node['filename']}", here))
        self._push_context(WrappedContext("[", f"]({self._fetch_ref_uri(node)})"))


def _is_badge(node: nodes.Element) -> bool:
    return any(name.startswith("provenance-badge") for name in node["classes"])


def _mark_kind(node: nodes.Element) -> str:
    """The kind of provenance mark ``node`` is, or ""."""
    if "provenance" not in node["classes"]:
        return ""
    return next((kind for kind in KINDS if f"provenance-{kind}" in node["classes"]), "")


def _included_files(example: nodes.Element) -> list[Path]:
    """The files an example shows, each once, in order: whatever part of each is shown."""
    found: dict[Path, None] = {}
    for block in example.findall(nodes.literal_block):
        source = block.get("source")
        if source and Path(source).is_file():
            found.setdefault(Path(source).resolve())
    return list(found)


@functools.lru_cache(maxsize=256)
def _read(path: Path, mtime_ns: int) -> str:
    """A snippet file's text, read once per version: the same files are on many pages."""
    return path.read_text(encoding="utf-8")


# -- the build's events ----------------------------------------------------------------------


def write_twin(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Write ``<page>.md`` next to ``<page>.html`` from the doctree the HTML is written from."""
    if app.builder.name != BUILDER or not is_reader_page(app, docname):
        return
    translator = TwinTranslator(doctree, app, docname)
    doctree.walkabout(translator)
    _write(Path(app.outdir, docname + SUFFIX), translator.astext())


def _write(path: Path, text: str) -> None:
    """Write a file only when its text changes: an unchanged file keeps its date."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


#: A description as read: text, and references whose words are only known once every page
#: is read (``:doc:`page```, ``:ref:`label``` without their own words): (type, target, page).
Parts = list[str | tuple[str, str, str]]


def note_description(app: Sphinx, doctree: nodes.document) -> None:
    """Remember a page's one-line description for llms.txt: its meta description, else its
    first paragraph's first sentence (in the build's language: the doctree is translated)."""
    parts: Parts = []
    for meta in doctree.findall(nodes.meta):
        if meta.get("name") == "description":
            parts = [meta.get("content", "")]
    if not parts:
        paragraph = next(
            (
                paragraph
                for paragraph in doctree.findall(nodes.paragraph)
                if isinstance(paragraph.parent, nodes.section)  # prose, not a list or a note
            ),
            None,
        )
        parts = list(_parts(paragraph)) if paragraph else []
    _descriptions(app.env)[app.env.docname] = parts


def _parts(node: nodes.Element) -> Iterator[str | tuple[str, str, str]]:
    for child in node.children:
        if isinstance(child, nodes.Text):
            yield str(child)
        elif not isinstance(child, nodes.Element) or _is_badge(child):
            continue
        elif (
            isinstance(child, addnodes.pending_xref)
            and child.get("reftype") in ("doc", "ref")
            and not child.get("refexplicit")
        ):
            yield (child["reftype"], child["reftarget"], child["refdoc"])
        else:
            yield from _parts(child)


def description(env: BuildEnvironment, docname: str) -> str:
    """A page's description: the first sentence of its parts, references in their words."""
    words = []
    for part in _descriptions(env).get(docname, []):
        if isinstance(part, str):
            words.append(part)
            continue
        reftype, target, refdoc = part
        if reftype == "doc":
            title = env.titles.get(docname_join(refdoc, target))
            words.append(title.astext() if title else target)
        else:
            label = env.domains.standard_domain.labels.get(target)
            words.append(label[2] if label else target)
    text = " ".join("".join(words).split())
    match = FIRST_SENTENCE.match(text)
    return match.group(1) if match else text


def _descriptions(env: BuildEnvironment) -> dict[str, Parts]:
    if not hasattr(env, "markdown_twin_descriptions"):
        env.markdown_twin_descriptions = {}
    return env.markdown_twin_descriptions


def _forget_page(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _descriptions(env).pop(docname, None)


def _merge_pages(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    for docname in docnames:
        if docname in _descriptions(other):
            _descriptions(env)[docname] = _descriptions(other)[docname]


def link_twin(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: nodes.Node | None
) -> None:
    """The page's head links its twin; the template shows a link a reader can follow."""
    if app.builder.name != BUILDER or not is_reader_page(app, pagename):
        return
    # Absolute where the site's address is known; else beside the page, as its HTML is.
    href = page_base(app) + pagename + SUFFIX if page_base(app) else None
    href = href or posixpath.basename(pagename) + SUFFIX
    title = _say(app, "link_title")
    context["markdown_twin"] = {"url": href, "label": _say(app, "link"), "title": title}
    twin = f'<link rel="alternate" type="text/markdown" href="{href}" title="{title}">'
    context["metatags"] = context.get("metatags", "") + "\n" + twin


def _say(app: Sphinx, name: str) -> str:
    return in_language(LABELS[name], app.config.language)


def sections(app: Sphinx) -> list[tuple[str, list[str]]]:
    """Every reader page, grouped as the root page's navigation groups them (its toctrees'
    captions), in navigation order; the root page first, pages outside the navigation last."""
    env = app.env
    listed: list[str] = []

    def walk(docname: str, into: list[str]) -> None:
        if docname in listed or not is_reader_page(app, docname):
            return
        listed.append(docname)
        into.append(docname)
        for child in env.toctree_includes.get(docname, []):
            walk(child, into)

    root = app.config.root_doc
    found: list[tuple[str, list[str]]] = []
    for toctree in env.get_doctree(root).findall(addnodes.toctree):
        pages: list[str] = [root] if not listed and is_reader_page(app, root) else []
        listed.extend(pages)
        for _title, docname in toctree["entries"]:
            walk(docname, pages)
        if pages:
            found.append((toctree.get("caption") or env.titles[root].astext(), pages))
    rest = sorted(d for d in env.all_docs if d not in listed and is_reader_page(app, d))
    if rest:
        found.append((_say(app, "more"), rest))
    return found


def write_llms_txt(app: Sphinx, exception: Exception | None) -> None:
    """``llms.txt`` and ``llms-full.txt`` in the language's folder, from the twins."""
    if exception or app.builder.name != BUILDER:
        return
    env = app.env
    outdir = Path(app.outdir)
    grouped = sections(app)
    for _caption, pages in grouped:
        for docname in pages:
            if not Path(outdir, docname + SUFFIX).is_file():  # HTML not rewritten since added
                env.get_and_resolve_doctree(docname, app.builder)  # writes it (write_twin)
    root = app.config.root_doc
    full_txt = page_base(app) + LLMS_FULL_TXT if page_base(app) else LLMS_FULL_TXT
    lines = [
        f"# {env.titles[root].astext()}",
        "",
        f"> {description(env, root)}",
        "",
        f"{_say(app, 'about')} [{LLMS_FULL_TXT}]({full_txt}).",
    ]
    full = []
    for caption, pages in grouped:
        lines += ["", f"## {caption}", ""]
        for docname in pages:
            title = env.titles[docname].astext()
            said = description(env, docname)
            link = f"- [{title}]({twin_uri(app, docname)})"
            lines.append(f"{link}: {said}" if said else link)
            twin = Path(outdir, docname + SUFFIX).read_text(encoding="utf-8")
            full.append(_links_from_root(twin.strip(), docname))
    _write(Path(outdir, LLMS_TXT), "\n".join(lines) + "\n")
    _write(Path(outdir, LLMS_FULL_TXT), "\n\n\n".join(full) + "\n")


LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(?:> )*(`{3,})")


def _links_from_root(markdown: str, docname: str) -> str:
    """A twin's relative links, made relative to the language's folder (llms-full.txt's),
    outside code blocks: in one file, a link must not depend on the page it came from."""
    folder = posixpath.dirname(docname)
    if not folder:
        return markdown

    def from_root(match: re.Match[str]) -> str:
        target = match[1]
        if urlsplit(target).scheme or target.startswith(("#", "/")):
            return match[0]
        return f"]({posixpath.normpath(posixpath.join(folder, target))})"

    lines, fence = [], ""
    for line in markdown.split("\n"):
        opening = FENCE.match(line)
        if opening and (not fence or opening[1] == fence):
            fence = "" if fence else opening[1]
        lines.append(line if fence or opening else LINK.sub(from_root, line))
    return "\n".join(lines)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Write the twins and llms files during the HTML build; link the twins from the pages."""
    app.setup_extension("sphinx_markdown_builder")  # its configuration values
    app.setup_extension("examples")
    app.setup_extension("provenance")
    # Pages no integrator reads: the writers' guide, the 404 page.
    app.add_config_value("markdown_twins_exclude", ["404", "writing"], "env", types=[list])
    app.connect("doctree-read", note_description)
    app.connect("env-purge-doc", _forget_page)
    app.connect("env-merge-info", _merge_pages)
    app.connect("doctree-resolved", write_twin, priority=900)  # after anything that edits it
    app.connect("html-page-context", link_twin)
    app.connect("build-finished", write_llms_txt)
    return {
        "version": "1.0",
        "env_version": 2,  # 2: descriptions keep their references
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
