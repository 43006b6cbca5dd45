"""Examples parsed once per build and copied into every page: the same site as parsing each."""

import re
import subprocess
from pathlib import Path

import pytest
from site_build import EXAMPLES_CONF as CONF
from site_build import SPHINX_BUILD, SiteBuild, html_pages, make_html, record_examples

#: Pages that show one example in different places: at different lines, after other tabs
#: (so sphinx-tabs numbers them differently), twice on a page, under the root and deeper.
PAGES = {
    "index.rst": "Examples\n========\n\n.. toctree::\n   :glob:\n\n   sandbox\n   *\n   deep/*\n",
    "sandbox.rst": "Sandbox\n=======\n\nText.\n",
    "first.rst": "First\n=====\n\n.. example:: hello\n",
    "second.rst": "Second\n======\n\nText.\n\nMore text,\non two lines.\n\n.. example:: hello\n",
    "third.rst": "Third\n=====\n\n.. example-env::\n\n.. example:: hello\n",
    "twice.rst": "Twice\n=====\n\n.. example:: hello\n\nBetween.\n\n.. example:: hello\n",
    "deep/page.rst": "Deeper\n======\n\nSee :doc:`/first`.\n\n.. example:: hello\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """docs/ with the pages above, snippets/hello/ with both languages and both outputs."""
    for name, text in {"conf.py": CONF, **PAGES}.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    hello = tmp_path / "snippets" / "hello"
    hello.mkdir(parents=True)
    # Each file marks the region its tab shows first (docs/_ext/examples.py).
    (hello / "hello.py").write_text(
        'import os\n\n# [START hello]\nprint("hello", os.sep)\n# [END hello]\n'
    )
    (hello / "hello.sh").write_text('# [START hello]\necho "hello"\n# [END hello]\n')
    (hello / "output.test.txt").write_text("hello test\n")
    (hello / "output.production.txt").write_text("hello production\n")
    record_examples(hello)
    return tmp_path


def build(project: Path, out: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SPHINX_BUILD, "-b", "html", "-v", "--fail-on-warning", "-n", *options, "docs", out],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def counts(output: str, verb: str) -> tuple[int, int]:
    found = re.search(rf"page_cache: (\d+) example\(s\) parsed, (\d+) {verb}", output)
    assert found, output
    return int(found[1]), int(found[2])


def test_copies_are_what_parsing_every_page_gives(project: Path) -> None:
    # Verifying parses every example as well, and warns (fails) on any difference.
    slow = build(project, "slow", "-D", "page_cache_verify=1")
    assert slow.returncode == 0, slow.stderr
    fast = build(project, "fast")
    assert fast.returncode == 0, fast.stderr
    # Seven directives: each example is parsed a second time on another line (to learn
    # which lines follow the directive's), and after that copied.
    assert counts(fast.stdout, "copied") == (5, 2)
    assert counts(slow.stdout, "checked") == (7, 2)
    pages = html_pages(project / "slow")
    assert len(pages) == len(PAGES) + 2  # and genindex, search
    for page in [*pages, "searchindex.js"]:
        assert (project / "fast" / page).read_bytes() == (project / "slow" / page).read_bytes(), (
            page
        )


def test_editing_a_snippet_rebuilds_every_page_that_shows_it(project: Path) -> None:
    assert build(project, "out").returncode == 0
    (project / "snippets" / "hello" / "hello.sh").write_text(
        '# [START hello]\necho "hello again"\n# [END hello]\n'
    )
    record_examples(project / "snippets" / "hello")
    again = build(project, "out")
    assert again.returncode == 0, again.stderr
    assert "0 added, 5 changed, 0 removed" in again.stdout
    for page in ("first", "second", "third", "twice", "deep/page"):
        html = (project / "out" / f"{page}.html").read_text(encoding="utf-8")
        # Each example shows it twice: in its region, then in the whole program.
        assert html.count("again") == (4 if page == "twice" else 2), page


def test_the_site_copies_what_it_would_parse(tmp_path: Path, rebuilt_site: SiteBuild) -> None:
    # Verifying: every copy (example or translated message) also parsed, and compared. The
    # same sources as the other build: a download's address depends on its file's path.
    slow = make_html(tmp_path / "slow", options="-v -D page_cache_verify=1")
    assert slow.returncode == 0, slow.output
    assert "page_cache: " in slow.output and "differs" not in slow.output
    fast = rebuilt_site  # a clean build as `make html` makes it, verbose
    summary = (
        r"page_cache: \d+ example\(s\) parsed, (\d+) copied; "
        r"\d+ translated message\(s\) parsed, (\d+)"
    )
    copied = re.findall(summary, fast.output)
    assert len(copied) == 2, fast.output  # one line per language
    assert all(int(examples) > 0 for examples, _messages in copied)
    assert any(int(messages) > 0 for _examples, messages in copied)  # English only
    for language in ("ru", "en"):
        pages = html_pages(slow.html / language)
        assert len(pages) > 5
        for page in [*pages, "searchindex.js"]:
            same = (fast.html / language / page).read_bytes() == (
                slow.html / language / page
            ).read_bytes()
            assert same, f"{language}/{page}"
