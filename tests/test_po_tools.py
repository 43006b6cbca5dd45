"""`make po`, `make po-todo`, `make po-stats` (tools/po.py) on small hand-made catalogs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from site_build import REPO

from tools import po

POT_HEADER = """\
# SOME DESCRIPTIVE TITLE.
# Copyright (C) SKB Kontur
# This file is distributed under the same license as the Kontur.Extern API package.
# FIRST AUTHOR <EMAIL@ADDRESS>, YEAR.
#
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: Kontur.Extern API \\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: 2026-11-27 10:00+0000\\n"
"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"
"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"
"Language-Team: LANGUAGE <LL@li.org>\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"

"""


#: Longer than a line, as most messages are: nothing may wrap them.
LONG_OLD = "Ключ нельзя восстановить: " + "его знает только владелец, " * 4 + "и больше никто."
LONG_NEW = LONG_OLD.replace("нельзя", "никак нельзя")


class Project:
    """A gettext output folder and a locale folder, as `make po` sees them."""

    def __init__(self, root: Path) -> None:
        self.pot_dir = root / "gettext"
        self.locale_dir = root / "locale"
        self.pot_dir.mkdir()

    def page(self, name: str, *msgids: str) -> None:
        """The .pot file Sphinx would extract from a page with these messages."""
        entries = "".join(
            f'#: ../../docs/{name}.rst:{line}\nmsgid "{msgid}"\nmsgstr ""\n\n'
            for line, msgid in enumerate(msgids, start=1)
        )
        (self.pot_dir / f"{name}.pot").write_text(POT_HEADER + entries, encoding="utf-8")

    def po_path(self, name: str) -> Path:
        return self.locale_dir / "en" / "LC_MESSAGES" / f"{name}.po"

    def catalog(self, name: str) -> polib.POFile:
        return polib.pofile(str(self.po_path(name)))

    def translate(self, name: str, translations: dict[str, str]) -> None:
        """A translator's work: fill in msgstr and clear the fuzzy flag."""
        catalog = self.catalog(name)
        for entry in catalog:
            if entry.msgid in translations:
                entry.msgstr = translations[entry.msgid]
                if entry.fuzzy:
                    entry.flags.remove("fuzzy")
        catalog.save()

    def update(self) -> None:
        po.update(self.pot_dir, self.locale_dir)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def test_a_new_file_gets_a_real_header(project: Project) -> None:
    project.page("new", "Новая страница")
    project.update()
    text = project.po_path("new").read_text(encoding="utf-8")
    catalog = project.catalog("new")
    assert not catalog.metadata_is_fuzzy
    assert catalog.metadata["Language"] == "en"
    assert catalog.metadata["Project-Id-Version"] == "Kontur.Extern API"
    assert catalog.metadata["Language-Team"] == "English"
    for placeholder in ("FULL NAME", "EMAIL@ADDRESS", "YEAR", "ORGANIZATION", "LL@li.org"):
        assert placeholder not in text
    assert "Copyright (C) SKB Kontur" in text
    # Updating again, with nothing changed, leaves the file as it is.
    before = project.po_path("new").stat().st_mtime_ns
    project.update()
    assert project.po_path("new").stat().st_mtime_ns == before


def test_a_changed_message_keeps_what_it_was_translated_from(project: Project) -> None:
    project.page("page", LONG_OLD, "Другое.")
    project.update()
    project.translate("page", {LONG_OLD: "The key cannot be recovered."})

    project.page("page", LONG_NEW, "Другое.")
    project.update()
    (entry,) = project.catalog("page").fuzzy_entries()
    assert entry.msgid == LONG_NEW
    assert entry.previous_msgid == LONG_OLD
    assert entry.msgstr == "The key cannot be recovered."

    # Another `make po`, and another change, keep the text it was translated from.
    project.update()
    project.page("page", LONG_NEW + " Увы.", "Другое.")
    project.update()
    (entry,) = project.catalog("page").fuzzy_entries()
    assert entry.previous_msgid == LONG_OLD
    assert "| msgid" not in project.po_path("page").read_text(encoding="utf-8").replace("#|", "")

    # Reviewed in a text editor: the translator deletes the flag; the old text goes with it.
    path = project.po_path("page")
    path.write_text(path.read_text(encoding="utf-8").replace("#, fuzzy\n", ""), encoding="utf-8")
    project.update()
    assert "#|" not in project.po_path("page").read_text(encoding="utf-8")


def test_messages_translated_on_other_pages_are_filled_in(project: Project) -> None:
    project.page("one", "Тестовая площадка", "Боевая площадка")
    project.page("two", "Тестовая площадка", "Боевая площадка")
    project.update()
    project.translate("one", {"Тестовая площадка": "Test environment", "Боевая площадка": "Prod"})
    project.translate("two", {"Боевая площадка": "Production environment"})

    project.page("three", "Тестовая площадка", "Боевая площадка", "Своё")
    project.update()
    entries = {entry.msgid: entry for entry in project.catalog("three")}
    same = entries["Тестовая площадка"]
    assert (same.msgstr, same.fuzzy) == ("Test environment", False)
    # Two pages disagree: filled in, but for review, with both translations named.
    differs = entries["Боевая площадка"]
    assert differs.fuzzy
    assert differs.msgstr in {"Prod", "Production environment"}
    assert "Prod" in differs.tcomment
    assert "Production environment" in differs.tcomment
    assert entries["Своё"].msgstr == ""


def test_todo_lists_each_message_with_line_and_word_diff(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.page("page", LONG_OLD, "Новое.")
    project.update()
    project.translate("page", {LONG_OLD: "The key cannot be recovered."})
    project.page("page", LONG_NEW, "Новое.")
    project.update()
    capsys.readouterr()

    assert po.main(["todo", str(project.locale_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    path = project.po_path("page")
    text = path.read_text(encoding="utf-8").splitlines()
    lines = {msgid: text.index(f'msgid "{msgid}"') + 1 for msgid in ("Новое.", LONG_NEW)}
    assert f"  {path}:{lines['Новое.']}: untranslated: Новое." in out
    assert (
        f"  {path}:{lines[LONG_NEW]}: fuzzy, the Russian changed: "
        + LONG_OLD.replace("нельзя", "{+никак+} нельзя")
        in out
    )
    assert out[-1] == "To translate: 1 untranslated and 1 fuzzy message(s) in 1 file(s)."


def test_word_diff() -> None:
    assert po.word_diff("a b c", "a x c") == "a [-b-] {+x+} c"
    assert po.word_diff("a b", "a b") == "a b"


@pytest.mark.parametrize("target", ["po-todo", "po-stats"])
def test_reports_exit_0_on_an_unfinished_translation(project: Project, target: str) -> None:
    project.page("page", "Новое.")
    project.update()
    result = subprocess.run(
        ["make", "--no-print-directory", target, f"SOURCEDIR={project.locale_dir.parent}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "1 untranslated" in result.stdout


def test_an_outdated_translation_never_fills_another_page(project: Project) -> None:
    """A fuzzy translation is not finished: it must not reach other pages as if it were."""
    project.page("one", LONG_OLD, "Боевая площадка")
    project.update()
    project.translate("one", {LONG_OLD: "The key cannot be recovered.", "Боевая площадка": "Prod"})
    project.page("one", LONG_NEW, "Боевая площадка")
    project.update()  # the Russian changed: its translation is fuzzy now
    (outdated,) = project.catalog("one").fuzzy_entries()
    assert outdated.msgid == LONG_NEW

    project.page("two", LONG_NEW, "Боевая площадка")
    project.update()
    entries = {entry.msgid: entry for entry in project.catalog("two")}
    assert (entries[LONG_NEW].msgstr, entries[LONG_NEW].fuzzy) == ("", False)
    assert (entries["Боевая площадка"].msgstr, entries["Боевая площадка"].fuzzy) == ("Prod", False)


def test_stats_and_todo_count_an_outdated_translation_as_unfinished(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.page("page", LONG_OLD, "Готово.", "Новое.")
    project.update()
    project.translate("page", {LONG_OLD: "The key cannot be recovered.", "Готово.": "Done."})
    project.page("page", LONG_NEW, "Готово.", "Новое.")
    project.update()
    capsys.readouterr()
    path = project.po_path("page")

    assert po.main(["stats", str(project.locale_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: 1 translated, 1 fuzzy, 1 untranslated",
        "In all: 1 translated, 1 fuzzy, 1 untranslated.",
    ]
    assert po.main(["todo", str(project.locale_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: 1 untranslated, 1 fuzzy of 3"
    assert "      English now: The key cannot be recovered." in out
    assert not any("Готово." in line for line in out)


def test_a_catalog_follows_its_page_when_it_moves_or_is_named_when_gone(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.page("old", "Страница.")
    project.page("gone", "Ушла.")
    project.update()
    project.translate("old", {"Страница.": "Page."})
    (project.pot_dir / "old.pot").rename(project.pot_dir / "new.pot")
    (project.pot_dir / "gone.pot").unlink()
    redirects = project.locale_dir.parent / "redirects.toml"
    redirects.write_text('"old" = "new"\n', encoding="utf-8")
    capsys.readouterr()

    assert (
        po.main(
            ["update", str(project.pot_dir), str(project.locale_dir), "--redirects", str(redirects)]
        )
        == 0
    )
    out = capsys.readouterr().out
    old, new, gone = (project.po_path(name) for name in ("old", "new", "gone"))
    assert f"Renamed {old} to {new}: the page moved to new" in out
    assert not old.exists()
    assert {e.msgid: e.msgstr for e in project.catalog("new")} == {"Страница.": "Page."}
    assert f"Orphaned {gone}: its page gone is gone; `make po PRUNE=1` removes it" in out
    assert gone.exists()

    assert po.main(["update", str(project.pot_dir), str(project.locale_dir), "--prune"]) == 0
    assert f"Removed {gone}: its page gone is gone" in capsys.readouterr().out
    assert not gone.exists()


def test_a_broken_catalog_stops_the_update_and_changes_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.page("one", "Один.")
    project.page("two", "Два.")
    project.update()
    broken = project.po_path("one")
    broken.write_text(broken.read_text(encoding="utf-8") + "<<<<<<< HEAD\n", encoding="utf-8")
    project.page("two", "Два.", "Три.")
    before = project.po_path("two").read_bytes()
    capsys.readouterr()
    assert po.main(["update", str(project.pot_dir), str(project.locale_dir)]) == 1
    err = capsys.readouterr().err
    lines = broken.read_text(encoding="utf-8").splitlines()
    assert f"{broken}:{len(lines)}: merge conflict marker '<<<<<<<'" in err
    assert err.rstrip().endswith("Nothing was changed.")
    assert project.po_path("two").read_bytes() == before


def test_a_moved_page_keeps_the_translation_its_new_address_already_has(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.page("old", "Старая.")
    project.page("new", "Новая.")
    project.update()
    project.translate("old", {"Старая.": "Old."})
    project.translate("new", {"Новая.": "New."})
    (project.pot_dir / "old.pot").unlink()
    redirects = project.locale_dir.parent / "redirects.toml"
    redirects.write_text('"old" = "new"\n', encoding="utf-8")
    capsys.readouterr()
    po.update(project.pot_dir, project.locale_dir, redirects)
    assert "Orphaned" in capsys.readouterr().out
    assert {e.msgid: e.msgstr for e in project.catalog("new")} == {"Новая.": "New."}
    assert project.po_path("old").exists()


def test_a_moved_page_takes_its_translations_over_an_untranslated_catalog(
    project: Project,
) -> None:
    project.page("old", "Страница.")
    project.page("new", "Страница.")
    project.update()
    project.translate("old", {"Страница.": "Page."})
    (project.pot_dir / "old.pot").unlink()
    redirects = project.locale_dir.parent / "redirects.toml"
    redirects.write_text('"old" = "new"\n', encoding="utf-8")
    po.update(project.pot_dir, project.locale_dir, redirects)
    assert not project.po_path("old").exists()
    (entry,) = project.catalog("new")
    assert (entry.msgstr, entry.fuzzy) == ("Page.", False)


def test_the_header_names_the_page_and_survives_updates(project: Project) -> None:
    (project.pot_dir / "auth").mkdir()
    project.page("auth/new", "Новая страница")
    project.update()
    path = project.po_path("auth/new")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# English translation of the page auth/new.\n")
    assert '"Report-Msgid-Bugs-To: \\n"' in text
    project.translate("auth/new", {"Новая страница": "New page"})
    (project.pot_dir / "auth" / "new.pot").write_text(
        POT_HEADER + 'msgid "Новая страница"\nmsgstr ""\n\nmsgid "Ещё"\nmsgstr ""\n',
        encoding="utf-8",
    )
    project.update()  # an existing catalog keeps its language and plural forms
    catalog = polib.pofile(str(path))
    assert catalog.metadata["Language"] == "en"
    assert catalog.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert catalog.metadata["Report-Msgid-Bugs-To"] == ""
    assert [entry.msgid for entry in catalog] == ["Новая страница", "Ещё"]


def test_the_command_line_says_what_each_command_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        po.main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m tools.po ")
    assert "The translation's .po files: update them, list what is left, count it." in out
    for command, text in {
        "update": "update the .po files from Sphinx's .pot files",
        "todo": "what is left to translate",
        "stats": "counts per file",
    }.items():
        assert re.search(rf"^\s+{command}\s+{re.escape(text)}$", out, re.MULTILINE), out
    with pytest.raises(SystemExit):
        po.main(["update", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--redirects REDIRECTS the site's redirects.toml: moved pages" in out
    assert "--prune remove catalogs of pages gone" in out


def test_a_changed_message_of_several_lines_keeps_each_line_it_was_translated_from(
    project: Project,
) -> None:
    old, new = "Первая строка.\\nВторая строка.", "Первая строка.\\nДругая строка."
    project.page("page", old)
    project.update()
    project.translate("page", {"Первая строка.\nВторая строка.": "First line.\nSecond line."})
    project.page("page", new)
    project.update()
    project.update()  # read back and written again: the old text stays whole
    (entry,) = project.catalog("page").fuzzy_entries()
    assert entry.previous_msgid == "Первая строка.\nВторая строка."
    assert entry.msgid == "Первая строка.\nДругая строка."


def test_update_says_what_it_wrote(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.page("one", "Тестовая площадка", "Своё")
    project.update()
    project.translate("one", {"Тестовая площадка": "Test environment"})
    project.page("one", "Тестовая площадка", "Своё", "Новое")
    project.page("two", "Тестовая площадка", "Боевая площадка")
    capsys.readouterr()
    project.update()
    assert capsys.readouterr().out.splitlines() == [
        f"Updated {project.po_path('one')}: 2 message(s) to translate, 0 filled from other pages",
        f"Created {project.po_path('two')}: 1 message(s) to translate, 1 filled from other pages",
    ]


def test_todo_lists_a_files_messages_in_the_order_of_its_lines(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.page("page", "Яблоко", "Арбуз", "Вишня")
    project.update()
    capsys.readouterr()
    assert po.main(["todo", str(project.locale_dir)]) == 0
    listed = [line.rsplit(": ", 1)[-1] for line in capsys.readouterr().out.splitlines()[1:-1]]
    assert listed == ["Яблоко", "Арбуз", "Вишня"]


def test_redirects_are_read_as_utf8_whatever_the_locale(project: Project) -> None:
    """A writer's Russian comment in redirects.toml, `make po` on a machine whose locale is
    plain ASCII (LC_ALL=C, no UTF-8 coercion): the moved page's catalog still follows it."""
    project.page("old", "Ключ")
    project.update()
    (project.pot_dir / "old.pot").rename(project.pot_dir / "new.pot")
    redirects = project.locale_dir.parent / "redirects.toml"
    redirects.write_text('# Страница переехала.\n"old" = "new"\n', encoding="utf-8")
    command = ["update", str(project.pot_dir), str(project.locale_dir), "--redirects"]
    result = subprocess.run(
        [sys.executable, "-X", "utf8=0", "-m", "tools.po", *command, str(redirects)],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert project.po_path("new").is_file() and not project.po_path("old").exists()
