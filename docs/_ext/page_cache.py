"""Work that every page repeats, done once per build.

Most pages show an example, and a page's cost is mostly the same work done again on
each of them (measured with cProfile, on a CPU clock, on the benchmark's generated pages):

- reading: the reStructuredText an example writes for sphinx-tabs and
  ``literalinclude`` is parsed again on every page that shows it; docutils builds a
  nested state machine for every tab and every run of directives, which made up a
  quarter of a page's time. :func:`parse_once` parses it once and gives each page a
  copy, with that page's own file, line, document and references;
- translating: Sphinx parses every translated message of a page as a document of its
  own, with a new parser, a third of an English page's time; the tab labels, captions
  and prose of the examples are the same messages on every page. Each distinct message
  is parsed once and copied, relabelled for the page;
- writing: Pygments highlights the same snippet files on every page, and the search
  index stems the same words again on every page (Sphinx remembers stems for one page
  only). Both are pure functions of their input, remembered here for the whole build.

Everything lives in memory for one build and is never pickled, so an incremental build
starts empty and cannot see stale entries. A page that uses a copy still notes the
same dependencies (the snippet files), so editing a snippet re-reads every page that
shows it, as without the cache. A parse that warned, or changed the environment
otherwise than a copy would, is not remembered.

With ``-D page_cache_verify=1`` every copy is also parsed the slow way and any
difference (nodes, attributes, file or line) is a warning: the tests build the site
like that, and compare its pages byte for byte with a build that copies.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.search import SearchLanguage, languages
from sphinx.transforms import i18n
from sphinx.util import get_filetype, logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Per-page settings that directives read: a copy is reused only where they are the same.
READ_SETTINGS = ("highlight_language", "default_role", "default_domain")
_MISSING = object()


# -- parsed examples ------------------------------------------------------------------------


@dataclass
class _Parsed:
    """One parse of a directive's content, and what it did to the page besides its nodes."""

    nodes: list[nodes.Node]
    source: str | None
    line: int | None
    docname: str
    state_before: dict[str, Any]  # page state (env.temp_data) it found and changed...
    state_after: dict[str, Any]  # ...and how it left it (sphinx-tabs' counters, say)
    dependencies: set[Any]
    included: set[str]
    #: For each node (in ``findall`` order): does its line follow the directive's? Most
    #: do; a role's is its line within the generated text. Learnt from a second parse at
    #: another line; None until then (only a page with the directive on the same line can
    #: use a copy).
    moves: list[bool] | None = None
    usable: bool = True


_parsed: dict[Hashable, list[_Parsed]] = {}
#: Examples parsed and copied in this round of reading (copies checked, when verifying).
_counts = {"parsed": 0, "copied": 0, "translated": 0, "reused": 0}


def _detached_copy(node: nodes.Node) -> nodes.Node:
    """A deep copy that shares nothing with ``node``'s page: no document, no mutable values."""
    duplicate = node.deepcopy()
    for original, part in zip(node.findall(), duplicate.findall(), strict=True):
        part._document = None  # found through the parent once attached
        if isinstance(part, nodes.Text):  # docutils copies text without its file and line
            part.source, part.line = original.source, original.line
        elif isinstance(part, nodes.Element):
            for name, value in part.attributes.items():
                if isinstance(value, dict | list):
                    part.attributes[name] = copy.deepcopy(value)
    return duplicate


def _all(result: Sequence[nodes.Node]) -> list[nodes.Node]:
    return [part for top in result for part in top.findall()]


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {
        key
        for key in before.keys() | after.keys()
        if before.get(key, _MISSING) is not after.get(key, _MISSING)
        and before.get(key, _MISSING) != after.get(key, _MISSING)
    }


def _fits(parsed: _Parsed, env: BuildEnvironment) -> bool:
    """Whether the page is in the state the parse started from."""
    return all(
        env.temp_data.get(key, _MISSING) == value for key, value in parsed.state_before.items()
    )


def _copy_for_page(parsed: _Parsed, directive: SphinxDirective) -> list[nodes.Node] | None:
    """The remembered nodes as this page would have parsed them; None if not known yet."""
    source, line = directive.get_source_info()
    if line != parsed.line and (parsed.moves is None or line is None or parsed.line is None):
        return None
    shift = line - parsed.line if line is not None and parsed.line is not None else 0
    copies = [_detached_copy(node) for node in parsed.nodes]
    for index, part in enumerate(_all(copies)):
        if part.source == parsed.source:
            part.source = source
        if shift and part.line is not None and parsed.moves and parsed.moves[index]:
            part.line += shift
        if isinstance(part, nodes.Element) and part.get("refdoc") == parsed.docname:
            part["refdoc"] = directive.env.docname
    return copies


def _fingerprint(result: Sequence[nodes.Node]) -> list[Any]:
    """Everything a copy must get right: the nodes, their attributes, their file and line."""
    return [node.pformat() for node in result] + [(n.source, n.line) for n in _all(result)]


def _learn(parsed: _Parsed, directive: SphinxDirective, result: list[nodes.Node]) -> None:
    """From a fresh parse on another line: which lines follow the directive's."""
    _source, line = directive.get_source_info()
    old, new = _all(parsed.nodes), _all(result)
    if line is None or parsed.line is None or len(old) != len(new):
        parsed.usable = False
        return
    parsed.moves = [a.line != b.line for a, b in zip(old, new, strict=True)]
    copies = _copy_for_page(parsed, directive)
    # Anything else that differs (a line moved by another amount, say): parse every time.
    parsed.usable = copies is not None and _fingerprint(copies) == _fingerprint(result)


def _apply_side_effects(parsed: _Parsed, env: BuildEnvironment) -> None:
    """Leave the page as the parse would have: counters, dependencies, included pages."""
    for key, value in parsed.state_after.items():
        if value is _MISSING:
            env.temp_data.pop(key, None)
        else:
            env.temp_data[key] = value
    env.dependencies[env.docname].update(parsed.dependencies)
    if parsed.included:
        env.included[env.docname].update(parsed.included)


def parse_once(
    directive: SphinxDirective, key: Hashable, parse: Callable[[], list[nodes.Node]]
) -> list[nodes.Node]:
    """``parse()``'s nodes, parsed once per build for each ``key`` and copied after that.

    ``key`` must name everything the nodes depend on besides the files the parse notes
    as dependencies (which the whole build sees unchanged) and the page: the generated
    reStructuredText, say. The page's state that the parse changes (sphinx-tabs numbers
    its tab sets per page) is part of the key too, so a copy keeps the ids it would have.
    """
    env = directive.env
    full_key = (type(directive).__qualname__, key, *(env.temp_data.get(k) for k in READ_SETTINGS))
    candidates = _parsed.setdefault(full_key, [])
    found = next((parsed for parsed in candidates if _fits(parsed, env)), None)
    copies = _copy_for_page(found, directive) if found is not None and found.usable else None
    if copies is not None and found is not None and not env.config.page_cache_verify:
        _apply_side_effects(found, env)
        _counts["copied"] += 1
        return copies

    before = dict(env.temp_data)
    dependencies = set(env.dependencies.get(env.docname, ()))
    included = set(env.included.get(env.docname, ()))
    result = parse()
    _counts["parsed"] += 1
    if found is not None:
        if found.usable and copies is None:
            _learn(found, directive, result)
        elif copies is not None:
            _counts["copied"] += 1
            if _fingerprint(copies) != _fingerprint(result):
                logger.warning(
                    "page_cache: the copied example differs from a fresh parse",
                    location=directive.get_location(),
                )
        return result
    after = dict(env.temp_data)
    changed = _changed(before, after)
    source, line = directive.get_source_info()
    candidates.append(
        _Parsed(
            nodes=[_detached_copy(node) for node in result],
            source=source,
            line=line,
            docname=env.docname,
            state_before={key: before.get(key, _MISSING) for key in changed},
            state_after={key: after.get(key, _MISSING) for key in changed},
            dependencies=set(env.dependencies.get(env.docname, ())) - dependencies,
            included=set(env.included.get(env.docname, ())) - included,
        )
    )
    return result


def _forget_parsed(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """A new round of reading: the files may have changed since the last one."""
    _parsed.clear()
    _translations.clear()
    _counts.update(parsed=0, copied=0, translated=0, reused=0)


def _report(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """With ``-v``: how many examples were parsed and how many copied (serial reads)."""
    verb = "checked" if app.config.page_cache_verify else "copied"
    logger.verbose(
        "page_cache: %d example(s) parsed, %d %s; %d translated message(s) parsed, %d %s",
        _counts["parsed"],
        _counts["copied"],
        verb,
        _counts["translated"],
        _counts["reused"],
        verb,
    )
    return []


# -- translated messages --------------------------------------------------------------------


@dataclass
class _Translation:
    """A translated message as Sphinx parsed it, on the page that first showed it."""

    patch: nodes.Element
    label: str  # the source Sphinx gives its nodes: "<page>:<line>:<translated>"
    docname: str


_translations: dict[Hashable, _Translation] = {}


def _relabelled(found: _Translation, label: str, docname: str) -> nodes.Element:
    """A copy of the parsed message with this page's source label and references."""
    patch = _detached_copy(found.patch)
    for part in patch.findall():
        if part.source == found.label:
            part.source = label
        if isinstance(part, nodes.Element) and part.get("refdoc") == found.docname:
            part["refdoc"] = docname
    return patch


def _env_footprint(env: BuildEnvironment) -> tuple[int, ...]:
    """What parsing a message could add to the environment besides its nodes."""
    return (
        len(env.dependencies.get(env.docname, ())),
        len(env.included.get(env.docname, ())),
        len(env.dlfiles),
        len(env.images),
        len(env.temp_data),
    )


def _remember_translations(app: Sphinx) -> None:
    """Parse each translated message once per build, not once per page that shows it.

    Sphinx's i18n transform parses every translated message of a page as a document of
    its own, with a new parser: a third of an English page's time, for messages (tab
    labels, captions, the examples' prose) that most pages share.
    """
    publish = i18n._publish_msgstr
    if getattr(publish, "remembers", False):
        return

    @functools.wraps(publish)
    def publish_msgstr(
        source: str,
        source_path: str,
        source_line: int,
        *,
        config: Config,
        env: BuildEnvironment,
        **kwargs: Any,
    ) -> nodes.Element:
        label = f"{source_path}:{source_line}:<translated>"
        filetype = get_filetype(config.source_suffix, source_path)
        key = (source, filetype, *(env.temp_data.get(k) for k in READ_SETTINGS))
        found = _translations.get(key)
        if found is not None and not config.page_cache_verify:
            _counts["reused"] += 1
            return _relabelled(found, label, env.docname)
        footprint, warnings = _env_footprint(env), app._warncount
        patch = publish(source, source_path, source_line, config=config, env=env, **kwargs)
        _counts["translated"] += 1
        if found is not None:
            _counts["reused"] += 1
            if _fingerprint([_relabelled(found, label, env.docname)]) != _fingerprint([patch]):
                logger.warning(
                    "page_cache: a remembered translation differs from a fresh parse",
                    location=f"{source_path}:{source_line}",
                )
        elif (
            not isinstance(patch, nodes.document)
            and _env_footprint(env) == footprint
            and app._warncount == warnings
        ):
            _translations[key] = _Translation(_detached_copy(patch), label, env.docname)
        return patch

    publish_msgstr.remembers = True  # type: ignore[attr-defined]
    i18n._publish_msgstr = publish_msgstr


# -- highlighting ---------------------------------------------------------------------------


def _remember_highlighting(app: Sphinx) -> None:
    """Highlight each distinct block once per build (the HTML builder's one highlighter)."""
    highlighter = getattr(app.builder, "highlighter", None)
    if highlighter is None:
        return
    highlight = highlighter.highlight_block
    done: dict[tuple[Any, ...], str] = {}

    @functools.wraps(highlight)
    def highlight_block(
        source: str,
        lang: str,
        opts: dict[str, Any] | None = None,
        force: bool = False,
        location: Any = None,
        **kwargs: Any,
    ) -> str:
        key = (source, lang, repr(opts), force, repr(sorted(kwargs.items())))
        if key in done and not app.config.page_cache_verify:
            return done[key]
        warnings = app._warncount
        html = highlight(source, lang, opts, force, location, **kwargs)
        if key in done and done[key] != html:
            logger.warning("page_cache: remembered highlighting differs", location=location)
        if app._warncount == warnings:  # a block that warns keeps warning on every page
            done[key] = html
        return html

    highlighter.highlight_block = highlight_block


# -- search -------------------------------------------------------------------------------


def _remember_stems(app: Sphinx, config: Config) -> None:
    """Stem each word once per build, not once per page, in the site's search language."""
    lang = config.html_search_language or config.language
    found = languages.get(lang) or languages.get(lang.partition("_")[0])
    if isinstance(found, str):
        module, name = found.rsplit(".", 1)
        found = getattr(import_module(module), name)
    if found is None or getattr(found, "remembers_stems", False):
        return
    language: type[SearchLanguage] = found

    class RememberingLanguage(language):  # type: ignore[valid-type, misc]
        remembers_stems = True

        def stem(self, word: str) -> str:
            stems: dict[str, str] = self.__dict__.setdefault("_stems", {})
            if word not in stems:
                stems[word] = super().stem(word)
            return stems[word]

    RememberingLanguage.__name__ = RememberingLanguage.__qualname__ = language.__name__
    app.add_search_language(RememberingLanguage)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_config_value("page_cache_verify", False, "", types=[bool])
    app.connect("config-inited", _remember_stems)
    app.connect("builder-inited", _remember_highlighting)
    _remember_translations(app)
    app.connect("env-before-read-docs", _forget_parsed)
    app.connect("env-updated", _report)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
