"""The order pytest-xdist's workers take the tests in: the longest modules first, shared out.

`make test` runs pytest-xdist's worksteal: each worker first gets an equal share of the
collected tests, by count and in collection order, and a worker with nothing left takes the
end of another's queue. In file order the long modules (a site build per test, chromium on
every page) fell to whichever worker's share held them, one after another, and the run
ended with one worker busy alone. Here each module goes, longest first, to the share that
holds the least time so far (when its tests fit in it: the shares keep worksteal's sizes,
so each worker starts at the head of its own), the longest first within a share; the end
of each share, which the other worker may take, is the quick tests. A module's tests stay
together, so that its fixtures are set up once.
"""

from collections import defaultdict

import pytest

#: Seconds of one worker's time per module in a whole run (`make test`, 2026-12-07, two
#: workers on a quiet machine: only the ratios matter). Any other module: `PER_TEST` seconds
#: a test.
SECONDS = {
    "tests/test_snippets.py": 211,
    "tests/browser/test_reading.py": 193,
    "tests/browser/test_live_examples.py": 63,
    "tests/test_incremental.py": 52,
    "tests/test_writing_walkthroughs.py": 42,
    "tests/test_examples_extension.py": 25,
    "tests/test_translation_state.py": 25,
    "tests/test_page_cache.py": 18,
    "tests/test_writer_changes.py": 17,
    "tests/test_bench.py": 17,
    "tests/test_site.py": 13,
    "tests/test_published_site.py": 12,
    "tests/stub/test_schemathesis.py": 12,
    "tests/test_navigation_cache.py": 11,
    "tests/stub/test_rate_limit.py": 9,
    "tests/test_published_addresses_small.py": 8,
    "tests/test_publishing.py": 8,
    "tests/test_provenance.py": 8,
    "tests/stub/test_bounded_state.py": 6,
    "tests/test_downloads_small.py": 6,
    "tests/stub/test_cli.py": 6,
    "tests/stub/test_recorded_outputs.py": 6,
    "tests/test_warned_pages.py": 5,
    "tests/test_doctest.py": 5,
    "tests/test_postman.py": 5,
    "tests/stub/test_properties.py": 4,
}
PER_TEST = 0.3


def seconds(module: str, tests: int) -> float:
    """How long the `tests` tests of `module` take together, about."""
    return SECONDS.get(module, PER_TEST * tests)


def share_sizes(count: int, workers: int) -> list[int]:
    """How many of `count` tests each worker gets first (pytest-xdist's worksteal)."""
    sizes = []
    for worker in range(workers):
        sizes.append((count - sum(sizes)) // (workers - worker))
    return sizes


def scheduled(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """`items` in the order that starts each worker on its longest modules."""
    modules: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        modules[item.nodeid.split("::")[0]].append(item)

    def cost(module: str) -> float:
        return seconds(module, len(modules[module]))

    sizes = share_sizes(len(items), workers)
    shares: list[list[str]] = [[] for _ in sizes]
    held = [0.0] * workers
    room = list(sizes)
    left_over = []
    for module in sorted(modules, key=cost, reverse=True):
        fitting = [worker for worker in range(workers) if room[worker] >= len(modules[module])]
        if not fitting:
            left_over.append(module)
            continue
        worker = min(fitting, key=lambda w: held[w])
        shares[worker].append(module)
        held[worker] += cost(module)
        room[worker] -= len(modules[module])
    ordered = [[item for module in share for item in modules[module]] for share in shares]
    # What fits nowhere whole fills the room left, in order (a module may then be split).
    rest = [item for module in left_over for item in modules[module]]
    for worker in range(workers):
        ordered[worker] += rest[: room[worker]]
        rest = rest[room[worker] :]
    return [item for share in ordered for item in share] + rest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if workers > 1:
        items[:] = scheduled(items, workers)
