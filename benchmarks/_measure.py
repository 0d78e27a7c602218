"""What the benchmark scripts share: the machine line, peak memory, and running a step in a child process."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys


def machine() -> str:
    return f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def peak_gb() -> float:
    """This process's peak resident memory (Linux VmHWM; ru_maxrss elsewhere), GB."""
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


def run_child(script: str, *args: str) -> dict:
    """Run ``script --child ...`` in a fresh process (its own peak memory) and read its last JSON line."""
    out = subprocess.run([sys.executable, script, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
