"""Mutation testing of the sandbox: how many mutants of ``extern_stub`` its tests kill.

``make mutate`` runs mutmut (about an hour on two shared cores) and then this module, which
prints the kill ratio from mutmut's results. ``make bench`` reports the ratio of the last
``make mutate`` rather than running mutmut again. Target: at least 90% killed.
"""

from __future__ import annotations

import ast
import difflib
import json
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bench import areas
from bench.harness import REPO, Bench

#: Where mutmut keeps its verdicts: one ``.meta`` file per mutated module.
MUTANTS = REPO / "mutants"
#: Survivors judged equivalent (no request, answer or log tells them apart), with the line
#: each mutant writes and why; an entry counts only while its mutant still writes that line.
EQUIVALENT = REPO / "tests" / "stub" / "equivalent_mutants.toml"
#: The share of mutants the tests must kill.
TARGET = 0.90
#: mutmut's exit codes (mutmut.stats.status_by_exit_code) as this report counts them.
KILLED = {1, 3, 36, 24, -24, 152, 255}  # a failing test, pytest's own error, a timeout
SURVIVED = {0}
NO_TESTS = {5, 33}


@dataclass(frozen=True)
class Kills:
    """Mutmut's verdicts on the mutants it has checked, added up."""

    killed: int
    survived: int
    no_tests: int
    other: int
    unchecked: int
    survivors: tuple[str, ...]
    equivalent: tuple[str, ...] = ()

    @property
    def checked(self) -> int:
        return self.killed + self.survived + self.no_tests + self.other

    @property
    def raw_ratio(self) -> float:
        """Killed over checked: a mutant no test reaches counts as surviving."""
        return self.killed / self.checked if self.checked else 0.0

    @property
    def ratio(self) -> float:
        """Killed over checked, leaving out the survivors judged equivalent."""
        relevant = self.checked - len(self.equivalent)
        return self.killed / relevant if relevant else 0.0

    def summary(self) -> str:
        return (
            f"{self.killed} of {self.checked} mutants checked killed ({self.raw_ratio:.1%}): "
            f"{self.survived} survived, {self.no_tests} reached by no test, {self.other} other; "
            f"{self.unchecked} not checked in this run. {len(self.equivalent)} survivors are "
            f"judged equivalent ({EQUIVALENT.relative_to(REPO)}): {self.killed} of "
            f"{self.checked - len(self.equivalent)} others killed ({self.ratio:.1%})"
        )


def verdicts(folder: Path = MUTANTS) -> dict[str, int | None]:
    """Every mutant's name and mutmut's exit code for it (None: not checked)."""
    found: dict[str, int | None] = {}
    for meta in sorted(folder.rglob("*.py.meta")):
        found |= json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    return found


@cache
def _functions(module: Path) -> tuple[str, dict[str, ast.FunctionDef]]:
    source = module.read_text("utf-8")
    found = {
        node.name: node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and "__mutmut_" in node.name
    }
    return source, found


def mutated_line(name: str, folder: Path = MUTANTS) -> str | None:
    """The first line the mutant ``name`` writes in place of the original, stripped."""
    module_name, _, function = name.rpartition(".")
    while "ǁ" in module_name.rpartition(".")[2]:  # a method: the class is part of the name
        module_name = module_name.rpartition(".")[0]
    module = folder / (module_name.replace(".", "/") + ".py")
    if not module.exists():
        return None
    source, functions = _functions(module)
    mutant = functions.get(function)
    original = functions.get(function.rpartition("__mutmut_")[0] + "__mutmut_orig")
    if mutant is None or original is None:
        return None
    lines = source.splitlines()
    before = [line.strip() for line in lines[original.lineno : original.end_lineno]]
    after = [line.strip() for line in lines[mutant.lineno : mutant.end_lineno]]
    added = [line[2:] for line in difflib.ndiff(before, after) if line.startswith("+ ")]
    return added[0] if added else None


def equivalent(
    survivors: tuple[str, ...], folder: Path = MUTANTS, listing: Path = EQUIVALENT
) -> tuple[str, ...]:
    """The survivors listed as equivalent whose mutant still writes the line listed."""
    if not listing.exists():
        return ()
    listed = tomllib.loads(listing.read_text("utf-8"))
    return tuple(
        name
        for name in survivors
        if name in listed and mutated_line(name, folder) == listed[name]["line"]
    )


def read(folder: Path = MUTANTS, listing: Path = EQUIVALENT) -> Kills | None:
    """The verdicts of the runs so far, or None when nothing was checked."""
    codes = verdicts(folder) if folder.exists() else {}
    checked = {name: code for name, code in codes.items() if code is not None}
    if not checked:
        return None
    survivors = tuple(sorted(n for n, c in checked.items() if c in SURVIVED | NO_TESTS))
    return Kills(
        killed=sum(code in KILLED for code in checked.values()),
        survived=sum(code in SURVIVED for code in checked.values()),
        no_tests=sum(code in NO_TESTS for code in checked.values()),
        other=sum(code not in KILLED | SURVIVED | NO_TESTS for code in checked.values()),
        unchecked=len(codes) - len(checked),
        survivors=survivors,
        equivalent=equivalent(survivors, folder, listing),
    )


def sample(every: int, folder: Path = MUTANTS) -> list[str]:
    """Every ``every``-th mutant name, in a stable order: a smaller run that still spreads
    over every module (``make mutate MUTANTS="$(python -m bench.mutation --sample 20)"``)."""
    return sorted(verdicts(folder))[::every]


def run(bench: Bench) -> None:
    """Rows for ``make bench``: the kill ratio of the last ``make mutate``, then that of each
    other area's last ``make mutate AREA=...`` (bench/areas.py), with its date."""
    kills = read()
    if kills is None:
        bench.row("mutmut: sandbox mutants killed", "", result="n/a: run make mutate first")
    else:
        row = bench.row(
            "mutmut: sandbox mutants killed (equivalent ones left out)",
            f"{kills.ratio:.1%}",
            target="90%",
        )
        bench.judge(row, kills.ratio >= TARGET)
        bench.notes.append(f"make mutate (last run): {kills.summary()}")
    for name in areas.AREAS:
        area = areas.read(name)
        if area is None:
            bench.row(
                f"mutation: {name} mutants killed", "", result=f"n/a: make mutate AREA={name}"
            )
            continue
        row = bench.row(
            f"mutation: {name} mutants killed ({area.date}, {area.checked} of {area.population})",
            f"{area.ratio:.1%} ({area.interval[0]:.0%} to {area.interval[1]:.0%})",
            target="90%",
        )
        bench.judge(row, area.ratio >= areas.TARGET)
        bench.notes.append(f"make mutate AREA={name} (last run): {area.summary()}")


def main(argv: list[str] | None = None) -> int:
    """Print the kill ratio of the runs so far (1 below the target), or with ``--sample N``
    the names of every N-th mutant; ``--survivors`` lists the mutants that survived."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--sample"]:
        print(" ".join(sample(int(args[1]))))
        return 0
    kills = read()
    if kills is None:
        print("mutmut: no results; run make mutate", file=sys.stderr)
        return 1
    print(f"mutmut: {kills.summary()}")
    if "--survivors" in args:  # the ones not judged equivalent, with the line each writes
        for name in sorted(set(kills.survivors) - set(kills.equivalent)):
            print(f"{name}: {mutated_line(name)}")
    return 0 if kills.ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
