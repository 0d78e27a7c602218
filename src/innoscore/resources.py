"""Peak memory of this process, for the run's manifest and the benchmarks."""

from __future__ import annotations

import functools
import resource

__all__ = ["peak_gb", "reset_peak", "release_memory"]


def peak_gb() -> float:
    """This process's peak resident memory (Linux VmHWM, since the last :func:`reset_peak`; ru_maxrss
    elsewhere), GB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def reset_peak() -> bool:
    """Start measuring the peak afresh (Linux /proc/self/clear_refs); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def release_memory() -> None:
    """Give memory that is free but still held back to the system: Arrow's pool and the C allocator's
    free pages (glibc ``malloc_trim``; elsewhere nothing).  Freed blocks in the middle
    of the heap otherwise stay counted against the process, and a run in blocks would grow by a block's
    working memory each time."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 - an optional saving
        pass
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (looked up once: finding the C library runs a program)."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
