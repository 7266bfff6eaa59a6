"""The one error hierarchy of zlig.

Library code raises these anywhere; only the boundary (the hooks in
``buildapi`` and the command line in ``__main__``, through ``exit_on_error``)
turns them into a ``zlig: error: ...`` line and exit status 1.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
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


@contextlib.contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Writing an archive into the output folder: a full disk or a folder
    without permission is a BuildError naming the folder and the cause."""
    try:
        yield
    except OSError as e:
        raise BuildError(f"cannot write to {folder}: {e.strerror or e}") from None


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs: Zig is
    killed (subprocess.run does that) and temporary outputs are removed."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def exit_on_error(func: F) -> F:
    """The boundary (hooks, command line): show a ZligError as one
    ``zlig: error:`` line, after any compiler output, and exit 1.

    An interrupt (SIGINT, SIGTERM) stops the build without a traceback and
    with the shell's status for it, 130 or 143, after cleaning up.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            return func(*args, **kwargs)
        except ZligError as e:
            if e.details:
                print(e.details, file=sys.stderr)
            message = " ".join(e.message.split())
            print(f"zlig: error: {message}", file=sys.stderr, flush=True)
            raise SystemExit(1) from None
        except KeyboardInterrupt as e:
            terminated = isinstance(e, Terminated)
            print("zlig: error: interrupted", file=sys.stderr, flush=True)
            raise SystemExit(128 + (signal.SIGTERM if terminated else signal.SIGINT)) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]
