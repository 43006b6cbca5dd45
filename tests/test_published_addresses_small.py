"""Addresses are forever, on a small project (docs/_ext/published_addresses.py).

Seconds per build instead of the whole site's: pages at the root and in a folder, one
moved page with its redirect. A writer's build records every new address, fails naming the
file and line when an address would 404 or a redirect leads nowhere, and deletes what no
page writes any more.
"""

import shutil
from pathlib import Path

import pytest
from site_build import EXTENSIONS, REPO, build_project, write_project

CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["published_addresses"]
language = "en"
"""
PAGES = {
    "index.rst": "Home\n====\n\n.. toctree::\n\n   page\n   folder/deep\n",
    "page.rst": "Page\n====\n\nText.\n",
    "folder/deep.rst": "Deep\n====\n\nText.\n",
}
REDIRECTS = '# Moved pages.\n"old" = "page"\n'
HEADER = (
    "# Every page address the site has ever published, one a line; `make html` adds new\n"
    "# pages and never removes one. A page that is gone needs a redirect in redirects.toml.\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, {"conf.py": CONF, "redirects.toml": REDIRECTS, **PAGES})
    (tmp_path / "_templates").mkdir()
    shutil.copy(REPO / "docs" / "_templates" / "redirect-en.html", tmp_path / "_templates")
    return tmp_path


def test_new_addresses_are_recorded_and_moved_ones_redirected(project: Path) -> None:
    result = build_project(project)
    assert result.returncode == 0, result.stderr
    assert "recorded the new page addresses in published-addresses.txt" in result.stdout
    addresses = (project / "published-addresses.txt").read_text(encoding="utf-8")
    assert addresses == HEADER + "folder/deep.html\nindex.html\npage.html\n"
    moved = (project / "_build" / "old.html").read_text(encoding="utf-8")
    assert '<a href="page.html">page.html</a>' in moved
    again = build_project(project)  # nothing new: the list is left as it is
    assert again.returncode == 0, again.stderr
    assert "recorded the new page addresses" not in again.stdout


def test_a_gone_page_fails_the_build_until_it_has_a_redirect(project: Path) -> None:
    assert build_project(project).returncode == 0
    (project / "folder" / "deep.rst").unlink()
    (project / "index.rst").write_text(PAGES["index.rst"].replace("   folder/deep\n", ""))
    result = build_project(project)
    assert result.returncode != 0
    assert (
        "published-addresses.txt:3: WARNING: published address folder/deep.html would 404:"
        ' its page is gone; say in redirects.toml which page replaces it ("folder/deep" ='
        ' "<page>")'
    ) in result.stderr, result.stderr
    (project / "redirects.toml").write_text(REDIRECTS + '"folder/deep" = "page"\n')
    result = build_project(project)
    assert result.returncode == 0, result.stderr
    moved = (project / "_build" / "folder" / "deep.html").read_text(encoding="utf-8")
    assert '<a href="../page.html">../page.html</a>' in moved


def test_a_redirect_to_no_page_or_to_a_page_again_is_named_at_its_line(project: Path) -> None:
    (project / "redirects.toml").write_text(REDIRECTS + '"page" = "nowhere"\n')
    result = build_project(project)
    assert result.returncode != 0
    assert (
        "redirects.toml:3: WARNING: the redirect of 'page' leads to 'nowhere', which is no"
        " page: name the page that replaces it"
    ) in result.stderr, result.stderr
    assert (
        "redirects.toml:3: WARNING: 'page' is a page again: remove its redirect to 'nowhere'"
        in (result.stderr)
    )
    (project / "redirects.toml").write_text(REDIRECTS + '"page" = ["one", "two"]\n')
    result = build_project(project)
    assert result.returncode != 0
    assert "redirects.toml:3: 'page' must name one page, as a string" in result.stderr
    (project / "redirects.toml").write_text(REDIRECTS + '"page" = \n')
    result = build_project(project)
    assert result.returncode != 0
    assert "redirects.toml: Invalid value (at line 3, column 10)" in result.stderr, result.stderr


def test_what_no_page_writes_any_more_is_deleted(project: Path) -> None:
    assert build_project(project).returncode == 0
    out = project / "_build"
    for stale in ("gone.html", "folder/gone.html", "gone.md"):
        (out / stale).write_text("an old page\n", encoding="utf-8")
    (out / "page.md").write_text("a page's twin\n", encoding="utf-8")
    (project / "page.rst").write_text("Page\n====\n\nText, changed.\n", encoding="utf-8")
    result = build_project(project)
    assert result.returncode == 0, result.stderr
    for stale in ("gone.html", "folder/gone.html", "gone.md"):
        assert not (out / stale).exists(), stale
        assert f"removed _build/{stale}: no page writes it any more" in result.stdout
    # Every page, its twin, the redirects, Sphinx's own pages and files stay.
    for kept in ("index.html", "page.html", "page.md", "folder/deep.html", "old.html"):
        assert (out / kept).is_file(), kept
    for kept in ("genindex.html", "search.html", "_static/basic.css"):
        assert (out / kept).is_file(), kept
