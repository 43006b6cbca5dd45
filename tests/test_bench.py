"""The benchmark's helpers, and its scale part end to end on two generated pages.

`make bench` itself takes minutes and is never run here; no figure is judged here either.
"""

import gzip
import http.client
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import polib
import pytest

from bench import baseline, builds, lighthouse, report, sandbox, scale, suite
from bench.harness import Bench
from bench.options import settings_from

NOOP_BUILD = """\
Running Sphinx v9.0.4
loading pickled environment... done
building [html]: targets for 0 source files that are out of date
updating environment: 0 added, 0 changed, 0 removed
reading sources...
"""

# Two builds run by `make -j2` interleave their lines.
EDIT_BUILDS = """\
loading pickled environment... loading pickled environment... The configuration has changed
updating environment: updating environment: 0 added, 1 changed, 0 removed
reading sources... [100%] api-key
0 added, 1 changed, 0 removed
reading sources... [100%] api-key
"""

JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="1"
 tests="5" time="10.5">
<testcase classname="tests.test_site" name="test_build" time="3.0"/>
<testcase classname="tests.stub.test_token" name="test_token" time="1.5"/>
<testcase classname="tests.stub.test_token" name="test_bad" time="0.5">
<failure message="x"/></testcase>
<testcase classname="tests.browser.test_switcher" name="test_click" time="4.0">
<skipped message="no chromium"/></testcase>
<testcase classname="tests.test_snippets" name="test_example[token.py]" time="1.0"/>
<testcase classname="tests.test_snippets" name="test_run[flow/token.mjs-test]" time="2.0"/>
<testcase classname="tests.test_snippets" name="test_lint[flow/Token.java]" time="0.5"/>
<testcase classname="tests.test_snippets" name="test_run[flow/token.mjs-production]" time="1.0"/>
<testcase classname="tests.test_snippets" name="test_silent_server" time="30.0"/>
</testsuite></testsuites>
"""


def test_median_of_runs() -> None:
    assert report.median([3.0, 1.0, 2.0]) == 2.0
    assert report.median([1.0, 2.0]) == 1.5
    with pytest.raises(ValueError, match="no values"):
        report.median([])


def test_a_noop_build_rereads_nothing() -> None:
    assert builds.reread_count(NOOP_BUILD) == 0
    assert builds.reread_pages(NOOP_BUILD) == []


def test_rereads_are_summed_over_interleaved_builds() -> None:
    assert builds.reread_count(EDIT_BUILDS) == 2
    assert builds.reread_pages(EDIT_BUILDS) == ["api-key", "api-key"]


def test_colour_codes_do_not_hide_the_counts() -> None:
    assert (
        builds.reread_count(
            "\x1b[01mupdating environment: \x1b[39;49;00m4 added, 1 changed, 0 removed"
        )
        == 5
    )


def test_output_without_a_summary_is_not_a_zero() -> None:
    assert builds.reread_count("make: *** [html-ru] Error 2") is None


def test_junit_time_is_split_by_part() -> None:
    summary = suite.parse_junit(JUNIT)
    assert summary.seconds == 10.5
    assert summary.parts == {"site": 3.0, "stub": 2.0, "browser": 4.0, "examples": 34.5}
    assert (summary.tests, summary.failures, summary.skipped) == (9, 1, 1)
    # The examples of each language: "" for the tests of every language at once.
    assert summary.languages == {"": 31.0, ".mjs": 3.0, ".java": 0.5}


def test_every_example_language_has_a_name() -> None:
    assert list(suite.language_names().values())[:2] == ["Python", "curl"]
    assert suite.example_suffix("test_x[KONTUR_API_KEY-device-flow/DeviceFlow.cs]") == ".cs"
    assert suite.example_suffix("test_pages_show_every_example[ru]") is None


@pytest.mark.parametrize(
    ("classname", "part"),
    [
        ("tests.browser.test_search", "browser"),
        ("tests.test_doctests", "doctests"),
        ("tests.test_examples", "examples"),
        ("tests.stub.test_device_flow", "stub"),
        ("tests.test_translation", "site"),
        ("tests.test_extensions", "site"),
    ],
)
def test_tests_are_grouped_by_module(classname: str, part: str) -> None:
    assert suite.part_of_test(classname) == part


def test_the_stub_banner_is_parsed() -> None:
    site = sandbox.parse_stub_line("test http://127.0.0.1:4321 client_id=demo api_key=0a-1b\n")
    assert site == sandbox.StubSite("test", "http://127.0.0.1:4321", "demo", "0a-1b")
    assert sandbox.parse_stub_line("export KONTUR_SITE=test") is None


def test_the_device_rows_sign_in_approve_and_authorize_over_http() -> None:
    """The requests the device rows time all succeed (each must answer 200), tokens too."""
    measured = sandbox.device_latencies(devices=5, count=3)
    assert min(measured.approve, measured.authorize, measured.token_median) > 0
    assert measured.token_max >= measured.token_median


def test_cost_per_page_and_its_growth() -> None:
    costs = scale.per_page(2.0, {50: 4.0, 200: 10.0, 800: 34.0})
    assert costs == pytest.approx({50: 0.04, 200: 0.04, 800: 0.04})
    assert scale.scale_growth(costs) == pytest.approx(1.0)
    assert scale.scale_growth({50: 0.04}) is None


def test_directives_and_roles_are_found_but_not_fields() -> None:
    text = ".. tabs::\n\n   .. group-tab:: Python\n\n      :language: python\n\nSee :ref:`home`.\n"
    assert baseline.names_used([text]) == (["group-tab", "tabs"], ["ref"])


def test_the_table_lines_up() -> None:
    rows = [
        report.Row("cold build", "1.00 s", "60 MiB", "≤ 2.5x", "pass"),
        report.Row("stub", "9 ms"),
    ]
    rows[0].runs = "3"
    lines = report.render_table(rows).splitlines()
    assert len(lines) == 4
    assert len({len(line) for line in lines}) == 1
    assert lines[0].startswith("| measure")
    assert lines[2].startswith("| cold build | 1.00 s | 3    | 60 MiB")
    assert lines[2].endswith("| pass   |")


def test_a_generated_page_shows_the_example(tmp_path: Path) -> None:
    lines, how = scale.example_block(tmp_path, use_directive=False)
    assert "no `example` directive" in how
    page = scale.generated_page(7, lines)
    assert ".. group-tab:: curl" in page
    title = page.splitlines()[2]
    assert page.splitlines()[3] == "=" * len(title)


def test_generated_pages_include_the_snippet_files(tmp_path: Path) -> None:
    folder = tmp_path / "snippets" / scale.SCALE_EXAMPLE
    folder.mkdir(parents=True)
    (folder / "flow.py").write_text("print()\n")
    (folder / "flow.sh").write_text("curl\n")
    lines, _how = scale.example_block(tmp_path / "snippets", use_directive=False)
    assert f"      .. literalinclude:: /../snippets/{scale.SCALE_EXAMPLE}/flow.sh" in lines
    directive, how = scale.example_block(tmp_path / "snippets", use_directive=True)
    assert directive[0] == f".. example:: {scale.SCALE_EXAMPLE}"
    assert "`example` directive" in how


def test_settings_from_the_environment() -> None:
    quick = settings_from([], {"BENCH_QUICK": "1"})
    assert (quick.runs, quick.quick, quick.scale, quick.scale_runs) == (1, True, [10, 40], 1)
    full = settings_from([], {"BENCH_RUNS": "5", "BENCH_ONLY": "stub,scale"})
    assert (full.runs, full.scale, full.only) == (5, [50, 200, 800], {"stub", "scale"})
    assert (full.test_runs, full.scale_runs, full.make_args, full.plain_max) == (1, 1, [], 200)
    sized = settings_from([], {"BENCH_SCALE": "0,1611,100", "BENCH_PLAIN_MAX": "1611"})
    assert (sized.scale, sized.plain_max) == ([100, 1611], 1611)
    tried = settings_from(["--pytest-args=-n 2", "--make-args", "JOBS=2 -o lint"], {})
    assert (tried.pytest_args, tried.make_args) == ("-n 2", ["JOBS=2", "-o", "lint"])
    with pytest.raises(SystemExit):
        settings_from(["--only", "nonsense"], {})


def test_a_generated_page_has_an_english_catalog(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    (docs / "index.rst").write_text("Home\n====\n", encoding="utf-8")
    (docs / "shows.rst").write_text(".. example:: client-credentials\n", encoding="utf-8")
    real = polib.POFile()
    real.append(polib.POEntry(msgid="Тестовая площадка", msgstr="Test environment"))
    real.append(polib.POEntry(msgid="Untranslated", msgstr=""))
    real.save(str(docs / "locale" / "en" / "LC_MESSAGES" / "shows.po"))
    scale.add_generated_pages(docs, 2, [".. example:: client-credentials", ""])
    catalog = polib.pofile(str(docs / "locale/en/LC_MESSAGES/bench-generated/page-0002.po"))
    translations = {entry.msgid: entry.msgstr for entry in catalog}
    assert translations["Тестовая площадка"] == "Test environment"
    assert translations["Сгенерированная страница 2"] == "Generated page 2"
    assert "Untranslated" not in translations
    page = (docs / "bench-generated" / "page-0002.rst").read_text(encoding="utf-8")
    assert scale.PROSE[0] in page.splitlines()
    assert "bench-generated/*" in (docs / "index.rst").read_text(encoding="utf-8")


def test_the_scale_part_builds_with_the_site_and_plain_furo(tmp_path: Path) -> None:
    os.environ.pop("MAKEFLAGS", None)
    quick = {"BENCH_QUICK": "1"}  # no warm-up build: each row's builds run once
    settings = settings_from([], {**quick, "BENCH_SCALE": "2", "BENCH_PLAIN_MAX": "2"})
    bench = Bench(settings, tmp_path)
    scale.run(bench)
    assert bench.problems == []
    rows = {row.what: row for row in bench.rows}
    assert set(rows) == {
        "scale +0: site, RU + EN",
        "scale +2: site, RU + EN",
        "scale +0: plain Sphinx + furo, RU",
        "scale +2: plain Sphinx + furo, RU",
    }
    assert "ms/page/lang" in rows["scale +2: site, RU + EN"].value
    assert rows["scale +2: site, RU + EN"].result in {"pass", "FAIL"}  # judged, not asserted
    assert "x the site's" in rows["scale +2: plain Sphinx + furo, RU"].value
    assert all(row.memory.endswith("MiB") for row in rows.values())


def fetch(base: str, path: str, encoding: str = "") -> tuple[str | None, bytes]:
    """GET ``path``: (Content-Encoding, body)."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    connection.request("GET", path, headers={"Accept-Encoding": encoding} if encoding else {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.headers["Content-Encoding"], body


def test_lighthouse_sees_the_site_compressed_as_a_static_host_serves_it(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    page = "<!doctype html><title>t</title>" + "<p>text</p>" * 100
    (tmp_path / "en" / "index.html").write_text(page, encoding="utf-8")
    (tmp_path / "en" / "logo.png").write_bytes(b"\x89PNG")
    with lighthouse.serve_compressed(tmp_path) as base:
        encoding, body = fetch(base, "/en/", "gzip, deflate")
        assert (encoding, gzip.decompress(body).decode()) == ("gzip", page)
        assert fetch(base, "/en/index.html") == (None, page.encode())
        assert fetch(base, "/en/logo.png", "gzip") == (None, b"\x89PNG")  # compressed already


def test_lighthouse_scores_and_lost_points_are_read_from_its_report(tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    categories = {
        name: {"score": score, "auditRefs": [{"id": f"{name}-audit", "weight": 1}]}
        for name, score in zip(lighthouse.TARGETS, (0.954, 1, 1, 0.92), strict=True)
    }
    audits = {
        "performance-audit": {"id": "performance-audit", "title": "Slow", "score": 0.5},
        "seo-audit": {"id": "seo-audit", "title": "Invalid hreflang", "score": 0},
        "accessibility-audit": {"id": "accessibility-audit", "title": "Fine", "score": 1},
    }
    report_file.write_text(json.dumps({"categories": categories, "audits": audits}))
    assert lighthouse.scores(report_file) == {
        "performance": 95,
        "accessibility": 100,
        "best-practices": 100,
        "seo": 92,
    }
    assert lighthouse.failing_audits(report_file) == [
        "performance-audit (Slow)",
        "seo-audit (Invalid hreflang)",
    ]
    desktop = lighthouse.lighthouse_command("http://x/", "desktop", report_file)
    assert "--preset=desktop" in desktop
    assert "--preset=desktop" not in lighthouse.lighthouse_command(
        "http://x/", "mobile", report_file
    )
