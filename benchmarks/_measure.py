"""What the benchmark scripts share: the machine line, peak memory, and running a step in a child process."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

from innoscore.resources import peak_gb, reset_peak

__all__ = ["machine", "run_child", "peak_gb", "reset_peak"]  # the peak helpers live in the library


def machine() -> str:
    return f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run_child(script: str, *args: str) -> dict:
    """Run ``script --child ...`` in a fresh process (its own peak memory) and read its last JSON line."""
    out = subprocess.run([sys.executable, script, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
