"""The one error hierarchy of zlig.

Library code raises these anywhere; only the hook boundary (``buildapi``)
turns them into a ``zlig: error: ...`` line and exit status 1.
"""

from __future__ import annotations


class ZligError(Exception):
    """A problem the user can fix; its message is shown without a traceback."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        #: Extra lines shown after the one-line message (e.g. compiler output).
        self.details = details


class ConfigError(ZligError):
    """pyproject.toml, config_settings or the environment is wrong."""


class BuildError(ZligError):
    """Compiling, linking or packing failed."""
