"""Cancelling an import inside a record, not only between records (the XML importers): a check the long
loops call (reading blocks, feeding libxml2 a big record, walking a record's children), bound to the
importing call's cancel flag (`cancelling`) in this process or, in a worker process, to the pool's shared
event."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

EVERY = 4096  # children walked between two checks


class Cancelled(Exception):
    """The import was cancelled."""


_IS_SET: ContextVar[Callable[[], bool] | None] = ContextVar("importers_cancel", default=None)


def check() -> None:
    """Raise Cancelled when the import under way has been cancelled."""
    is_set = _IS_SET.get()
    if is_set is not None and is_set():
        raise Cancelled("the import was cancelled")


@contextmanager
def cancelling(is_set: Callable[[], bool] | None) -> Iterator[None]:
    """While inside, check() asks `is_set` (e.g. a threading.Event's is_set)."""
    token = _IS_SET.set(is_set)
    try:
        yield
    finally:
        _IS_SET.reset(token)


def kids(el) -> list:
    """el[:], checked for cancelling every EVERY children when there are many (a record of a million
    MeSH headings stops within a fraction of a second of a cancel)."""
    found = el[:]
    if len(found) <= EVERY or _IS_SET.get() is None:
        return found
    return _checked(found)  # type: ignore[return-value]


def _checked(items: list) -> Iterator:
    for i in range(0, len(items), EVERY):
        check()
        yield from items[i:i + EVERY]
