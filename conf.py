"""Sphinx configuration shared by the Russian source and its English translation.

The language is never hard-coded: each build passes ``-D language=ru`` or
``-D language=en`` (see the Makefile).
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).parent / "docs"
sys.path.insert(0, str(DOCS / "_ext"))  # local extensions, one module each

# -- Project ------------------------------------------------------------------

project = "Kontur.Extern API"
author = "SKB Kontur"
copyright = "SKB Kontur"  # no year: two builds of one commit must give the same pages

# -- General ------------------------------------------------------------------

extensions = [
    "sphinx.ext.doctest",
    "myst_parser",  # prose-only pages (the writers' guide) are Markdown
    "sphinx_tabs.tabs",
    "sphinx_copybutton",
    "language_links",
]

root_doc = "index"
exclude_patterns = ["_build", "_root", "locale", "**/README.md"]
templates_path = ["docs/_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
nitpicky = True  # an unresolved reference is a broken page
myst_heading_anchors = 3  # Markdown headings get anchors that [links](#...) can use

# -- i18n ---------------------------------------------------------------------

language = "ru"  # the source; `-D language=en` builds the translation
locale_dirs = ["locale/"]  # relative to docs/
gettext_compact = False  # one .po file per page, so writers translate page by page
gettext_uuid = False
gettext_location = True  # .po comments point at the source file and line
languages = {"ru": "Русский", "en": "English"}  # every built language: the switcher's labels

# -- HTML ---------------------------------------------------------------------

html_theme = "furo"  # responsive, with a dark mode
html_title = "Kontur.Extern API"
html_static_path = ["docs/_static"]
html_css_files = ["site.css"]
html_js_files = ["site.js"]
html_favicon = "docs/_static/favicon.svg"
html_copy_source = False  # readers copy examples, not page sources
html_show_sourcelink = False
html_last_updated_fmt = None  # no build date: builds stay reproducible
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/language-switcher.html",
        "sidebar/search.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/scroll-end.html",
    ]
}
# Absolute URLs for canonical and hreflang links where the site's address is known.
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL", os.environ.get("DOCS_BASE_URL", ""))

# Copy buttons leave out shell and Python prompts.
copybutton_prompt_text = r"\$ |>>> |\.\.\. "
copybutton_prompt_is_regexp = True

# -- doctest ------------------------------------------------------------------

doctest_test_doctest_blocks = ""  # only explicit doctest directives run

# -- linkcheck ----------------------------------------------------------------

linkcheck_timeout = 10
