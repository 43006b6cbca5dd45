"""The `example` directive on a small project: tabs, outputs, dependencies, errors."""

import subprocess
import sys
from pathlib import Path

import pytest
from site_build import REPO

SPHINX_BUILD = Path(sys.executable).parent / "sphinx-build"

CONF = f"""
import sys
sys.path.insert(0, {str(REPO / "docs" / "_ext")!r})
extensions = ["sphinx_tabs.tabs", "examples"]
examples_dir = "../snippets"
language = "ru"
"""

INDEX = """\
Примеры
=======

.. toctree::

   sandbox

.. example-env::

.. example:: hello
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """docs/ with two pages, snippets/hello/ with both languages and both outputs."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "conf.py").write_text(CONF)
    (tmp_path / "docs" / "index.rst").write_text(INDEX)
    (tmp_path / "docs" / "sandbox.rst").write_text("Sandbox\n=======\n\nText.\n")
    hello = tmp_path / "snippets" / "hello"
    hello.mkdir(parents=True)
    (hello / "hello.py").write_text('print("hello")\n')
    (hello / "hello.sh").write_text("echo hello\n")
    (hello / "output.test.txt").write_text("hello test\n")
    (hello / "output.production.txt").write_text("hello production\n")
    return tmp_path


def build(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SPHINX_BUILD, "-b", "html", "--fail-on-warning", "-n", "docs", "_build"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_tabs_and_outputs(project: Path) -> None:
    result = build(project)
    assert result.returncode == 0, result.stderr
    html = (project / "_build" / "index.html").read_text(encoding="utf-8")
    for text in ("Python", "curl", "Тестовая площадка", "Боевая площадка"):
        assert f">{text}</button>" in html
    for text in ("hello test", "hello production", "KONTUR_SITE"):
        assert text in html
    assert html.count("group-tab") >= 6  # language and site tabs switch together


def test_editing_a_snippet_rebuilds_the_page(project: Path) -> None:
    assert build(project).returncode == 0
    assert "0 added, 0 changed, 0 removed" in build(project).stdout
    (project / "snippets" / "hello" / "output.test.txt").write_text("hello again\n")
    result = build(project)
    assert "1 changed" in result.stdout
    assert "hello again" in (project / "_build" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda p: (p / "snippets/hello/hello.sh").unlink(), "expected one *.sh file"),
        (lambda p: (p / "snippets/hello/output.production.txt").unlink(), "make snippets"),
        (lambda p: (p / "docs/index.rst").write_text(INDEX + "\n.. example:: nope\n"), "nope"),
    ],
)
def test_a_missing_file_fails_with_file_and_line(project: Path, break_it, message: str) -> None:
    break_it(project)
    result = build(project)
    assert result.returncode != 0
    assert "index.rst:" in result.stderr
    assert message in result.stderr
