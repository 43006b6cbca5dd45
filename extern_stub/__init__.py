"""A local stand-in for the Kontur identity provider and Extern API, test and production sites.

Run it with ``python -m extern_stub``; use it from Python through :class:`StubServer`, or from
pytest through the ``stub`` and ``stub_server`` fixtures of :mod:`extern_stub.pytest_plugin`.
"""

from extern_stub.server import StubServer
from extern_stub.sites import AuthorizeError, RecordedRequest, Site

#: The sandbox's version: its package, the downloads on the site and ``--version`` read it here.
__version__ = "0.1.0"

__all__ = ["AuthorizeError", "RecordedRequest", "Site", "StubServer", "__version__"]
