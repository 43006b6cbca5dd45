"""The site build that tests share: where the repository is, its languages, `make html`.

A module of its own, not conftest.py: the test folders have conftest.py files of their
own, and `from conftest import ...` would find whichever was imported last.
"""

import importlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
EXTENSIONS = REPO / "docs" / "_ext"
SPHINX_BUILD = Path(sys.executable).parent / "sphinx-build"

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
) -> SiteBuild:
    """Build the site exactly as `make html` does, into `builddir`; `options` go to Sphinx.

    `target` may name one language's build instead (`html-en`). A writer's
    `ALLOW_UNTRANSLATED` in the environment does not reach it.
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
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return SiteBuild(builddir, result.returncode, result.stdout + result.stderr)


def html_pages(root: Path) -> list[str]:
    """Every HTML page of one language folder, relative to it (`auth/index.html`)."""
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if not path.relative_to(root).parts[0].startswith("_")
    )


def soup(path: Path) -> BeautifulSoup:
    """A built page, parsed."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def extension(name: str) -> ModuleType:
    """One of the site's extensions (docs/_ext/<name>.py), imported."""
    sys.path.insert(0, str(EXTENSIONS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(EXTENSIONS))


def extension_labels() -> dict[str, dict[str, dict[str, str]]]:
    """Every extension's table of labels (docs/_ext/labels.py): its file -> ``LABELS``."""
    found = {}
    for path in sorted(EXTENSIONS.glob("*.py")):
        table = getattr(extension(path.stem), "LABELS", None)
        if table:
            found[str(path.relative_to(REPO))] = table
    return found
