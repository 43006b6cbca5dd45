"""Build furo's sidebar navigation once per folder instead of once per page.

furo renders the whole site's navigation into every page: for each page Sphinx
resolves the global toctree and furo rewrites it with BeautifulSoup, so a build
does work in proportion to pages squared. The tree differs between two pages of
one folder only in which entries are marked current. So this extension renders
it once per folder, for no page in particular, remembers where each entry's
tags start, and for each page marks the entries from that page up to the top
exactly as Sphinx and furo would (``current``, ``current-page``, a checked
expander, ``href="#"``).

Every page shows every title, so a change of a title or a toctree rewrites all
pages (Sphinx alone rewrites only the pages it re-read).

With ``-D navigation_cache_verify=1`` every page is also rendered the slow way
and a difference is a warning: the tests build the site like that.
"""

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from furo.navigation import get_navigation_tree
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

# What furo asks Sphinx for (furo._compute_navigation_tree).
FURO_TOCTREE_KWARGS = {
    "collapse": False,
    "titles_only": True,
    "maxdepth": -1,
    "includehidden": True,
}
# A name no page has: the folder's tree rendered for it marks nothing as current.
NOBODY = "\0navigation"


@dataclass
class Entry:
    """Where one <li> of the tree, and the tags to mark in it, start."""

    li: int
    link: int = -1
    href: str = ""
    checkbox: int = -1
    parent: "List | None" = None


@dataclass
class List:
    """Where one <ul> starts, and the <li> that holds it (None at the top)."""

    ul: int
    owner: Entry | None = None


@dataclass
class FolderTree:
    """A folder's navigation with nothing current, and its entries by link."""

    html: str
    entries: dict[str, Entry] = field(default_factory=dict)


class _TagOffsets(HTMLParser):
    """Record the offsets of the <li>, <a>, <input> and <ul> tags furo writes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0]
        for line in html.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.entries: dict[str, Entry] = {}
        self.stack: list[Entry | List] = []
        self.feed(html)
        self.close()

    def tag_start(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.stack[-1] if self.stack else None
        if tag == "ul":
            self.stack.append(List(self.tag_start(), parent if isinstance(parent, Entry) else None))
        elif tag == "li":
            self.stack.append(
                Entry(self.tag_start(), parent=parent if isinstance(parent, List) else None)
            )
        elif isinstance(parent, Entry):
            if tag == "a" and parent.link < 0:
                parent.link = self.tag_start()
                parent.href = dict(attrs).get("href") or ""
                self.entries.setdefault(parent.href, parent)
            elif tag == "input" and parent.checkbox < 0:
                parent.checkbox = self.tag_start()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "li") and self.stack:
            self.stack.pop()


def _navigation_facts(env: BuildEnvironment, docname: str) -> tuple[str, tuple[str, ...]]:
    """What of a page shows in every page's navigation: its title and what it includes."""
    title = env.titles[docname].astext() if docname in env.titles else ""
    return title, tuple(env.toctree_includes.get(docname, ()))


def note_added_or_removed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    app.builder.__dict__["_navigation_pages_changed"] = bool(added or removed)
    return []


def note_navigation_before(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    app.builder.__dict__["_navigation_before"] = {
        docname: _navigation_facts(env, docname) for docname in docnames
    }


def rewrite_all_if_navigation_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Sphinx rewrites only the pages it re-read, but every page shows every title:
    when a title or a toctree changes, or a page comes or goes, all pages are rewritten
    (not re-read), so a live preview never shows a stale sidebar."""
    before = app.builder.__dict__.pop("_navigation_before", {})
    changed = app.builder.__dict__.pop("_navigation_pages_changed", False) or any(
        facts != _navigation_facts(env, docname) for docname, facts in before.items()
    )
    return sorted(env.found_docs) if changed else []


def forget_trees(app: Sphinx, env: object) -> list[str]:
    """A new build (in the same process, as a live preview may run) starts afresh."""
    app.builder.__dict__.pop("_navigation_cache", None)
    return []


def _folder_tree(app: Sphinx, folder: str) -> FolderTree:
    cache: dict[str, FolderTree] = app.builder.__dict__.setdefault("_navigation_cache", {})
    if folder not in cache:
        nobody = posixpath.join(folder, NOBODY)
        rendered = app.builder._get_local_toctree(nobody, **FURO_TOCTREE_KWARGS)
        html = get_navigation_tree(rendered)
        cache[folder] = FolderTree(html, _TagOffsets(html).entries)
    return cache[folder]


def _mark_current(tree: FolderTree, own_href: str) -> str:
    """The folder's tree as Sphinx and furo render it for the page at `own_href`."""
    entry = tree.entries.get(own_href)
    if entry is None:  # a page outside the navigation: nothing is current
        return tree.html
    html = tree.html
    edits: list[tuple[int, str, str]] = []  # (offset, old text, new text)
    page = entry
    while entry is not None:
        li_tag = html[entry.li : html.index(">", entry.li) + 1]
        classes = li_tag.removeprefix('<li class="').removesuffix('">').split()
        classes.insert(1, "current")  # after toctree-lN, before furo's has-children
        if entry is page:
            classes.append("current-page")
        edits.append((entry.li, li_tag, f'<li class="{" ".join(classes)}">'))
        if entry.checkbox >= 0:  # furo writes attributes in order: checked after aria-label
            label = html[entry.checkbox : html.index(' class="toctree-checkbox"', entry.checkbox)]
            edits.append((entry.checkbox, label, f'{label} checked=""'))
        if entry.parent is not None:
            edits.append((entry.parent.ul, "<ul>", '<ul class="current">'))
        entry = entry.parent.owner if entry.parent is not None else None
    link = f'<a class="reference internal" href="{own_href}">'
    edits.append((page.link, link, '<a class="current reference internal" href="#">'))
    for offset, old, new in sorted(edits, reverse=True):
        assert html.startswith(old, offset), (old, html[offset : offset + len(old)])
        html = html[:offset] + new + html[offset + len(old) :]
    return html


def skip_furo_toctree(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """Before furo: make its own navigation call free, the tree comes from the cache."""
    toctree = context.get("toctree")
    # notfound gives the 404 page a toctree of its own, with links from the host's root.
    if toctree is None or pagename == getattr(app.config, "notfound_pagename", None):
        return
    context["slow_toctree"] = toctree

    def cheap_toctree(**kwargs: Any) -> str:
        return "" if kwargs == FURO_TOCTREE_KWARGS else toctree(**kwargs)

    context["toctree"] = cheap_toctree


def cached_navigation(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """After furo: the navigation of this page, from its folder's tree."""
    slow_toctree = context.pop("slow_toctree", None)
    if slow_toctree is None:
        return
    context["toctree"] = slow_toctree
    tree = _folder_tree(app, posixpath.dirname(pagename))
    own_href = posixpath.basename(app.builder.get_target_uri(pagename))
    navigation = _mark_current(tree, own_href)
    if app.config.navigation_cache_verify:
        expected = get_navigation_tree(slow_toctree(**FURO_TOCTREE_KWARGS))
        if navigation != expected:
            logger.warning(
                "the cached navigation differs from furo's own", location=pagename, once=True
            )
    context["furo_navigation_tree"] = navigation


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_config_value("navigation_cache_verify", False, "", types=[bool])
    app.connect("env-get-outdated", note_added_or_removed)
    app.connect("env-before-read-docs", note_navigation_before)
    app.connect("env-get-updated", rewrite_all_if_navigation_changed)
    app.connect("env-updated", forget_trees)
    app.connect("html-page-context", skip_furo_toctree, priority=400)  # furo's runs at 500
    app.connect("html-page-context", cached_navigation, priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
