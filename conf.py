"""Sphinx configuration shared by the Russian source and its English translation.

The language is never hard-coded: each build passes ``-D language=ru`` or
``-D language=en`` (see the Makefile).
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

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
    "accessibility",  # heading levels in the navigation, keyboard-reachable scrolling blocks
    "examples",  # `.. example::`: snippets/ in language tabs with their recorded output
    "downloads",  # the sandbox package, the examples zip, the Postman files, built and linked
    "provenance",  # `:inferred:`/`:sandbox:` marks for what Kontur's documentation does not say
    "foreign",  # `:ru:`: a Russian phrase on the English site (a button label), lang="ru"
    "notfound.extension",  # a 404.html per language that works at any depth
    "sphinxext.opengraph",  # og: meta tags for link previews
    "descriptions",  # each page's description: whole sentences of its opening
    "navigation_cache",  # furo's sidebar built once per folder, not once per page
    "translation_state",  # an untranslated or fuzzy message fails the English build
    "page_cache",  # examples and translations parsed, code highlighted, words stemmed once
    "quiet_build",  # a no-op build prints no configuration dump, no "configuration has changed"
    "warned_pages",  # a page that warned is built again, so a rebuild cannot hide the warning
    "markdown_twins",  # page.md beside each page.html, llms.txt and llms-full.txt
    "published_addresses",  # a moved or deleted page's old address redirects; none ever 404s
]

root_doc = "index"
exclude_patterns = ["_build", "_root", "locale", "**/README.md"]
# The writers' guide is a site of its own (`make guide`, tag "guide"), as the Python devguide
# is: no integrator lands in it from the readers' navigation or search.
# Sphinx gives conf.py its tags; a tool that only reads these settings (runpy) has none.
if "tags" in globals() and tags.has("guide"):  # noqa: F821
    root_doc = "writing"
    include_patterns = ["writing.md"]
    extensions.remove("published_addresses")  # the readers' addresses are not the guide's
    extensions.remove("downloads")
else:
    exclude_patterns.append("writing.md")
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


def _switch(name: str) -> bool:
    """An on/off environment variable: 1, true, yes, on; or 0, false, no, off, unset or empty.

    Anything else stops the build, naming the variable: a typo must not turn a check off.
    """
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={os.environ[name]!r}: set it to 1 (on) or 0 (off)")


# A writer's preview (ALLOW_UNTRANSLATED=1 make html / make live) builds a page whose
# translation is unfinished, with a notice on it, instead of failing.
translation_allow_untranslated = _switch("ALLOW_UNTRANSLATED")
translation_progress_classes = "untranslated"  # what is left untranslated is marked (site.css)

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

# Clicking the open tab keeps it open: an example never disappears under the reader.
sphinx_tabs_disable_tab_closing = True

# Copy buttons leave out shell and Python prompts.
copybutton_prompt_text = r"\$ |>>> |\.\.\. "
copybutton_prompt_is_regexp = True

# -- Publishing ---------------------------------------------------------------


def _site_url_template() -> str:
    """Each language's published address, with ``{lang}`` for the language; "" when unknown.

    Read the Docs: one project per language, translations of each other, whose
    addresses differ only in the language (``https://<project>.readthedocs.io/ru/latest/``).
    A static host: ``DOCS_BASE_URL`` is the address of the folder holding ``ru/`` and ``en/``.
    """
    canonical = os.environ.get("READTHEDOCS_CANONICAL_URL", "")
    rtd_language = os.environ.get("READTHEDOCS_LANGUAGE", "")
    if canonical and f"/{rtd_language}/" in canonical:
        return canonical.replace(f"/{rtd_language}/", "/{lang}/", 1)
    base = os.environ.get("DOCS_BASE_URL", "")
    return f"{base.rstrip('/')}/{{lang}}/" if base else ""


# Absolute URLs (canonical, hreflang, og:url, sitemap) only where the address is known;
# a local build keeps relative links and has no sitemap (a sitemap needs absolute URLs).
site_url_template = _site_url_template()
if site_url_template:
    extensions.append("sphinx_sitemap")
sitemap_locales = list(languages)  # hreflang alternates for every built language
sitemap_excludes = ["404.html", "search.html", "genindex.html"]
ogp_social_cards = {"enable": False}  # cards need matplotlib, and one image per page
OG_LOCALES = {"ru": "ru_RU", "en": "en_US"}


def _language_urls(app: Sphinx, config: Config) -> None:
    """Set what depends on the language, known only once ``-D language=`` is applied."""
    lang = config.language
    config.ogp_custom_meta_tags = [f'<meta property="og:locale" content="{OG_LOCALES[lang]}">']
    if not config.site_url_template:
        config.notfound_urls_prefix = f"/{lang}/"  # the folder served at the host's /<lang>/
        return
    here = config.site_url_template.format(lang=lang)
    config.html_baseurl = config.ogp_site_url = here
    config.notfound_urls_prefix = urlsplit(here).path
    # sphinx-sitemap writes site_url + scheme, once per language for the alternates.
    config.site_url, rest = config.site_url_template.split("{lang}", 1)
    config.sitemap_url_scheme = "{lang}" + rest.removeprefix("/") + "{link}"


def setup(app: Sphinx) -> None:
    app.connect("config-inited", _language_urls, priority=400)


# -- doctest ------------------------------------------------------------------

doctest_test_doctest_blocks = ""  # only explicit doctest directives run

# -- linkcheck ----------------------------------------------------------------

linkcheck_timeout = 10
