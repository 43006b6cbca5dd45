"""The order the test workers take the tests in (tests/scheduling.py)."""

from dataclasses import dataclass

import pytest
from scheduling import SECONDS, scheduled, seconds, share_sizes


@dataclass(frozen=True)
class Item:
    nodeid: str


def test_the_shares_are_those_of_worksteal() -> None:
    assert share_sizes(7, 2) == [3, 4]
    assert share_sizes(10, 3) == [3, 3, 4]
    assert share_sizes(1, 2) == [0, 1]


def test_each_worker_starts_on_a_long_module_and_ends_on_quick_tests() -> None:
    longest, second = sorted(SECONDS, key=SECONDS.get, reverse=True)[:2]
    items = [Item(f"tests/test_quick_{n}.py::test_{t}") for n in range(8) for t in range(20)]
    items[40:40] = [Item(f"{longest}::test_{t}") for t in range(30)]
    items += [Item(f"{second}::test_{t}") for t in range(5)]
    order = scheduled(items, 2)  # type: ignore[arg-type]
    assert sorted(item.nodeid for item in order) == sorted(item.nodeid for item in items)
    first, _ = share_sizes(len(items), 2)
    heads = {order[0].nodeid.split("::")[0], order[first].nodeid.split("::")[0]}
    assert heads == {longest, second}
    assert "quick" in order[first - 1].nodeid and "quick" in order[-1].nodeid
    # A module's tests stay together, in their order.
    modules = [item.nodeid.split("::")[0] for item in order]
    starts = [n for n, module in enumerate(modules) if n == 0 or modules[n - 1] != module]
    assert len(starts) <= len(set(modules)) + 1  # one module at most split between shares
    assert [i for i in order if i.nodeid.startswith(longest)] == items[40:70]


@pytest.mark.parametrize("workers", [2, 3])
def test_a_module_too_big_for_any_share_fills_what_is_left(workers: int) -> None:
    items = [Item(f"tests/test_big.py::test_{t}") for t in range(50)]
    items += [Item(f"tests/test_small.py::test_{t}") for t in range(10)]
    order = scheduled(items, workers)  # type: ignore[arg-type]
    assert sorted(item.nodeid for item in order) == sorted(item.nodeid for item in items)
    assert len(order) == len(items)


def test_the_workers_take_the_longest_module_first(request: pytest.FixtureRequest) -> None:
    """This run's order (on two workers or more): the plugin is in use."""
    workers = int(getattr(request.config, "workerinput", {}).get("workercount", 1))
    if workers < 2:
        pytest.skip("one process runs the files in order")
    modules = [item.nodeid.split("::")[0] for item in request.session.items]
    share = min(share_sizes(len(modules), workers))
    whole = {module for module in modules if modules.count(module) <= share}
    longest = max(whole, key=lambda module: seconds(module, modules.count(module)))
    assert modules[0] == longest
