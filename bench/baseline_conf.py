"""Plain Sphinx for the benchmark's baseline: no extensions, only Sphinx's own machinery.

``bench/baseline.py`` copies this file as ``conf.py`` into a scratch folder, next to a
``baseline.json`` with the project's name, exclude patterns and the directive and role
names its reStructuredText uses (and, for the scale rows, the site's theme). It is
never a configuration of the site itself.

To read the very same pages, two things that plain Sphinx cannot do get a stand-in:

* a directive or role that only an extension defines (``tabs``, ``example``...):
  the directive parses its content, if any, as ordinary reStructuredText into a plain
  container (so code included inside tabs is still read and highlighted), the role
  renders its text as literal text;
* a Markdown page: read as plain paragraphs under its first heading, so the baseline
  writes as many HTML pages as the real site.

What the stand-ins drop -- tab markup, the examples' generated tabs and includes, the
MyST parser, the theme, the translation -- is exactly the cost the benchmark measures.
"""

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.states import Inliner
from sphinx.application import Sphinx
from sphinx.parsers import Parser

_SETTINGS = json.loads(Path(__file__).with_name("baseline.json").read_text(encoding="utf-8"))

project = _SETTINGS["project"]
language = "ru"
root_doc = _SETTINGS["root_doc"]
exclude_patterns = _SETTINGS["exclude_patterns"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
if "html_theme" in _SETTINGS:  # the scale rows compare with the site's own theme
    html_theme = _SETTINGS["html_theme"]


class _AnyOption(dict[str, Any]):
    """An option spec that accepts every option, keeping its value as text."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged

    def __bool__(self) -> bool:
        return True


class StandIn(Directive):
    """Any directive: its content parsed as plain reStructuredText, the rest dropped."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOption()

    def run(self) -> list[nodes.Node]:
        if not self.content:
            return []
        container = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


def stand_in_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Inliner,
    options: dict[str, Any] | None = None,
    content: Sequence[str] = (),
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    return [nodes.literal(rawtext, text)], []


class PlainMarkdown(Parser):
    """Markdown as plain paragraphs under the page's first ``#`` heading."""

    supported = ("markdown",)

    def parse(self, inputstring: str | list[str], document: nodes.document) -> None:
        text = inputstring if isinstance(inputstring, str) else "\n".join(inputstring)
        parent: nodes.Element = document
        for block in re.split(r"\n\s*\n", text):
            lines = [
                line for line in block.strip().splitlines() if not re.fullmatch(r"\(.+\)=", line)
            ]
            if not lines:
                continue
            if parent is document and lines[0].startswith("# "):
                title = lines.pop(0)[2:].strip()
                section = nodes.section()
                section += nodes.title(title, title)
                section["names"].append(nodes.fully_normalize_name(title))
                document += section
                document.note_implicit_target(section)
                parent = section
            if lines:
                paragraph = "\n".join(lines)
                parent += nodes.paragraph(paragraph, paragraph)


def _domain_has(app: Sphinx, name: str, kind: str) -> bool:
    domain_name, _, short = name.rpartition(":")
    candidates = [domain_name] if domain_name else ["std", "py"]  # unprefixed: std, then py
    for candidate in candidates:
        domain = app.registry.domains.get(candidate)
        if domain is not None and short in getattr(domain, kind):
            return True
    return False


def _known_directive(app: Sphinx, name: str) -> bool:
    registered = directives._directives  # type: ignore[attr-defined]
    lazy = directives._directive_registry  # type: ignore[attr-defined]
    return name in registered or name in lazy or _domain_has(app, name, "directives")


def _known_role(app: Sphinx, name: str) -> bool:
    registered = roles._roles  # type: ignore[attr-defined]
    lazy = roles._role_registry  # type: ignore[attr-defined]
    return name in registered or name in lazy or _domain_has(app, name, "roles")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the stand-ins, and write down which ones the pages needed."""
    app.add_source_parser(PlainMarkdown)
    stand_ins: dict[str, list[str]] = {"directives": [], "roles": []}
    for name in _SETTINGS["directives"]:
        if not _known_directive(app, name):
            app.add_directive(name, StandIn)
            stand_ins["directives"].append(name)
    for name in _SETTINGS["roles"]:
        if not _known_role(app, name):
            app.add_role(name, stand_in_role)
            stand_ins["roles"].append(name)
    Path(__file__).with_name("stand-ins.json").write_text(json.dumps(stand_ins), encoding="utf-8")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
