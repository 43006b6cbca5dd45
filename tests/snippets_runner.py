"""Run the examples in snippets/ against the stub, as a person would.

Shared by `make snippets` (which records each task's output) and by tests/test_snippets.py
(which checks every example against that recording), so that recording and checking
cannot drift apart.

Everything is found on disk: a task is a folder of snippets/, an example is a file of it
whose suffix is one of `LANGUAGES`, and what the sandbox must receive when the task runs
is the folder's `expect.toml` (see `Task` and `match_requests`).

Run as a script (`make snippets`, or `make snippets TASK=<folder>` for one task), it
starts a seeded stub in-process and rewrites snippets/<task>/output.<site>.txt from the
examples of each task, which must all print the same and send what its expect.toml says.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock

from extern_stub.pytest_plugin import DEVICE_INTERVAL, SEED
from extern_stub.server import StubServer
from extern_stub.sites import AuthorizeError, RecordedRequest, Site

REPO = Path(__file__).resolve().parent.parent
SNIPPETS = REPO / "snippets"
SITES = ("test", "production")
#: What a task folder holds besides its examples.
EXPECT = "expect.toml"
OUTPUTS = tuple(f"output.{site}.txt" for site in SITES)
#: The addresses the recorded outputs show for each site (the tests' stub runs on free
#: ports): those of `python -m extern_stub --seed 1 --test-port 8401 --production-port 8402`,
#: so a person who starts the stub that way sees exactly the recorded outputs.
PUBLIC_URLS = {"test": "http://127.0.0.1:8401", "production": "http://127.0.0.1:8402"}
#: The authorization code examples draw a random `state` and `nonce` each run; outputs are
#: compared with their values masked (`state` is checked separately: see `state_of`).
RANDOM = re.compile(r"\b(state|nonce)=[0-9A-Za-z_-]{16,}")
STATE = re.compile(r"\bstate=([0-9A-Za-z_-]{16,})")
#: Seconds any one run may take; the examples' own timeouts are 30 s.
TIMEOUT = 60
#: Debian's packages of the toolchains the machine may lack (`make toolchains` installs them).
_MONO = "mono-mcs libmono-system-net-http4.0-cil libmono-system-runtime-serialization4.0-cil"
APT_PACKAGES = {"php": "php-cli", "mcs": _MONO, "mono": _MONO, "javac": "libgoogle-gson-java"}


# -- languages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Language:
    """How the tests run (and lint) the files of one language, and how a reader runs them.

    `compile` (Java, C#) builds the file once into a cache folder (`built`): the file
    compiled is the file shown, with the compiler's strictest warnings as errors.
    """

    #: The tab label, and the highlighting language of the pages (docs/_ext/examples.py).
    name: str
    suffix: str
    highlight: str
    #: The file's name from the task's: "snake" (client_credentials) or "camel".
    naming: str
    #: The command that runs the file, given the folder it was compiled into (or None).
    run: Callable[[Path, Path | None], list[str]]
    #: What a reader types, in the file's folder: `python3 client_credentials.py`, ... (the
    #: tests run `python3` as the project's interpreter, which has `requests` installed).
    reader: Callable[[Path], list[list[str]]]
    #: Programs it needs on PATH, and whether their version is recent enough.
    needs: tuple[str, ...] = ()
    check: Callable[[], str | None] = lambda: None
    compile: Callable[[Path, Path], list[str]] | None = None
    #: What turns the compiler's output into what `run` reads (Java: one jar of the classes).
    pack: Callable[[Path], None] | None = None
    #: Once the compiled folder is in place: a first run that leaves what speeds up the next.
    warm_up: Callable[[Example, Path], None] | None = None
    lint: Callable[[Path], list[str]] | None = None
    #: Programs the linter needs beyond `needs`.
    lint_needs: tuple[str, ...] = ()


#: Seconds a toolchain gets to say its version.
VERSION_TIMEOUT = 30


def _version(command: list[str], pattern: str) -> tuple[int, ...] | None:
    try:
        output = subprocess.run(
            command, capture_output=True, text=True, timeout=VERSION_TIMEOUT, check=False
        )
    except OSError:
        return None
    match = re.search(pattern, output.stdout + output.stderr)
    return tuple(int(part) for part in match.groups()) if match else None


def _at_least(command: list[str], pattern: str, minimum: tuple[int, ...], name: str) -> str | None:
    try:
        version = _version(command, pattern)
    except subprocess.TimeoutExpired:
        return f"`{shlex.join(command)}` did not answer in {VERSION_TIMEOUT} s"
    if version is None or version < minimum:
        found = ".".join(map(str, version)) if version else "unknown"
        return f"{name} {'.'.join(map(str, minimum))} or newer is needed (found {found})"
    return None


def _php_curl() -> str | None:
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout
    if "curl" not in modules.split():
        return "php-curl is missing: run `make toolchains` as root (apt-get install php-curl)"
    return _at_least(["php", "--version"], r"PHP (\d+)\.(\d+)", (8, 2), "PHP")


#: Gson, the Java examples' JSON library: Debian's libgoogle-gson-java (`make toolchains`).
GSON = Path("/usr/share/java/gson.jar")


#: A short-lived JVM starts with less work this way (a sixth less CPU, measured here; javac
#: a third less); the program runs the same. A reader's `java` needs none of it.
_JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


#: fetch() compiles its HTTP parser (WebAssembly) in every process; V8's baseline compiler
#: alone does it with a third less CPU a run that sends a request (measured here; one that
#: stops before it, 12 ms more). The program runs the same; a reader's `node` needs none of it.
_NODE_FLAGS = ("--liftoff-only",)


#: The compiled classes, in one jar: the JVM archives classes from jars only.
JAR = "classes.jar"
#: A missing or stale class archive is left out silently: it only saves time.
_QUIET_ARCHIVE = "-Xlog:cds=off,cds+dynamic=off"


@functools.cache
def class_archive() -> str:
    """The name of the classes a first run loaded (the JVM's AppCDS archive, made by
    `_archive_classes`): later runs map them instead of loading and verifying them again, a
    quarter less CPU a run (measured here). It maps only into the JVM build that wrote it,
    with the same jars: its name says which."""
    version = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    gson = GSON.stat()
    identity = f"{version.stderr}{gson.st_size} {gson.st_mtime_ns}"
    return f"classes-{hashlib.sha256(identity.encode()).hexdigest()[:12]}.jsa"


def _java(path: Path, built: Path | None) -> list[str]:
    assert built is not None
    archive = built / class_archive()
    sharing = [f"-XX:SharedArchiveFile={archive}", _QUIET_ARCHIVE] if archive.is_file() else []
    return ["java", *_JVM_FLAGS, *sharing, "-cp", f"{built / JAR}:{GSON}", path.stem]


def _jar(folder: Path) -> None:
    """The classes javac wrote into `folder`, moved into one jar (a zip file is one)."""
    classes = sorted(folder.rglob("*.class"))
    with zipfile.ZipFile(folder / JAR, "w") as jar:
        for path in classes:
            jar.write(path, path.relative_to(folder).as_posix())
    for path in classes:
        path.unlink()


def _archive_classes(example: Example, folder: Path) -> None:
    """Run `example` once against a sandbox of its own, the JVM archiving the classes it
    loads into `folder` (left without an archive if the run fails: the tests then say why)."""
    archive = folder / class_archive()
    if archive.is_file():
        return
    scratch = folder / f".{archive.name}-{os.getpid()}"
    dump = [f"-XX:ArchiveClassesAtExit={scratch}", _QUIET_ARCHIVE]
    command = ["java", *_JVM_FLAGS, *dump, "-cp", f"{folder / JAR}:{GSON}", example.path.stem]
    try:
        with StubServer(seed=SEED, device_interval=DEVICE_INTERVAL) as stub:
            site = stub.sites["test"]
            result = run(example, site.env(), site, command=command)
        if result.returncode == 0 and scratch.is_file():
            with contextlib.suppress(FileExistsError):  # another process archived it first
                os.link(scratch, archive)
    finally:
        scratch.unlink(missing_ok=True)


def _gson() -> str | None:
    if not GSON.is_file():
        package = APT_PACKAGES["javac"]
        return f"{GSON} is missing: run `make toolchains` as root (apt-get install {package})"
    return _at_least(["javac", "-version"], r"javac (\d+)", (17,), "Java")


def _mono(path: Path, built: Path | None) -> list[str]:
    assert built is not None
    return ["mono", str(built / f"{path.stem}.exe")]


#: The assemblies the C# examples use beyond mscorlib: HttpClient, the JSON serializer.
#: (`dotnet` references them by default; mono's compiler is told.)
MCS_REFERENCES = ("System.Net.Http", "System.Runtime.Serialization")
MCS_FLAGS = tuple(f"-r:{name}" for name in MCS_REFERENCES)


def _mcs(path: Path, out: Path) -> list[str]:
    return [
        "mcs",
        *MCS_FLAGS,
        "-warnaserror+",
        "-warn:4",
        f"-out:{out / f'{path.stem}.exe'}",
        str(path),
    ]


def _mono_assemblies() -> str | None:
    """Whether mcs finds the assemblies the examples reference (Debian packs them apart)."""
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch, "Probe.cs")
        probe.write_text(
            "class Probe { static void Main() { new System.Net.Http.HttpClient().Dispose();"
            " new System.Runtime.Serialization.Json.DataContractJsonSerializer(typeof(int)); } }"
        )
        result = subprocess.run(
            ["mcs", *MCS_FLAGS, f"-out:{scratch}/Probe.exe", str(probe)],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        packages = " ".join(APT_PACKAGES["mono"].split()[1:])
        return f"mcs cannot use {', '.join(MCS_REFERENCES)}: apt-get install {packages}"
    return None


#: Every language but the first two needs a toolchain this machine may lack.
_RUNNERS = {
    ".py": dict(
        naming="snake",
        run=lambda path, _built: [sys.executable, str(path)],
        reader=lambda path: [["python3", path.name]],
        lint=lambda path: [sys.executable, "-m", "ruff", "check", "--quiet", str(path)],
    ),
    ".sh": dict(
        naming="snake",
        run=lambda path, _built: ["sh", str(path)],
        reader=lambda path: [["sh", path.name]],
        needs=("sh", "curl"),
        check=lambda: _at_least(["curl", "--version"], r"curl (\d+)\.(\d+)", (7, 84), "curl"),
        # POSIX sh only: no bash-isms a reader's dash or busybox would refuse.
        lint=lambda path: ["shellcheck", "--shell=sh", str(path)],
        lint_needs=("shellcheck",),
    ),
    ".mjs": dict(
        naming="snake",
        run=lambda path, _built: ["node", *_NODE_FLAGS, str(path)],
        reader=lambda path: [["node", path.name]],
        needs=("node",),
        check=lambda: _at_least(["node", "--version"], r"v(\d+)\.", (20,), "Node.js"),
        lint=lambda path: ["node", "--check", str(path)],
    ),
    ".java": dict(
        naming="camel",
        run=_java,
        reader=lambda path: [["java", "-cp", str(GSON), path.name]],
        needs=("java", "javac"),
        check=_gson,
        compile=lambda path, out: [
            *("javac", *(f"-J{flag}" for flag in _JVM_FLAGS), "-cp", str(GSON)),
            *("-Xlint:all", "-Werror", "-d", str(out), str(path)),
        ],
        pack=_jar,
        warm_up=_archive_classes,
    ),
    ".php": dict(
        naming="snake",
        # Every notice and deprecation shows, on stderr, where a clean run prints nothing.
        run=lambda path, _built: [
            *("php", "-d", "error_reporting=-1", "-d", "display_errors=stderr", str(path))
        ],
        reader=lambda path: [["php", path.name]],
        needs=("php",),
        check=_php_curl,
        lint=lambda path: ["php", "-l", str(path)],
    ),
    ".cs": dict(
        naming="camel",
        run=_mono,
        reader=lambda path: [
            ["mcs", *MCS_FLAGS, f"-out:{path.stem}.exe", path.name],
            ["mono", f"{path.stem}.exe"],
        ],
        needs=("mcs", "mono"),
        check=_mono_assemblies,
        compile=_mcs,
    ),
}


sys.path.insert(0, str(REPO / "docs" / "_ext"))
import example_records  # noqa: E402 (the build checks outputs against what recorded them)

sys.path.remove(str(REPO / "docs" / "_ext"))


def _tabs() -> tuple[tuple[str, str, str], ...]:
    """(label, suffix, highlighting) of each tab, in the pages' order: docs/_ext/examples.py."""
    sys.path.insert(0, str(REPO / "docs" / "_ext"))
    try:
        from examples import LANGUAGES as TABS
    finally:
        sys.path.remove(str(REPO / "docs" / "_ext"))
    return TABS


LANGUAGES = tuple(
    Language(label, suffix, highlight, **_RUNNERS[suffix]) for label, suffix, highlight in _tabs()
)
BY_SUFFIX = {language.suffix: language for language in LANGUAGES}


@functools.cache
def missing_toolchain(language: Language, linting: bool = False) -> str | None:
    """Why `language`'s examples cannot run (or be linted) here, or None when they can."""
    needs = language.needs + (language.lint_needs if linting else ())
    absent = [program for program in needs if shutil.which(program) is None]
    if absent:
        packages = sorted({APT_PACKAGES.get(program, program) for program in absent})
        return (
            f"{language.name}: {', '.join(absent)} not found: run `make toolchains` as root"
            f" (apt-get install {' '.join(packages)})"
        )
    problem = language.check()
    return f"{language.name}: {problem}" if problem else None


def file_name(task: str, suffix: str) -> str:
    """The example file of `task` in the language of `suffix`: client_credentials.py, ..."""
    words = task.split("-")
    naming = BY_SUFFIX[suffix].naming
    stem = "_".join(words) if naming == "snake" else "".join(w.capitalize() for w in words)
    return stem + suffix


# -- tasks and examples ----------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One folder of snippets/: its examples print the same and send the same requests.

    Its `expect.toml` says what the person at the keyboard does (`user`: "device" approves
    the code the example shows, "browser" signs in at the address it prints; absent:
    nothing), and lists, in order, every request the sandbox must receive (`[[request]]`).
    """

    folder: Path
    user: str | None = None
    requests: tuple[Mapping[str, Any], ...] = ()
    patterns: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.folder.name

    @classmethod
    def load(cls, folder: Path) -> Task:
        """The task of `folder`; without an expect.toml, one that expects nothing (a test fails)."""
        path = folder / EXPECT
        spec = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return cls(
            folder,
            spec.get("user"),
            tuple(spec.get("request", ())),
            spec.get("patterns", {}),
        )

    def calls_api(self) -> bool:
        """Whether it calls the Extern API (not only the OpenID provider)."""
        return any(not r["path"].startswith("/connect/") for r in self.requests)

    def sends_credentials_first(self) -> bool:
        """Whether its first request carries the client's credentials."""
        return bool(self.requests) and "{api_key}" in str(self.requests[0].get("form", {}))


def task_folders() -> list[Path]:
    return sorted(path for path in SNIPPETS.iterdir() if path.is_dir())


def tasks() -> list[Task]:
    """Every task in snippets/, found on disk."""
    return [Task.load(folder) for folder in task_folders()]


@dataclass(frozen=True)
class Example:
    """One example file: snippets/<task>/<name><suffix>."""

    path: Path

    @property
    def task(self) -> str:
        return self.path.parent.name

    @property
    def language(self) -> Language:
        return BY_SUFFIX[self.path.suffix]

    @property
    def id(self) -> str:
        return f"{self.task}/{self.path.name}"

    def spec(self) -> Task:
        return Task.load(self.path.parent)

    def command(self) -> list[str]:
        return self.language.run(self.path, built(self))

    def output_file(self, site: str) -> Path:
        return self.path.parent / f"output.{site}.txt"

    def recorded(self, site: str) -> str:
        return self.output_file(site).read_text(encoding="utf-8")


def examples() -> list[Example]:
    """Every example file in snippets/, found on disk, in tab order within each task."""
    order = list(BY_SUFFIX)
    found = [
        Example(path)
        for folder in task_folders()
        for path in folder.iterdir()
        if path.suffix in BY_SUFFIX and path.is_file()
    ]
    return sorted(found, key=lambda e: (e.task, order.index(e.path.suffix)))


# -- compiling once per process --------------------------------------------------------------

#: Compiled examples, shared by every process of a run (the pytest workers, make snippets)
#: and by later runs: a folder per file content and compiler command, written whole or not.
BUILD_CACHE = REPO / "_build" / "snippets"
_BUILT: dict[tuple[Path, str], Path] = {}
_BUILD_LOCK = threading.Lock()


class CompileError(Exception):
    """The compiler refused the file or warned about it."""


def built(example: Example) -> Path | None:
    """The scratch folder `example` was compiled into, compiling it on first use."""
    compile_command = example.language.compile
    if compile_command is None:
        return None
    pack = example.language.pack
    steps = (compile_command(example.path, Path(".")), pack and pack.__name__)
    recipe = example.path.read_bytes() + repr(steps).encode()
    digest = hashlib.sha256(recipe).hexdigest()[:16]
    folder = BUILD_CACHE / f"{example.path.stem}-{digest}"
    with _BUILD_LOCK:
        key = (example.path, digest)
        if key not in _BUILT:
            folder.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(f"{folder}.lock"):  # one process compiles, the others wait for it
                _BUILT[key] = _compile(example, folder)
                if example.language.warm_up is not None:
                    example.language.warm_up(example, folder)
        return _BUILT[key]


def _compile(example: Example, folder: Path) -> Path:
    """`folder`, holding `example` compiled: by this process, or by another before it."""
    if folder.is_dir():
        return folder
    compile_command = example.language.compile
    assert compile_command is not None
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        result = subprocess.run(
            compile_command(example.path, scratch),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = (result.stdout + result.stderr).strip()
        # mcs reports success in words; anything else is a warning or an error.
        output = re.sub(r"^Compilation succeeded.*$", "", output, flags=re.MULTILINE).strip()
        if result.returncode != 0 or output:
            raise CompileError(f"{example.id} does not compile cleanly:\n{output}")
        if example.language.pack is not None:
            example.language.pack(scratch)
        with contextlib.suppress(OSError):  # another process was first: use its folder
            scratch.rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def lint(example: Example) -> str:
    """What the language's linter or compiler says about the file ('' when clean)."""
    if example.language.compile is not None:
        try:
            built(example)
        except CompileError as error:
            return str(error)
        return ""
    assert example.language.lint is not None
    command = example.language.lint(example.path)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    if example.language.suffix == ".php" and output.startswith("No syntax errors detected"):
        output = ""
    if result.returncode != 0 and not output:  # a linter that fails silently is no all-clear
        return f"{shlex.join(command)} exited with {result.returncode} and said nothing"
    return output


# -- running ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What one run of an example printed, and how it ended."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def public(text: str, site: Site) -> str:
    """Show the stub's address as `make stub` serves it (the tests run on free ports)."""
    return text.replace(site.base_url, PUBLIC_URLS[site.name])


def masked(text: str) -> str:
    """Hide the values that are random by design: the authorization request's state, nonce."""
    return RANDOM.sub(r"\1=<random>", text)


def mismatch(example: Example, site: str, printed: str) -> str:
    """Where `printed` (with public addresses) departs from the recorded output: '' if nowhere.

    Names the output file and its first differing line, as a writer looks it up.
    """
    recorded = example.recorded(site)
    if masked(printed) == masked(recorded):
        return ""
    old, new = masked(recorded).splitlines(), masked(printed).splitlines()
    number = next(
        (n for n, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b),
        min(len(old), len(new)) + 1,
    )

    def line(lines: list[str]) -> str:
        return repr(lines[number - 1]) if number <= len(lines) else "(nothing: the end)"

    return (
        f"{example.output_file(site).relative_to(REPO)}:{number}: {example.id} no longer prints"
        f" the recorded output on {site}\n  recorded: {line(old)}\n  printed:  {line(new)}\n"
        f"If the new output is right, record it: make snippets TASK={example.task}"
    )


def state_of(text: str) -> str | None:
    match = STATE.search(text)
    return match.group(1) if match else None


def device_polls(site: Site) -> list[RecordedRequest]:
    """The device flow token requests `site` received (RecordedRequest objects)."""
    return [r for r in site.requests if r.path == "/connect/token" and "device_code" in r.form]


def base_env() -> dict[str, str]:
    """Only what a shell would have: no proxy settings or KONTUR_* leaking in from outside."""
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}


def run(
    example: Example,
    env: dict[str, str],
    site: Site | None = None,
    *,
    approve: bool | None = True,
    after_polls: int = 1,
    browser: Callable[[str], str] | None = None,
    on_code: Callable[[], None] = lambda: None,
    command: list[str] | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run one example with exactly `env` (plus PATH and locale), playing the user's part.

    Device flow: when the example shows the user code, `on_code()` runs; once the example
    has polled `after_polls` times, the user approves it (`approve=False`: denies it,
    `approve=None`: does nothing).
    Authorization code: the user opens the printed address on `site`, signs in and
    consents (or refuses), and pastes the address the browser was sent to; or pastes
    `browser(<the printed address>)` when given.
    `command` (run in `cwd`) replaces the usual way to run the file: the copied code, run
    as a reader would.
    """
    stdout: list[str] = []
    stderr: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()
    user = example.spec().user
    command = command or example.command()  # compiled first: `seconds` are the run's own
    started = time.monotonic()
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**base_env(), **env},
        cwd=cwd,
        text=True,
        encoding="utf-8",
        start_new_session=True,  # its own process group: killed whole, curl under sh too
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
            reply = _play_user(user, site, lines, approve, after_polls, browser, on_code)
            with contextlib.suppress(BrokenPipeError):  # it may have stopped already
                if reply is not None:
                    process.stdin.write(reply + "\n")
                process.stdin.close()
            process.wait(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                # A child left running (curl under sh) would hold the pipes open for good.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            for reader in readers:
                reader.join(timeout=5)
    seconds = time.monotonic() - started
    return Run(process.returncode, "".join(stdout), "".join(stderr), seconds)


def _play_user(
    user: str | None,
    site: Site | None,
    lines: queue.Queue[str | None],
    approve: bool | None,
    after_polls: int,
    browser: Callable[[str], str] | None,
    on_code: Callable[[], None],
) -> str | None:
    """Do what the person at the keyboard does; what they type, if anything."""
    if site is None or user is None:
        return None
    while (line := lines.get(timeout=TIMEOUT)) is not None:
        if user == "device" and (match := re.search(r"enter the code (\S+)", line)):
            on_code()
            if approve is not None:
                # Answered, not only received: approving while a poll is in flight races.
                _wait(lambda: sum(p.status is not None for p in device_polls(site)) >= after_polls)
                (site.approve_device if approve else site.deny_device)(match.group(1))
            return None
        if user == "browser" and "/connect/authorize?" in line:
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


# -- what the sandbox received ---------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _matches(template: str, value: str, bound: dict[str, str], patterns: Mapping[str, str]) -> bool:
    """Whether `value` fits `template`; binds the template's new {names} in `bound`.

    A {name} matches its `patterns` entry (any non-empty text on one line by default: a
    code sent with the line break it was read with is a slip), and the same value wherever
    it occurs again.
    """
    regex, names, position = "", [], 0
    for match in _PLACEHOLDER.finditer(template):
        regex += re.escape(template[position : match.start()])
        name = match.group(1)
        if name in bound:
            regex += re.escape(bound[name])
        elif name in names:
            regex += f"(?P={name})"
        else:
            regex += f"(?P<{name}>{patterns.get(name, '.+')})"
            names.append(name)
        position = match.end()
    regex += re.escape(template[position:])
    found = re.fullmatch(regex, value)
    if found is None:
        return False
    bound.update({name: found.group(name) for name in names})
    return True


def match_requests(task: Task, received: list[RecordedRequest], site: Site) -> list[str]:
    """What differs between the requests `site` received and the task's expect.toml.

    Each `[[request]]` names the `method`, `path` and `status`, and may give the exact
    `query` and `form` (every parameter, none repeated), some `headers`, and the
    `content_type`. Values are templates: {client_id} and {api_key} are the site's.
    Whatever the file says, the api-key may only travel as the `client_secret` form field.
    """
    problems = []
    bound = {"client_id": site.client_id, "api_key": site.api_key}
    if len(received) != len(task.requests):
        shown = [f"{r.method} {r.path} -> {r.status}" for r in received]
        problems.append(
            f"{len(task.requests)} requests expected, {len(received)} received: {shown}"
        )
    for number, (want, got) in enumerate(zip(task.requests, received, strict=False), 1):
        where = f"request {number} ({got.method} {got.path})"

        def same(what: str, template: object, value: object, where: str = where) -> None:
            if not _matches(str(template), str(value), bound, task.patterns):
                problems.append(f"{where}: {what} is {value!r}, expected {template!r}")

        same("method", want["method"], got.method)
        same("path", want["path"], got.path)
        same("status", want["status"], got.status)
        if "content_type" in want and not got.content_type.startswith(want["content_type"]):
            problems.append(f"{where}: content type {got.content_type!r}")
        for part in ("query", "form"):
            if part not in want:
                continue
            values = getattr(got, part)
            if sorted(values) != sorted(want[part]):
                problems.append(
                    f"{where}: {part} has {sorted(values)}, expected {sorted(want[part])}"
                )
                continue
            for key, template in want[part].items():
                if len(values.getlist(key)) != 1:
                    problems.append(f"{where}: {part} parameter {key} is repeated")
                same(f"{part} parameter {key}", template, values[key])
        for header, template in want.get("headers", {}).items():
            same(f"header {header}", template, got.headers.get(header, ""))
        outside = str(dict(got.headers)) + str(got.query) + got.body.decode(errors="replace")
        outside += str(got.basic_auth or "")  # a Basic header carries it in base64
        if got.form.get("client_secret") == site.api_key:
            outside = outside.replace(got.form["client_secret"], "", 1)
            secret_ok = got.path.startswith("/connect/")
        else:
            secret_ok = True
        if site.api_key in outside or not secret_ok:
            problems.append(f"{where}: the api-key travels outside the client_secret field")
    return problems


# -- recording -------------------------------------------------------------------------------


def record(stub: StubServer, chosen: list[Task] | None = None) -> list[Path]:
    """Run every example (of the `chosen` tasks) on both sites; write outputs that changed.

    The examples of a task must all print the same, and the sandbox must receive what the
    task's expect.toml lists, or nothing is written. Languages whose toolchain this machine
    lacks are left out, with a warning.
    """
    written = []
    everything = examples()
    skipped = {}
    for language in LANGUAGES:
        if problem := missing_toolchain(language):
            skipped[language.suffix] = problem
            print(f"warning: not run: {problem}", file=sys.stderr)
    for task in tasks() if chosen is None else chosen:
        if not task.requests:
            raise SystemExit(
                f"{task.folder.relative_to(REPO)}/{EXPECT}: list the requests the sandbox"
                " must receive (see snippets/README.md)"
            )
        written_in = {e.language for e in everything if e.task == task.name}
        if missing := [lang.name for lang in LANGUAGES if lang not in written_in]:
            print(f"{task.name}: no example in {', '.join(missing)} yet: the site shows each")
        group = [e for e in everything if e.task == task.name and e.path.suffix not in skipped]
        for name in SITES:
            site = stub.sites[name]
            outputs = {}
            for example in group:
                stub.reset()
                result = run(example, site.env(), site)
                if result.returncode != 0 or result.stderr:
                    raise SystemExit(f"{example.id} failed on {name}:\n{result.output}")
                if problems := match_requests(task, site.requests, site):
                    raise SystemExit(
                        f"{example.id} on {name}: the sandbox did not receive what"
                        f" {task.folder.relative_to(REPO)}/{EXPECT} lists:\n" + "\n".join(problems)
                    )
                outputs[example.id] = public(result.stdout, site)
            if not outputs:
                continue
            if len({masked(text) for text in outputs.values()}) != 1:
                shown = "\n".join(f"--- {id}\n{text}" for id, text in outputs.items())
                raise SystemExit(
                    f"{task.name}: the examples print different things on {name}:\n{shown}"
                )
            path, text = group[0].output_file(name), next(iter(outputs.values()))
            # A new random `state` alone is no change worth a diff.
            if not path.is_file() or masked(path.read_text(encoding="utf-8")) != masked(text):
                path.write_text(text, encoding="utf-8")
                written.append(path)
        not_run = [e.path.name for e in everything if e.task == task.name and e not in group]
        example_records.record(task.folder, [example.path for example in group], not_run)
    return written


def chosen_tasks(names: list[str]) -> list[Task]:
    """The tasks of the folders `names` (all when none is named)."""
    folders = {folder.name: folder for folder in task_folders()}
    unknown = [name for name in names if name not in folders]
    if unknown:
        raise SystemExit(
            f"no such task folder: {', '.join(f'snippets/{name}/' for name in unknown)}"
            f" (there are: {', '.join(folders)})"
        )
    return [Task.load(folders[name]) for name in names] if names else tasks()


def main(argv: list[str]) -> None:
    """`make snippets [TASK=<folder>]`: re-record the outputs against a seeded stub."""
    chosen = chosen_tasks(argv)
    # The same seed and polling interval as the tests' stub fixture.
    with StubServer(seed=SEED, device_interval=DEVICE_INTERVAL) as stub:
        changed = record(stub, chosen)
    for path in changed:
        print(f"recorded {path.relative_to(REPO)}")
    names = {task.name for task in chosen}
    run_here = [e for e in examples() if e.task in names and not missing_toolchain(e.language)]
    print(f"{len(changed)} output files changed, {len(run_here)} examples run on both sites")


if __name__ == "__main__":
    main(sys.argv[1:])
