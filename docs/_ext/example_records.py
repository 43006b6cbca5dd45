"""What each example's recorded output was recorded from: a fingerprint of its files.

``make snippets`` runs a task's examples and records their output; then it writes, in
``snippets/outputs.sha256`` (``sha256sum``'s format, paths relative to ``snippets/``),
the SHA-256 of every example file it ran. The build compares it with the files as they
are (``.. example::``): an example changed, added or removed since its output was
recorded fails the page, naming the example, without running anything.
"""

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

RECORD = "outputs.sha256"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(snippets: Path) -> dict[str, str]:
    """``<task>/<file>`` -> the SHA-256 it had when its task's output was recorded."""
    path = snippets / RECORD
    if not path.is_file():
        return {}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            found[name] = digest
    return found


def record(folder: Path, files: Iterable[Path], not_run: Iterable[str] = ()) -> Path:
    """Note ``files`` as what the outputs of the task in ``folder`` were recorded from.

    The files ``not_run`` (this machine lacks their toolchain) keep what was noted before:
    unchanged, they still match; changed, the build names them until they are run.
    """
    snippets, task = folder.parent, folder.name
    kept = {f"{task}/{name}" for name in not_run}
    known = {
        name: digest
        for name, digest in read(snippets).items()
        if not name.startswith(f"{task}/") or name in kept
    }
    known |= {f"{task}/{path.name}": _digest(path) for path in files}
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(known.items()))
    (snippets / RECORD).write_text(text, encoding="utf-8")
    return snippets / RECORD


def stale(folder: Path, suffixes: Iterable[str]) -> str | None:
    """What changed in the examples of ``folder`` since their output was recorded, if anything."""
    snippets, task = folder.parent, folder.name
    recorded = {
        name.removeprefix(f"{task}/"): digest
        for name, digest in read(snippets).items()
        if name.startswith(f"{task}/")
    }
    wanted = tuple(suffixes)
    now = {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix in wanted}
    for name, path in now.items():
        if name not in recorded:
            return f"{name} is new since the output was recorded"
        if _digest(path) != recorded[name]:
            return f"{name} changed after its output was recorded"
    for name in recorded:
        if name not in now:
            return f"{name} was removed since the output was recorded"
    return None


def setup(app: Sphinx) -> ExtensionMetadata:
    """Nothing to register: the module holds what the build and the tools share."""
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
