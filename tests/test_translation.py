"""The English translation is complete: every message of every page translated."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "docs" / "locale" / "en" / "LC_MESSAGES"
DOCS = LOCALE.parents[2]
CATALOGS = sorted(LOCALE.rglob("*.po"))


def test_every_page_has_a_catalog() -> None:
    sources = {
        path.relative_to(DOCS).with_suffix("")
        for path in [*DOCS.rglob("*.rst"), *DOCS.rglob("*.md")]
        if not path.relative_to(DOCS).parts[0].startswith("_") and path.name != "README.md"
    }
    catalogs = {path.relative_to(LOCALE).with_suffix("") for path in CATALOGS}
    assert sources <= catalogs, f"pages without a .po file (run `make po`): {sources - catalogs}"


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: str(path.relative_to(LOCALE)))
def test_catalog_is_fully_translated(catalog: Path) -> None:
    po = polib.pofile(str(catalog))
    assert not po.metadata_is_fuzzy, f"{catalog}: the header is still marked fuzzy"
    problems = [f"untranslated: {entry.msgid!r}" for entry in po.untranslated_entries()]
    problems += [f"fuzzy: {entry.msgid!r}" for entry in po.fuzzy_entries()]
    assert not problems, f"{catalog}:\n" + "\n".join(problems)
