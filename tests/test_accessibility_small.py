"""The navigation's caption headings and the scrolling blocks' names on a small project
(docs/_ext/accessibility.py); what a browser and a screen reader make of them is
tests/browser/'s."""

import json
import re
from pathlib import Path

import pytest
from site_build import EXTENSIONS, build_project, soup, write_project

CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["accessibility"]
html_theme = "furo"
language = "en"
"""
PAGES = {
    "index.rst": "Home\n====\n\n.. toctree::\n   :caption: Guides\n\n   guide\n",
    "guide.rst": "Guide\n=====\n\nText.\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_project(tmp_path_factory.mktemp("accessibility"), {"conf.py": CONF, **PAGES})
    result = build_project(project)
    assert result.returncode == 0, result.stderr
    return project / "_build"


@pytest.mark.parametrize("page", ["index.html", "guide.html"])
def test_a_navigation_caption_is_a_level_2_heading(built: Path, page: str) -> None:
    (caption,) = soup(built / page).select(".sidebar-tree p.caption")
    assert caption.attrs == {"class": ["caption"], "role": "heading", "aria-level": "2"}
    assert [(span["class"], span.get_text()) for span in caption.find_all("span")] == [
        (["caption-text"], "Guides")
    ]


def test_the_script_gets_the_names_in_the_build_s_language(built: Path) -> None:
    html = (built / "index.html").read_text(encoding="utf-8")
    names = re.search(r"<script>const SCROLLING_LABELS = (.*);</script>", html)
    assert names, html
    assert json.loads(names[1]) == {"code": "Code", "table": "Table"}
    assert html.index("SCROLLING_LABELS") < html.index("accessibility.js")
