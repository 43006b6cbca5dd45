"""Examples parsed once per build and copied into every page: the same site as parsing each."""

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from site_build import EXAMPLES_CONF as CONF
from site_build import (
    EXTENSIONS,
    SiteBuild,
    extension,
    html_pages,
    record_examples,
    sphinx_build,
)
from sphinx.testing.util import SphinxTestApp

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
        [sphinx_build(), "-b", "html", "-v", "--fail-on-warning", "-n", *options, "docs", out],
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


def test_an_example_on_the_same_line_of_another_page_is_copied_at_once(project: Path) -> None:
    """Before any parse at another line has shown which lines follow the directive's, a
    page with the example on the same line can use a copy as it is."""
    same = {
        "index.rst": "Examples\n========\n\n.. toctree::\n\n   sandbox\n   one\n   two\n",
        "one.rst": "One\n===\n\n.. example:: hello\n",
        "two.rst": "Two\n===\n\n.. example:: hello\n",
        "sandbox.rst": "Sandbox\n=======\n\nText.\n",
    }
    shutil.rmtree(project / "docs" / "deep")
    for page in (project / "docs").glob("*.rst"):
        page.unlink()
    for name, text in same.items():
        (project / "docs" / name).write_text(text, encoding="utf-8")
    result = build(project, "out")
    assert result.returncode == 0, result.stderr
    assert counts(result.stdout, "copied") == (1, 1)
    for page in ("one", "two"):
        assert "hello production" in (project / "out" / f"{page}.html").read_text("utf-8")


#: A directive whose parse removes a key of the page's state, and two that set and show it.
STATE_CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
from docutils import nodes
from sphinx.util.docutils import SphinxDirective
from page_cache import parse_once

class Forget(SphinxDirective):
    def run(self):
        def parse():
            self.env.temp_data.pop("mark", None)
            return [nodes.paragraph(text="forgotten")]
        return parse_once(self, "forget", parse)

class Mark(SphinxDirective):
    def run(self):
        self.env.temp_data["mark"] = 1
        return []

class Show(SphinxDirective):
    def run(self):
        return [nodes.paragraph(text=f"marked: {{'mark' in self.env.temp_data}}")]

def setup(app):
    app.setup_extension("page_cache")
    for name, directive in (("forget", Forget), ("mark", Mark), ("show", Show)):
        app.add_directive(name, directive)
"""


def test_a_copy_leaves_the_page_as_its_parse_would(tmp_path: Path) -> None:
    """A parse that removed a key of the page's state: the copy removes it too."""
    page = ".. mark::\n\n.. forget::\n\n.. show::\n"
    pages = {
        "index.rst": "Home\n====\n\n.. toctree::\n\n   one\n   two\n\n",
        "one.rst": "One\n===\n\n",
        "two.rst": "Two\n===\n\n",
    }
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "conf.py").write_text(STATE_CONF, encoding="utf-8")
    for name, text in pages.items():
        (tmp_path / "docs" / name).write_text(text + page, encoding="utf-8")
    result = build(tmp_path, "out")
    assert result.returncode == 0, result.stderr
    assert counts(result.stdout, "copied") == (2, 1)  # parsed on two lines, then copied
    for name in pages:
        html = (tmp_path / "out" / name.replace(".rst", ".html")).read_text(encoding="utf-8")
        assert "<p>forgotten</p>" in html
        assert "<p>marked: False</p>" in html, name


#: An English project whose two pages share a translated message (and each has its own title).
TRANSLATED = {
    "index.rst": "Главная\n=======\n\n.. toctree::\n\n   one\n   two\n",
    "one.rst": "Первая\n======\n\nОбщий абзац, см. :doc:`two`.\n",
    "two.rst": "Вторая\n======\n\nОбщий абзац, см. :doc:`two`.\n",
}
TRANSLATIONS = {
    "Главная": "Home",
    "Первая": "One",
    "Вторая": "Two",
    "Общий абзац, см. :doc:`two`.": "A shared paragraph, see :doc:`two`.",
}


def test_translated_messages_are_parsed_once_and_copied(tmp_path: Path) -> None:
    conf = CONF.replace('"ru"', '"en"') + 'locale_dirs = ["locale/"]\ngettext_compact = False\n'
    for name, text in {"conf.py": conf, **TRANSLATED}.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    messages = tmp_path / "docs" / "locale" / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    for page, text in TRANSLATED.items():
        po = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        for msgid, msgstr in TRANSLATIONS.items():
            if msgid in text:
                po += f'msgid "{msgid}"\nmsgstr "{msgstr}"\n\n'
        (messages / page.replace(".rst", ".po")).write_text(po, encoding="utf-8")
    slow = build(tmp_path, "slow", "-D", "page_cache_verify=1")
    assert slow.returncode == 0, slow.stderr
    fast = build(tmp_path, "fast")
    assert fast.returncode == 0, fast.stderr
    summary = (
        r"page_cache: 0 example\(s\) parsed, 0 {0}; (\d+) translated message\(s\) parsed, (\d+) {0}"
    )
    # Each of the four messages parsed once, every other use of one copied (the shared
    # paragraph, and the titles Sphinx translates twice); when checking, parsed as well.
    assert re.findall(summary.format("copied"), fast.stdout) == [("4", "3")], fast.stdout
    assert re.findall(summary.format("checked"), slow.stdout) == [("7", "3")], slow.stdout
    for page in ("one.html", "two.html"):
        html = (tmp_path / "fast" / page).read_text(encoding="utf-8")
        assert "A shared paragraph, see" in html
        assert html == (tmp_path / "slow" / page).read_text(encoding="utf-8"), page


def test_a_second_build_in_the_same_process_counts_afresh(project: Path) -> None:
    """A live preview may build again in its own process: each build starts empty."""
    sys.path.insert(0, str(EXTENSIONS))
    try:
        reports = []
        for out in ("first", "second"):
            app = SphinxTestApp(
                "html",
                srcdir=project / "docs",
                builddir=project / out,
                status=io.StringIO(),
                verbosity=1,
            )
            try:
                app.build()
            finally:
                app.cleanup()
            reports.append(re.findall(r"page_cache: .*", app.status.getvalue()))
    finally:
        sys.path.remove(str(EXTENSIONS))
    assert (
        reports[0]
        == reports[1]
        == ["page_cache: 5 example(s) parsed, 2 copied; 0 translated message(s) parsed, 0 copied"]
    )


def test_a_state_a_parse_changed_from_none_is_remembered() -> None:
    page_cache = extension("page_cache")
    assert page_cache._changed({"tabs": None, "same": 1}, {"tabs": 1, "same": 1}) == {"tabs"}
    assert page_cache._changed({}, {"new": None}) == {"new"}
    assert page_cache._changed({"gone": 1}, {}) == {"gone"}


def test_the_site_copies_what_it_would_parse(
    built_site: SiteBuild, rebuilt_site: SiteBuild
) -> None:
    # The run's second clean build verifies: every copy (example or translated message) is
    # also parsed, and compared. The same sources as the first: a download's address
    # depends on its file's path.
    slow = rebuilt_site
    assert "page_cache: " in slow.output and "differs" not in slow.output
    checked = re.findall(r"page_cache: .* \d+ checked; .* \d+ checked", slow.output)
    assert len(checked) == 2, slow.output  # it verified, in both languages
    fast = built_site  # a clean build as `make html` makes it, verbose
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
