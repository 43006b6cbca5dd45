"""sphinx-build without its start-up: a server that has imported Sphinx forks one build per run.

Most of a small rebuild's CPU is Python importing Sphinx, docutils, the theme and their
libraries (about 0.7 s of a 1.1 s no-op build), and the site tests run Sphinx hundreds of
times. With ``WarmSphinx.make_vars`` on its command line, ``make html`` still runs every
command of the Makefile; only each ``sphinx-build`` is the server's client (a script
beside its socket that runs ``client`` of this file): it hands its arguments, folder,
environment and standard streams to the server, whose fork of itself runs Sphinx's own
``main`` with them (writing straight to the client's streams) and sends back its exit
status. The server imports libraries only: the site's extensions
and ``conf.py`` are read afresh by every build, as by ``sphinx-build``.

The builds of one server share its hash seed: a test that compares two builds (an
incremental one with a clean one) makes them with two servers, or one of them with the
real ``sphinx-build``.

Each pytest process starts its servers on first use (``shared``) and stops them when it
exits: a server's start costs about as much as two small builds. Their builds' CPU counts
as the test process's when it stops them, after its last test.

A client imports as little as it can: it starts once per build.
"""

import contextlib
import json
import os
import socket
import sys

SPHINX_BUILD = os.path.join(os.path.dirname(sys.executable), "sphinx-build")
#: What a build of the site imports before it reads conf.py: Sphinx with its built-in
#: extensions (``builtin_modules``), and the extensions conf.py names that are libraries. Not
#: sphinxext.opengraph: it prints a line on import, which each build's output must keep.
PRELOAD = (
    "sphinx.cmd.build",
    "sphinx.application",
    "sphinx.builders.html",
    "sphinx.builders.gettext",
    "sphinx.ext.doctest",
    "myst_parser",
    "myst_parser.sphinx_ext.main",
    "myst_parser.sphinx_ext.directives",
    "myst_parser.sphinx_ext.mathjax",
    "myst_parser.sphinx_ext.myst_refs",
    "myst_parser.parsers.sphinx_",
    "sphinx_tabs.tabs",
    "sphinx_copybutton",
    "sphinx_reredirects",
    "sphinx_markdown_builder",
    "notfound.extension",
    "furo",
    "jinja2.ext",
    # What the pages' code blocks are highlighted with.
    "pygments.lexers.python",
    "pygments.lexers.shell",
    "pygments.lexers.javascript",
    "pygments.lexers.jvm",
    "pygments.lexers.php",
    "pygments.lexers.dotnet",
    "pygments.lexers.textfmts",
    "pygments.lexers.data",
    # The sandbox's defaults, which docs/_ext/live_examples.py reads (its files, sites.json
    # included, are read by each build; its modules do not change during a test run).
    "extern_stub.__main__",
    "extern_stub.sites",
    "extern_stub.cors",
)


def builtin_modules() -> list[str]:
    """The modules Sphinx loads as extensions before any of conf.py's."""
    from sphinx import application

    return [
        *application.builtin_extensions,
        *application._first_party_extensions,
        *application._first_party_themes,
    ]


class WarmSphinx:
    """A server for a test process's builds (see `shared`), and how to make them use it."""

    def __init__(self) -> None:
        import subprocess
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="warm-sphinx-")
        self.socket = os.path.join(self.folder, "socket")
        self.client = os.path.join(self.folder, "sphinx-build")
        with open(self.client, "w", encoding="utf-8") as script:
            script.write(
                f"#!{sys.executable} -S\n"
                f"import sys\nsys.path.insert(0, {os.path.dirname(__file__)!r})\n"
                f"from warm_sphinx import client\nsys.exit(client({self.socket!r}, sys.argv[1:]))\n"
            )
        os.chmod(self.client, 0o700)
        self.process = subprocess.Popen(
            [sys.executable, __file__, self.socket],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        # Anything else: a library printed on import, which each build would not print.
        assert ready == "ready\n", f"the warm sphinx-build server did not start: {ready!r}"

    @property
    def make_vars(self) -> list[str]:
        """make's setting that runs the client in place of ``sphinx-build``."""
        return [f"SPHINXBUILD={self.client}"]

    def close(self) -> None:
        """Stop the server once its builds are done, so their CPU is the caller's children's."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait()
        self.process.stdout.close()
        for name in (self.socket, self.client):
            os.unlink(name)
        os.rmdir(self.folder)


_SHARED: dict[str, WarmSphinx] = {}


def shared(name: str = "builds") -> WarmSphinx:
    """This process's server called ``name``, started on first use, stopped at exit.

    Two names are two servers, each with a hash seed of its own."""
    if name not in _SHARED:
        import atexit

        _SHARED[name] = server = WarmSphinx()
        atexit.register(server.close)
    return _SHARED[name]


def _serve(path: str) -> None:
    import importlib
    import select

    for name in [*PRELOAD, *builtin_modules()]:
        importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    running = 0
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [], 1.0)
        running -= _reap()
        if sys.stdin in readable and not sys.stdin.readline():
            break  # the test module is done
        if listener in readable:
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                _build(connection)  # exits
            connection.close()
            running += 1
    for _build_left in range(running):
        os.wait()


def _reap() -> int:
    """Wait for the builds that ended; how many."""
    reaped = 0
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if not pid:
            return reaped
        reaped += 1


def _build(connection: socket.socket) -> None:
    """In the forked server: become the client's sphinx-build, run it, send its status."""
    import atexit
    import signal

    code = 1
    try:
        data, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
        size = int.from_bytes(data[:8], "big")
        data = data[8:]
        while len(data) < size:
            data += connection.recv(size - len(data))
        request = json.loads(data)
        for number, fd in enumerate(fds):
            os.dup2(fd, number)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [SPHINX_BUILD, *request["argv"]]
        sys.path[0] = os.path.dirname(SPHINX_BUILD)  # a console script's own folder
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from sphinx.cmd.build import main

        try:
            code = main(request["argv"])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        # What a process's exit runs, which os._exit skips: the helper process a library
        # started (sphinx-sitemap's multiprocessing manager) stops, and lets go of the
        # client's streams.
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):  # the client's reader may be gone
                stream.flush()
        try:
            connection.sendall(code.to_bytes(4, "big", signed=True))
        finally:
            os._exit(code)


def client(path: str, argv: list[str]) -> int:
    """sphinx-build's arguments built by the server at ``path``: the build's exit status."""
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(path)
        socket.send_fds(connection, [len(request).to_bytes(8, "big") + request], [0, 1, 2])
        status = b""
        while len(status) < 4:
            chunk = connection.recv(4 - len(status))
            if not chunk:
                print("sphinx-build (warm): the build ended without a status", file=sys.stderr)
                return 1
            status += chunk
    return int.from_bytes(status, "big", signed=True)


if __name__ == "__main__":
    _serve(sys.argv[1])
