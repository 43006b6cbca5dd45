"""How `make mutate` and `make bench` count mutmut's verdicts (mutmut itself is never run here)."""

import json
from pathlib import Path

from bench import mutation


def metas(tmp_path: Path, *modules: dict[str, int | None]) -> Path:
    folder = tmp_path / "mutants"
    for number, codes in enumerate(modules):
        meta = folder / "extern_stub" / f"m{number}.py.meta"
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"exit_code_by_key": codes}))
    return folder


def test_killed_over_checked_across_modules(tmp_path: Path) -> None:
    first = {f"a_{i}": 1 for i in range(8)} | {"a_t": 36, "a_s": 0}
    second = {"b_1": 33, "b_2": None, "b_3": 3}
    kills = mutation.read(metas(tmp_path, first, second))
    assert kills is not None
    assert (kills.killed, kills.survived, kills.no_tests, kills.unchecked) == (10, 1, 1, 1)
    assert kills.ratio == 10 / 12
    assert kills.survivors == ("a_s", "b_1")
    assert kills.summary().startswith("10 of 12 mutants checked killed (83.3%)")


def test_nothing_checked_is_no_result(tmp_path: Path) -> None:
    assert mutation.read(metas(tmp_path, {"a": None})) is None
    assert mutation.read(tmp_path / "missing") is None


def test_a_sample_spreads_over_every_module(tmp_path: Path) -> None:
    folder = metas(
        tmp_path, {f"a_{i}": None for i in range(10)}, {f"b_{i}": None for i in range(10)}
    )
    picked = mutation.sample(5, folder)
    assert len(picked) == 4
    assert {name[0] for name in picked} == {"a", "b"}


MUTATED = """
def x_answer__mutmut_orig(body):
    return json_response(body, 200)


def x_answer__mutmut_1(body):
    return json_response(body, None)


def x_answer__mutmut_2(body):
    return json_response(body, 201)
"""


def test_listed_equivalents_count_only_while_their_line_is_still_written(tmp_path: Path) -> None:
    folder = metas(
        tmp_path,
        {"extern_stub.m0.x_answer__mutmut_1": 0, "extern_stub.m0.x_answer__mutmut_2": 0, "k": 1},
    )
    (folder / "extern_stub" / "m0.py").write_text(MUTATED)
    listing = tmp_path / "equivalent.toml"
    listing.write_text(
        '["extern_stub.m0.x_answer__mutmut_1"]\n'
        'line = "return json_response(body, None)"\n'
        'why = "None is the default status, 200."\n'
        '["extern_stub.m0.x_answer__mutmut_2"]\n'
        'line = "return json_response(body, 202)"\n'  # another mutant wrote this line once
        'why = "stale"\n'
    )
    kills = mutation.read(folder, listing)
    assert kills is not None
    assert kills.equivalent == ("extern_stub.m0.x_answer__mutmut_1",)
    assert kills.raw_ratio == 1 / 3
    assert kills.ratio == 1 / 2
    assert mutation.mutated_line("extern_stub.m0.x_answer__mutmut_2", folder) == (
        "return json_response(body, 201)"
    )
