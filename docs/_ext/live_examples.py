# ruff: noqa: RUF001 - the Russian labels are content
"""Live examples: a Run control on each example's JavaScript tab.

``.. example-live::`` (the ``example`` directive writes it in the JavaScript tab) leaves an
empty ``<div class="live-run">``; ``docs/_static/live-examples.js`` turns it into a Run
button and a small settings form, and runs the program the tab offers for download, as
it is, in the reader's browser against the sandbox on their computer, showing its output
in place of the recording. ``docs/_static/live/`` holds what the program needs of
Node.js there (``process``, ``console``, ``node:crypto``, ``node:readline``,
``node:timers/promises``). Without JavaScript the page shows no control at all.

The words of the control (``LABELS``) are the extension's, in the build's language; the
form starts with the sandbox's own defaults: its ports and each environment's demo client,
read from ``extern_stub``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from docutils import nodes
from examples import LABELS as EXAMPLE_LABELS
from examples import SITES
from labels import Label, in_language
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata
from sphinx.writers.html5 import HTML5Translator

REPO = Path(__file__).resolve().parents[2]
#: The words of the Run control and of the live output, in each language. ``{command}``
#: is shown as code; the other ``{name}`` are filled in by the script.
LABELS: dict[str, Label] = {
    "intro": {
        "ru": "Эту программу можно запустить прямо здесь, в браузере, с песочницей на вашем"
        " компьютере: ее вывод появится на месте записанного.",
        "en": "You can run this program right here, in your browser, against the sandbox on"
        " your computer: its output replaces the recorded one.",
    },
    "run": {"ru": "Запустить в браузере", "en": "Run in the browser"},
    "settings": {"ru": "Настройки запуска", "en": "Settings of the run"},
    "site": {"ru": "Площадка (KONTUR_SITE)", "en": "Environment (KONTUR_SITE)"},
    "KONTUR_CLIENT_ID": {
        "ru": "Сервисное имя (KONTUR_CLIENT_ID)",
        "en": "Service name (KONTUR_CLIENT_ID)",
    },
    "KONTUR_API_KEY": {"ru": "api-key (KONTUR_API_KEY)", "en": "API key (KONTUR_API_KEY)"},
    "KONTUR_IDENTITY_URL": {
        "ru": "Адрес OpenID Провайдера (KONTUR_IDENTITY_URL)",
        "en": "OpenID provider address (KONTUR_IDENTITY_URL)",
    },
    "KONTUR_API_URL": {
        "ru": "Адрес API Экстерна (KONTUR_API_URL)",
        "en": "Extern API address (KONTUR_API_URL)",
    },
    "kept": {
        "ru": "Настройки хранятся только в этой вкладке браузера, а программа отправляет их"
        " только по адресам выше, в песочницу на этом компьютере.",
        "en": "The settings stay in this browser tab only, and the program sends them only to"
        " the addresses above, to the sandbox on this computer.",
    },
    "defaults": {"ru": "Вернуть значения песочницы", "en": "Back to the sandbox's values"},
    "checking": {"ru": "Проверяю, отвечает ли песочница…", "en": "Checking the sandbox…"},
    "running": {"ru": "Программа работает…", "en": "The program is running…"},
    "live": {
        "ru": "Запуск в вашей песочнице ({site}), а не запись:",
        "en": "A live run in your sandbox ({site}), not the recording:",
    },
    "input": {
        "ru": "Ввод для программы (Enter отправляет строку)",
        "en": "Input for the program (Enter sends the line)",
    },
    "send": {"ru": "Отправить", "en": "Send"},
    "stop": {"ru": "Остановить", "en": "Stop"},
    "back": {"ru": "Показать запись", "en": "Show the recording"},
    "stopped": {"ru": "Программа остановлена.", "en": "The program was stopped."},
    "exit": {
        "ru": "Программа завершилась с кодом {code}.",
        "en": "The program ended with exit code {code}.",
    },
    "down": {
        "ru": "Песочница не отвечает по адресу {url}: запустите ее командой {command}"
        " и нажмите «Запустить в браузере» снова.",
        "en": "The sandbox does not answer at {url}: start it with {command},"
        " then press Run in the browser again.",
    },
    "refused": {
        "ru": "Песочница по адресу {url} не отвечает страницам с адреса {origin}:"
        " запустите ее командой {command}.",
        "en": "The sandbox at {url} does not answer pages of {origin}: start it with {command}.",
    },
    "blocked": {
        "ru": "Браузер не пускает эту страницу к песочнице на вашем компьютере: разрешите"
        " сайту доступ к локальной сети в настройках сайта и запустите снова.",
        "en": "Your browser does not let this page reach the sandbox on your computer: allow"
        " the site local network access in its site settings, then run again.",
    },
    "loopback": {
        "ru": "Из браузера примеры обращаются только к песочнице на этом компьютере: адреса"
        " должны начинаться с http://127.0.0.1, http://localhost или http://[::1].",
        "en": "From the browser, the examples call only the sandbox on this computer: the"
        " addresses must start with http://127.0.0.1, http://localhost or http://[::1].",
    },
    "nofile": {
        "ru": "Не удалось загрузить программу примера ({url}): {error}. Обновите страницу"
        " и запустите снова.",
        "en": "Could not load the example's program ({url}): {error}. Reload the page,"
        " then run again.",
    },
    "file": {
        "ru": "Страница, открытая как файл, не запускает примеры: откройте сайт по HTTP,"
        " например {command} в папке сайта.",
        "en": "A page opened as a file cannot run the examples: open the site over HTTP,"
        " e.g. {command} in the site's folder.",
    },
}


def sandbox_defaults() -> dict[str, dict[str, str]]:
    """Per environment, the settings of the sandbox as ``kontur-sandbox`` starts it: its
    documented port and its demo client (the first client of ``extern_stub/sites.json``)."""
    sys.path.insert(0, str(REPO))
    try:
        from extern_stub.__main__ import DEFAULT_PORTS
        from extern_stub.sites import load_registries
    finally:
        sys.path.remove(str(REPO))
    registries = load_registries(None)
    defaults = {}
    for site in SITES:
        client = next(iter(registries[site].clients.values()))
        url = f"http://127.0.0.1:{DEFAULT_PORTS[site]}"
        defaults[site] = {
            "KONTUR_CLIENT_ID": client.client_id,
            "KONTUR_API_KEY": client.api_key,
            "KONTUR_IDENTITY_URL": url,
            "KONTUR_API_URL": url,
        }
    return defaults


class live_run(nodes.General, nodes.Element):  # lower case, as docutils names its nodes
    """Where a Run control goes: an empty ``<div class="live-run">`` in HTML."""


class LiveDirective(SphinxDirective):
    """``.. example-live::``: a Run control for the JavaScript program of this tab."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        node = live_run()
        self.set_source_info(node)
        return [node]


def _visit_html(translator: HTML5Translator, node: live_run) -> None:
    translator.body.append('<div class="live-run"></div>\n')
    raise nodes.SkipNode


def _skip(translator: nodes.NodeVisitor, node: live_run) -> None:
    """Other formats cannot run anything: no control."""
    raise nodes.SkipNode


def read_defaults(app: Sphinx, config: Config) -> None:
    """The sandbox's defaults, kept as a setting of the build: every page carries them, so
    when ``sites.json`` changes them Sphinx writes every page again, as for conf.py."""
    config.live_examples_defaults = sandbox_defaults()


def add_script(app: Sphinx) -> None:
    """Give live-examples.js its words, in the build's language, and the defaults."""
    language = app.config.language
    data = {
        "labels": {name: in_language(label, language) for name, label in LABELS.items()},
        "sites": {site: in_language(EXAMPLE_LABELS[site], language) for site in SITES},
        "defaults": app.config.live_examples_defaults,
    }
    app.add_js_file(None, body=f"const LIVE_EXAMPLES = {json.dumps(data, ensure_ascii=False)};")
    app.add_js_file("live-examples.js")


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_directive("example-live", LiveDirective)
    app.add_node(
        live_run,
        html=(_visit_html, None),
        **dict.fromkeys(("latex", "text", "man", "texinfo"), (_skip, None)),
    )
    app.add_config_value("live_examples_defaults", {}, "html", types=frozenset({dict}))
    app.connect("config-inited", read_defaults)
    app.connect("builder-inited", add_script)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
