"""The one error hierarchy of zlig.

Library code raises these anywhere; only the boundary (the hooks in
``buildapi`` and the command line in ``__main__``, through ``exit_on_error``)
turns them into a ``zlig: error: ...`` line and exit status 1.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


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


def exit_on_error(func: F) -> F:
    """The boundary (hooks, command line): show a ZligError as one
    ``zlig: error:`` line, after any compiler output, and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ZligError as e:
            if e.details:
                print(e.details, file=sys.stderr)
            message = " ".join(e.message.split())
            print(f"zlig: error: {message}", file=sys.stderr, flush=True)
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]
