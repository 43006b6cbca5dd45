"""The suite passes while a reader's sandbox runs on the documented ports 8401 and 8402.

Every test module that starts the sandbox from the command line (`python -m extern_stub`,
whose defaults are those ports) runs while both ports are held, as a sandbox started by
`make stub` would hold them (the fixture ``default_ports_taken`` of conftest.py): a test
that starts one on the default ports fails there. This module starts one, so it is held too.
"""

import subprocess
import sys
from pathlib import Path

from stub_helpers import STARTS_THE_SANDBOX

from extern_stub.__main__ import DEFAULT_PORTS

TESTS = Path(__file__).resolve().parents[1]


def test_the_modules_that_start_the_sandbox_are_found() -> None:
    found = {
        path.name
        for path in TESTS.rglob("test_*.py")
        if STARTS_THE_SANDBOX.search(path.read_text(encoding="utf-8"))
    }
    assert found >= {"test_cli.py", "test_shutdown.py", Path(__file__).name}, found


def test_a_sandbox_on_the_default_ports_cannot_start_while_they_are_held() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "extern_stub"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    port = DEFAULT_PORTS["test"]
    assert f"port {port} of the test environment is unavailable" in result.stderr, result.stderr
