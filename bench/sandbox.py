"""The sandbox (``python -m extern_stub``): tokens per second with 8 concurrent clients,
the median latency of ``GET /v1`` from one client, and whether the device flow's
endpoints stay as fast with many device records as with few."""

from __future__ import annotations

import http.client
import importlib.util
import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.harness import REPO, Bench, child_env
from bench.report import median, mib

_STUB_LINE = re.compile(r"^(\w+) (https?://\S+) client_id=(\S+) api_key=(\S+)\s*$")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class StubSite:
    """One site as ``python -m extern_stub`` announces it."""

    name: str
    base_url: str
    client_id: str
    api_key: str


def parse_stub_line(line: str) -> StubSite | None:
    """``test http://127.0.0.1:PORT client_id=ID api_key=KEY`` -> StubSite; else None."""
    match = _STUB_LINE.match(line.strip())
    return StubSite(*match.groups()) if match else None


def run(bench: Bench) -> None:
    """Start the stub on free ports, load it, and stop it."""
    if importlib.util.find_spec("extern_stub") is None:
        bench.row("stub: client_credentials, 8 clients", "", result="n/a: extern_stub not present")
        return
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "extern_stub",
            "--test-port",
            "0",
            "--production-port",
            "0",
            "--seed",
            "1",
        ],
        cwd=REPO,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        site = wait_for_stub(process, timeout=30)
        if site is None:
            bench.row("stub: client_credentials, 8 clients", "", result="FAIL: did not start")
            bench.missed += 1
            return
        rates: list[float] = []
        errors = 0
        latencies: list[float] = []
        for _ in range(bench.settings.runs):
            rate, failed = token_rate(site, 8, bench.settings.stub_seconds, 20_000)
            rates.append(rate)
            errors += failed
            latencies.append(api_latency(site, bench.settings.stub_requests))
        peak = peak_rss_kib(process.pid)
        before = rss_kib(process.pid)
        mixed_load(site)
        after = rss_kib(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    note = f", {errors} failed" if errors else ""
    runs = len(rates)
    rate = f"{median(rates):.0f} tokens/s{note}"
    latency = f"{median(latencies) * 1000:.1f} ms"
    bench.row("stub: client_credentials, 8 clients", rate, mib(peak), runs=runs)
    bench.row("stub: GET /v1 latency, one client", latency, mib(peak), runs=runs)
    if before is not None and after is not None:
        load = ", ".join(f"{count:,} {what}" for what, count in MIXED_LOAD.items())
        grown = f"{mib(after)} resident, {mib(after - before)} more than before"
        bench.row(f"stub: after {load}", grown, mib(after))
    device_rows(bench)


#: Device records the sandbox holds while the device rows are measured: few, then many.
DEVICE_COUNTS = (100, 50_000)
#: How much slower the device endpoints may get with many records than with few.
DEVICE_GROWTH_TARGET = 2.0


@dataclass(frozen=True)
class DeviceLatencies:
    """Median seconds of the device endpoints, and of token requests sent meanwhile."""

    approve: float
    authorize: float
    token_median: float
    token_max: float


def device_rows(bench: Bench) -> None:
    """``POST /device`` and ``POST /connect/deviceauthorization`` with few and many devices.

    The sandbox runs in this process, so that its device records can be made directly
    (50,000 authorizations over HTTP would take a minute); the requests still go over HTTP.
    Meanwhile a second client asks for tokens: a look-up that held the lock long would
    make it wait.
    """
    results: dict[int, list[DeviceLatencies]] = {count: [] for count in DEVICE_COUNTS}
    for _ in range(bench.settings.runs):
        for count in DEVICE_COUNTS:
            results[count].append(device_latencies(count, bench.settings.stub_requests))
    few_count, many_count = DEVICE_COUNTS
    runs = bench.settings.runs

    def figure(count: int, name: str) -> float:
        return median(getattr(result, name) for result in results[count])

    for name, what in (
        ("approve", "POST /device (approve a user code)"),
        ("authorize", "POST /connect/deviceauthorization"),
    ):
        few, many = figure(few_count, name), figure(many_count, name)
        bench.row(f"stub: {what}, {few_count:,} devices", f"{few * 1000:.1f} ms", runs=runs)
        row = bench.row(
            f"stub: {what}, {many_count:,} devices",
            f"{many * 1000:.1f} ms = {many / few:.2f}x {few_count:,} devices",
            target=f"≤ {DEVICE_GROWTH_TARGET:g}x",
            runs=runs,
        )
        bench.judge(row, many / few <= DEVICE_GROWTH_TARGET)
    for count in DEVICE_COUNTS:
        bench.row(
            f"stub: token beside them, {count:,} devices",
            f"median {figure(count, 'token_median') * 1000:.1f} ms, "
            f"max {figure(count, 'token_max') * 1000:.1f} ms",
            runs=runs,
        )


def device_latencies(devices: int, count: int) -> DeviceLatencies:
    """Latencies with ``devices`` pending device records: ``count`` requests of each kind."""
    from extern_stub import StubServer  # here: the stub part runs only when it is present

    with StubServer(seed=1) as server:
        stub = server.sites["test"]
        client = stub.registry.clients[stub.client_id]
        pending = [stub.create_device(client, ("extern.api",)) for _ in range(devices)]
        site = StubSite("test", stub.base_url, stub.client_id, stub.api_key)
        csrf = "0" * 32  # the form takes the browser's token, when well-formed, as its own
        headers = FORM | {"Cookie": f"stub_csrf_test={csrf}"}
        sign_in = {"login": stub.user_login, "password": stub.user_password}
        device_form = urlencode(
            {"client_id": site.client_id, "client_secret": site.api_key, "scope": "extern.api"}
        )
        token_times: list[float] = []
        done = threading.Event()

        def tokens() -> None:
            conn = connection(site)
            body = token_form(site)
            while True:  # at least once
                token_times.append(timed(conn, "POST", "/connect/token", body, FORM, 200))
                if done.is_set():
                    break
            conn.close()

        beside = threading.Thread(target=tokens)
        beside.start()
        conn = connection(site)
        try:
            approve = []
            for device in pending[-count:]:
                form = {"user_code": device.user_code, "action": "approve", "csrf_token": csrf}
                approve.append(
                    timed(conn, "POST", "/device", urlencode(form | sign_in), headers, 200)
                )
            authorize = [
                timed(conn, "POST", "/connect/deviceauthorization", device_form, FORM, 200)
                for _ in range(count)
            ]
        finally:
            done.set()
            beside.join()
            conn.close()
    return DeviceLatencies(
        median(approve), median(authorize), median(token_times), max(token_times, default=0.0)
    )


def timed(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: str | None,
    headers: dict[str, str],
    expected: int,
) -> float:
    """Seconds one request takes; it must answer ``expected``."""
    began = time.perf_counter()
    status, data = request(conn, method, path, body, headers)
    seconds = time.perf_counter() - began
    if status != expected:
        raise RuntimeError(f"{method} {path} answered {status}: {data[:200]!r}")
    return seconds


def wait_for_stub(process: subprocess.Popen[str], timeout: float) -> StubSite | None:
    """The test site the stub announces on its first lines, or None."""
    found: list[StubSite] = []
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            site = parse_stub_line(line)
            if site and site.name == "test":
                found.append(site)
                done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()  # also drains output afterwards
    done.wait(timeout)
    return found[0] if found else None


def connection(site: StubSite) -> http.client.HTTPConnection:
    parts = urlsplit(site.base_url)
    if parts.hostname != "127.0.0.1":
        raise ValueError(f"the benchmark only talks to 127.0.0.1, not {parts.hostname}")
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: str | None,
    headers: dict[str, str],
) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def token_form(site: StubSite) -> str:
    return urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": site.client_id,
            "client_secret": site.api_key,
            "scope": "extern.api",
        }
    )


def token_rate(site: StubSite, clients: int, seconds: float, cap: int) -> tuple[float, int]:
    """Tokens per second that ``clients`` threads get, each on its own keep-alive connection."""
    body = token_form(site)
    ok = [0] * clients
    failed = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        conn = connection(site)
        start.wait()
        while time.perf_counter() < deadline[0] and sum(ok) < cap:
            try:
                status, data = request(conn, "POST", "/connect/token", body, FORM)
            except (OSError, http.client.HTTPException):
                failed[index] += 1
                conn.close()
                conn = connection(site)
                continue
            if status == 200 and b"access_token" in data:
                ok[index] += 1
            else:
                failed[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return sum(ok) / (time.perf_counter() - began), sum(failed)


def api_latency(site: StubSite, count: int) -> float:
    """Median seconds of ``GET /v1`` from one client with a valid token."""
    conn = connection(site)
    try:
        status, data = request(conn, "POST", "/connect/token", token_form(site), FORM)
        if status != 200:
            raise RuntimeError(f"the stub refused a token: {status} {data[:200]!r}")
        auth = {"Authorization": f"Bearer {json.loads(data)['access_token']}"}
        times = []
        for _ in range(count):
            began = time.perf_counter()
            status, data = request(conn, "GET", "/v1", None, auth)
            times.append(time.perf_counter() - began)
            if status != 200:
                raise RuntimeError(f"GET /v1 answered {status}: {data[:200]!r}")
        return median(times)
    finally:
        conn.close()


#: The fixed mixed load after which the sandbox's resident memory is reported: tokens, device
#: authorizations, API calls, and requests with the longest header names and query keys a
#: client may send (their record is cut: 100 of them once kept 600 MB).
MIXED_LOAD = {"tokens": 2000, "devices": 300, "api calls": 300, "long names": 50}


def mixed_load(site: StubSite) -> None:
    """Send :data:`MIXED_LOAD` to the sandbox, one request after another."""
    conn = connection(site)
    try:
        body = token_form(site)
        for _ in range(MIXED_LOAD["tokens"]):
            _, data = request(conn, "POST", "/connect/token", body, FORM)
        auth = {"Authorization": f"Bearer {json.loads(data)['access_token']}"}
        for _ in range(MIXED_LOAD["api calls"]):
            request(conn, "GET", "/v1", None, auth)
        device = urlencode(
            {"client_id": site.client_id, "client_secret": site.api_key, "scope": "extern.api"}
        )
        for _ in range(MIXED_LOAD["devices"]):
            request(conn, "POST", "/connect/deviceauthorization", device, FORM)
        for number in range(MIXED_LOAD["long names"]):
            names = {f"X-{number}-{index}-{'n' * 8000}": "v" for index in range(60)}
            query = "&".join(f"{number}-{index}-{'k' * 1500}=v" for index in range(30))
            request(conn, "GET", f"/v1?{query}", None, names)
    finally:
        conn.close()


def rss_kib(pid: int) -> int | None:
    """A running process's resident set (VmRSS) in KiB, where /proc has it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


def peak_rss_kib(pid: int) -> int | None:
    """A running process's peak resident set (VmHWM) in KiB, where /proc has it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None
