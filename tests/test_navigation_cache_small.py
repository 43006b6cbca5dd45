"""The sidebar navigation of a small furo project (docs/_ext/navigation_cache.py).

Seconds per build instead of the whole site's: pages in folders three levels deep, a
hidden toctree, a page in no navigation. The build verifies every page's cached navigation
against furo's own (a difference is a warning, so an error), and a writer's edits reach
the sidebar of every page.
"""

import sys
from pathlib import Path

import pytest
from site_build import EXTENSIONS, build_project, soup, write_project
from sphinx.testing.util import SphinxTestApp

CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["navigation_cache"]
html_theme = "furo"
navigation_cache_verify = True
"""
PAGES = {
    "index.rst": "Home\n====\n\n.. toctree::\n\n   first\n   folder/index\n",
    "first.rst": "First\n=====\n\nText.\n",
    "folder/index.rst": (
        "Folder\n======\n\n.. toctree::\n\n   deep\n   deeper/leaf\n\n"
        ".. toctree::\n   :hidden:\n\n   hidden\n"
    ),
    "folder/deep.rst": "Deep\n====\n\nText.\n",
    "folder/hidden.rst": "Hidden\n======\n\nText.\n",
    "folder/deeper/leaf.rst": "Leaf\n====\n\nText.\n",
    "alone.rst": ":orphan:\n\nAlone\n=====\n\nIn no navigation.\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path, {"conf.py": CONF, **PAGES})


def navigation(project: Path, page: str, out: str = "_build") -> list[tuple[str, str, str]]:
    """(the entry's classes, its link's address, its title) of each entry of a page's sidebar."""
    tree = soup(project / out / page).select_one(".sidebar-tree")
    assert tree is not None, page
    return [(" ".join(li["class"]), li.a["href"], li.a.get_text()) for li in tree.select("li")]


def test_every_page_gets_furos_own_navigation(project: Path) -> None:
    result = build_project(project)
    assert result.returncode == 0, result.stderr  # verified page by page against furo's
    assert navigation(project, "folder/deeper/leaf.html") == [
        ("toctree-l1", "../../first.html", "First"),
        ("toctree-l1 current has-children", "../index.html", "Folder"),
        ("toctree-l2", "../deep.html", "Deep"),
        ("toctree-l2 current current-page", "#", "Leaf"),
        ("toctree-l2", "../hidden.html", "Hidden"),
    ]
    leaf = soup(project / "_build" / "folder" / "deeper" / "leaf.html")
    assert leaf.select_one(".sidebar-tree input.toctree-checkbox")["checked"] == ""
    assert navigation(project, "alone.html")[0] == ("toctree-l1", "first.html", "First")
    assert not any("current" in classes for classes, _, _ in navigation(project, "alone.html"))


def test_a_changed_title_reaches_every_page(project: Path) -> None:
    assert build_project(project).returncode == 0
    deep = project / "folder" / "deep.rst"
    deep.write_text("Deeper still\n============\n\nText.\n", encoding="utf-8")
    again = build_project(project)
    assert again.returncode == 0, again.stderr
    # first.html neither changed nor links to the page, yet its sidebar shows the new title.
    assert ("toctree-l2", "folder/deep.html", "Deeper still") in navigation(project, "first.html")


def test_a_second_build_in_the_same_process_starts_afresh(project: Path) -> None:
    """A live preview may build again in its own process: no tree of the last build is
    shown, and every page is still checked against furo's own."""
    sys.path.insert(0, str(EXTENSIONS))
    try:
        app = SphinxTestApp("html", srcdir=project, builddir=project / "_build")
        try:
            app.build()
            deep = project / "folder" / "deep.rst"
            deep.write_text("Deeper still\n============\n\nText.\n", encoding="utf-8")
            app.build()
        finally:
            app.cleanup()
    finally:
        sys.path.remove(str(EXTENSIONS))
    assert app.warning.getvalue() == ""
    entries = navigation(project, "first.html", "_build/html")
    assert ("toctree-l2", "folder/deep.html", "Deeper still") in entries
