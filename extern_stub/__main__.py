"""``python -m extern_stub`` (``kontur-sandbox`` when installed): run both sites until Ctrl-C,
or around one command.

The sites listen on fixed ports, 8401 (test) and 8402 (production), so that the printed
``export`` lines stay right across restarts; ``--test-port`` and ``--production-port`` choose
others (0: any free port). Once ready it prints on stdout one line per site,
``<site> <base-url> client_id=<id> api_key=<guid>``, then the ``export`` lines that point the
examples at the test site; on stderr the demo user of each site and the production exports.
With ``-- COMMAND ...`` it runs COMMAND with those variables set, stops, and exits with
COMMAND's exit code.
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

from extern_stub import __version__
from extern_stub.cors import OriginError, origin
from extern_stub.server import SEED_ON_NETWORK, PortUnavailableError, StubServer, is_loopback

#: The documented ports; the exports a person pastes rely on them.
DEFAULT_PORTS = {"test": 8401, "production": 8402}
#: How ``make stub``, in a copy of the documentation's repository, spells each port option.
MAKE_VARIABLES = {"test": "STUB_TEST_PORT", "production": "STUB_PRODUCTION_PORT"}


def program_name() -> str:
    """``kontur-sandbox`` when started by its console script, else ``python -m extern_stub``."""
    name = Path(sys.argv[0]).name
    return "python -m extern_stub" if name in {"__main__.py", "-m", "-c", ""} else name


def seconds(text: str) -> float:
    """A duration from 0 to 60 seconds, for ``--api-latency``."""
    value = float(text)
    if not 0 <= value <= 60:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is not from 0 to 60 seconds")
    return value


def allowed_origin(text: str) -> str:
    """An origin for ``--allow-origin``: scheme://host[:port]."""
    try:
        return origin(text)
    except OriginError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Options before ``--``, and the command after it."""
    argv = list(argv)
    command: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="The Kontur.Extern sandbox: a local stub of the Kontur identity provider "
        "and Extern API, test and production environments.",
        epilog="With -- COMMAND ARGS..., run COMMAND against the stub and exit with its code.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name clients may use besides 127.0.0.1, localhost and [::1] (and the "
        "--host address); other names get 421, against DNS rebinding (repeatable)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        type=allowed_origin,
        metavar="ORIGIN",
        help="a page origin (scheme://host[:port]) whose live examples may call the sandbox, "
        "besides the local preview's (http://127.0.0.1:8000, localhost, [::1]) and the "
        "published documentation's (repeatable)",
    )
    for site, port in DEFAULT_PORTS.items():
        parser.add_argument(
            f"--{site}-port",
            type=int,
            default=port,
            metavar="PORT",
            help=f"{site} environment port (default: %(default)s; 0: any free port)",
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
        "--api-latency",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="how long each Extern API request takes, so that more than 20 at once "
        "of one client get 429 (default: %(default)s)",
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
    args = parser.parse_args(argv)
    if args.seed is not None and not is_loopback(args.host):
        parser.error(SEED_ON_NETWORK)
    return args, command


def banner(stub: StubServer) -> str:
    """The lines printed on stdout once the stub is ready: the sites, then the test exports."""
    lines = [
        f"{site.name} {site.base_url} client_id={site.client_id} api_key={site.api_key}"
        for site in stub.sites.values()
    ]
    lines += [
        f"export {key}={shlex.quote(value)}" for key, value in stub.sites["test"].env().items()
    ]
    return "\n".join(lines) + "\n"


def guide(stub: StubServer) -> str:
    """What a person needs next, printed on stderr: demo users, production exports, Ctrl-C."""
    test, production = stub.sites["test"], stub.sites["production"]
    lines = [
        f"Demo user of the {site.name} environment: "
        f"login={site.user_login} password={site.user_password}"
        for site in stub.sites.values()
    ]
    exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in production.env().items())
    lines += [
        "For the production environment, paste instead:",
        f"export {exports}",
        f"API description: {test.base_url}/openapi.json. Press Ctrl-C to stop.",
    ]
    return "\n".join(lines) + "\n"


def port_advice(error: PortUnavailableError) -> str:
    """One line: which port is unavailable, and how to choose another.

    The command a reader of the sandbox page runs comes first; ``make stub`` is only in a
    copy of the documentation's repository.
    """
    program = program_name()
    return (
        f"{program}: port {error.port} of the {error.site} environment is unavailable "
        f"({error.reason.rstrip('.')}): choose another with {program} --{error.site}-port PORT, "
        f"0 for any free port (in the documentation's repository: "
        f"make stub {MAKE_VARIABLES[error.site]}=PORT)"
    )


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
        api_latency=args.api_latency,
        registry_path=args.sites_file,
        quiet=args.quiet or bool(command),
        allowed_hosts=args.allow_host,
        allowed_origins=args.allow_origin,
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
        sys.stderr.write(guide(stub))
        sys.stderr.flush()
        threading.Event().wait()
    except Stop:
        pass
    except PortUnavailableError as error:
        print(port_advice(error), file=sys.stderr)
        return 1
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
