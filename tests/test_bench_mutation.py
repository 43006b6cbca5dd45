"""How `make mutate` and `make bench` count mutmut's verdicts (mutmut itself is never run here)."""

import json
from pathlib import Path

from bench import mutation


def stats(tmp_path: Path, **counts: int) -> Path:
    data = {"killed": 0, "survived": 0, "total": 0, "no_tests": 0, "timeout": 0}
    data |= {"suspicious": 0, "skipped": 0, "segfault": 0}
    path = tmp_path / "mutmut-cicd-stats.json"
    path.write_text(json.dumps(data | counts))
    return path


def test_the_ratio_counts_timeouts_as_killed_and_leaves_skipped_out(tmp_path: Path) -> None:
    kills = mutation.read(
        stats(tmp_path, killed=85, timeout=5, survived=8, no_tests=2, total=110, skipped=10)
    )
    assert kills is not None
    assert kills.ratio == 0.9
    assert kills.summary().startswith("90 of 100 mutants killed (90.0%): 8 survived, 2 reached")


def test_mutants_no_test_reaches_count_against_the_ratio(tmp_path: Path) -> None:
    kills = mutation.read(stats(tmp_path, killed=9, no_tests=1, total=10))
    assert kills is not None
    assert kills.ratio == 0.9


def test_no_run_yet(tmp_path: Path) -> None:
    assert mutation.read(tmp_path / "missing.json") is None
    assert mutation.read(stats(tmp_path, total=0)).ratio == 0.0  # type: ignore[union-attr]
