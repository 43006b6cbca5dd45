"""How the benchmark's figures are computed and shown: medians, one Markdown table."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def median(values: Iterable[float]) -> float:
    """The median; a benchmark figure from several runs."""
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def verdict(ok: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: ""}[ok]


@dataclass
class Row:
    """One line of the table."""

    what: str
    value: str
    memory: str = ""
    target: str = ""
    result: str = ""
    runs: str = ""


def render_table(rows: Sequence[Row]) -> str:
    """A Markdown table (pastes into the README), columns padded to line up."""
    header = Row("measure", "median", "peak RSS", "target", "result", "runs")
    cells = [[r.what, r.value, r.runs, r.memory, r.target, r.result] for r in (header, *rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(c) for c in cells[1:])])


def mib(kib: float | None) -> str:
    return "" if kib is None else f"{kib / 1024:.0f} MiB"


def secs(value: float) -> str:
    return f"{value:.2f} s"


def tail(output: str, lines: int = 15) -> str:
    """The last lines of a command's output, indented, for the problems after the table."""
    return "\n".join("    " + line for line in output.rstrip().splitlines()[-lines:])
