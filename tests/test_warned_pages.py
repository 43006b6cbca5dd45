"""A page that warned is built again (docs/_ext/warned_pages.py): a rebuild cannot hide it."""

import json
import subprocess
from pathlib import Path

from site_build import EXTENSIONS, sphinx_build

CONF = f"""
import sys
sys.path.insert(0, {str(EXTENSIONS)!r})
extensions = ["warned_pages"]
"""


def build(project: Path) -> subprocess.CompletedProcess[str]:
    """Build ``project`` incrementally, warnings as errors, as ``make html`` does."""
    return subprocess.run(
        [sphinx_build(), "-b", "html", "--fail-on-warning", "--keep-going", "-n", ".", "_build"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_warning_while_writing_comes_back_until_it_is_fixed(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.rst").write_text("Home\n====\n\n.. toctree::\n\n   other\n")
    other = tmp_path / "other.rst"
    other.write_text("Other\n=====\n\nSee :doc:`/nowhere`.\n")  # found only while writing
    for _build in range(2):  # the second build changes nothing, and fails all the same
        result = build(tmp_path)
        assert result.returncode != 0, result.stdout
        assert "other.rst:4: WARNING: unknown document: '/nowhere'" in result.stderr
    other.write_text("Other\n=====\n\nSee :doc:`/index`.\n")
    assert build(tmp_path).returncode == 0
    again = build(tmp_path)
    assert again.returncode == 0
    assert "0 added, 0 changed, 0 removed" in again.stdout  # nothing left to read again


def test_a_warning_at_a_po_file_names_its_page(tmp_path: Path) -> None:
    """An English build names an outdated translation at its .po line: the page it
    translates is the one read again."""
    conf = CONF.replace('["warned_pages"]', '["translation_state", "warned_pages"]')
    conf += 'language = "en"\nlocale_dirs = ["locale/"]\ngettext_compact = False\n'
    (tmp_path / "conf.py").write_text(conf, encoding="utf-8")
    (tmp_path / "index.rst").write_text("Home\n====\n\n.. toctree::\n\n   folder/other\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "other.rst").write_text("Other\n=====\n\nText.\n")
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    catalogs = tmp_path / "locale" / "en" / "LC_MESSAGES"
    (catalogs / "folder").mkdir(parents=True)
    (catalogs / "index.po").write_text(header + 'msgid "Home"\nmsgstr "Home"\n')
    (catalogs / "folder" / "other.po").write_text(
        header + 'msgid "Other"\nmsgstr "Other"\n\n#, fuzzy\nmsgid "Text."\nmsgstr "Text."\n'
    )
    result = build(tmp_path)
    assert result.returncode == 1, result.stderr
    assert "folder/other.po:9: WARNING: fuzzy translation" in result.stderr
    warned = tmp_path / "_build" / ".doctrees" / "warned-pages.json"
    assert json.loads(warned.read_text(encoding="utf-8")) == ["folder/other"]
