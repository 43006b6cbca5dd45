"""What a translation must keep exactly: addresses, e-mail addresses, code and numbers.

A URL, an e-mail address, an inline literal (````...````) or a number of the Russian
text must appear unchanged in the English one, as often as in the Russian (literals
with Russian words in them, such as ````Bearer <токен>````, are translated with the
text; an English ordinal keeps its number: 21 -> 21st). The English build checks every
translated message (``translation_state``); the tests check the extensions' labels too.
"""

import re
from collections import Counter

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

URL = re.compile(r"https?://[^\s<>`]+[^\s<>`.,;:)]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LITERAL = re.compile(r"``(.+?)``")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
#: A number standing alone (not part of a word, an address or a literal): 300, 0.5, 1,5.
NUMBER = re.compile(r"(?<![\w.,/:-])\d+(?:[.,]\d+)*(?![\w/])")
#: The same number in English text, where it may be an ordinal (21st, 2nd).
ENGLISH_NUMBER = re.compile(r"(?<![\w.,/:-])(\d+(?:[.,]\d+)*)(?:st|nd|rd|th)?(?![\w/])")


def _outside_code(text: str) -> str:
    """The text without its URLs, e-mail addresses and literals (their digits are theirs)."""
    for pattern in (LITERAL, URL, EMAIL):
        text = pattern.sub(" ", text)
    return text


def kept_values(text: str) -> list[str]:
    """The URLs, e-mail addresses, inline literals and numbers a translation must keep."""
    literals = [value for value in LITERAL.findall(text) if not CYRILLIC.search(value)]
    return (
        URL.findall(text)
        + EMAIL.findall(text)
        + [f"``{value}``" for value in literals]
        + NUMBER.findall(_outside_code(text))
    )


def missing_values(original: str, translation: str) -> list[str]:
    """What ``translation`` lost or changed: each value compared whole, as often as it occurs."""
    found = Counter(URL.findall(translation) + EMAIL.findall(translation))
    found.update(f"``{value}``" for value in LITERAL.findall(translation))
    found.update(ENGLISH_NUMBER.findall(_outside_code(translation)))
    return list((Counter(kept_values(original)) - found).elements())


def setup(app: Sphinx) -> ExtensionMetadata:
    """Nothing to register: the module holds what the build and the tools share."""
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
