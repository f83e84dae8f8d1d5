"""Work done in daemon threads that must also happen in every forked worker.

gunicorn (``--preload``, or any fork after :func:`load_services`) copies the process, but not its
threads: a value still being computed at the fork would never arrive in the child, and a poller
would silently stop polling there. Both kinds of background work live here, once:

- :class:`BackgroundValue`: a value computed by a thread (the past clients, their comparisons, the
  similar-clients index); ``get()`` waits for it. A child forked before it was ready computes it
  again itself.
- :class:`Poller`: calls a step every few seconds for as long as its owner lives (new batches, a
  newly activated model version). It runs again in every forked child.

``os.register_at_fork`` hooks cannot be removed, so they hold their objects weakly: an object
dropped (a test's app) costs a no-op hook, not a leak.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
Owner = TypeVar("Owner")


def _after_fork(owner: object, restart: Callable[[object], None]) -> None:
    """Call ``restart(owner)`` in every forked child while ``owner`` is alive."""
    reference = weakref.ref(owner)

    def in_child() -> None:
        alive = reference()
        if alive is not None:
            restart(alive)

    os.register_at_fork(after_in_child=in_child)


class BackgroundValue(Generic[T]):
    """A value computed once by a daemon thread; ``get()`` waits for it or re-raises its error.

    ``compute`` may itself wait for another :class:`BackgroundValue` (the comparisons wait for the
    past clients): each one is a thread of its own, so none blocks the start-up.
    """

    def __init__(self, name: str, compute: Callable[[], T], *, start: bool = True) -> None:
        self.name = name
        self._compute = compute
        #: Seconds the last successful computation took (logged, read by the benchmark).
        self.seconds: float | None = None
        self._reset()
        if start:
            self._start()
            _after_fork(self, BackgroundValue._restart_if_unfinished)

    def _reset(self) -> None:
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    def _start(self) -> None:
        threading.Thread(target=self.run, name=self.name, daemon=True).start()

    def _restart_if_unfinished(self) -> None:
        if not self._done.is_set():
            self._reset()
            self._start()

    def run(self) -> None:
        """Compute now, in the calling thread (``start=False`` callers use it synchronously)."""
        started = time.perf_counter()
        try:
            value = self._compute()
        except BaseException as exc:  # re-raised to whoever asks for the value
            logger.error("%s could not be prepared: %s", self.name, exc)
            self._error = exc
        else:
            self.seconds = time.perf_counter() - started
            self._value = value
        finally:
            self._done.set()

    def done(self) -> bool:
        """Finished, successfully or not."""
        return self._done.is_set()

    def ready(self) -> bool:
        return self._done.is_set() and self._error is None

    def get(self, timeout: float | None = None) -> T:
        """The value (waits up to ``timeout`` seconds; None waits as long as needed).

        Raises TimeoutError while it is still being computed, RuntimeError when it failed.
        """
        if not self._done.wait(timeout):
            raise TimeoutError(f"the {self.name} is still being prepared")
        if self._error is not None:
            raise RuntimeError(f"the {self.name} could not be prepared: {self._error}") \
                from self._error
        return self._value  # type: ignore[return-value]


class Poller(Generic[Owner]):
    """Calls ``step(owner)`` every ``interval`` seconds in a daemon thread, in every process.

    The thread holds its owner weakly and ends when the owner is gone or :meth:`stop` was
    called. A step that raises is logged (one warning line) and the polling goes on: a file
    briefly unreadable must not end the watch.
    """

    def __init__(
        self,
        owner: Owner,
        name: str,
        interval: float,
        step: Callable[[Owner], object],
        *,
        after_fork: Callable[[Owner], None] | None = None,
    ) -> None:
        """``after_fork(owner)`` runs in a forked child before its thread starts: the place to
        replace a lock the parent's thread may have held at the fork."""
        if not interval > 0:
            raise ValueError(f"{name}: the polling interval must be positive, got {interval}")
        self.name = name
        self.interval = float(interval)
        self._owner = weakref.ref(owner)
        self._step = step
        self._after_fork_step = after_fork
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Poller[Owner]:
        self._start_thread()
        _after_fork(self, Poller._restart_in_child)
        return self

    def _restart_in_child(self) -> None:
        owner = self._owner()
        if owner is None or self._stop.is_set():
            return
        if self._after_fork_step is not None:
            self._after_fork_step(owner)
        self._start_thread()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            owner = self._owner()
            if owner is None:
                return
            try:
                self._step(owner)
            except Exception as exc:
                logger.warning("%s: %s", self.name, exc)
            del owner  # between steps the thread must not keep its owner alive

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
