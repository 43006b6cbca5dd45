"""The benchmark's settings, from the environment (``make bench BENCH_RUNS=5``) or the
options of ``python -m bench --help``:

``BENCH_RUNS`` (3)
    runs per figure;
``BENCH_QUICK`` (unset)
    ``1``: one run, small scale sizes without the untimed warm-up build, short stub
    windows -- for trying the harness out;
``BENCH_SCALE`` (``50,200,800``)
    extra generated pages for the scale rows, built by the site and plain Sphinx + furo;
``BENCH_PLAIN_MAX`` (200)
    the largest of those sizes that plain Sphinx + furo builds too: its cost per page
    grows with the number of pages (at 1611 pages it takes about 20 minutes here);
``BENCH_TEST_RUNS`` (1)
    runs of ``make test``: one takes one to two minutes;
``BENCH_PYTEST_ARGS`` (none)
    extra pytest arguments for ``make test``, to try a setting: ``-n 0`` runs serially;
``BENCH_SCALE_RUNS`` (1)
    runs per scale size: the largest builds take minutes, and at that length one run
    is steadier than a median of short ones;
``BENCH_ONLY`` (all)
    comma-separated parts: ``builds``, ``test``, ``stub``, ``scale``, ``mutation`` (the
    kill ratio of the last ``make mutate``), ``lighthouse`` (its four scores of the site);
``BENCH_STRICT`` (unset)
    ``1``: exit with status 1 when a target is missed, not only when something fails;
``BENCH_MAKE_ARGS`` (none)
    extra arguments for every measured ``make``, to try a setting: ``JOBS=2``.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence

from bench import builds, lighthouse, mutation, sandbox, scale, suite
from bench.harness import Bench, Settings

#: The parts of the benchmark, in the order they run: each fills in rows of the table.
PARTS: dict[str, Callable[[Bench], None]] = {
    "builds": builds.run,
    "test": suite.run,
    "stub": sandbox.run,
    "scale": scale.run,
    "mutation": mutation.run,
    "lighthouse": lighthouse.run,
}


def settings_from(argv: Sequence[str] | None, env: dict[str, str], about: str = "") -> Settings:
    """Settings from ``argv``, defaulting to ``env``; ``about`` heads ``--help``."""
    quick = env.get("BENCH_QUICK", "") not in {"", "0"}
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=f"{about}\n{__doc__}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=int(env.get("BENCH_RUNS", 1 if quick else 3)))
    parser.add_argument("--quick", action="store_true", default=quick)
    parser.add_argument(
        "--scale", default=env.get("BENCH_SCALE", "10,40" if quick else "50,200,800")
    )
    parser.add_argument("--only", default=env.get("BENCH_ONLY", ",".join(PARTS)))
    parser.add_argument(
        "--strict", action="store_true", default=env.get("BENCH_STRICT", "") not in {"", "0"}
    )
    parser.add_argument(
        "--plain-max", type=int, default=int(env.get("BENCH_PLAIN_MAX", 40 if quick else 200))
    )
    parser.add_argument("--scale-runs", type=int, default=int(env.get("BENCH_SCALE_RUNS", 1)))
    parser.add_argument("--test-runs", type=int, default=int(env.get("BENCH_TEST_RUNS", 1)))
    parser.add_argument("--pytest-args", default=env.get("BENCH_PYTEST_ARGS", ""))
    parser.add_argument("--make-args", default=env.get("BENCH_MAKE_ARGS", ""))
    args = parser.parse_args(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if unknown := only - set(PARTS):
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    if min(args.runs, args.scale_runs, args.test_runs) < 1:
        parser.error("--runs, --scale-runs and --test-runs must be at least 1")
    return Settings(
        runs=args.runs,
        quick=args.quick,
        scale=sorted({int(n) for n in args.scale.split(",") if n.strip() and int(n) > 0}),
        only=only,
        strict=args.strict,
        stub_seconds=1.0 if args.quick else 3.0,
        stub_requests=50 if args.quick else 200,
        scale_runs=args.scale_runs,
        plain_max=args.plain_max,
        test_runs=args.test_runs,
        pytest_args=args.pytest_args,
        make_args=shlex.split(args.make_args),
    )
