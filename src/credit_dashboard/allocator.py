"""glibc's allocator in a web process: fewer arenas, and freed memory handed back.

Two ways a worker's resident size grows without anything in it being used, both measured on the
embedded data (``scripts/benchmark_credit_records.py``):

- **Arenas.** glibc gives each thread that allocates under contention an arena of its own (up to
  eight per core), and freed memory stays in the arena that held it. A gunicorn worker serves
  requests on several threads, each building frames and figures, so every arena keeps its own
  high-water mark. :func:`limit_arenas` caps them (``CREDIT_MALLOC_ARENAS``, default 2): the app
  held 1.42 GB instead of 1.59 GB after 300 clients. ``MALLOC_ARENA_MAX=2`` in the environment
  does the same for a process whose shell sets it; this applies however the app is started.
- **Start-up peaks.** Reading the past clients and building the comparisons and the
  similar-clients index allocate and free several hundred megabytes once. glibc keeps freed
  chunks below its heap's top until told: :func:`release_free_memory` (``malloc_trim``) after
  that work handed 340 MB back with a model using credit records, 65 MB without.

Only glibc has ``mallopt`` and ``malloc_trim``: elsewhere (musl, macOS) both do nothing and say so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

__all__ = ["limit_arenas", "release_free_memory"]

logger = logging.getLogger(__name__)

#: ``M_ARENA_MAX`` in glibc's ``malloc.h``.
_M_ARENA_MAX = -8


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.mallopt.restype = ctypes.c_int
    libc.malloc_trim.argtypes = (ctypes.c_size_t,)
    libc.malloc_trim.restype = ctypes.c_int
    return libc


def limit_arenas(count: int) -> bool:
    """At most ``count`` arenas from now on (call before threads start); ``count <= 0`` leaves
    the default. Returns whether the limit is in force."""
    if count <= 0:
        return False
    libc = _libc()
    if libc is None:
        logger.info("malloc arenas: not glibc, left as they are")
        return False
    applied = libc.mallopt(_M_ARENA_MAX, count) == 1
    logger.info("malloc arenas: %s", f"at most {count}" if applied else "limit refused by glibc")
    return applied


def release_free_memory() -> bool:
    """Hand the pages of freed memory back to the system (every arena). Returns whether glibc
    released any; False where there is no glibc."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
