"""Publishing a month safely: all or nothing, never missing, one writer; killed runs leave nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from innoscore.publish import LOCK_FILE, LockError, PublishError, clean, lock, publish

# a child that publishes `target`, writes one file, says so, then waits to be killed
CHILD = """
import sys, time
from pathlib import Path
from innoscore.publish import lock, publish
target, force = Path(sys.argv[1]), sys.argv[2] == "force"
with lock(target.parent), publish(target, force=force) as tmp:
    (tmp / "half.txt").write_text("half")
    print("writing", flush=True)
    time.sleep(60)
"""


def _published(target: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in target.iterdir()}


def _start(target: Path, force: bool = False) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(target), "force" if force else "new"],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    return child


def test_a_month_appears_whole_and_is_refused_again_unless_forced(tmp_path):
    target = tmp_path / "runs" / "2026-10"
    with lock(target.parent), publish(target) as tmp:
        (tmp / "a.txt").write_text("1")
        assert not target.exists()  # nothing is visible while it is built
    assert target.is_symlink() and _published(target) == {"a.txt": "1"}
    with pytest.raises(PublishError, match="exists; pass --force"):
        with publish(target):
            pass
    with lock(target.parent), publish(target, force=True) as tmp:
        (tmp / "a.txt").write_text("2")
        assert _published(target) == {"a.txt": "1"}  # the old month stays until the new one is complete
    assert _published(target) == {"a.txt": "2"}
    leftovers = [p.name for p in target.parent.iterdir() if p.name != "2026-10"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".2026-10.v-")  # only the published version


def test_a_failing_run_leaves_the_old_month_and_no_build(tmp_path):
    target = tmp_path / "2026-10"
    with publish(target) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with publish(target, force=True) as tmp:
            (tmp / "a.txt").write_text("new")
            raise RuntimeError("a step failed")
    assert _published(target) == {"a.txt": "old"}
    assert not list(tmp_path.glob("*.partial"))


def test_a_run_killed_mid_way_leaves_no_month_and_the_next_run_succeeds(tmp_path):
    target = tmp_path / "runs" / "2026-10"
    child = _start(target)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert not target.exists() and not target.is_symlink()
    assert (target.parent / LOCK_FILE).exists()  # the killed run's lock is left ...
    with lock(target.parent), publish(target) as tmp:  # ... recognised as stale and taken over
        (tmp / "a.txt").write_text("done")
    assert _published(target) == {"a.txt": "done"}
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.startswith(".2026-10.v-")) == ["2026-10"]
    assert not list(target.parent.glob("*.partial"))


def test_a_forced_run_killed_mid_way_leaves_the_old_month_whole(tmp_path):
    target = tmp_path / "runs" / "2026-10"
    with lock(target.parent), publish(target) as tmp:
        (tmp / "a.txt").write_text("old")
    child = _start(target, force=True)
    assert _published(target) == {"a.txt": "old"}
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert _published(target) == {"a.txt": "old"}
    with lock(target.parent):
        removed = clean(target)
    assert [p.name.endswith(".partial") for p in removed] == [True]
    assert _published(target) == {"a.txt": "old"}


def test_two_runs_on_one_folder_one_is_refused_naming_the_other(tmp_path):
    target = tmp_path / "runs" / "2026-10"
    child = _start(target)
    try:
        with pytest.raises(LockError, match=f"process {child.pid}"):
            with lock(target.parent):
                pass
        held = json.loads((target.parent / LOCK_FILE).read_text())
        assert held["pid"] == child.pid
    finally:
        child.kill()
        child.wait()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with lock(target.parent):
                break
        except LockError:
            time.sleep(0.1)
    else:
        pytest.fail("the dead run's lock was never taken over")


def test_a_folder_not_published_here_is_never_replaced(tmp_path):
    target = tmp_path / "2026-10"
    target.mkdir()
    (target / "mine.txt").write_text("keep")
    with pytest.raises(PublishError, match="did not publish"):
        with publish(target, force=True):
            pass
    assert (target / "mine.txt").read_text() == "keep"


def test_an_empty_lock_left_by_a_run_killed_while_writing_it_is_taken_over_once_old(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    path = folder / LOCK_FILE
    path.write_text("")
    with pytest.raises(LockError, match="locked by another run"):  # it may be being written right now
        with lock(folder):
            pass
    old = time.time() - 3600
    os.utime(path, (old, old))
    with lock(folder):  # an hour old and still empty: its run is gone
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert not path.exists()
