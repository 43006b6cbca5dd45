"""Run the examples in snippets/ against the stub, as a person would.

Shared by `make snippets` (which records each example's output) and by
tests/test_snippets.py (which checks every example against that recording), so that
recording and checking cannot drift apart.

Run as a script, it starts a seeded stub in-process and rewrites
snippets/<task>/output.<site>.txt from the Python and the curl example of each task,
which must print the same.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from extern_stub.pytest_plugin import DEVICE_INTERVAL, SEED
from extern_stub.server import StubServer
from extern_stub.sites import AuthorizeError, RecordedRequest, Site

REPO = Path(__file__).resolve().parent.parent
SNIPPETS = REPO / "snippets"
SITES = ("test", "production")
#: How each language's file is run: the project's interpreter, and POSIX sh with real curl.
INTERPRETERS = {".py": (sys.executable,), ".sh": ("sh",)}
#: The addresses the recorded outputs show for each site (the tests' stub runs on free
#: ports): those of `python -m extern_stub --seed 1 --test-port 8401 --production-port 8402`,
#: so a person who starts the stub that way sees exactly the recorded outputs.
PUBLIC_URLS = {"test": "http://127.0.0.1:8401", "production": "http://127.0.0.1:8402"}
#: The authorization code example draws a random `state` each run; outputs are compared
#: with its value masked (it is checked separately: see `state_of`).
STATE = re.compile(r"(state=)[0-9a-f]{32}")
TIMEOUT = 60


@dataclass(frozen=True)
class Example:
    """One example file: snippets/<task>/<name>.py or .sh."""

    path: Path

    @property
    def task(self) -> str:
        return self.path.parent.name

    @property
    def language(self) -> str:
        return "python" if self.path.suffix == ".py" else "curl"

    @property
    def id(self) -> str:
        return f"{self.task}/{self.path.name}"

    def command(self) -> list[str]:
        return [*INTERPRETERS[self.path.suffix], str(self.path)]

    def output_file(self, site: str) -> Path:
        return self.path.parent / f"output.{site}.txt"

    def recorded(self, site: str) -> str:
        return self.output_file(site).read_text(encoding="utf-8")


def examples() -> list[Example]:
    """Every example file in snippets/, found on disk."""
    return [
        Example(path)
        for path in sorted(SNIPPETS.glob("*/*"))
        if path.suffix in INTERPRETERS and path.is_file()
    ]


@dataclass(frozen=True)
class Run:
    """What one run of an example printed, and how it ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def public(text: str, site: Site) -> str:
    """Show the stub's address as `make stub` serves it (the tests run on free ports)."""
    return text.replace(site.base_url, PUBLIC_URLS[site.name])


def masked(text: str) -> str:
    """Hide the one value that is random by design: the authorization request's `state`."""
    return STATE.sub(r"\1<random>", text)


def state_of(text: str) -> str | None:
    match = STATE.search(text)
    return match.group(0).removeprefix("state=") if match else None


def device_polls(site: Site) -> list[RecordedRequest]:
    """The device flow token requests `site` received (RecordedRequest objects)."""
    return [r for r in site.requests if r.path == "/connect/token" and "device_code" in r.form]


def run(
    example: Example,
    env: dict[str, str],
    site: Site | None = None,
    *,
    approve: bool | None = True,
    after_polls: int = 1,
    browser: Callable[[str], str] | None = None,
    on_code: Callable[[], None] = lambda: None,
) -> Run:
    """Run one example with exactly `env` (plus PATH and locale), playing the user's part.

    Device flow: when the example shows the user code, `on_code()` runs; once the example
    has polled `after_polls` times, the user approves it (`approve=False`: denies it,
    `approve=None`: does nothing).
    Authorization code: the user opens the printed address on `site`, signs in and
    consents (or refuses), and pastes the address the browser was sent to; or pastes
    `browser(<the printed address>)` when given.
    """
    # Only what a shell would have: no proxy settings or KONTUR_* leaking in from outside.
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    stdout: list[str] = []
    stderr: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()
    with subprocess.Popen(
        example.command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**base, **env},
        text=True,
        encoding="utf-8",
    ) as process:
        assert process.stdin and process.stdout and process.stderr
        out, err = process.stdout, process.stderr

        def pump_stdout() -> None:
            for line in out:
                stdout.append(line)
                lines.put(line)
            lines.put(None)

        readers = [
            threading.Thread(target=pump_stdout, daemon=True),
            threading.Thread(target=lambda: stderr.append(err.read()), daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            reply = _play_user(example, site, lines, approve, after_polls, browser, on_code)
            with contextlib.suppress(BrokenPipeError):  # it may have stopped already
                if reply is not None:
                    process.stdin.write(reply + "\n")
                process.stdin.close()
            process.wait(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            for reader in readers:
                reader.join(timeout=5)
    return Run(process.returncode, "".join(stdout), "".join(stderr))


def _play_user(
    example: Example,
    site: Site | None,
    lines: queue.Queue[str | None],
    approve: bool | None,
    after_polls: int,
    browser: Callable[[str], str] | None,
    on_code: Callable[[], None],
) -> str | None:
    """Do what the person at the keyboard does; what they type, if anything."""
    if site is None or example.task not in ("device-flow", "authorization-code"):
        return None
    while (line := lines.get(timeout=TIMEOUT)) is not None:
        if example.task == "device-flow" and (match := re.search(r"enter the code (\S+)", line)):
            on_code()
            if approve is not None:
                _wait(lambda: len(device_polls(site)) >= after_polls)
                (site.approve_device if approve else site.deny_device)(match.group(1))
            return None
        if example.task == "authorization-code" and "/connect/authorize?" in line:
            if browser is not None:
                return browser(line.strip())
            try:
                return site.authorize(line.strip(), consent=approve)
            except AuthorizeError:  # the page refused: the user has nothing to paste
                return ""
    return None


def _wait(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the example never got that far")
        time.sleep(0.02)


def record(stub: StubServer) -> list[Path]:
    """Run every example on both sites; write each task's output where it changed.

    The Python and the curl example of a task must print the same, or nothing is written.
    """
    written = []
    tasks = sorted({example.task for example in examples()})
    for task in tasks:
        pair = [example for example in examples() if example.task == task]
        for name in SITES:
            site = stub.sites[name]
            outputs = {}
            for example in pair:
                stub.reset()
                result = run(example, site.env(), site)
                if result.returncode != 0 or result.stderr:
                    raise SystemExit(f"{example.id} failed on {name}:\n{result.output}")
                outputs[example.id] = public(result.stdout, site)
            if len({masked(text) for text in outputs.values()}) != 1:
                shown = "\n".join(f"--- {id}\n{text}" for id, text in outputs.items())
                raise SystemExit(f"{task}: the examples print different things on {name}:\n{shown}")
            path, text = pair[0].output_file(name), next(iter(outputs.values()))
            # A new random `state` alone is no change worth a diff.
            if not path.is_file() or masked(path.read_text(encoding="utf-8")) != masked(text):
                path.write_text(text, encoding="utf-8")
                written.append(path)
    return written


def main() -> None:
    """`make snippets`: re-record every output against a seeded stub."""
    # The same seed and polling interval as the tests' stub fixture.
    with StubServer(seed=SEED, device_interval=DEVICE_INTERVAL) as stub:
        changed = record(stub)
    for path in changed:
        print(f"recorded {path.relative_to(REPO)}")
    print(f"{len(changed)} output files changed, {len(examples())} examples run on both sites")


if __name__ == "__main__":
    main()
