"""Quiet builds: a rebuild says what changed, not what every build says.

Two messages appear on every build, even one that changes nothing:

- "The configuration has changed (... 'html_static_path' ...)". Extensions add
  their static folders and the theme its settings to the configuration once the
  builder starts, and Sphinx pickles that grown configuration with the
  environment; the next build compares it with a fresh read of ``conf.py``, which
  never has them. Here the environment is pickled with the configuration as
  ``conf.py`` and ``-D`` set it (after every ``config-inited`` handler), so the
  message appears only when one of those really changed.
- MyST's dump of its whole configuration, and sphinx-reredirects' line per redirect it
  writes again: their loggers keep warnings and errors.

Warnings and errors are untouched, and keep naming file and line.
"""

import logging
import pickle
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.typing import ExtensionMetadata

#: Loggers whose informational messages repeat on every build.
CHATTY_LOGGERS = ("sphinx.myst_parser.sphinx_ext.main", "sphinx.sphinx_reredirects")


def _remember_config(app: Sphinx, config: Config) -> None:
    """Keep the configuration as read, before the builder and extensions add to it."""
    # What Sphinx would pickle (Config drops what cannot be); the bytes are our own.
    app._quiet_build_config = pickle.loads(pickle.dumps(config))  # type: ignore[attr-defined]  # noqa: S301


def _pickle_config_as_read(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """The environment is pickled after ``env-updated``: with the configuration as read."""
    env.config = app._quiet_build_config  # type: ignore[attr-defined]
    return []


def _restore_config(app: Sphinx, builder: Any) -> None:
    """Pages are written with the live configuration."""
    app.env.config = app.config


def setup(app: Sphinx) -> ExtensionMetadata:
    """Quiet the messages every build repeats; keep every warning."""
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # After every other config-inited handler (conf.py's own runs at 400, Sphinx's at 800).
    app.connect("config-inited", _remember_config, priority=999)
    app.connect("env-updated", _pickle_config_as_read, priority=999)
    app.connect("write-started", _restore_config)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
