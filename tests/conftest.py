"""Fixtures shared by the whole suite: the built site and the stub servers."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from site_build import REPO, ScratchCopy, SiteBuild, built_once, extension, make_html, run_folder
from warm_sphinx import WarmSphinx, shared

# Tests read what Sphinx prints, and Sphinx colours it whenever CI is set.
os.environ["NO_COLOR"] = "1"

# The stub server fixtures: stub (per test, state reset) and stub_server (per session); the
# order the workers take the tests in (tests/scheduling.py).
pytest_plugins = ["extern_stub.pytest_plugin", "scheduling"]


@pytest.fixture(scope="session", autouse=True)
def published_files_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store for the run's builds of the site (docs/_ext/downloads.py): a build takes the
    sandbox's package and the examples' zip made from the same files by an earlier build of
    the run instead of making them again (setuptools, about 0.6 s of CPU a clean build)."""
    store = run_folder(tmp_path_factory) / "published-files"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(extension("downloads").STORE_VARIABLE, str(store))
        yield store


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """Both languages built once per run from a clean folder, shared by the workers.
    Verbose (Sphinx's -v), so the output tells what the page cache copied; verbosity
    changes no file.

    `make check` sets SITE_BUILDDIR to the writer's own build folder: the tests then read
    it, brought up to date by an incremental build (a no-op right after `make html`).
    """
    if builddir := os.environ.get("SITE_BUILDDIR"):
        folder = Path(builddir).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(folder / ".tests.lock"):  # pytest's workers build in it one at a time
            build = make_html(folder, options="-v")
    else:
        build = built_once(
            tmp_path_factory,
            "site",
            lambda folder: make_html(folder / "_build", options="-v", sphinx=shared()),
        )
    assert build.returncode == 0, build.output
    return build


@pytest.fixture(scope="session")
def rebuilt_site(tmp_path_factory: pytest.TempPathFactory, built_site: SiteBuild) -> SiteBuild:
    """Both languages built a second time from a clean folder, once per run, after
    `built_site`, which it must equal byte for byte: the same files build the same site.

    This build also verifies the page cache (``page_cache_verify``): it parses every example
    and translated message that `built_site` copied, and warns where a copy would differ,
    so the two builds are the same site made by parsing and by copying. Its Sphinx is
    another warm server than `built_site`'s: a hash seed of its own, as two runs have."""
    build = built_once(
        tmp_path_factory,
        "rebuilt",
        lambda folder: make_html(
            folder / "_build", options="-v -D page_cache_verify=1", sphinx=shared("clean builds")
        ),
    )
    assert build.returncode == 0, build.output
    return build


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A scratch copy of docs/ that a test may break, beside the real snippets/."""
    copy = tmp_path / "docs"
    shutil.copytree(REPO / "docs", copy)
    (tmp_path / "snippets").symlink_to(REPO / "snippets")  # pages include ../snippets
    return copy


@pytest.fixture(scope="session")
def warm_sphinx() -> WarmSphinx:
    """The server whose forks run this worker's sphinx-builds without importing Sphinx each
    time (tests/warm_sphinx.py); stopped when the worker exits."""
    return shared()


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory: pytest.TempPathFactory, warm_sphinx: WarmSphinx) -> ScratchCopy:
    """docs/ and snippets/ copied and built in English once per module, for a writer's edits."""
    copy = ScratchCopy(tmp_path_factory.mktemp("scratch-copy"), warm_sphinx)
    code, output = copy.html()
    assert code == 0, output
    return copy


@pytest.fixture
def copy(built_copy: ScratchCopy) -> Iterator[ScratchCopy]:
    """The module's built copy, put back as it was after the test."""
    with built_copy.restored():
        yield built_copy
