"""Background work that must survive gunicorn's fork: values computed once, pollers that go on."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from credit_dashboard.services.background import BackgroundValue, Poller


def test_a_value_is_waited_for_and_a_failure_reported() -> None:
    released = threading.Event()

    def slow() -> int:
        released.wait(10)  # the past clients are still loading
        return 42

    pending = BackgroundValue("slow value", slow)
    with pytest.raises(TimeoutError, match="still being prepared"):
        pending.get(timeout=0.05)
    assert not pending.ready() and not pending.done()
    released.set()
    assert pending.get(timeout=30) == 42
    assert pending.ready() and pending.seconds is not None

    def broken() -> int:
        raise OSError("application_train.parquet: unreadable")

    failed = BackgroundValue("broken value", broken)
    with pytest.raises(RuntimeError, match="unreadable"):
        failed.get(timeout=30)
    assert failed.done() and not failed.ready()


def test_a_value_can_be_computed_in_the_calling_thread() -> None:
    calls = []
    value = BackgroundValue("now", lambda: calls.append(threading.current_thread()) or 7,
                            start=False)
    assert not value.done()
    value.run()
    assert value.get(timeout=0) == 7 and calls == [threading.current_thread()]


def _value_in_child(pending, results) -> None:
    try:
        results.put(pending.get(timeout=60))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(repr(exc))


def test_a_value_unfinished_at_the_fork_is_computed_again_in_the_child() -> None:
    # gunicorn --preload forks workers after the app was created: the thread computing the value
    # does not exist in the child, which must compute its own rather than wait forever.
    released = threading.Event()

    def slow() -> str:
        released.wait(3)  # in the child nobody sets it: the wait ends after 3 s
        return "ready"

    pending = BackgroundValue("index", slow)
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    child = ctx.Process(target=_value_in_child, args=(pending, results))
    child.start()
    released.set()
    child.join(timeout=90)
    assert child.exitcode == 0
    assert results.get(timeout=5) == "ready"
    assert pending.get(timeout=30) == "ready"


class _Counter:
    def __init__(self) -> None:
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps == 2:
            raise OSError("index briefly locked")  # logged; the polling goes on


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_poller_goes_on_after_a_failing_step_and_stops_when_asked() -> None:
    owner = _Counter()
    poller = Poller(owner, "counter", 0.01, _Counter.step).start()
    assert _wait_for(lambda: owner.steps >= 5, 30)
    poller.stop()
    assert _wait_for(lambda: not poller.running(), 30)
    with pytest.raises(ValueError, match="positive"):
        Poller(owner, "never", 0, _Counter.step)


def test_a_poller_ends_with_its_owner() -> None:
    import gc
    import weakref

    owner = _Counter()
    poller = Poller(owner, "orphan", 0.01, _Counter.step).start()
    alive = weakref.ref(owner)
    assert _wait_for(lambda: alive().steps >= 1, 30)
    del owner
    gc.collect()
    # The poller's thread did not keep it: it holds the owner only while a step runs (a step
    # under way when the test lets go finishes first, so wait for it rather than race it).
    assert _wait_for(lambda: gc.collect() >= 0 and alive() is None, 30)
    assert _wait_for(lambda: not poller.running(), 30)


def _steps_in_child(owner: _Counter, forks: list, results) -> None:
    before = owner.steps
    deadline = time.monotonic() + 30
    while owner.steps < before + 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    results.put((owner.steps - before, len(forks)))


def test_a_poller_polls_in_a_forked_child_too() -> None:
    owner = _Counter()
    forks = []
    poller = Poller(owner, "forked", 0.01, _Counter.step,
                    after_fork=lambda o: forks.append(o)).start()
    assert _wait_for(lambda: owner.steps >= 3, 30)
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    child = ctx.Process(target=_steps_in_child, args=(owner, forks, results))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    steps, hooks = results.get(timeout=5)
    assert steps >= 3 and hooks == 1  # the child's own thread stepped, after its fork hook
    assert forks == []  # the parent ran no fork hook
    poller.stop()
