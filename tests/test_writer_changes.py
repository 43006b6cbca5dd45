"""A writer's change that would break the published site is caught, naming file, line or address.

Each test makes one such change in a scratch copy of docs/ and snippets/, as a writer
would, and runs what the writer runs (`make html`, `make po`): a renamed page without a
redirect, a page deleted, a merge conflict in a .po file, an example changed after its
output was recorded. One copy per module, built once (`built_copy`, conftest); each test
puts back what it changed, so the next build re-reads only what differs.
"""

from pathlib import Path

from site_build import ScratchCopy as Copy

CATALOGS = Path("locale/en/LC_MESSAGES")  # in docs/


def rename_terms(copy: Copy) -> None:
    """terms becomes glossary: the file, the toctree and the references, the catalog."""
    (copy.docs / "terms.rst").rename(copy.docs / "glossary.rst")
    copy.edit("docs/index.rst", "\n   terms\n", "\n   glossary\n")
    copy.edit("docs/index.rst", ":doc:`terms`", ":doc:`glossary`")
    copy.edit(f"docs/{CATALOGS}/index.po", ":doc:`terms`", ":doc:`glossary`", 2)


def test_a_renamed_page_without_a_redirect_fails_naming_its_address(copy: Copy) -> None:
    rename_terms(copy)
    (copy.docs / CATALOGS / "terms.po").rename(copy.docs / CATALOGS / "glossary.po")
    line = copy.line_of("docs/published-addresses.txt", "terms.html")
    code, output = copy.html()
    assert code != 0
    assert (
        f"published-addresses.txt:{line}: WARNING: published address terms.html would 404"
    ) in output, output
    with (copy.docs / "redirects.toml").open("a", encoding="utf-8") as redirects:
        redirects.write('"terms" = "glossary"\n')
    code, output = copy.html("html")
    assert code == 0, output
    # The English pages were built a step before: a redirect added reads none of them again.
    assert "0 added, 0 changed, 0 removed" in output, output
    for lang in ("ru", "en"):
        redirect = (copy.builddir / "html" / lang / "terms.html").read_text(encoding="utf-8")
        assert 'href="glossary.html"' in redirect, redirect
        assert (copy.builddir / "html" / lang / "glossary.html").is_file()
    assert "glossary.html" in (copy.docs / "published-addresses.txt").read_text(encoding="utf-8")


def test_a_redirect_to_no_page_fails_naming_its_line(copy: Copy) -> None:
    with (copy.docs / "redirects.toml").open("a", encoding="utf-8") as redirects:
        redirects.write('"old-page" = "no-such-page"\n')
    line = copy.line_of("docs/redirects.toml", "old-page")
    code, output = copy.html()
    assert code != 0
    assert f"redirects.toml:{line}: WARNING: the redirect of 'old-page' leads to" in output, output


def test_make_po_reports_the_catalog_of_a_deleted_page_and_prunes_it(copy: Copy) -> None:
    code, output = copy.make("po")  # a first run leaves every page's .pot in _build/gettext
    assert code == 0, output
    (copy.docs / "terms.rst").unlink()
    copy.edit("docs/index.rst", "\n   terms\n", "\n")
    copy.edit("docs/index.rst", ":doc:`terms`", ":doc:`sandbox`")
    catalog = copy.docs / CATALOGS / "terms.po"
    code, output = copy.make("po")
    assert code == 0, output
    assert "Created" not in output and f"Updated {catalog}" not in output, output
    assert f"Orphaned {catalog}: its page terms is gone; `make po PRUNE=1` removes it" in output
    assert catalog.is_file()
    code, output = copy.make("po", "PRUNE=1")
    assert code == 0, output
    assert f"Removed {catalog}: its page terms is gone" in output, output
    assert not catalog.exists()


def test_make_po_renames_the_catalog_with_its_page(copy: Copy) -> None:
    old = copy.docs / CATALOGS / "terms.po"
    translations = old.read_text(encoding="utf-8").count('msgstr "')
    rename_terms(copy)
    with (copy.docs / "redirects.toml").open("a", encoding="utf-8") as redirects:
        redirects.write('"terms" = "glossary"\n')
    code, output = copy.make("po")
    assert code == 0, output
    new = copy.docs / CATALOGS / "glossary.po"
    assert f"Renamed {old} to {new}: the page moved to glossary" in output, output
    assert not old.exists()
    renamed = new.read_text(encoding="utf-8")
    assert renamed.count('msgstr "') == translations
    assert 'msgstr ""\n\n' not in renamed.split("\n\n", 1)[1], "a translation was lost"
    assert "glossary.rst:" in renamed, "the entries still point at the old page"


CONFLICT = """\
<<<<<<< ours
msgstr "Our translation"
=======
msgstr "Their translation"
>>>>>>> theirs
"""


def test_a_po_file_with_conflict_markers_is_refused_naming_its_line(copy: Copy) -> None:
    po = copy.docs / CATALOGS / "api-key.po"
    text = po.read_text(encoding="utf-8")
    first = text.index("\nmsgstr ", text.index("\nmsgid ", text.index("\n\n") + 1))
    end = text.index("\n", first + 1)
    po.write_text(text[: first + 1] + CONFLICT + text[end + 1 :], encoding="utf-8")
    conflicted = po.read_bytes()
    line = copy.line_of(f"docs/{CATALOGS}/api-key.po", "<<<<<<< ours")
    code, output = copy.make("po")
    assert code != 0
    assert f"api-key.po:{line}: merge conflict marker '<<<<<<<'" in output, output
    assert po.read_bytes() == conflicted, "make po changed the file it refused"
    code, output = copy.html()
    assert code != 0
    assert f"api-key.po:{line}: WARNING: merge conflict marker '<<<<<<<'" in output, output
    assert "Traceback" not in output and "Extension error" not in output, output
    assert not (copy.builddir / "html/en/api-key.html").exists()


def test_a_po_file_with_a_syntax_error_is_refused_naming_its_line(copy: Copy) -> None:
    po = copy.docs / CATALOGS / "404.po"
    po.write_text(po.read_text(encoding="utf-8") + "\nmsgid\n", encoding="utf-8")
    broken = po.read_bytes()
    line = len(broken.decode().splitlines())
    code, output = copy.make("po-stats")
    assert code != 0
    assert f"404.po:{line}: " in output, output
    assert po.read_bytes() == broken


def test_an_example_changed_after_its_output_was_recorded_fails_the_build(copy: Copy) -> None:
    copy.edit(
        "snippets/client-credentials/client_credentials.py",
        'print("expires_in:", token["expires_in"])\n',
        'print("expires_in:", token["expires_in"])\nprint("scope:", token.get("scope"))\n',
    )
    code, output = copy.html()
    assert code != 0
    assert (
        "ERROR: example 'client-credentials': client_credentials.py changed after its output"
        " was recorded; run `make snippets TASK=client-credentials`"
    ) in output, output
