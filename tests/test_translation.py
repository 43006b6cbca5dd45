"""The English translation is complete: every message of every page translated.

The words extensions write (tab labels, captions) are translated once, in the extension
(docs/_ext/labels.py), and are no page's messages.
"""

from pathlib import Path

import polib
import pytest
from site_build import extension_labels

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


def test_extension_labels_are_translated_once_in_their_extension() -> None:
    tables = extension_labels()
    assert {"docs/_ext/examples.py", "docs/_ext/downloads.py"} <= set(tables)
    sources = {}
    for path in [*DOCS.rglob("*.rst"), *DOCS.rglob("*.md")]:
        sources[path.relative_to(DOCS).with_suffix("")] = path.read_text(encoding="utf-8")
    problems = []
    for module, table in tables.items():
        for name, label in table.items():
            if not (label.get("ru") and label.get("en")):
                problems.append(f"{module}: label {name!r} needs its Russian and its English")
                continue
            for catalog in CATALOGS:
                page = sources.get(catalog.relative_to(LOCALE).with_suffix(""), "")
                if label["ru"] in {entry.msgid for entry in polib.pofile(str(catalog))} and (
                    label["ru"] not in page  # the page's own words may be the same
                ):
                    problems.append(f"{catalog}: {label['ru']!r} is a label of {module}")
    assert not problems, "\n".join(problems)
