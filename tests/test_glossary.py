"""The English translation keeps the glossary's terms and every address and literal.

The glossary is docs/glossary.toml. A message whose Russian text holds a glossary term
must hold the English term in its translation. A URL, an e-mail address, an inline
literal (``...``) or a number of the Russian text must appear unchanged in the
translation (docs/_ext/literals.py, which the English build checks too). Failures name
the .po file, its line and the term or the value.
"""

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest
from site_build import EXTENSIONS, extension_labels

sys.path.insert(0, str(EXTENSIONS))
from literals import missing_values as lost_values

REPO = Path(__file__).resolve().parent.parent
GLOSSARY = REPO / "docs" / "glossary.toml"
LOCALE = REPO / "docs" / "locale" / "en" / "LC_MESSAGES"
CATALOGS = sorted(LOCALE.rglob("*.po"))


@dataclass(frozen=True)
class Term:
    ru: str
    en: str
    ru_forms: re.Pattern[str]
    en_forms: re.Pattern[str]
    en_avoid: re.Pattern[str] | None = None  # case-sensitive: what English must never write


def glossary() -> list[Term]:
    terms = tomllib.loads(GLOSSARY.read_text(encoding="utf-8"))["term"]
    return [
        Term(
            term["ru"],
            term["en"],
            re.compile(term["ru_forms"], re.IGNORECASE),
            re.compile(term["en_forms"], re.IGNORECASE),
            re.compile(term["en_avoid"]) if "en_avoid" in term else None,
        )
        for term in terms
    ]


def translated(catalog: Path) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(catalog)) if entry.translated()]


def missing_terms(entry: polib.POEntry, terms: list[Term]) -> list[Term]:
    """The terms of the Russian text that the translation lacks, or writes in a form ruled out."""
    return [
        term
        for term in terms
        if term.ru_forms.search(entry.msgid)
        and (
            not term.en_forms.search(entry.msgstr)
            or (term.en_avoid is not None and term.en_avoid.search(entry.msgstr))
        )
    ]


def missing_values(entry: polib.POEntry) -> list[str]:
    """What the translation lost or changed: each value compared whole, as often as it occurs."""
    return lost_values(entry.msgid, entry.msgstr)


def where(catalog: Path, entry: polib.POEntry) -> str:
    return f"{catalog.relative_to(REPO)}:{entry.linenum}"


def test_the_glossary_is_read() -> None:
    terms = glossary()
    assert len(terms) >= 10
    assert {"environment; test / production environment", "sandbox"} <= {t.en for t in terms}


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: str(path.relative_to(LOCALE)))
def test_translations_use_the_glossary(catalog: Path) -> None:
    terms = glossary()
    problems = [
        f"{where(catalog, entry)}: «{term.ru}» is translated without “{term.en}”: {entry.msgstr!r}"
        for entry in translated(catalog)
        for term in missing_terms(entry, terms)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: str(path.relative_to(LOCALE)))
def test_translations_keep_addresses_and_literals(catalog: Path) -> None:
    problems = [
        f"{where(catalog, entry)}: {value} is missing or changed in the translation"
        for entry in translated(catalog)
        for value in missing_values(entry)
    ]
    assert not problems, "\n".join(problems)


def test_extension_labels_use_the_glossary() -> None:
    """The words extensions write in each language (docs/_ext/labels.py), checked alike."""
    terms = glossary()
    problems = []
    for module, table in extension_labels().items():
        for name, label in table.items():
            entry = polib.POEntry(msgid=label["ru"], msgstr=label["en"])
            problems += [
                f"{module}: label {name!r}: «{term.ru}» is translated without “{term.en}”"
                for term in missing_terms(entry, terms)
            ]
            problems += [
                f"{module}: label {name!r}: {value} is missing or changed in the translation"
                for value in missing_values(entry)
            ]
    assert not problems, "\n".join(problems)


def test_the_checks_see_a_wrong_translation() -> None:
    """The two checks on made-up entries: a wrong term, a changed address, a lost literal."""
    entry = polib.POEntry(
        msgid="Ключ боевой площадки: `сайт <https://kontur.ru/extern/api>`__, ``scope``,"
        " ``Bearer <токен>``, extern-api.help@skbkontur.ru, 300 символов, 21 запрос.",
        msgstr="The live site's key: `site <https://kontur.ru/extern/api/v2>`__, scope,"
        " ``Bearer <token>``, extern-api.help@skbkontur.ru, 200 characters, the 21st request.",
    )
    assert {term.ru for term in missing_terms(entry, glossary())} == {
        "площадка; тестовая / боевая (рабочая) площадка",
        "боевая площадка, боевой ключ",
    }
    assert missing_values(entry) == ["https://kontur.ru/extern/api", "``scope``", "300"]


def test_the_glossary_rules_out_a_form() -> None:
    """A term's `en_avoid`: the flow names in lower case, so a capitalised one fails."""
    flows = [term for term in glossary() if term.en_avoid is not None]
    assert flows
    msgid = "Способ Client Credentials"
    capitalised = polib.POEntry(msgid=msgid, msgstr="The Client Credentials flow")
    lower = polib.POEntry(msgid=msgid, msgstr="The client credentials flow")
    assert missing_terms(capitalised, flows) == flows
    assert missing_terms(lower, flows) == []
