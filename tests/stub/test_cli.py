"""`python -m extern_stub` as a person runs it: the printed lines, curl, Ctrl-C."""

import json
import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from stub_helpers import ANY_PORTS

SITE_LINE = re.compile(
    r"(?P<site>test|production) (?P<url>http://127\.0\.0\.1:\d+) "
    r"client_id=(?P<client_id>\S+) api_key=(?P<api_key>[0-9a-f-]{36})"
)
TIMEOUT = 15
REPO = Path(__file__).resolve().parents[2]


class Stub:
    """A running `python -m extern_stub` and the lines it printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "extern_stub", *ANY_PORTS, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._errors: queue.Queue[str | None] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._errors.put(line.rstrip("\n"))
        self._errors.put(None)

    def lines(self, count: int) -> list[str]:
        return [self._lines.get(timeout=TIMEOUT) for _ in range(count)]

    def error_lines_until(self, text: str) -> list[str]:
        """Lines of stderr up to and including the first that contains ``text``."""
        lines: list[str] = []
        while not lines or text not in lines[-1]:
            line = self._errors.get(timeout=TIMEOUT)
            assert line is not None, f"stderr ended before {text!r}: {lines}"
            lines.append(line)
        return lines

    def stop(self, signum: int) -> tuple[int, str]:
        self.process.send_signal(signum)
        self.process.wait(timeout=TIMEOUT)
        lines = []
        while (line := self._errors.get(timeout=TIMEOUT)) is not None:
            lines.append(line)
        for reader, stream in zip(
            self._readers, (self.process.stdout, self.process.stderr), strict=True
        ):
            reader.join(timeout=TIMEOUT)
            assert stream is not None
            stream.close()
        return self.process.returncode, "".join(f"{line}\n" for line in lines)


@pytest.fixture
def running() -> Iterator[Stub]:
    stub = Stub("--seed", "3")
    yield stub
    if stub.process.poll() is None:
        stub.stop(signal.SIGKILL)


def curl(*args: str) -> str:
    result = subprocess.run(
        ["curl", "--silent", "--show-error", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    return result.stdout


def test_prints_sites_and_exports_then_curl_works_then_ctrl_c(running: Stub) -> None:
    lines = running.lines(7)
    sites = [SITE_LINE.fullmatch(line) for line in lines[:2]]
    assert all(sites), lines
    assert [m["site"] for m in sites if m] == ["test", "production"]
    exports = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in lines[2:])
    assert all(line.startswith("export ") for line in lines[2:])
    test = sites[0]
    assert test is not None
    assert exports == {
        "KONTUR_SITE": "test",
        "KONTUR_CLIENT_ID": test["client_id"],
        "KONTUR_API_KEY": test["api_key"],
        "KONTUR_IDENTITY_URL": test["url"],
        "KONTUR_API_URL": test["url"],
    }
    token = json.loads(
        curl(
            "-X",
            "POST",
            f"{exports['KONTUR_IDENTITY_URL']}/connect/token",
            "-d",
            "grant_type=client_credentials",
            "-d",
            f"client_id={exports['KONTUR_CLIENT_ID']}",
            "-d",
            f"client_secret={exports['KONTUR_API_KEY']}",
            "-d",
            "scope=extern.api",
        )
    )
    assert token["token_type"] == "Bearer"
    accounts = json.loads(
        curl(
            "-H",
            f"Authorization: Bearer {token['access_token']}",
            f"{exports['KONTUR_API_URL']}/v1?skip=0&take=10",
        )
    )
    assert accounts["total-count"] == 3
    code, stderr = running.stop(signal.SIGINT)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert '"POST /connect/token HTTP/1.1" 200' in stderr  # a person sees the requests


def test_sigterm_stops_cleanly(running: Stub) -> None:
    running.lines(2)
    code, stderr = running.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_the_seed_makes_the_same_token() -> None:
    tokens = []
    for _ in range(2):
        stub = Stub("--seed", "3")
        url = SITE_LINE.fullmatch(stub.lines(1)[0])
        assert url is not None
        tokens.append(
            curl(
                "-u",
                f"{url['client_id']}:{url['api_key']}",
                "-d",
                "grant_type=client_credentials&scope=extern.api",
                f"{url['url']}/connect/token",
            )
        )
        assert stub.stop(signal.SIGINT)[0] == 0
    assert tokens[0] == tokens[1]
    assert "access_token" in tokens[0]


def test_fixed_ports() -> None:
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    stub = Stub("--test-port", str(ports[0]), "--production-port", str(ports[1]))
    lines = stub.lines(2)
    assert f"http://127.0.0.1:{ports[0]} " in lines[0]
    assert f"http://127.0.0.1:{ports[1]} " in lines[1]
    assert stub.stop(signal.SIGINT)[0] == 0


def test_port_in_use_fails_without_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "extern_stub",
                "--production-port",
                "0",
                "--test-port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    # One line that names the port and the two ways to choose another.
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"port {port} of the test environment" in result.stderr
    # The sandbox's own option first; make's variable only for a copy of the repository.
    reader, maintainer = "python -m extern_stub --test-port PORT", "make stub STUB_TEST_PORT=PORT"
    assert reader in result.stderr
    assert maintainer in result.stderr
    assert result.stderr.index(reader) < result.stderr.index(maintainer)


CHILD = """
import json, os, sys, urllib.request
env = {k: v for k, v in os.environ.items() if k.startswith("KONTUR_")}
print(json.dumps(env))
sys.exit(int(sys.argv[1]))
"""


def test_runs_a_command_with_the_test_site_variables() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "extern_stub",
            *ANY_PORTS,
            "--seed",
            "1",
            "--",
            sys.executable,
            "-c",
            CHILD,
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    env = json.loads(result.stdout)  # only the command's output is on stdout
    assert set(env) == {
        "KONTUR_SITE",
        "KONTUR_CLIENT_ID",
        "KONTUR_API_KEY",
        "KONTUR_IDENTITY_URL",
        "KONTUR_API_URL",
        "KONTUR_STUB_TEST_URL",
        "KONTUR_STUB_PRODUCTION_URL",
        "KONTUR_STUB_PRODUCTION_CLIENT_ID",
        "KONTUR_STUB_PRODUCTION_API_KEY",
    }
    assert env["KONTUR_SITE"] == "test"
    assert env["KONTUR_IDENTITY_URL"] == env["KONTUR_STUB_TEST_URL"]
    assert env["KONTUR_STUB_PRODUCTION_URL"] != env["KONTUR_STUB_TEST_URL"]
    assert env["KONTUR_STUB_PRODUCTION_API_KEY"] != env["KONTUR_API_KEY"]
    assert "Traceback" not in result.stderr


SNIPPET = """
import json, os, urllib.parse, urllib.request
base = os.environ["KONTUR_IDENTITY_URL"]
form = urllib.parse.urlencode({
    "client_id": os.environ["KONTUR_CLIENT_ID"],
    "client_secret": os.environ["KONTUR_API_KEY"],
    "scope": "extern.api",
}).encode()
device = json.load(urllib.request.urlopen(base + "/connect/deviceauthorization", form))
form = urllib.parse.urlencode({
    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
    "client_id": os.environ["KONTUR_CLIENT_ID"],
    "client_secret": os.environ["KONTUR_API_KEY"],
    "device_code": device["device_code"],
}).encode()
print(json.load(urllib.request.urlopen(base + "/connect/token", form))["access_token"])
"""


def test_auto_approve_devices_makes_the_device_flow_unattended() -> None:
    runs = [
        subprocess.run(
            [
                sys.executable,
                "-m",
                "extern_stub",
                *ANY_PORTS,
                "--seed",
                "5",
                "--auto-approve-devices",
                "--",
                sys.executable,
                "-c",
                SNIPPET,
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        for _ in range(2)
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    assert re.fullmatch("[0-9a-f]{64}\n", runs[0].stdout)
    assert runs[0].stdout == runs[1].stdout  # byte for byte, thanks to the seed


def test_missing_command_exits_127() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "extern_stub", *ANY_PORTS, "--", "no-such-command-here"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env={**os.environ},
    )
    assert result.returncode == 127
    assert "Traceback" not in result.stderr


def stub_help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "extern_stub", "--help"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout


def test_help() -> None:
    text = stub_help()
    for option in ("--host", "--test-port", "--production-port", "--seed", "--device-interval"):
        assert option in text
    # The documented ports are the defaults, and 0 still means any free port.
    assert "(default: 8401; 0: any free port)" in " ".join(text.split())
    assert "(default: 8402; 0: any free port)" in " ".join(text.split())


OPTION = re.compile(r"--[a-z][a-z-]*[a-z]")
PAGE = REPO / "docs" / "sandbox.rst"
TRANSLATION = REPO / "docs" / "locale" / "en" / "LC_MESSAGES" / "sandbox.po"


@pytest.mark.parametrize("page", [PAGE, TRANSLATION], ids=["ru", "en"])
def test_help_and_the_sandbox_page_agree(page: Path) -> None:
    """The page lists every option `--help` offers, and no other."""
    text = page.read_text(encoding="utf-8")
    if page.suffix == ".po":
        text = "\n".join(re.findall(r'^msgstr "(.*)"$', text, flags=re.MULTILINE))
    assert set(OPTION.findall(text)) == set(OPTION.findall(stub_help()))
    for port, variable in (("8401", "STUB_TEST_PORT"), ("8402", "STUB_PRODUCTION_PORT")):
        assert port in text
        assert f"{variable} ?= {port}" in (REPO / "Makefile").read_text(encoding="utf-8")


def test_names_the_demo_user_of_each_environment(running: Stub) -> None:
    production_line = SITE_LINE.fullmatch(running.lines(7)[1])
    assert production_line is not None
    stderr = "\n".join(running.error_lines_until("Press Ctrl-C to stop."))
    users = re.findall(
        r"^Demo user of the (\w+) environment: login=\S+ password=\S+$", stderr, re.M
    )
    assert users == ["test", "production"], stderr
    (production,) = re.findall(r"^export (KONTUR_SITE=production .*)$", stderr, re.M)
    exports = dict(pair.split("=", 1) for pair in shlex.split(production))
    assert exports == {
        "KONTUR_SITE": "production",
        "KONTUR_CLIENT_ID": production_line["client_id"],
        "KONTUR_API_KEY": production_line["api_key"],
        "KONTUR_IDENTITY_URL": production_line["url"],
        "KONTUR_API_URL": production_line["url"],
    }
