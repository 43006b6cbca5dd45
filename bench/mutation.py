"""Mutation testing of the sandbox: how many mutants of ``extern_stub`` its tests kill.

``make mutate`` runs mutmut (about an hour on two shared cores) and then this module, which
prints the kill ratio from mutmut's results. ``make bench`` reports the ratio of the last
``make mutate`` rather than running mutmut again. Target: at least 90% killed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.harness import REPO, Bench

#: What mutmut's ``export-cicd-stats`` writes.
STATS = REPO / "mutants" / "mutmut-cicd-stats.json"
#: The share of mutants the tests must kill.
TARGET = 0.90


@dataclass(frozen=True)
class Kills:
    """Mutmut's verdicts, added up."""

    killed: int
    survived: int
    total: int
    no_tests: int
    timeout: int
    suspicious: int
    skipped: int

    @property
    def ratio(self) -> float:
        """Killed (a timeout counts: the mutant made the tests hang) over all checked."""
        checked = self.total - self.skipped
        return (self.killed + self.timeout) / checked if checked else 0.0

    def summary(self) -> str:
        return (
            f"{self.killed + self.timeout} of {self.total - self.skipped} mutants killed "
            f"({self.ratio:.1%}): {self.survived} survived, {self.no_tests} reached by no test, "
            f"{self.timeout} timed out, {self.suspicious} suspicious"
        )


def read(path: Path = STATS) -> Kills | None:
    """The verdicts of the last run, or None when there was none."""
    if not path.exists():
        return None
    data = json.loads(path.read_text("utf-8"))
    return Kills(
        killed=data["killed"],
        survived=data["survived"],
        total=data["total"],
        no_tests=data["no_tests"],
        timeout=data["timeout"],
        suspicious=data["suspicious"],
        skipped=data["skipped"],
    )


def run(bench: Bench) -> None:
    """A row for ``make bench``: the kill ratio of the last ``make mutate``."""
    kills = read()
    if kills is None:
        bench.row("mutmut: sandbox mutants killed", "", result="n/a: run make mutate first")
        return
    row = bench.row("mutmut: sandbox mutants killed", f"{kills.ratio:.1%}", target="90%")
    bench.judge(row, kills.ratio >= TARGET)
    bench.notes.append(f"make mutate (last run): {kills.summary()}")


def main() -> int:
    """After ``mutmut run``: export its results, print the ratio; 1 below the target."""
    subprocess.run([sys.executable, "-m", "mutmut", "export-cicd-stats"], cwd=REPO, check=True)
    kills = read()
    if kills is None:
        print("mutmut: no results", file=sys.stderr)
        return 1
    print(f"mutmut: {kills.summary()}")
    return 0 if kills.ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
