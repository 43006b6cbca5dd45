"""The translation state of a small English project (docs/_ext/translation_state.py).

Seconds per build instead of the whole site's: one page translated but for a fuzzy and an
untranslated message, and one page translated whole. An outdated (fuzzy) translation is
never shown or counted as finished: the strict build names it at its .po line and does
not publish the page, and the preview marks it and says how much is left.
"""

import subprocess
from pathlib import Path

import pytest
from site_build import EXTENSIONS, extension, soup, sphinx_build

CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["translation_state"]
language = "en"
locale_dirs = ["locale/"]
gettext_compact = False
languages = {{"ru": "Русский", "en": "English"}}
translation_progress_classes = "untranslated"
"""
INDEX = """\
Страница
========

.. toctree::
   :caption: Разделы

   done

Первый абзац.

Второй абзац.

Третий абзац.
"""
DONE = "Готово\n======\n\nВсё переведено.\n"
PO_HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'
)
INDEX_PO = (
    PO_HEADER + 'msgid "Страница"\nmsgstr "Page"\n\n'
    'msgid "Первый абзац."\nmsgstr "First paragraph."\n\n'
    '#, fuzzy\nmsgid "Второй абзац."\nmsgstr "Second paragraph."\n\n'
    'msgid "Третий абзац."\nmsgstr ""\n\n'
    '#, fuzzy\nmsgid "Разделы"\nmsgstr "Sections"\n'
)
DONE_PO = (
    PO_HEADER + '#: done.rst:1\nmsgid "Готово"\nmsgstr "Done"\n\n'
    '#: done.rst:4\nmsgid "Всё переведено."\nmsgstr "All done."\n'
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.rst").write_text(INDEX, encoding="utf-8")
    (tmp_path / "done.rst").write_text(DONE, encoding="utf-8")
    messages = tmp_path / "locale" / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "index.po").write_text(INDEX_PO, encoding="utf-8")
    (messages / "done.po").write_text(DONE_PO, encoding="utf-8")
    return tmp_path


#: As the Makefile builds: warnings are errors, every one reported, references checked.
STRICT = ("--fail-on-warning", "--keep-going", "-n")


def build(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sphinx_build(), "-b", "html", *STRICT, *options, str(project), str(project / "_build")],
        capture_output=True,
        text=True,
        check=False,
    )


def po_line(msgid: str) -> int:
    return INDEX_PO.splitlines().index(f'msgid "{msgid}"') + 1


def test_a_fuzzy_or_untranslated_message_fails_at_its_po_line(project: Path) -> None:
    result = build(project)
    assert result.returncode != 0
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    po = "locale/en/LC_MESSAGES/index.po"
    assert len(warnings) == 3, result.stderr

    def said(text: str) -> bool:
        return any(text in warning for warning in warnings)

    assert said(f"{po}:{po_line('Второй абзац.')}: WARNING: fuzzy translation")
    assert said(
        "fuzzy translation (the original changed: review it, remove `#, fuzzy`):"
        " 'Второй абзац.' [i18n.fuzzy]"
    )
    assert said(f"{po}:{po_line('Третий абзац.')}: WARNING: untranslated message: 'Третий абзац.'")
    # A toctree's caption too: Sphinx translates it without marking it translated.
    assert said(f"{po}:{po_line('Разделы')}: WARNING: fuzzy translation")
    # The page the build rejected is not left to be published; the finished one is.
    assert not (project / "_build" / "index.html").exists()
    assert "All done." in (project / "_build" / "done.html").read_text(encoding="utf-8")


def test_the_preview_marks_what_is_left_and_counts_it(project: Path) -> None:
    result = build(project, "-D", "translation_allow_untranslated=1")
    assert result.returncode == 0, result.stderr
    page = soup(project / "_build" / "index.html")
    notice = page.select_one(".translation-notice")
    assert notice is not None
    assert notice.select_one(".admonition-title").get_text() == "This page is not fully translated."
    assert "1 passage(s) are not translated yet; 2 passage(s) changed in the original" in (
        notice.get_text()
    )
    assert notice.select_one("a")["href"] == "../ru/index.html"  # the original page
    marked = [" ".join(tag.get_text().split()) for tag in page.select(".untranslated")]
    assert marked == ["Второй абзац.", "Третий абзац."]
    text = page.get_text()
    assert "First paragraph." in text
    assert "Second paragraph." not in text  # an outdated translation is never shown as done
    done = soup(project / "_build" / "done.html")
    assert not done.select(".translation-notice, .untranslated")


def test_a_page_only_out_of_date_says_so() -> None:
    notice = extension_notice(0, 2)
    assert "The translation of this page is out of date." in notice
    assert "2 passage(s) changed in the original since they were, and are shown" in notice
    assert "not translated yet" not in notice
    assert "not fully translated" in extension_notice(3, 0)
    assert "3 passage(s) are not translated yet, and are shown" in extension_notice(3, 0)
    assert 'href="../ru/page.html"' in extension_notice(1, 1)


def extension_notice(untranslated: int, fuzzy: int) -> str:
    translation_state = extension("translation_state")
    state = translation_state.PageState(untranslated, fuzzy)
    assert state.complete is False
    assert translation_state.PageState(0, 0).complete is True
    return translation_state.notice(state, "../ru/page.html")


def test_broken_markup_in_a_translation_is_named_at_its_po_line(project: Path) -> None:
    catalog = project / "locale" / "en" / "LC_MESSAGES" / "done.po"
    text = catalog.read_text(encoding="utf-8").replace('msgstr "All done."', 'msgstr "All ``done."')
    catalog.write_text(text, encoding="utf-8")
    line = text.splitlines().index('msgid "Всё переведено."') + 1
    result = build(project)
    assert result.returncode != 0
    assert (
        f"done.po:{line}: WARNING: the translation's markup is broken (docutils says how,"
        " above): 'Всё переведено.' [i18n.broken]"
    ) in result.stderr, result.stderr
    assert not (project / "_build" / "done.html").exists()


#: A message longer than a warning quotes: cut, with an ellipsis.
LONG = "Очень длинный абзац без перевода, " * 6 + "конец."

#: Pages for the problems named in one build: a page without a .po file, a translation that
#: lost an address and a number, one whose reference points nowhere, and a broken .po file.
PROBLEM_PAGES = {
    "new.rst": ":orphan:\n\nНовая\n=====\n\nПервое.\n\nВторое.\n",
    "links.rst": (
        ":orphan:\n\n.. _links-top:\n\nСсылки\n======\n\n"
        "Адрес https://example.com/a и 42 секунды.\n\nСм. :ref:`links-top`.\n\n"
        f"{LONG}\n\nАбзац, которого нет в каталоге.\n"
    ),
    "latin.rst": ":orphan:\n\nЛатиница\n========\n\nТекст.\n",
    "conflict.rst": ":orphan:\n\nКонфликт\n========\n\nТекст.\n",
}
PROBLEM_POS = {
    "links.po": (
        PO_HEADER + 'msgid "Ссылки"\nmsgstr "Links"\n\n'
        'msgid "Адрес https://example.com/a и 42 секунды."\nmsgstr "The address, in seconds."\n\n'
        '#: links.rst:10\nmsgid "См. :ref:`links-top`."\nmsgstr "See :ref:`links-nowhere`."\n\n'
        f'msgid "{LONG}"\nmsgstr ""\n'
    ),
    # "Café." written in Latin-1, on line 7.
    "latin.po": (PO_HEADER + 'msgid "Текст."\nmsgstr "Caf').encode() + b'\xe9."\n',
    "conflict.po": (
        PO_HEADER + 'msgid "Конфликт"\n<<<<<<< HEAD\nmsgstr "Conflict"\n=======\n'
        'msgstr "A conflict"\n>>>>>>> other\n\nmsgid "Текст."\nmsgstr "Text."\n'
    ),
}


def test_each_problem_is_named_where_the_writer_fixes_it(project: Path) -> None:
    for name, text in PROBLEM_PAGES.items():
        (project / name).write_text(text, encoding="utf-8")
    messages = project / "locale" / "en" / "LC_MESSAGES"
    for name, text in PROBLEM_POS.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (messages / name).write_bytes(data)
    result = build(project)
    assert result.returncode != 0
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]

    def warned(where: str, text: str) -> None:
        assert f"{where}: WARNING: {text}" in warnings, result.stderr

    warned(
        f"{project}/new.rst:4",
        f"no English translation: {messages}/new.po does not exist; run `make po`, then"
        " translate its 3 messages (ALLOW_UNTRANSLATED=1 previews the page as it is)"
        " [i18n.untranslated]",
    )
    warned(
        f"{messages}/links.po:9",
        "the translation lost or changed https://example.com/a, 42 of the original: URLs,"
        " e-mail addresses, code and numbers are kept as they are (review it, even when not"
        " fuzzy) [i18n.literal]",
    )
    warned(
        f"{messages}/conflict.po:7",
        "merge conflict marker '<<<<<<<': keep one side of the conflict (one msgstr per"
        " message), delete the markers, then run `make po` again [i18n.broken_po]",
    )
    # Sphinx names the page's line; the warning adds the .po entry, once.
    warned(
        f"{project}/links.rst:10:<translated>:1",
        f"undefined label: 'links-nowhere' [ref.ref] (translation: {messages}/links.po:13)",
    )
    warned(
        f"{messages}/links.po:16",
        f"untranslated message: {LONG[:159] + '…'!r} [i18n.untranslated]",
    )
    warned(
        f"{project}/links.rst:14",
        f"message missing from {messages}/links.po (run `make po`): 'Абзац, которого нет в"
        " каталоге.' [i18n.missing]",
    )
    warned(f"{messages}/latin.po:7", "not UTF-8 text [i18n.broken_po]")
    inconsistent = [w for w in warnings if "inconsistent term references" in w]
    assert len(inconsistent) == 1, result.stderr
    assert inconsistent[0].startswith(f"{project}/links.rst:10: WARNING: ")
    assert inconsistent[0].endswith(
        f"[i18n.inconsistent_references] (translation: {messages}/links.po:13)"
    )
    # The index page's three, these eight, and Sphinx's own on reading latin.po.
    assert len(warnings) == 3 + 8 + 1, result.stderr
    for page in ("new", "links", "conflict", "latin"):
        removed = project / "_build" / f"{page}.html"
        assert f"removed {removed}: the build rejected its translation" in result.stdout
        assert not removed.exists()
