"""Peak memory of this process, for the run's manifest and the benchmarks."""

from __future__ import annotations

import resource

__all__ = ["peak_gb", "reset_peak"]


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
