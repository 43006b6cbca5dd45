"""The suite passes while a reader's sandbox runs on the documented ports 8401 and 8402.

The tests that start the sandbox from the command line (`python -m extern_stub`, whose
defaults are those ports) run again in a pytest of their own while this test holds both
ports, as a sandbox started by `make stub` would.
"""

import errno
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from extern_stub.__main__ import DEFAULT_PORTS

TESTS = Path(__file__).resolve().parents[1]
#: How a test file starts the sandbox as a process: ``[sys.executable, "-m", "extern_stub", ...``.
STARTS_THE_SANDBOX = re.compile(r'"-m",\s*"extern_stub"')


def sandbox_starting_tests() -> list[Path]:
    """Every test file that starts `python -m extern_stub`."""
    return sorted(
        path
        for path in TESTS.rglob("test_*.py")
        if path != Path(__file__).resolve()
        and STARTS_THE_SANDBOX.search(path.read_text(encoding="utf-8"))
    )


@contextmanager
def held(ports: list[int]) -> Iterator[list[int]]:
    """Listen on each port on 127.0.0.1; yields the ports something else already held."""
    taken_already = []
    with ExitStack() as stack:
        for port in ports:
            listener = stack.enter_context(socket.socket())
            try:
                listener.bind(("127.0.0.1", port))
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                taken_already.append(port)  # a running sandbox, say: held all the same
                continue
            listener.listen()
        yield taken_already


def test_sandbox_starting_tests_pass_with_the_default_ports_taken() -> None:
    files = sandbox_starting_tests()
    assert {path.name for path in files} >= {"test_cli.py", "test_shutdown.py"}, files
    with held(list(DEFAULT_PORTS.values())):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider"]
            + [str(path) for path in files],
            cwd=TESTS.parent,
            env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},  # no xdist's
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), summary
    assert not re.search(r"skipped|failed|error", summary), summary
