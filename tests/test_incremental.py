"""An incremental build gives the same site as a clean build of the same tree.

A writer's edits are applied, one sequence at a time, to a scratch copy of docs/ and
snippets/; after every step the English site (the one that has everything: pages,
translation, examples) is built incrementally into one folder, as `make html` does
again and again on a writer's machine. After each sequence it is compared, file by
file (every page byte for byte), with a clean build of the same tree: a page that was
renamed or deleted leaves its redirect and nothing else. A sequence that brings the tree
back to what an earlier one left is compared with that clean build: the same files build
the same site, byte for byte (test_publishing.py builds it twice to see).

The incremental builds are forks of one warm Sphinx (tests/warm_sphinx.py), the clean
builds forks of another: each with a hash seed of its own, as two `make html` runs have.
"""

import hashlib
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from site_build import EXTENSIONS, REPO, html_pages, make_html
from warm_sphinx import WarmSphinx, shared

sys.path.insert(0, str(EXTENSIONS))
import example_records  # docs/_ext, added above

EXAMPLE_SUFFIXES = {".py", ".sh", ".mjs", ".java", ".php", ".cs"}
OLD = 1_000_000_000  # a file restored from git or a backup keeps an old date
NEW_PAGE = "Новая страница\n==============\n\nТекст новой страницы.\n"
NEW_PO = """\
msgid ""
msgstr ""
"Language: en\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Новая страница"
msgstr "New page"

msgid "Текст новой страницы."
msgstr "The new page's text."
"""


class Tree:
    """A scratch copy of docs/ and snippets/, built into one folder again and again."""

    def __init__(self, root: Path, sphinx: WarmSphinx) -> None:
        self.root = root
        self.docs = root / "docs"
        shutil.copytree(REPO / "docs", self.docs, ignore=shutil.ignore_patterns("*.mo"))
        shutil.copytree(REPO / "snippets", root / "snippets")
        self.sphinx = sphinx
        self.clean_builds: dict[str, Path] = {}

    def build(self, builddir: Path, sphinx: WarmSphinx | None = None) -> tuple[int, str]:
        build = make_html(
            builddir, sourcedir=self.docs, target="html-en", sphinx=sphinx or self.sphinx
        )
        return build.returncode, build.output

    def clean_build(self, name: str) -> Path:
        """The English site of a clean build of the tree as it is now, into ``_clean-<name>``,
        or the one made when the tree last had the same files."""
        digest = self.digest()
        if digest not in self.clean_builds:
            builddir = self.root / f"_clean-{name}"
            code, output = self.build(builddir, sphinx=shared("clean builds"))
            assert code == 0, output
            self.clean_builds[digest] = builddir / "html/en"
        return self.clean_builds[digest]

    def digest(self) -> str:
        """What the build reads: every file's name and bytes (not its date); the .mo files
        are the build's own, from the .po files."""
        digest = hashlib.sha256()
        for folder in (self.docs, self.root / "snippets"):
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.suffix != ".mo" and "__pycache__" not in path.parts:
                    digest.update(f"{path.relative_to(self.root)}\0".encode())
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def edit(self, relative: str, old: str, new: str, count: int = 1) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= count, f"{relative}: not {count} times {old!r}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    def redirect(self, old: str, new: str) -> None:
        with (self.docs / "redirects.toml").open("a", encoding="utf-8") as redirects:
            redirects.write(f'"{old}" = "{new}"\n')


def add_a_page(tree: Tree) -> None:
    (tree.docs / "new.rst").write_text(NEW_PAGE, encoding="utf-8")
    (tree.docs / "locale/en/LC_MESSAGES/new.po").write_text(NEW_PO, encoding="utf-8")
    tree.edit("docs/index.rst", "\n   sandbox\n", "\n   sandbox\n   new\n")


def break_an_example(tree: Tree) -> None:
    output = tree.root / "snippets/client-credentials/output.test.txt"
    tree.saved = output.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    output.unlink()


def fix_the_example(tree: Tree) -> None:
    output = tree.root / "snippets/client-credentials/output.test.txt"
    output.write_text(tree.saved, encoding="utf-8")  # type: ignore[attr-defined]
    os.utime(output, (OLD, OLD))


def change_a_title(tree: Tree) -> None:
    tree.edit("docs/sandbox.rst", "Песочница\n=========", "Песочница Контура\n=================")
    tree.edit(
        "docs/locale/en/LC_MESSAGES/sandbox.po",
        'msgid "Песочница"\nmsgstr "Sandbox"',
        'msgid "Песочница Контура"\nmsgstr "The Kontur sandbox"',
    )


def change_a_snippet(tree: Tree) -> None:
    tree.edit("snippets/client-credentials/client_credentials.py", "import ", "import sys\nimport ")


def record_the_snippet(tree: Tree) -> None:
    """What `make snippets` notes once the changed example printed what is recorded."""
    folder = tree.root / "snippets/client-credentials"
    examples = [path for path in folder.iterdir() if path.suffix in EXAMPLE_SUFFIXES]
    example_records.record(folder, examples)


def rename_a_page(tree: Tree) -> None:
    """terms becomes glossary, as docs/writing.md tells: references, catalog, redirect."""
    catalogs = tree.docs / "locale/en/LC_MESSAGES"
    (tree.docs / "terms.rst").rename(tree.docs / "glossary.rst")
    (catalogs / "terms.po").rename(catalogs / "glossary.po")
    tree.edit("docs/index.rst", "\n   terms\n", "\n   glossary\n")
    tree.edit("docs/index.rst", ":doc:`terms`", ":doc:`glossary`")
    tree.edit("docs/locale/en/LC_MESSAGES/index.po", ":doc:`terms`", ":doc:`glossary`", 2)
    tree.redirect("terms", "glossary")


def add_a_page_to_delete(tree: Tree) -> None:
    (tree.docs / "gone.rst").write_text(NEW_PAGE, encoding="utf-8")
    (tree.docs / "locale/en/LC_MESSAGES/gone.po").write_text(NEW_PO, encoding="utf-8")
    tree.edit("docs/index.rst", "\n   sandbox\n", "\n   sandbox\n   gone\n")


def delete_a_page(tree: Tree) -> None:
    """The page built (so published) a step before: gone without a redirect."""
    (tree.docs / "gone.rst").unlink()
    (tree.docs / "locale/en/LC_MESSAGES/gone.po").unlink()
    tree.edit("docs/index.rst", "\n   gone\n", "\n")


def redirect_the_deleted_page(tree: Tree) -> None:
    tree.redirect("gone", "index")


def add_a_draft(tree: Tree) -> None:
    (tree.docs / "draft.rst").write_text(NEW_PAGE, encoding="utf-8")
    (tree.docs / "locale/en/LC_MESSAGES/draft.po").write_text(NEW_PO, encoding="utf-8")
    tree.edit("docs/index.rst", "\n   sandbox\n", "\n   sandbox\n   draft\n")


def delete_the_draft(tree: Tree) -> None:
    """A page never published goes, with its line of the published addresses: no redirect."""
    (tree.docs / "draft.rst").unlink()
    (tree.docs / "locale/en/LC_MESSAGES/draft.po").unlink()
    tree.edit("docs/index.rst", "\n   draft\n", "\n")
    tree.edit("docs/published-addresses.txt", "\ndraft.html\n", "\n")


def change_a_translation(tree: Tree) -> None:
    tree.edit("docs/locale/en/LC_MESSAGES/404.po", 'msgstr "Page not found"', 'msgstr "No page"')


#: Each sequence: the steps a writer takes, each followed by an incremental build, and
#: whether that build must succeed.
SEQUENCES: dict[str, list[tuple[Callable[[Tree], None], bool]]] = {
    "add a page": [(add_a_page, True)],
    "break then fix an example": [(break_an_example, False), (fix_the_example, True)],
    "change a title": [(change_a_title, True)],
    "change a snippet": [(change_a_snippet, False), (record_the_snippet, True)],
    "change a .po file": [(change_a_translation, True)],
    "rename a page": [(rename_a_page, True)],
    "delete a page": [
        (add_a_page_to_delete, True),
        (delete_a_page, False),
        (redirect_the_deleted_page, True),
    ],
    "delete a page never published": [(add_a_draft, True), (delete_the_draft, True)],
}


def built_pages(root: Path) -> list[str]:
    """The HTML pages, their Markdown twins and the llms files of one language folder."""
    twins = sorted(str(path.relative_to(root)) for path in root.rglob("*.md"))
    return [*html_pages(root), *twins, "llms.txt", "llms-full.txt"]


def files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def different_pages(one: Path, two: Path) -> list[str]:
    assert files(one) == files(two), "the two builds wrote different files"
    pages = built_pages(one)
    return [page for page in pages if (one / page).read_bytes() != (two / page).read_bytes()]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, warm_sphinx: WarmSphinx) -> Tree:
    """One tree for every sequence: each starts from what the previous one left."""
    tree = Tree(tmp_path_factory.mktemp("incremental"), warm_sphinx)
    code, output = tree.build(tree.root / "_build")
    assert code == 0, output
    return tree


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_incremental_build_equals_a_clean_build(tree: Tree, sequence: str) -> None:
    for step, succeeds in SEQUENCES[sequence]:
        step(tree)
        code, output = tree.build(tree.root / "_build")
        assert (code == 0) == succeeds, f"{step.__name__}:\n{output}"
    clean = tree.clean_build(sequence.replace(" ", "-"))
    differ = different_pages(tree.root / "_build/html/en", clean)
    assert not differ, f"after {sequence!r}, the incremental build differs on {differ}"


def test_a_failed_english_build_leaves_no_rejected_page(tree: Tree) -> None:
    """A number of the Russian changes, the English keeps the old one: the page is not left."""
    page = tree.root / "_build/html/en/sandbox.html"
    assert page.is_file()
    for path in ("docs/sandbox.rst", "docs/locale/en/LC_MESSAGES/sandbox.po"):
        tree.edit(path, "не больше 20 одновременных", "не больше 30 одновременных")
    code, output = tree.build(tree.root / "_build")
    assert code != 0
    assert "LC_MESSAGES/sandbox.po:" in output and "lost or changed 30" in output, output
    assert not page.exists(), "the rejected page was left in _build/html/en"
    tree.edit("docs/locale/en/LC_MESSAGES/sandbox.po", "at most 20 simul", "at most 30 simul")
    code, output = tree.build(tree.root / "_build")
    assert code == 0, output
    assert "at most 30 simultaneous" in page.read_text(encoding="utf-8")
