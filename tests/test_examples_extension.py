"""The `example` directive on a small project: tabs, outputs, dependencies, errors."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_build import EXAMPLES_CONF as CONF
from site_build import extension_labels, sphinx_build
from site_build import record_examples as record

LABELS = extension_labels()["docs/_ext/examples.py"]

INDEX = """\
Примеры
=======

.. toctree::

   sandbox

.. example-env::

.. example:: hello
"""


#: A whole program whose region (the essence a tab shows first) is one line.
PYTHON = 'import sys\n\n# [START hello]\nprint("hello")\n# [END hello]\nsys.exit(0)\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """docs/ with two pages, snippets/hello/ with both languages and both outputs."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "conf.py").write_text(CONF)
    (tmp_path / "docs" / "index.rst").write_text(INDEX)
    (tmp_path / "docs" / "sandbox.rst").write_text("Sandbox\n=======\n\nText.\n")
    hello = tmp_path / "snippets" / "hello"
    hello.mkdir(parents=True)
    (hello / "hello.py").write_text(PYTHON)
    (hello / "hello.sh").write_text("# [START hello]\necho hello\n# [END hello]\n")
    (hello / "output.test.txt").write_text("hello test\n")
    (hello / "output.production.txt").write_text("hello production\n")
    record(hello)
    return tmp_path


def build(
    project: Path, out: str = "_build", *options: str, builder: str = "html"
) -> subprocess.CompletedProcess[str]:
    """Build ``project`` as ``make html`` does, into ``out`` (doctrees inside it)."""
    strict = ("--fail-on-warning", "--keep-going", "-n")
    return subprocess.run(
        [sphinx_build(), "-b", builder, *strict, *options, "docs", out],
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


def test_each_environment_tab_pairs_each_variable_with_its_placeholder(project: Path) -> None:
    assert build(project).returncode == 0
    page = BeautifulSoup(
        (project / "_build" / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    (block,) = page.select("div.example-env.container")
    panels = block.select("[role=tabpanel]")
    labels = [button.get_text().strip() for button in block.select("[role=tab]")]
    assert labels == [LABELS["test"]["ru"], LABELS["production"]["ru"]]
    codes = [panel.pre.get_text() for panel in panels]
    assert codes == [
        "export KONTUR_SITE=test\nexport KONTUR_CLIENT_ID=your-test-client-id\n"
        "export KONTUR_API_KEY=your-test-api-key\n",
        "export KONTUR_SITE=production\nexport KONTUR_CLIENT_ID=your-client-id\n"
        "export KONTUR_API_KEY=your-production-api-key\n",
    ]


def test_a_tab_shows_the_region_then_the_whole_program_and_its_download(project: Path) -> None:
    assert build(project).returncode == 0
    html = (project / "_build" / "index.html").read_text(encoding="utf-8")
    python = html[html.index('<div class="example-region highlight-python') :]
    region, rest = python.split('<details class="example-program">', 1)
    assert "hello" in region and "sys" not in region and "[START" not in region
    program, after = rest.split("</details>", 1)
    assert f"<summary>{LABELS['program']['ru']}: hello.py</summary>" in program
    assert "import" in program and "[START hello]" in program
    download = r'<a class="reference download internal" download="" href="[^"]*/hello\.py"'
    assert re.search(download, after), after


def test_labels_are_the_extensions_in_the_build_language(project: Path) -> None:
    """No label is a message of the page; an English build shows them in English anyway."""
    assert build(project, "_pot", builder="gettext").returncode == 0
    pot = (project / "_pot" / "index.pot").read_text(encoding="utf-8")
    assert re.findall(r'^msgid "(.+)"$', pot, re.MULTILINE) == ["Примеры"]
    assert build(project).returncode == 0
    result = build(project, "_en", "-D", "language=en")
    outs = ("_build", "_en")
    assert result.returncode == 0, result.stderr
    ru, en = (Path(project, out, "index.html").read_text(encoding="utf-8") for out in outs)
    for name in ("test", "production"):
        assert f">{LABELS[name]['ru']}</button>" in ru
        assert f">{LABELS[name]['en']}</button>" in en
        assert LABELS[name]["ru"] not in en
    assert "What the example prints in the" in en
    # A tab's id is its label's in the source language: the same in both languages.
    tab_ids = re.compile(r'<button [^>]*id="([^"]+)"')
    assert tab_ids.findall(ru) == tab_ids.findall(en)


def test_one_tab_per_language_in_the_fixed_order(project: Path) -> None:
    hello = project / "snippets" / "hello"
    (hello / "Hello.cs").write_text("// [START hello]\nclass Hello {}\n// [END hello]\n")
    (hello / "hello.mjs").write_text("// [START hello]\nconsole.log('hello');\n// [END hello]\n")
    record(hello)
    assert build(project).returncode == 0
    html = (project / "_build" / "index.html").read_text(encoding="utf-8")
    tabs = re.findall(r">(Python|curl|JavaScript|Java|PHP|C#)</button>", html)
    assert tabs == ["Python", "curl", "JavaScript", "C#"]  # no file, no tab: Java, PHP


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
        (lambda p: (p / "snippets/hello/hello.py").unlink(), "expected one *.py file"),
        (lambda p: (p / "snippets/hello/other.sh").write_text(""), "at most one *.sh file"),
        (lambda p: (p / "snippets/hello/output.production.txt").unlink(), "make snippets"),
        (lambda p: (p / "docs/index.rst").write_text(INDEX + "\n.. example:: nope\n"), "nope"),
        (
            lambda p: (
                (p / "snippets/hello/hello.sh").write_text("echo hello\n"),
                record(p / "snippets/hello"),
            ),
            "[START hello]",
        ),
    ],
)
def test_a_missing_file_fails_with_file_and_line(project: Path, break_it, message: str) -> None:
    break_it(project)
    result = build(project)
    assert result.returncode != 0
    assert "index.rst:" in result.stderr
    assert message in result.stderr


def restore_with_old_mtime(path: Path, text: str) -> None:
    """Write ``path`` back as a writer's ``git checkout`` or copy would: dated in the past."""
    path.write_text(text)
    os.utime(path, (1_000_000_000, 1_000_000_000))


@pytest.mark.parametrize("name", ["output.production.txt", "hello.py"])
def test_a_page_that_failed_is_read_again_when_the_file_comes_back(
    project: Path, name: str
) -> None:
    """The incremental build after the fix equals a clean build, whatever the file's date."""
    path = project / "snippets" / "hello" / name
    text = path.read_text()
    path.unlink()
    assert build(project).returncode != 0
    restore_with_old_mtime(path, text)
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert build(project, "_clean").returncode == 0
    built, clean = ((project / out / "index.html").read_text() for out in ("_build", "_clean"))
    assert "hello production" in built
    assert built == clean


def test_a_file_added_to_an_example_folder_reads_the_page_again(project: Path) -> None:
    assert build(project).returncode == 0
    restore_with_old_mtime(project / "snippets" / "hello" / "other.py", PYTHON)
    result = build(project)
    assert result.returncode != 0
    assert "expected one *.py file" in result.stderr
