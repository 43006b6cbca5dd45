"""Each page's description on a small project (docs/_ext/descriptions.py).

What a search engine or a link preview shows of a page: whole sentences of its opening,
lists that read as one sentence, and nothing of a list that does not; a page with no
opening is described by its first paragraph.
"""

from pathlib import Path

import pytest
from site_build import EXTENSIONS, build_project, soup, write_project

CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["descriptions"]
language = "en"
"""
PAGES = {
    "index.rst": (
        "Home\n====\n\n.. toctree::\n\n   items\n   lists\n   late\n   long\n\n"
        "The first sentence. The second one\nleads into a list:\n\n"
        "- an item,\n- another item.\n\nSection\n-------\n\nNot described.\n"
    ),
    "items.rst": "Items\n=====\n\n- the first item;\n- the second item.\n\nThen more.\n",
    # Items without punctuation are no sentence: the list is left out, not said as "".
    "lists.rst": "Lists\n=====\n\nthe opening line.\n\n- one\n- two\n\nMore.\n",
    "late.rst": "Late\n====\n\nSection\n-------\n\nThe first paragraph, in a section. Then.\n",
    "long.rst": "Long\n====\n\n" + "A sentence of some length, said again. " * 8 + "\n",
}
#: page -> the description both tags carry.
DESCRIBED = {
    # A block that leads into a list ends the description.
    "index": "The first sentence. The second one leads into a list:",
    "items": "The first item; the second item. Then more.",
    "lists": "The opening line. More.",
    "late": "The first paragraph, in a section. Then.",
    "long": " ".join(["A sentence of some length, said again."] * 5),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_project(tmp_path_factory.mktemp("descriptions"), {"conf.py": CONF, **PAGES})
    result = build_project(project)
    assert result.returncode == 0, result.stderr
    return project / "_build"


@pytest.mark.parametrize("page", DESCRIBED)
def test_a_page_is_described_in_whole_sentences_of_its_opening(built: Path, page: str) -> None:
    html = soup(built / f"{page}.html")
    (description,) = html.select('meta[name="description"]')
    assert description["content"] == DESCRIBED[page]
    assert html.select_one('meta[property="og:description"]')["content"] == DESCRIBED[page]
