"""Lighthouse's four scores for the built site, as a phone and as a desktop see it.

Lighthouse (npm, pinned in package-lock.json: ``make node``) drives Debian's chromium
(``CHROME_PATH``; it downloads no browser) through three pages in both languages. The
site is built from the snapshot and served as a static host such as nginx serves it,
with gzip: the scores are the published site's, not those of a development server's
uncompressed files. Each row is the lowest score of a category over the pages and
languages, with the page that got it.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.harness import REPO, Bench, child_env, measure
from bench.report import tail

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: The home page, the page of the most used flow (code tabs), the sandbox (downloads, tables).
PAGES = ("index.html", "auth/client-credentials.html", "sandbox.html")
LANGUAGES = ("ru", "en")
FORM_FACTORS = ("mobile", "desktop")
#: The lowest score each category may get.
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
#: What a host compresses, as nginx's `gzip_types` would list them.
COMPRESSED = ("text/", "application/javascript", "application/json", "image/svg+xml")


class CompressingHost(SimpleHTTPRequestHandler):
    """Serves files as a static host does: gzip for text when the browser accepts it."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        kind = self.guess_type(str(path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and accepts and kind.startswith(COMPRESSED)):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self._body = body
        return None

    def do_GET(self) -> None:
        self._body = b""
        file = self.send_head()
        if file is not None:
            with file:
                self.copyfile(file, self.wfile)
        elif self._body:
            self.wfile.write(self._body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_compressed(root: Path) -> Iterator[str]:
    """``root`` served with gzip on 127.0.0.1, a free port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(CompressingHost, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def lighthouse_command(url: str, form_factor: str, report: Path) -> list[str]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(TARGETS)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    # Lighthouse's defaults are a phone (simulated slow 4G, slower CPU); its desktop preset.
    return [*command, "--preset=desktop"] if form_factor == "desktop" else command


def scores(report: Path) -> dict[str, int]:
    """Each category's score out of 100, from a Lighthouse JSON report."""
    categories = json.loads(report.read_text(encoding="utf-8"))["categories"]
    return {name: round(categories[name]["score"] * 100) for name in TARGETS}


def failing_audits(report: Path) -> list[str]:
    """The audits that cost points, for the notes: id and title."""
    data = json.loads(report.read_text(encoding="utf-8"))
    weighted = {
        ref["id"]
        for category in data["categories"].values()
        for ref in category["auditRefs"]
        if ref.get("weight")
    }
    return sorted(
        f"{audit['id']} ({audit['title']})"
        for audit in data["audits"].values()
        if audit["id"] in weighted and audit.get("score") is not None and audit["score"] < 1
    )


def run(bench: Bench) -> None:
    """Build the site, serve it with gzip, run Lighthouse on each page, add the rows."""
    if not LIGHTHOUSE.exists() or not Path(CHROMIUM).exists():
        bench.row("Lighthouse", "", result=f"n/a: needs `make node` and {CHROMIUM}")
        return
    builddir = bench.scratch / "lighthouse"
    build = measure(bench.make("html", builddir, bench.snapshot / "docs"))
    if not build.ok:
        bench.failed(bench.row("Lighthouse: make html", ""), "make html", build)
        return
    pages = PAGES[:1] if bench.settings.quick else PAGES
    results: dict[str, list[tuple[dict[str, int], str]]] = {form: [] for form in FORM_FACTORS}
    with serve_compressed(builddir / "html") as base:
        for form_factor in FORM_FACTORS:
            for lang in LANGUAGES:
                for page in pages:
                    where = f"{lang}/{page}"
                    report = bench.scratch / f"lighthouse-{form_factor}-{where.replace('/', '-')}"
                    run = subprocess.run(  # noqa: S603 - our own pinned lighthouse
                        lighthouse_command(f"{base}/{where}", form_factor, report),
                        env=child_env({"CHROME_PATH": CHROMIUM}),
                        capture_output=True,
                        text=True,
                        check=False,
                        timeout=300,
                    )
                    if run.returncode != 0 or not report.is_file():
                        bench.problems.append(
                            f"lighthouse {where} ({form_factor}) exited with "
                            f"{run.returncode}:\n{tail(run.stdout + run.stderr)}"
                        )
                        continue
                    results[form_factor].append((scores(report), where))
                    if lost := failing_audits(report):
                        bench.notes.append(
                            f"Lighthouse {where} ({form_factor}) lost points on: " + "; ".join(lost)
                        )
    for form_factor, found in results.items():
        for category, target in TARGETS.items():
            what = f"Lighthouse {category}, {form_factor} (lowest)"
            if not found:
                bench.judge(bench.row(what, "failed", target=f">= {target}"), False)
                continue
            score, where = min((result[category], where) for result, where in found)
            if all(result[category] == score for result, _ in found):
                where = "every page"
            row = bench.row(what, f"{score} ({where})", target=f">= {target}", runs=len(found))
            bench.judge(row, score >= target)
