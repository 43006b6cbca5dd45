"""Live examples: code from ``snippets/`` in language tabs, with its recorded output.

``.. example:: client-credentials`` shows the example files of
``snippets/client-credentials/``, one per language, in group tabs (Python | curl |
JavaScript | Java | PHP | C#, so choosing a language once switches every example on the
page), then the output recorded against the sandbox (``output.test.txt``,
``output.production.txt``) in site tabs.

Each file is a whole program, and marks its essence (the request and what it prints)
between ``[START <tag>]`` and ``[END <tag>]`` comments, the tag being the folder's name
with underscores (``client_credentials``), as Google Cloud's samples do. A tab shows that
region first, then the whole program in a ``<details>`` element that expands in place,
then a link to download the file.

``.. example-env::`` shows, in the same site tabs, the environment variables to set
for each site.

Both directives write reStructuredText for sphinx-tabs and ``literalinclude`` and
parse it, so the code is never pasted and every file is a dependency of the page. The
tab labels and the caption are the extension's (``LABELS``), written in the build's
language and translated once for every page (see ``labels``): nothing a directive
writes is a message of the page's ``.po`` file.
"""

import html
from collections.abc import Iterable
from pathlib import Path

import example_records
from docutils import nodes
from docutils.statemachine import StringList
from labels import Label, in_language
from page_cache import parse_once
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata
from sphinx.writers.html5 import HTML5Translator
from sphinx_tabs.tabs import SphinxTabsTab

#: Tab label, file suffix and highlighting language of each example language, in tab order;
#: the first is the default tab. tests/snippets_runner.py knows how to run each.
LANGUAGES = (
    ("Python", ".py", "python"),
    ("curl", ".sh", "sh"),
    ("JavaScript", ".mjs", "javascript"),
    ("Java", ".java", "java"),
    ("PHP", ".php", "php"),
    ("C#", ".cs", "csharp"),
)
BY_SUFFIX = {suffix: language for _label, suffix, language in LANGUAGES}
#: The language whose programs run in the reader's browser too, from the page.
LIVE_SUFFIX = ".mjs"
#: Site names, as in ``KONTUR_SITE`` and the output file names, in tab order.
SITES = ("test", "production")
#: The language the pages are written in.
SOURCE = "ru"
#: The words the directives write, in each language: each site's tab label, and the
#: caption above the recorded output.
LABELS: dict[str, Label] = {
    "test": {"ru": "Тестовая площадка", "en": "Test environment"},
    "production": {"ru": "Боевая площадка", "en": "Production environment"},
    "output": {
        "ru": "Что выводит пример в :doc:`песочнице </sandbox>`:",
        "en": "What the example prints in the :doc:`sandbox </sandbox>`:",
    },
    "program": {"ru": "Вся программа", "en": "The whole program"},
    "download": {"ru": "Скачать", "en": "Download"},
}
#: Placeholders of the ``export`` lines: recognisable, and rejected by the real servers.
PLACEHOLDERS = {
    "test": ("your-test-client-id", "your-test-api-key"),
    "production": ("your-client-id", "your-production-api-key"),
}


class _ExampleBase(SphinxDirective):
    def note_folder(self, folder: Path) -> None:
        """Read the page again when a file is added to or removed from ``folder``.

        Noted before anything can fail: a page that failed for a missing file (an output
        not recorded yet, a snippet restored later with its old date) is read again.
        """
        folders = _example_folders(self.env).setdefault(self.env.docname, {})
        folders[str(folder)] = _listing(folder)

    def snippet(self, relative: Path) -> str:
        """The path of a snippet file as ``literalinclude`` wants it; a dependency of the page.

        Editing the file rebuilds every page that shows it.
        """
        path = Path(self.env.srcdir) / self.config.examples_dir / relative
        self.env.note_dependency(str(path.resolve()))
        return "/" + (Path(self.config.examples_dir) / relative).as_posix()

    def label(self, name: str) -> str:
        return in_language(LABELS[name], self.config.language)

    def site_tabs(self, bodies: dict[str, list[str]]) -> list[str]:
        """Tabs labelled in the source language: sphinx-tabs makes the tab's id of its label,
        so both languages share the ids; ``parse`` then shows the build's language."""
        lines = [".. tabs::", ""]
        for site in SITES:
            lines += [f"   .. group-tab:: {LABELS[site][SOURCE]}", ""]
            lines += [f"      {body}" if body else "" for body in bodies[site]]
            lines.append("")
        return lines

    def render(self, lines: list[str], classes: str) -> list[nodes.Node]:
        # Parsed once per build; every other page showing it gets a copy (page_cache).
        return parse_once(self, (classes, *lines), lambda: self.parse(lines, classes))

    def parse(self, lines: list[str], classes: str) -> list[nodes.Node]:
        source, line = self.get_source_info()
        container = nodes.container(classes=classes.split())
        self.set_source_info(container)
        content = StringList(lines, items=[(source, (line or 1) - 1)] * len(lines))
        self.state.nested_parse(content, 0, container)
        in_source = {LABELS[site][SOURCE]: site for site in SITES}
        for paragraph in container.findall(nodes.paragraph):
            if isinstance(paragraph, SphinxTabsTab) and paragraph.astext() in in_source:
                # A tab button (no source: never a message): its label, in the build's language.
                paragraph[:] = [nodes.Text(self.label(in_source[paragraph.astext()]))]
            else:  # language names, the caption: none is a message of the page
                paragraph["translatable"] = False
        return [container]


class ExampleDirective(_ExampleBase):
    """``.. example:: <folder>``: the code of one task in each of its languages, and its output."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        folder = Path(self.env.srcdir) / self.config.examples_dir / name
        self.note_folder(folder)
        if not folder.is_dir():
            raise self.error(f"example {name!r}: no folder {folder}")
        lines = [".. tabs::", ""]
        for label, suffix, _language in LANGUAGES:
            files = sorted(folder.glob(f"*{suffix}"))
            if (suffix == LANGUAGES[0][1] and not files) or len(files) > 1:
                wanted = "one" if suffix == LANGUAGES[0][1] else "at most one"
                raise self.error(f"example {name!r}: expected {wanted} *{suffix} file in {folder}")
            if not files:  # not written in this language (yet)
                continue
            lines += [f"   .. group-tab:: {label}", ""]
            lines += [f"      {line}" if line else "" for line in self.program(name, files[0])]
            lines.append("")
        outputs: dict[str, list[str]] = {}
        for site in SITES:
            output = Path(name, f"output.{site}.txt")
            if not (folder.parent / output).is_file():
                raise self.error(
                    f"example {name!r}: no recorded output {output};"
                    f" run `make snippets TASK={name}`"
                )
            outputs[site] = [
                f".. literalinclude:: {self.snippet(output)}",
                "   :language: text",
                "   :class: example-output",
            ]
        self.env.note_dependency(str((folder.parent / example_records.RECORD).resolve()))
        if changed := example_records.stale(folder, [suffix for _l, suffix, _h in LANGUAGES]):
            raise self.error(f"example {name!r}: {changed}; run `make snippets TASK={name}`")
        lines += ["", self.label("output"), "", *self.site_tabs(outputs)]
        return self.render(lines, f"example example-{name}")

    def program(self, name: str, file: Path) -> list[str]:
        """One language's tab: the region, the whole program in place, the file to download."""
        path, language = self.snippet(Path(name, file.name)), BY_SUFFIX[file.suffix]
        tag = region_tag(name)
        # The JavaScript program also runs in the reader's browser (live_examples).
        live = ["", ".. example-live::"] if file.suffix == LIVE_SUFFIX else []
        return [
            f".. literalinclude:: {path}",
            f"   :language: {language}",
            f"   :start-after: [START {tag}]",
            f"   :end-before: [END {tag}]",
            "   :dedent:",
            "   :class: example-region",
            "",
            f".. example-program:: {self.label('program')}: {file.name}",
            "",
            f"   .. literalinclude:: {path}",
            f"      :language: {language}",
            "",
            f":download:`{self.label('download')} {file.name} <{path}>`",
            *live,
        ]


class ExampleEnvDirective(_ExampleBase):
    """``.. example-env::``: the environment to set before running the examples, per site."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        bodies = {}
        for site in SITES:
            client_id, api_key = PLACEHOLDERS[site]
            bodies[site] = [
                ".. code-block:: sh",
                "   :class: example-env",
                "",
                f"   export KONTUR_SITE={site}",
                f"   export KONTUR_CLIENT_ID={client_id}",
                f"   export KONTUR_API_KEY={api_key}",
            ]
        return self.render(self.site_tabs(bodies), "example-env")


class details(nodes.General, nodes.Element):  # lower case, as docutils names its nodes
    """An HTML ``<details>`` element: its ``summary`` shown, its content one click away."""


class ProgramDirective(SphinxDirective):
    """``.. example-program:: <summary>``: the content (a whole program) collapsed under it.

    The ``example`` directive writes it; a directive of its own (rather than raw HTML)
    leaves docutils nothing to look up in the page's language.
    """

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        node = details(summary=self.arguments[0], classes=["example-program"])
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def _visit_details_html(translator: HTML5Translator, node: details) -> None:
    summary = html.escape(node["summary"])
    classes = " ".join(node["classes"])
    translator.body.append(f'<details class="{classes}"><summary>{summary}</summary>\n')


def _depart_details_html(translator: HTML5Translator, node: details) -> None:
    translator.body.append("</details>\n")


def _content_only(translator: nodes.NodeVisitor, node: details) -> None:
    """Other formats have no ``<details>``: the program shows in full."""


def region_tag(task: str) -> str:
    """The tag of a task's region: ``[START client_credentials]`` in client-credentials/."""
    return task.replace("-", "_")


def _example_folders(env: BuildEnvironment) -> dict[str, dict[str, list[str]]]:
    """Per page, the example folders it shows and the files each held when it was read."""
    if not hasattr(env, "example_folders"):
        env.example_folders = {}
    return env.example_folders


def _listing(folder: Path) -> list[str]:
    """The files of ``folder`` that the directive may show (not what running them leaves)."""
    if not folder.is_dir():
        return []
    suffixes = {suffix for _label, suffix, _language in LANGUAGES}
    return sorted(
        path.name
        for path in folder.iterdir()
        if path.suffix in suffixes or path.name.startswith("output.")
    )


def _pages_with_changed_folders(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    return [
        docname
        for docname, folders in _example_folders(env).items()
        if docname not in removed
        and any(_listing(Path(folder)) != names for folder, names in folders.items())
    ]


def _forget_page(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _example_folders(env).pop(docname, None)


def _merge_pages(
    app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], other: BuildEnvironment
) -> None:
    for docname in docnames:
        if docname in _example_folders(other):
            _example_folders(env)[docname] = _example_folders(other)[docname]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the directives and where the examples live."""
    app.setup_extension("sphinx_tabs.tabs")
    app.setup_extension("page_cache")
    app.setup_extension("live_examples")
    # Relative to the source directory (docs/): the examples live next to it.
    app.add_config_value("examples_dir", "../snippets", "env", str)
    app.add_directive("example", ExampleDirective)
    app.add_directive("example-env", ExampleEnvDirective)
    app.add_directive("example-program", ProgramDirective)
    plain = (_content_only, _content_only)
    app.add_node(
        details,
        html=(_visit_details_html, _depart_details_html),
        **dict.fromkeys(("latex", "text", "man", "texinfo"), plain),
    )
    app.connect("env-get-outdated", _pages_with_changed_folders)
    app.connect("env-purge-doc", _forget_page)
    app.connect("env-merge-info", _merge_pages)
    return {
        "version": "1.0",
        # Raised when what the directives write changes: every page is read again. 2: the
        # labels are the extension's, no longer messages of the pages; 3: regions first;
        # 4: a Run control in the JavaScript tab.
        "env_version": 4,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
