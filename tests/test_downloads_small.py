"""The downloads' directives on a small project (docs/_ext/downloads.py).

The files are the repository's own (the sandbox package, the examples, the Postman files),
made once into the project's build folder; the pages are two, in English, instead of the
whole site: a table of a group, a group on one line, a page deeper in a folder.
"""

import hashlib
import pickle
import sys
from pathlib import Path

import pytest
from docutils import nodes
from site_build import EXTENSIONS, REPO, build_project, soup, write_project

sys.path.insert(0, str(EXTENSIONS))
import downloads

sys.path.remove(str(EXTENSIONS))

CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["downloads"]
language = "en"
"""
PAGES = {
    "index.rst": (
        "Home\n====\n\n.. toctree::\n\n   deep/page\n\n"
        ".. _sandbox-start:\n\nThe sandbox\n-----------\n\n.. downloads:: sandbox\n\n"
        ".. _sandbox-postman:\n\nPostman\n-------\n\n.. downloads:: postman\n"
    ),
    "deep/page.rst": "Deeper\n======\n\n.. download-line:: postman\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built once, then built again into the same folders (a writer's rebuild)."""
    project = write_project(tmp_path_factory.mktemp("downloads"), {"conf.py": CONF, **PAGES})
    with pytest.MonkeyPatch.context() as patch:  # made here, not taken from another build
        patch.delenv(downloads.STORE_VARIABLE, raising=False)
        first = build_project(project)
    assert first.returncode == 0, first.stderr
    # Made by setuptools in a scratch folder, whose chatter is not the writer's to read.
    assert "running" not in first.stdout + first.stderr, first.stdout
    (project / "index.rst").touch()
    again = build_project(project)
    assert again.returncode == 0, again.stderr
    return project


def rows(page: Path) -> list[tuple[str, str, str, str]]:
    """(link, text, version, SHA-256) of each row of the page's tables of downloads."""
    found = []
    for row in soup(page).select("table.downloads tbody tr"):
        link, version, checksum = row.find_all("td")
        found.append(
            (link.a["href"], link.get_text(strip=True), version.get_text(), checksum.get_text())
        )
    return found


def test_each_group_is_a_table_of_its_files_with_version_and_checksum(project: Path) -> None:
    out = project / "_build"
    version = downloads.sandbox_version()
    postman = sorted(path.name for path in (REPO / "postman").iterdir() if path.is_file())
    collection = [name for name in postman if name.endswith("postman_collection.json")]
    names = [
        f"kontur_extern_sandbox-{version}-py3-none-any.whl",
        f"kontur_extern_sandbox-{version}.tar.gz",
        f"kontur-extern-examples-{version}.zip",
        *collection,
        *(name for name in postman if name not in collection),
    ]
    found = rows(out / "index.html")
    assert [text for _link, text, _version, _sha in found] == names
    for link, text, shown_version, sha256 in found:
        assert link == f"downloads/{text}"
        assert shown_version == version
        assert sha256 == hashlib.sha256((out / "downloads" / text).read_bytes()).hexdigest()
    headers = [cell.get_text() for cell in soup(out / "index.html").select("table.downloads th")]
    assert headers == ["File", "Version", "SHA-256"] * 2
    postman_files = {
        text: (out / "downloads" / text).read_bytes() for _l, text, _v, _s in found[3:]
    }
    assert postman_files == {name: (REPO / "postman" / name).read_bytes() for name in postman}


def test_a_group_on_one_line_links_from_the_page_s_folder(project: Path) -> None:
    line = soup(project / "_build" / "deep" / "page.html").select_one("div.download-line")
    assert line is not None
    label, links = line.find_all("p")
    assert label.get_text() == "The same requests for Postman (how to run them):"
    assert label.a["href"] == "../index.html#sandbox-postman"
    names = [a.get_text() for a in links.find_all("a")]
    assert [a["href"] for a in links.find_all("a")] == [f"../downloads/{n}" for n in names]
    assert names == [text for _l, text, _v, _s in rows(project / "_build" / "index.html")][3:]


def test_an_unknown_group_fails_naming_the_page_and_line(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.rst").write_text(
        "Home\n====\n\nText.\n\n.. downloads:: nothing\n", encoding="utf-8"
    )
    result = build_project(tmp_path)
    assert result.returncode != 0
    assert (
        f"{tmp_path}/index.rst:6: ERROR: no published files in the group 'nothing'" in result.stderr
    ), result.stderr


def test_a_table_s_nodes_carry_the_directive_s_file_and_line(project: Path) -> None:
    """What the directive writes is placed at the directive, so a message about any of it
    (a translation's, a link checker's) names the page and the directive's line."""
    doctree_file = project / "_build" / ".doctrees" / "index.doctree"
    doctree = pickle.loads(doctree_file.read_bytes())  # noqa: S301 (this test's own build)
    lines = (project / "index.rst").read_text(encoding="utf-8").splitlines()
    directive = lines.index(".. downloads:: sandbox") + 1
    table = next(iter(doctree.findall(nodes.container)))
    assert "downloads" in table["classes"]
    placed = {(Path(n.source).name, n.line) for n in table.findall() if n.line is not None}
    assert placed == {("index.rst", directive)}
