"""The English build knows each message's translation state (docs/_ext/translation_state.py).

Each test edits a scratch copy of docs/ as a writer would and builds the English site
exactly as `make html-en` does. The copy is built once for the module; each test puts
back what it changed, so its first build re-reads only the pages it edited.
"""

import re
from pathlib import Path

import polib
import pytest
from site_build import ScratchCopy, soup

NEW_PAGE = "Новая страница\n==============\n\nПервый абзац новой страницы.\n"


def add_page(docs: Path) -> None:
    """A new Russian page, in the navigation, as docs/writing.md tells a writer to add it."""
    (docs / "new.rst").write_text(NEW_PAGE, encoding="utf-8")
    index = docs / "index.rst"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace("\n   sandbox\n", "\n   sandbox\n   new\n", 1), encoding="utf-8")


def test_a_new_page_without_a_catalog_fails_the_english_build(copy: ScratchCopy) -> None:
    add_page(copy.docs)
    build = copy.run("html-en")
    assert build.returncode != 0
    assert re.search(r"new\.rst:\d+: WARNING: no English translation: .*new\.po", build.stderr)
    # An incremental build right after it fails too: the warnings are not lost.
    again = copy.run("html-en")
    assert again.returncode != 0, again.stdout
    assert "new.po does not exist" in again.stderr


def test_untranslated_messages_are_named_with_po_file_and_line(copy: ScratchCopy) -> None:
    add_page(copy.docs)
    assert copy.run("po").returncode == 0
    catalog = copy.docs / "locale/en/LC_MESSAGES/new.po"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    build = copy.run("html-en")
    assert build.returncode != 0
    found = re.findall(r"(\S*new\.po):(\d+): WARNING: untranslated message: '(.*)'", build.stderr)
    assert {message for _path, _line, message in found} == {
        "Новая страница",
        "Первый абзац новой страницы.",
    }
    for _path, line, message in found:
        assert lines[int(line) - 1] == f'msgid "{message}"'


def test_a_changed_sentence_is_named_in_the_page_then_fuzzy_in_the_po_file(
    copy: ScratchCopy,
) -> None:
    page = copy.docs / "api-key.rst"
    catalog = polib.pofile(str(copy.docs / "locale/en/LC_MESSAGES/api-key.po"))
    entry = next(e for e in catalog if e.msgstr and "\n" not in e.msgid and len(e.msgid) > 40)
    text = page.read_text(encoding="utf-8")
    assert entry.msgid in text
    page.write_text(text.replace(entry.msgid, entry.msgid + " Изменено."), encoding="utf-8")
    line = text[: text.index(entry.msgid)].count("\n") + 1

    build = copy.run("html-en")
    assert build.returncode != 0
    assert re.search(
        rf"api-key\.rst:{line}: WARNING: message missing from \S*api-key\.po "
        r"\(run `make po`\)",
        build.stderr,
    ), build.stderr

    assert copy.run("po").returncode == 0
    build = copy.run("html-en")
    assert build.returncode != 0
    assert re.search(r"api-key\.po:\d+: WARNING: fuzzy translation", build.stderr), build.stderr
    # The preview says the translation is out of date, and marks the changed passage.
    build = copy.run("html-en", ALLOW_UNTRANSLATED="1")
    assert build.returncode == 0, build.stderr
    page = soup(copy.builddir / "html/en/api-key.html")
    assert "out of date" in page.select_one(".translation-notice").get_text()
    (marked,) = page.select("article .untranslated")
    assert "Изменено." in marked.get_text()


def test_allow_untranslated_builds_with_a_notice_and_marks(copy: ScratchCopy) -> None:
    add_page(copy.docs)
    build = copy.run("html-en", ALLOW_UNTRANSLATED="1")
    assert build.returncode == 0, build.stderr
    page = soup(copy.builddir / "html/en/new.html")
    notice = page.select_one("article .translation-notice")
    assert notice is not None
    assert "not fully translated" in notice.get_text()
    assert notice.a["href"] == "../ru/new.html"
    marked = [tag.contents[0].strip() for tag in page.select("article .untranslated")]
    assert marked == ["Новая страница", "Первый абзац новой страницы."]
    # A page whose translation is complete carries neither.
    complete = soup(copy.builddir / "html/en/api-key.html")
    assert not complete.select(".translation-notice, .untranslated")
    # Back to a normal build: it fails again, though nothing changed but the switch.
    assert copy.run("html-en").returncode != 0


def test_broken_markup_in_a_msgstr_is_named_in_the_po_file(copy: ScratchCopy) -> None:
    catalog = copy.docs / "locale/en/LC_MESSAGES/api-key.po"
    text = catalog.read_text(encoding="utf-8")
    entry = next(
        e
        for e in polib.pofile(str(catalog))
        if "``" in e.msgstr and f'msgstr "{e.msgstr}"' in text and f'msgid "{e.msgid}"' in text
    )
    head, _, tail = entry.msgstr.rpartition("``")
    broken = head + tail  # the last literal never closes
    catalog.write_text(text.replace(entry.msgstr, broken, 1), encoding="utf-8")
    msgid_line = text.splitlines().index(f'msgid "{entry.msgid}"') + 1
    for _build in range(2):  # and again: an incremental build does not forget it
        build = copy.run("html-en")
        assert build.returncode != 0
        assert re.search(
            rf"api-key\.po:{msgid_line}: WARNING: the translation's markup is broken", build.stderr
        ), build.stderr


@pytest.mark.parametrize(
    ("replacement", "warning"),
    [(":doc:`/nowhere`", "unknown document"), ("the examples page", "inconsistent")],
    ids=["target-nowhere", "reference-dropped"],
)
def test_a_broken_reference_in_a_msgstr_is_named_in_the_po_file(
    copy: ScratchCopy, replacement: str, warning: str
) -> None:
    """Sphinx names the page's line; the warning also names the .po file's."""
    catalog = copy.docs / "locale/en/LC_MESSAGES/api-key.po"
    reference = ":doc:`/running-examples`"
    entry = next(e for e in polib.pofile(str(catalog)) if reference in e.msgstr)
    text = catalog.read_text(encoding="utf-8")
    broken = entry.msgstr.replace(reference, replacement)
    catalog.write_text(text.replace(entry.msgstr, broken, 1), encoding="utf-8")
    msgid_line = text.splitlines().index(f'msgid "{entry.msgid}"') + 1
    build = copy.run("html-en")
    assert build.returncode != 0
    named = re.findall(
        rf"api-key\.rst:\d+\S*: WARNING: {warning}.* \(translation: (\S+)\)$", build.stderr, re.M
    )
    assert named, build.stderr
    assert all(po.endswith(f"api-key.po:{msgid_line}") for po in named), named
