"""Fixtures shared by the whole suite: the built site and the stub servers."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

# The stub server fixtures: stub (per test, state reset) and stub_server (per session).
pytest_plugins = ["extern_stub.pytest_plugin"]

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


def make_html(builddir: Path, sourcedir: Path = REPO / "docs") -> SiteBuild:
    """Build the site exactly as `make html` does, into `builddir`."""
    result = subprocess.run(
        ["make", "--no-print-directory", "html", f"BUILDDIR={builddir}", f"SOURCEDIR={sourcedir}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return SiteBuild(builddir, result.returncode, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """Both languages built once per session from a clean folder."""
    build = make_html(tmp_path_factory.mktemp("site") / "_build")
    assert build.returncode == 0, build.output
    return build


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A scratch copy of docs/ that a test may break."""
    copy = tmp_path / "docs"
    shutil.copytree(REPO / "docs", copy)
    return copy
