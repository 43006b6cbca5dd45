"""Reading a translation's ``.po`` file strictly: a broken file is named with its line.

Used by the English build (``translation_state``) and by ``make po`` (``tools/po.py``):
a file with merge conflict markers or any syntax error is refused, never half read,
and the error says ``<file>:<line>: <what>``.
"""

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po
from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

#: The lines git writes around the two sides of a conflict.
CONFLICT = re.compile(r"^(?:<{7}|={7}|>{7}|\|{7})(?: |$)")


class BrokenCatalog(Exception):
    """A ``.po`` file that cannot be read as it is; ``str()`` names the file and line."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{shown(path)}:{line}: {problem}")
        self.path, self.line, self.problem = path, line, problem


def shown(path: Path) -> str:
    """A path as a writer types it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_strictly(path: Path, locale: str | None = None) -> Catalog:
    """The catalog of ``path``, or :class:`BrokenCatalog` naming where it is broken."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BrokenCatalog(path, line, "not UTF-8 text") from error
    for number, line in enumerate(text.splitlines(), 1):
        if CONFLICT.match(line):
            raise BrokenCatalog(
                path,
                number,
                f"merge conflict marker {line.split()[0]!r}: keep one side of the conflict"
                " (one msgstr per message), delete the markers, then run `make po` again",
            )
    try:
        return read_po(text.splitlines(keepends=True), locale=locale, abort_invalid=True)
    except PoFileError as error:
        what = re.sub(r" on \d+$", "", str(error))  # babel's own line number counts from 0
        raise BrokenCatalog(path, error.lineno + 1, f"{what}: {error.line!r}") from error
    except ValueError as error:  # a string babel cannot unquote
        raise BrokenCatalog(path, 1, f"not a .po file: {error}") from error


def setup(app: Sphinx) -> ExtensionMetadata:
    """Nothing to register: the module holds what the build and the tools share."""
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
