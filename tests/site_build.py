"""The site build that tests share: where the repository is, its languages, `make html`.

A module of its own, not conftest.py: the test folders have conftest.py files of their
own, and `from conftest import ...` would find whichever was imported last.
"""

import functools
import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from bs4 import BeautifulSoup
from filelock import FileLock
from warm_sphinx import WarmSphinx, shared

REPO = Path(__file__).resolve().parent.parent
EXTENSIONS = REPO / "docs" / "_ext"

#: conf.py of a small test project that shows examples from the real snippets/.
EXAMPLES_CONF = f"""
import sys
sys.path.insert(0, {str(REPO / "docs" / "_ext")!r})
extensions = ["sphinx_tabs.tabs", "examples"]
examples_dir = "../snippets"
language = "ru"
"""
LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class SiteBuild:
    """One `make html` run: its output folder and everything it printed."""

    builddir: Path
    returncode: int
    output: str

    @property
    def html(self) -> Path:
        return self.builddir / "html"


#: Sphinx options for a copy of the site with Russian text that has no translation yet: the
#: English build previews it (as ALLOW_UNTRANSLATED=1 does) instead of failing on it.
RUSSIAN_ONLY = "-D translation_allow_untranslated=1"


def make_html(
    builddir: Path,
    sourcedir: Path = REPO / "docs",
    options: str = "",
    target: str = "html",
    sphinx: WarmSphinx | None = None,
) -> SiteBuild:
    """Build the site exactly as `make html` does, into `builddir`; `options` go to Sphinx.

    `target` may name one language's build instead (`html-en`). A writer's
    `ALLOW_UNTRANSLATED` in the environment does not reach it. With `sphinx`, each
    sphinx-build that make runs is a fork of that server (tests/warm_sphinx.py).
    """
    env = {key: value for key, value in os.environ.items() if key != "ALLOW_UNTRANSLATED"}
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            target,
            f"BUILDDIR={builddir}",
            f"SOURCEDIR={sourcedir}",
            f"SPHINXOPTS={options}",
            *(sphinx.make_vars if sphinx else []),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return SiteBuild(builddir, result.returncode, result.stdout + result.stderr)


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test run's temporary folder, the same for every pytest-xdist worker."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    return root


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], SiteBuild]
) -> SiteBuild:
    """`build(folder)` once per test run, shared by every pytest-xdist worker.

    The first worker to ask builds into a folder of the run's temporary directory, under
    a file lock; the others wait for it and read what it recorded. Without xdist this
    is a plain session-wide build.
    """
    folder = run_folder(tmp_path_factory) / f"built-{name}"
    record = folder / "build.json"
    with FileLock(f"{folder}.lock"):
        if not record.is_file():
            folder.mkdir()
            made = build(folder)
            fields = {"builddir": str(made.builddir), "returncode": made.returncode}
            record.write_text(json.dumps({**fields, "output": made.output}), encoding="utf-8")
    fields = json.loads(record.read_text(encoding="utf-8"))
    return SiteBuild(Path(fields["builddir"]), fields["returncode"], fields["output"])


def sphinx_build() -> str:
    """sphinx-build for a small project: a fork of this process's warm Sphinx
    (tests/warm_sphinx.py), without Sphinx's start-up, most of a small build's CPU."""
    return shared().client


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A small Sphinx project: each file (path relative to ``root``) written, folders made."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def build_project(
    project: Path, *options: str, source: str = "."
) -> subprocess.CompletedProcess[str]:
    """A small project built as the Makefile builds the site: HTML, warnings are errors,
    references checked; into ``project/_build``, its sources in ``project/source``."""
    return subprocess.run(
        [sphinx_build(), "-b", "html", "--fail-on-warning", "-n", *options, source, "_build"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


class ScratchCopy:
    """docs/ and snippets/ in a scratch folder, its build beside them, for a writer's edits.

    Built once, then shared by the tests of a module: each test edits it inside
    ``restored()``, so the next build re-reads only what the last test changed. With
    ``sphinx``, its builds are forks of that server (tests/warm_sphinx.py).
    """

    def __init__(self, root: Path, sphinx: WarmSphinx | None = None) -> None:
        self.root = root
        self.sphinx = sphinx
        self.docs = root / "docs"
        shutil.copytree(REPO / "docs", self.docs, ignore=shutil.ignore_patterns("*.mo"))
        shutil.copytree(REPO / "snippets", root / "snippets")
        self.builddir = root / "_build"

    def files(self) -> dict[Path, bytes]:
        return {
            path: path.read_bytes()
            for folder in (self.docs, self.root / "snippets")
            for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }

    def restore(self, saved: dict[Path, bytes]) -> None:
        """Put every file back as it was (a rewritten file gets a new date: it is re-read)."""
        for path in set(self.files()) - set(saved):
            path.unlink()
        for path, data in saved.items():
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    @contextmanager
    def restored(self) -> Iterator["ScratchCopy"]:
        """The copy, put back as it was afterwards."""
        saved = self.files()
        try:
            yield self
        finally:
            self.restore(saved)

    def edit(self, relative: str, old: str, new: str, count: int = 1) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == count, f"{relative}: {old!r} is not there {count} time(s)"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def html(self, target: str = "html-en") -> tuple[int, str]:
        build = make_html(self.builddir, sourcedir=self.docs, target=target, sphinx=self.sphinx)
        return build.returncode, build.output

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """`make <args>` on the copy, with extra environment variables (none of the writer's)."""
        where = [f"BUILDDIR={self.builddir}", f"SOURCEDIR={self.docs}"]
        environ = {key: value for key, value in os.environ.items() if key != "ALLOW_UNTRANSLATED"}
        if self.sphinx:
            where += self.sphinx.make_vars
        return subprocess.run(
            ["make", "--no-print-directory", *args, *where],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            env={**environ, **env},
        )

    def make(self, *args: str) -> tuple[int, str]:
        result = self.run(*args)
        return result.returncode, result.stdout + result.stderr

    def line_of(self, relative: str, text: str) -> int:
        lines = (self.root / relative).read_text(encoding="utf-8").splitlines()
        return next(number for number, line in enumerate(lines, 1) if text in line)


def html_pages(root: Path) -> list[str]:
    """Every HTML page of one language folder, relative to it (`auth/index.html`).

    The redirects left at the addresses of moved pages (docs/redirects.toml) are no pages.
    """
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if not path.relative_to(root).parts[0].startswith("_") and not is_redirect(path)
    )


def is_redirect(path: Path) -> bool:
    """Whether a built file is a moved page's redirect (docs/_templates/redirect-*.html)."""
    return b'http-equiv="refresh"' in path.read_bytes()[:1000]


def soup(path: Path) -> BeautifulSoup:
    """A built page, parsed once per worker while the file stays the same.

    Many tests read the same pages, and parsing is most of what they cost. The tree is
    shared: a test that changes it (``decompose``) works on a ``copy.copy`` of it.
    """
    status = path.stat()
    return _parsed(path.resolve(), status.st_mtime_ns, status.st_size)


@functools.cache
def _parsed(path: Path, _mtime_ns: int, _size: int) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def extension(name: str) -> ModuleType:
    """One of the site's extensions (docs/_ext/<name>.py), imported."""
    sys.path.insert(0, str(EXTENSIONS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(EXTENSIONS))


def record_examples(folder: Path) -> None:
    """Note a task folder's example files as what its outputs were recorded from, as
    ``make snippets`` does after running them (docs/_ext/example_records.py)."""
    suffixes = {suffix for _label, suffix, _lexer in extension("examples").LANGUAGES}
    examples = [path for path in folder.iterdir() if path.suffix in suffixes]
    extension("example_records").record(folder, examples)


def extension_labels() -> dict[str, dict[str, dict[str, str]]]:
    """Every extension's table of labels (docs/_ext/labels.py): its file -> ``LABELS``."""
    found = {}
    for path in sorted(EXTENSIONS.glob("*.py")):
        table = getattr(extension(path.stem), "LABELS", None)
        if table:
            found[str(path.relative_to(REPO))] = table
    return found
