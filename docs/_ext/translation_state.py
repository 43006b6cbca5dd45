"""Translation state in the build: nothing untranslated reaches a translated site unmarked.

In a build of a translation (``-D language=en``), every message of a page whose
translation is missing, empty or marked ``#, fuzzy`` in its ``.po`` file is a
warning (so, with ``--fail-on-warning``, an error) in Sphinx's format, naming the
``.po`` file, the line of the entry and the message::

    docs/locale/en/LC_MESSAGES/api-key.po:41: WARNING: fuzzy translation ... [i18n.fuzzy]

A message the ``.po`` file lacks (``make po`` not run since the page changed) is named
at its line in the page; a page without a ``.po`` file at all gets one warning. A
translation whose markup is broken (docutils names the page's line) is named at its
``.po`` line too, in any build; so is one whose reference points nowhere or that adds or
drops a reference (Sphinx names the page: ``api-key.rst:77:<translated>:1``): the
warning gets ``(translation: <po file>:<line>)``.

For a writer's preview, ``translation_allow_untranslated = True`` (conf.py sets it
from ``ALLOW_UNTRANSLATED=1``) turns the warnings off. Then every such page starts
with a notice (not fully translated, or translation out of date, with a link to the
original), and each untranslated passage carries the class ``untranslated``
(Sphinx's ``translation_progress_classes``), which the site's CSS marks.

A translated message must keep the URLs, e-mail addresses, code and numbers of the
original (``literals``): one that changed or lost one is named at its ``.po`` line, as
is a ``.po`` file with merge conflict markers or a syntax error (``po_files``), in any
build.

A page with anything untranslated is read again on every build, so its warnings are
never lost to an incremental build; and a build that rejects a page's translation does
not leave that page in the output (``_build/html/en``), half in Russian or wrong.
"""

import logging as std_logging
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from docutils import nodes
from literals import missing_values
from po_files import BrokenCatalog, read_strictly
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.gettext import MessageCatalogBuilder
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import extract_messages, get_node_line, get_node_source
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Longest excerpt of a message quoted in a warning.
EXCERPT = 160
#: Where Sphinx says a warning comes from: a page's line, maybe inside a translated passage.
PAGE_LINE = re.compile(r"(?P<path>.+?):(?P<line>\d+)(?P<translated>:<translated>(?::\d+)?)?")


@dataclass(frozen=True)
class PageState:
    """How much of one page is left in the source language, and why."""

    untranslated: int
    fuzzy: int

    @property
    def complete(self) -> bool:
        return not (self.untranslated or self.fuzzy)


def _excerpt(message: str) -> str:
    text = " ".join(message.split())
    return repr(text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…")


def _shown(path: Path) -> str:
    """A path as a writer types it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def page_states(env: BuildEnvironment) -> dict[str, PageState]:
    """Per page of this build, its translation state (only pages with something left)."""
    if not hasattr(env, "translation_states"):
        env.translation_states = {}
    return env.translation_states


def rejected_pages(env: BuildEnvironment) -> set[str]:
    """The pages of this build whose translation the build refuses to publish."""
    if not hasattr(env, "translation_rejected"):
        env.translation_rejected = set()
    return env.translation_rejected


def check_page(app: Sphinx, doctree: nodes.document) -> None:
    """After the page is read and translated, find what is left untranslated and say where.

    Run once the page is complete (``doctree-read``), as ``make po`` sees it: the
    file-wide metadata is gone, the tabs' labels are messages.
    """
    env, config = app.env, app.config
    if config.language == config.translation_source or isinstance(
        app.builder, MessageCatalogBuilder
    ):
        return
    docname = env.docname
    domain = docname_to_domain(docname, config.gettext_compact)
    po_path = Path(env.srcdir, config.locale_dirs[0], config.language, "LC_MESSAGES")
    po_path = (po_path / domain).with_suffix(".po")
    rejected_pages(env).discard(docname)
    try:
        catalog = _read_catalog(po_path)
    except BrokenCatalog as error:
        logger.warning(
            "%s",
            error.problem,
            location=f"{_shown(po_path)}:{error.line}",
            type="i18n",
            subtype="broken_po",
        )
        rejected_pages(env).add(docname)
        env.note_reread()
        return
    problems: list[tuple[str, str | Path, int | None, str]] = []
    broken: list[tuple[str, str | Path, int | None, str]] = []
    fuzzy = 0
    for node, msgid in extract_messages(doctree):
        entry: Message | None = catalog.get(msgid) if catalog is not None else None
        usable = entry is not None and bool(entry.string) and not entry.fuzzy
        if usable and (lost := missing_values(msgid, str(entry.string))):
            broken.append(("literal", po_path, entry.lineno, ", ".join(lost)))
        if isinstance(node, addnodes.translatable):
            # Sphinx translates these (toctree captions...) without marking them.
            if usable:
                continue
        elif node.get("translated"):
            if any(node.findall(nodes.problematic)) and catalog is not None:
                broken.append(_entry_at(catalog, node, po_path))
            continue
        else:
            # Sphinx marks nothing on a page without a catalog; its translation_progress_classes
            # transform runs after this event (doctree-read is itself a transform, at 880).
            node["translated"] = False
        if entry is None:
            problems.append(("missing", get_node_source(node), get_node_line(node), msgid))
        elif entry.fuzzy:
            fuzzy += 1
            problems.append(("fuzzy", po_path, entry.lineno, msgid))
        elif entry.string:
            problems.append(("unusable", po_path, entry.lineno, msgid))
        else:
            problems.append(("untranslated", po_path, entry.lineno, msgid))
    # Broken markup in a msgstr fails any build: docutils names the page's line, this the .po's.
    if broken:
        env.note_reread()  # and is named again on the next build, until it is fixed
        rejected_pages(env).add(docname)
        _warn(broken, po_path, False)
    if not problems:
        page_states(env).pop(docname, None)
        return
    page_states(env)[docname] = PageState(len(problems) - fuzzy, fuzzy)
    env.note_reread()  # until it is translated, its warnings come back on every build
    if not config.translation_allow_untranslated:
        rejected_pages(env).add(docname)
        _warn(problems, po_path, catalog is None)


def _entry_at(
    catalog: Catalog, node: nodes.Element, po_path: Path
) -> tuple[str, str | Path, int | None, str]:
    """The catalog entry translated into ``node``, found by the page line it came from."""
    source, line = Path(get_node_source(node)), get_node_line(node)
    for message in catalog:
        if any(Path(path).name == source.name and at == line for path, at in message.locations):
            return ("broken", po_path, message.lineno, str(message.id))
    return ("broken", source, line, node.astext())


def _read_catalog(path: Path) -> Catalog | None:
    return read_strictly(path) if path.is_file() else None


def _warn(
    problems: list[tuple[str, str | Path, int | None, str]], po_path: Path, no_file: bool
) -> None:
    if no_file:
        _kind, source, line, _msgid = problems[0]
        logger.warning(
            "no English translation: %s does not exist; run `make po`, then translate "
            "its %d messages (ALLOW_UNTRANSLATED=1 previews the page as it is)",
            _shown(po_path),
            len(problems),
            location=f"{_shown(Path(source))}:{line}" if line else _shown(Path(source)),
            type="i18n",
            subtype="untranslated",
        )
        return
    for kind, source, line, msgid in problems:
        if kind == "broken":
            text = "the translation's markup is broken (docutils says how, above): %s"
        elif kind == "literal":
            location = f"{_shown(Path(source))}:{line}"
            logger.warning(
                "the translation lost or changed %s of the original: URLs, e-mail addresses,"
                " code and numbers are kept as they are (review it, even when not fuzzy)",
                msgid,
                location=location,
                type="i18n",
                subtype=kind,
            )
            continue
        elif kind == "unusable":
            text = "translation not used: its markup does not give the original's kind of text: %s"
        elif kind == "fuzzy":
            text = "fuzzy translation (the original changed: review it, remove `#, fuzzy`): %s"
        elif kind == "untranslated":
            text = "untranslated message: %s"
        else:
            text = f"message missing from {_shown(po_path)} (run `make po`): %s"
        location = f"{_shown(Path(source))}:{line}" if line else _shown(Path(source))
        logger.warning(text, _excerpt(msgid), location=location, type="i18n", subtype=kind)


class _NameTheTranslation(std_logging.Filter):
    """Add the ``.po`` file and line to Sphinx's warnings about a translated passage.

    Sphinx names only the page: a reference of a msgstr that points nowhere is at
    ``page.rst:12:<translated>:1``, a msgstr that adds or drops a reference at
    ``page.rst:12`` (``i18n.inconsistent_references``). The translator needs the entry.
    """

    def __init__(self, app: Sphinx) -> None:
        super().__init__()
        self.app = app

    def filter(self, record: std_logging.LogRecord) -> bool:
        config = self.app.config
        if getattr(record, "translation_named", False) or config.language in (
            None,
            config.translation_source,
        ):
            return True
        where = PAGE_LINE.fullmatch(str(getattr(record, "location", None) or ""))
        inconsistent = getattr(record, "type", "") == "i18n" and str(
            getattr(record, "subtype", "")
        ).startswith("inconsistent")
        if where and (where["translated"] or inconsistent):
            entry = _po_entry(self.app, Path(where["path"]), int(where["line"]))
            if entry:
                record.msg = f"{record.msg} (translation: {entry})"
            record.translation_named = True
        return True


def _po_entry(app: Sphinx, source: Path, line: int) -> str | None:
    """``<po file>:<line>`` of the entry translating ``source``'s ``line``, if there is one."""
    env = app.env
    docname = env.path2doc(str(source)) if env is not None else None
    if docname is None:
        return None
    domain = docname_to_domain(docname, app.config.gettext_compact)
    po_path = Path(env.srcdir, app.config.locale_dirs[0], app.config.language, "LC_MESSAGES")
    po_path = (po_path / domain).with_suffix(".po")
    try:
        catalog = _read_catalog(po_path)
    except BrokenCatalog:
        return None  # named on its own
    for message in catalog or ():
        if any(Path(path).name == source.name and at == line for path, at in message.locations):
            return f"{_shown(po_path)}:{message.lineno}"
    return None


def _name_the_translation(app: Sphinx) -> None:
    """Put the filter on Sphinx's warning output (after it turns locations into text)."""
    for handler in std_logging.getLogger("sphinx").handlers:
        if isinstance(handler, logging.WarningStreamHandler):
            handler.addFilter(_NameTheTranslation(app))


def _forget_page(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    page_states(env).pop(docname, None)
    rejected_pages(env).discard(docname)


def _merge_pages(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    for docname in docnames:
        if docname in page_states(other):
            page_states(env)[docname] = page_states(other)[docname]
        if docname in rejected_pages(other):
            rejected_pages(env).add(docname)


def _unpublish_rejected(app: Sphinx, exception: Exception | None) -> None:
    """A page whose translation the build rejected is not left in the output to be copied.

    The build failed on it; the page is read again by the next build, which writes it
    once it is right. A writer's preview (``translation_allow_untranslated``) keeps it.
    """
    if exception is not None or app.builder.format != "html":
        return
    if app.config.translation_allow_untranslated or app.config.language in (
        None,
        app.config.translation_source,
    ):
        return
    for docname in sorted(rejected_pages(app.env)):
        page = Path(app.outdir, app.builder.get_target_uri(docname))
        # The page's Markdown twin (markdown_twins) holds the same rejected text.
        for path in (page, page.with_suffix(".md")):
            if path.is_file():
                path.unlink()
                logger.info("removed %s: the build rejected its translation", _shown(path))


def notice(state: PageState, original: str) -> str:
    """The HTML notice at the top of a page that is not (or no longer) fully translated."""
    if state.untranslated:
        headline = "This page is not fully translated."
    else:
        headline = "The translation of this page is out of date."
    parts = []
    if state.untranslated:
        parts.append(f"{state.untranslated} passage(s) are not translated yet")
    if state.fuzzy:
        parts.append(f"{state.fuzzy} passage(s) changed in the original since they were")
    return (
        '<div class="admonition warning translation-notice" role="note">'
        f'<p class="admonition-title">{headline}</p>'
        f"<p>{'; '.join(parts)}, and are shown in the original language, marked. "
        f'Read the <a href="{escape(original)}">original page</a>.</p></div>\n'
    )


def _add_notice(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    state = page_states(app.env).get(pagename)
    if state is None or "body" not in context:
        return
    links = {link["code"]: link["href"] for link in context.get("language_links", [])}
    original = links.get(app.config.translation_source, "")
    context["body"] = notice(state, original) + context["body"]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Check every translated page; mark what is left when the writer allows it."""
    app.setup_extension("language_links")  # the link to the original
    app.add_config_value("translation_source", "ru", "env", types=[str])
    app.add_config_value("translation_allow_untranslated", False, "env", types=[bool])
    # After Sphinx's collectors (500), which take the file-wide metadata out of the page.
    app.connect("doctree-read", check_page, priority=900)
    app.connect("env-purge-doc", _forget_page)
    app.connect("env-merge-info", _merge_pages)
    app.connect("html-page-context", _add_notice, priority=600)  # after language_links
    app.connect("build-finished", _unpublish_rejected)
    _name_the_translation(app)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
