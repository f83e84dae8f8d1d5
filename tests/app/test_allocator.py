"""The web process caps glibc's malloc arenas and hands freed memory back
(``credit_dashboard.allocator``)."""

from __future__ import annotations

import platform

import pytest

from credit_dashboard.allocator import limit_arenas, release_free_memory
from credit_dashboard.config import Settings


def test_zero_leaves_the_default() -> None:
    assert limit_arenas(0) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_limit() -> None:
    assert limit_arenas(2) is True


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_memory_goes_back_to_the_system() -> None:
    def resident_mb() -> float:
        with open("/proc/self/status") as status:
            line = next(x for x in status if x.startswith("VmRSS"))
        return int(line.split()[1]) / 1024

    # Many small blocks freed while one allocated after them pins the heap's top: glibc keeps
    # the freed pages until trimmed.
    blocks = [bytearray(4000) for _ in range(50_000)]  # about 200 MB
    pin = bytearray(4000)
    del blocks
    before = resident_mb()
    assert release_free_memory() is True
    assert resident_mb() < before - 100
    del pin


def test_the_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDIT_MALLOC_ARENAS", raising=False)
    assert Settings().malloc_arenas == 2
    monkeypatch.setenv("CREDIT_MALLOC_ARENAS", "0")
    assert Settings().malloc_arenas == 0
    monkeypatch.setenv("CREDIT_MALLOC_ARENAS", "many")
    with pytest.raises(ValueError, match="CREDIT_MALLOC_ARENAS"):
        Settings()
