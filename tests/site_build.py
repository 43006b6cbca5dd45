"""The site build that tests share: where the repository is, its languages, `make html`.

A module of its own, not conftest.py: the test folders have conftest.py files of their
own, and `from conftest import ...` would find whichever was imported last.
"""

import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
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


def make_html(builddir: Path, sourcedir: Path = REPO / "docs", options: str = "") -> SiteBuild:
    """Build the site exactly as `make html` does, into `builddir`; `options` go to Sphinx."""
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "html",
            f"BUILDDIR={builddir}",
            f"SOURCEDIR={sourcedir}",
            f"SPHINXOPTS={options}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return SiteBuild(builddir, result.returncode, result.stdout + result.stderr)
