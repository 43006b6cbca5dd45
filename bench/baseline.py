"""Plain Sphinx, the benchmark's yardstick: the same pages built with no extensions.

``bench/baseline_conf.py`` is its configuration; this module writes it into a scratch
folder with the names the pages use, and gives the command that builds with it.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from bench.harness import Bench

BASELINE_CONF = Path(__file__).with_name("baseline_conf.py")

_DIRECTIVE = re.compile(r"^\s*\.\. ([A-Za-z][\w:+.-]*)::", re.MULTILINE)
_ROLE = re.compile(r"(?<![\w`]):([A-Za-z][\w:+.-]*):`")


def names_used(rst_texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Directive and role names that reStructuredText sources use, sorted."""
    found_directives: set[str] = set()
    found_roles: set[str] = set()
    for text in rst_texts:
        found_directives.update(_DIRECTIVE.findall(text))
        found_roles.update(_ROLE.findall(text))
    return sorted(found_directives), sorted(found_roles)


def command(bench: Bench, tree: Path, out: Path, conf: Path) -> list[str]:
    """Plain Sphinx over ``tree/docs``, Russian, one process, configured by ``conf``."""
    sphinx_build = bench.venv / "bin" / "sphinx-build"
    return [
        str(sphinx_build),
        "-b",
        "html",
        "-j",
        "1",
        "-c",
        str(conf),
        "-D",
        "language=ru",
        "-d",
        str(out / "doctrees"),
        str(tree / "docs"),
        str(out / "html"),
    ]


def write_conf(bench: Bench, tree: Path, folder: Path, theme: str | None = None) -> Path:
    """bench/baseline_conf.py as ``folder/conf.py``, with the names ``tree``'s pages use;
    Sphinx's default theme unless ``theme`` names another."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = (p.read_text(encoding="utf-8") for p in (tree / "docs").rglob("*.rst"))
    used_directives, used_roles = names_used(texts)
    settings = {
        "project": bench.conf.get("project", "docs"),
        "root_doc": bench.conf.get("root_doc", "index"),
        "exclude_patterns": list(bench.conf.get("exclude_patterns", [])),  # type: ignore[call-overload]
        "directives": used_directives,
        "roles": used_roles,
        **({"html_theme": theme} if theme else {}),
    }
    (folder / "baseline.json").write_text(json.dumps(settings), encoding="utf-8")
    shutil.copyfile(BASELINE_CONF, folder / "conf.py")
    return folder


def stand_ins_note(conf: Path) -> str | None:
    """What the baseline built with ``conf`` stood in for, once it has run; else None."""
    stand_ins = conf / "stand-ins.json"
    if not stand_ins.exists():
        return None
    used = json.loads(stand_ins.read_text(encoding="utf-8"))
    names = [f"{n}::" for n in used["directives"]] + [f":{n}:" for n in used["roles"]]
    return (
        "baseline: plain `sphinx-build -b html -j 1` of the same Russian pages, no "
        f"extensions, default theme; stand-ins for {', '.join(names) or 'nothing'} keep "
        "their content and drop the rest; Markdown pages are read as plain paragraphs."
    )
