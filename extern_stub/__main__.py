"""``python -m extern_stub``: run both sites until Ctrl-C, or around one command.

Once ready it prints one line per site, ``<site> <base-url> client_id=<id> api_key=<guid>``,
then the ``export`` lines that point the examples at the test site. With ``-- COMMAND ...`` it
runs COMMAND with those variables set, stops, and exits with COMMAND's exit code.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from extern_stub.server import StubServer


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Options before ``--``, and the command after it."""
    argv = list(argv)
    command: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m extern_stub",
        description="Local stub of the Kontur identity provider and Extern API "
        "(test and production sites).",
        epilog="With -- COMMAND ARGS..., run COMMAND against the stub and exit with its code.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--test-port", type=int, default=0, help="test site port (0: any free)")
    parser.add_argument(
        "--production-port", type=int, default=0, help="production site port (0: any free)"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="deterministic tokens, codes, trace ids and clock"
    )
    parser.add_argument(
        "--device-interval",
        type=int,
        default=3,
        metavar="SECONDS",
        help="device flow polling interval (default: %(default)s)",
    )
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=86400,
        metavar="SECONDS",
        help="access token lifetime, expires_in (default: %(default)s)",
    )
    parser.add_argument(
        "--auto-approve-devices",
        action="store_true",
        help="approve every device at once as the demo user (unattended recordings)",
    )
    parser.add_argument(
        "--sites-file", type=Path, default=None, help="registry of clients, users and accounts"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not log requests (the default with a COMMAND)"
    )
    return parser.parse_args(argv), command


def banner(stub: StubServer) -> str:
    """The lines printed once the stub is ready."""
    lines = [
        f"{site.name} {site.base_url} client_id={site.client_id} api_key={site.api_key}"
        for site in stub.sites.values()
    ]
    lines += [
        f"export {key}={shlex.quote(value)}" for key, value in stub.sites["test"].env().items()
    ]
    return "\n".join(lines) + "\n"


def command_env(stub: StubServer) -> dict[str, str]:
    """The environment of a COMMAND run against the stub."""
    test, production = stub.sites["test"], stub.sites["production"]
    return {
        **os.environ,
        **test.env(),
        "KONTUR_STUB_TEST_URL": test.base_url,
        "KONTUR_STUB_PRODUCTION_URL": production.base_url,
        "KONTUR_STUB_PRODUCTION_CLIENT_ID": production.client_id,
        "KONTUR_STUB_PRODUCTION_API_KEY": production.api_key,
    }


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the stub; the process exit code."""
    args, command = parse_args(sys.argv[1:] if argv is None else argv)
    stub = StubServer(
        host=args.host,
        test_port=args.test_port,
        production_port=args.production_port,
        seed=args.seed,
        device_interval=args.device_interval,
        token_lifetime=args.token_lifetime,
        registry_path=args.sites_file,
        quiet=args.quiet or bool(command),
    )
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        stub.start()
        for site in stub.sites.values():
            site.auto_approve_devices = args.auto_approve_devices
        if command:
            # The command's own output stays clean: the stub talks on stderr.
            sys.stderr.write(banner(stub))
            sys.stderr.flush()
            return run_command(command, stub)
        sys.stdout.write(banner(stub))
        sys.stdout.flush()
        test = stub.sites["test"]
        print(
            f"Demo user: login={test.user_login} password={test.user_password} (test site). "
            f"API description: {test.base_url}/openapi.json. Press Ctrl-C to stop.",
            file=sys.stderr,
            flush=True,
        )
        threading.Event().wait()
    except Stop:
        pass
    except OSError as error:
        print(f"extern_stub: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stub.stop()
    return 0


def run_command(command: list[str], stub: StubServer) -> int:
    """Run ``command`` against the stub; its exit code (128+N when killed by signal N)."""
    try:
        process = subprocess.Popen(command, env=command_env(stub))  # noqa: S603 - the user's own
    except OSError as error:
        print(f"extern_stub: cannot run {command[0]}: {error}", file=sys.stderr)
        return 127
    try:
        code = process.wait()
    except Stop:
        # Ctrl-C reaches the command too (same process group); give it time to finish.
        process.terminate()
        code = process.wait()
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main())
