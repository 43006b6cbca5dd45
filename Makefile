# Entry points of the Kontur.Extern authentication docs. `make help` lists them.

PYTHON     ?= python3
VENV       ?= .venv
BUILDDIR   ?= _build
SOURCEDIR  ?= docs
SPHINXOPTS ?=
# Two languages build side by side, so each build gets one worker by default.
JOBS       ?= 1
DOCS_LANG  ?= ru
PYTEST_ARGS ?=
# make snippets records every task's outputs, or only those of the task folders named here.
TASK       ?=
# make po PRUNE=1 also removes the .po files of pages that are gone (make po names them).
PRUNE      ?=
# Four pytest workers on two cores: the suite also waits (the examples' polling and
# timeouts, chromium, the stub), and two more workers fill those waits. Measured on a quiet
# 2-core machine, both cores then stay busy the whole run: 403 s of pytest against 444 s
# with two workers (README, "Where `make test` spends its time").
TEST_WORKERS ?= 4
# Tests last from milliseconds to a minute: an idle worker takes queued tests from the busy
# one instead of stopping early (pytest-xdist's worksteal); each worker starts on its share's
# longest modules (tests/scheduling.py).
TEST_DIST  ?= worksteal
# Processes mutmut runs at once (make mutate), and which mutants (names or globs; all when
# empty): MUTANTS="$$(.venv/bin/python -m bench.mutation --sample 20)" checks every 20th.
MUTATE_JOBS ?= 2
MUTANTS    ?=
# make mutate AREA=<area> checks a seeded random sample of the area's mutants (bench/areas.py);
# MUTATE_BUDGET (seconds) stops it early, and the next run goes on where it stopped;
# MUTATE_AGAIN=1 checks the survivors kept once more (after new tests).
AREA       ?=
MUTATE_SAMPLE ?= 140
MUTATE_BUDGET ?=
MUTATE_AGAIN ?=
LIVE_PORT  ?= 8000
# The sandbox's documented ports keep the exports `make stub` prints valid across restarts;
# `make stub STUB_TEST_PORT=8411 STUB_PRODUCTION_PORT=8412` chooses others (0: any free).
STUB_TEST_PORT ?= 8401
STUB_PRODUCTION_PORT ?= 8402
STUB_ARGS  ?=
# The browser tests drive Debian's chromium; `make browser` installs it when missing.
CHROMIUM   ?= /usr/bin/chromium
# Reproducible builds: anything dated takes the last commit's time, not the clock's.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

BIN        := $(VENV)/bin
SPHINXBUILD := $(BIN)/sphinx-build
LANGUAGES  := ru en
# Warnings are errors, nitpicky references, and every problem reported before failing.
STRICT     := --fail-on-warning --keep-going -n
READY      := $(VENV)/.installed
# From npm, pinned in package-lock.json: newman runs the Postman collection in the tests,
# axe-core checks every page in the browser tests, Lighthouse scores the site in make bench.
NODE_READY := node_modules/.installed

.DEFAULT_GOAL := help

.PHONY: help
help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The virtual environment is rebuilt only when the pinned dependencies change.
$(READY): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

# `npm ci` installs exactly what package-lock.json pins, again only when it changes.
$(NODE_READY): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: node
node: $(NODE_READY)  ## install newman, axe-core and Lighthouse (pinned in package-lock.json)

.PHONY: venv
venv: $(READY)  ## create .venv and install the pinned dependencies

.PHONY: html
html: $(READY)  ## build the Russian and English sites into _build/html/{ru,en}
	$(MAKE) --no-print-directory -j2 html-ru html-en
	cp $(SOURCEDIR)/_root/index.html $(BUILDDIR)/html/index.html
	@echo "Built. Open $(BUILDDIR)/html/index.html (Russian: $(BUILDDIR)/html/ru/index.html, English: $(BUILDDIR)/html/en/index.html)"

.PHONY: $(addprefix html-,$(LANGUAGES))
$(addprefix html-,$(LANGUAGES)): html-%: $(READY)
	$(SPHINXBUILD) -c . -b html -j $(JOBS) -D language=$* -d $(BUILDDIR)/doctrees/$* $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/html/$*

.PHONY: guide
guide: $(READY)  ## build the writers' guide (docs/writing.md), a site apart from the readers', into _build/guide/{ru,en}
	for lang in $(LANGUAGES); do \
		$(SPHINXBUILD) -c . -b html -t guide -D language=$$lang -d $(BUILDDIR)/doctrees/guide-$$lang $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/guide/$$lang || exit; \
	done

# Python's bytecode caches are written even where the machine turns them off: each worker
# would otherwise compile again the test modules and pytest's rewrite of its plugins (half
# of a worker's 8 s of collecting), each sphinx-build the extensions.
.PHONY: test
test: lint html browser toolchains $(NODE_READY)  ## lint, build both sites, then run the whole test suite
	env -u PYTHONDONTWRITEBYTECODE CHROMIUM=$(CHROMIUM) SCREENSHOT_DIR=$(abspath $(BUILDDIR))/screenshots \
		$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist $(TEST_DIST) $(PYTEST_ARGS)

# What a page or translation edit can break, for a writer's quick loop: the tests that read
# the built site run against $(BUILDDIR) itself (SITE_BUILDDIR), not a clean copy.
CHECK_TESTS := tests/test_translation.py tests/test_glossary.py tests/test_site.py \
	tests/test_provenance.py tests/test_example_tabs.py
CHECK_SKIP  := tests/test_site.py::test_broken_page_fails_the_build_with_file_and_line
# Its tests only read files: one worker a core.
CHECK_WORKERS ?= 2

.PHONY: check
check: lint html  ## a writer's quick loop (about 40 s of CPU on two workers): lint, both builds, translations, marks, links and anchors
	SITE_BUILDDIR=$(abspath $(BUILDDIR)) $(BIN)/python -m pytest -q -n $(CHECK_WORKERS) -p no:cacheprovider \
		$(CHECK_TESTS) --deselect $(CHECK_SKIP) $(PYTEST_ARGS)

.PHONY: lint
lint: $(READY)  ## sphinx-lint the pages and .po files, ruff the Python; errors name file and line
	$(BIN)/sphinx-lint $(SOURCEDIR)
	$(BIN)/ruff check --output-format=concise .
	$(BIN)/ruff format --check --diff .

.PHONY: live
live: $(READY)  ## live preview, Russian or DOCS_LANG=en, on http://127.0.0.1:8000 (LIVE_PORT), rebuilt on save
	$(BIN)/sphinx-autobuild -c . -D language=$(DOCS_LANG) -d $(BUILDDIR)/doctrees/$(DOCS_LANG) $(STRICT) $(SPHINXOPTS) \
		--host 127.0.0.1 --port $(LIVE_PORT) --re-ignore '\.mo$$' \
		--watch conf.py $(addprefix --watch ,$(wildcard snippets)) \
		$(SOURCEDIR) $(BUILDDIR)/html/$(DOCS_LANG)

.PHONY: browser
browser:  ## install Debian's chromium for the browser tests if it is missing (as root)
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation; \
	else \
		echo "$(CHROMIUM) is missing and only root can install it (apt-get install chromium):"; \
		echo "the browser tests will be skipped, or fail when CI is set."; \
	fi

# The examples' toolchains: Node.js 20+ and Java 17+ come with the machine; shellcheck (the
# curl examples' linter), Gson (the Java examples' JSON library), PHP with its curl extension
# and mono's C# compiler (with the assemblies the examples use) come from Debian, installed
# here when missing.
# unzip: the sandbox page unpacks the examples with it, and a test runs that page's commands.
TOOLCHAIN_PACKAGES := shellcheck libgoogle-gson-java php-cli php-curl mono-mcs libmono-system-net-http4.0-cil libmono-system-runtime-serialization4.0-cil unzip

.PHONY: toolchains
toolchains:  ## install shellcheck, Gson, PHP (with curl) and mono's C# compiler for the examples if missing (as root)
	@missing=; \
	for package in $(TOOLCHAIN_PACKAGES); do \
		dpkg-query -W -f '$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "Missing for the examples:$$missing (only root can apt-get install them):"; \
		echo "their tests will be skipped, or fail when CI is set."; \
	fi

.PHONY: stub
stub: $(READY)  ## start the sandbox on 127.0.0.1:8401 (test) and :8402 (production); STUB_TEST_PORT=, STUB_PRODUCTION_PORT= choose others
	$(BIN)/python -m extern_stub --test-port $(STUB_TEST_PORT) --production-port $(STUB_PRODUCTION_PORT) $(STUB_ARGS)

.PHONY: snippets
snippets: $(READY)  ## run the examples in snippets/ (TASK=<folder>: one task's) against a seeded stub and re-record their output
	$(BIN)/python tests/snippets_runner.py $(TASK)

.PHONY: doctest
doctest: $(READY)  ## run the pages' Python sessions against a seeded stub; failures name file and line
	$(BIN)/python -m extern_stub --seed 1 --test-port 0 --production-port 0 -- \
		$(SPHINXBUILD) -c . -b doctest -d $(BUILDDIR)/doctrees/doctest $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/doctest

.PHONY: bench
bench: $(READY) $(NODE_READY)  ## time builds, tests and the stub against plain Sphinx, score pages with Lighthouse (BENCH_RUNS=3, BENCH_QUICK=1)
	$(BIN)/python -m bench

.PHONY: mutate
mutate: $(READY)  ## mutation testing (niced; long): the sandbox with mutmut, or AREA=extensions|po|runner|examples|settings: the share of mutants killed
ifeq ($(filter-out sandbox,$(AREA)),)
	nice -n 10 $(BIN)/mutmut run --max-children $(MUTATE_JOBS) $(MUTANTS)
	$(BIN)/python -m bench.mutation
else
	nice -n 10 $(BIN)/python -m bench.areas $(AREA) --sample $(MUTATE_SAMPLE) $(if $(MUTATE_BUDGET),--budget $(MUTATE_BUDGET)) $(if $(MUTATE_AGAIN),--again)
endif

.PHONY: po
po: $(READY)  ## extract messages and update the .po files (fuzzy entries keep the old Russian text); PRUNE=1 removes catalogs of pages gone
	rm -rf $(BUILDDIR)/gettext
	$(SPHINXBUILD) -c . -b gettext -d $(BUILDDIR)/doctrees/gettext $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/gettext
	$(SPHINXBUILD) -c . -b gettext -t guide -d $(BUILDDIR)/doctrees/gettext-guide $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/gettext
	$(BIN)/python -m tools.po update $(BUILDDIR)/gettext $(SOURCEDIR)/locale --redirects $(SOURCEDIR)/redirects.toml $(if $(PRUNE),--prune)

.PHONY: po-todo
po-todo: $(READY)  ## each untranslated or fuzzy message, with file, line and what changed in the Russian
	$(BIN)/python -m tools.po todo $(SOURCEDIR)/locale

.PHONY: po-stats
po-stats: $(READY)  ## translated / fuzzy / untranslated messages per .po file
	$(BIN)/python -m tools.po stats $(SOURCEDIR)/locale

.PHONY: clean
clean:  ## remove the build output (keeps .venv)
	rm -rf $(BUILDDIR)
