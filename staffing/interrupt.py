"""A process-wide request to stop the roster search early and keep the best roster found.

The command line turns a first Ctrl-C into :func:`request_stop`; the solver's loops ask
:func:`stop_requested` and running CP-SAT searches registered with :func:`stoppable` are told to
stop at once. A library user can call :func:`request_stop` from another thread the same way.
Nothing here touches signals: that is the caller's business.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Protocol

__all__ = ["clear", "request_stop", "stop_requested", "stoppable"]


class _Stoppable(Protocol):
    def stop_search(self) -> None: ...


_requested = threading.Event()
_lock = threading.Lock()
_running: set[_Stoppable] = set()


def request_stop() -> None:
    """Ask the running search to stop and return the best roster it has."""
    with _lock:
        _requested.set()
        running = list(_running)
    for search in running:
        search.stop_search()


def stop_requested() -> bool:
    """Whether a stop has been requested since the last :func:`clear`."""
    return _requested.is_set()


def clear() -> None:
    """Forget an earlier request (before a new solve)."""
    _requested.clear()


@contextlib.contextmanager
def stoppable(search: _Stoppable) -> Iterator[None]:
    """Register a running search (anything with ``stop_search()``) for :func:`request_stop`."""
    with _lock:
        _running.add(search)
    try:
        yield
    finally:
        with _lock:
            _running.discard(search)
