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
    leftovers = sorted(p.name for p in target.parent.iterdir() if p.name not in ("2026-10", LOCK_FILE))
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
    assert (target.parent / LOCK_FILE).exists()  # the lock file stays, but the kernel released its lock
    with lock(target.parent), publish(target) as tmp:
        (tmp / "a.txt").write_text("done")
    assert _published(target) == {"a.txt": "done"}
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.startswith(".2026-10.v-")) == [
        LOCK_FILE, "2026-10"]
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
    with pytest.raises(PublishError, match="not a month this program published"):
        with publish(target, force=True):
            pass
    assert (target / "mine.txt").read_text() == "keep"
    # nor is a link to a folder elsewhere: forcing a new month must not delete what it points at
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.txt").write_text("archived")
    link = tmp_path / "2026-09"
    link.symlink_to(archive)
    with pytest.raises(PublishError, match="not a month this program published"):
        with publish(link, force=True):
            pass
    assert (archive / "a.txt").read_text() == "archived" and link.is_symlink()


def test_a_lock_file_nobody_holds_does_not_block_whatever_it_holds(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    path = folder / LOCK_FILE
    for left in ("", "null", "[]", "garbage", json.dumps({"pid": 1, "host": "elsewhere"})):
        path.write_text(left)  # a run killed at any moment, on this host or another, leaves this
        with lock(folder):
            assert json.loads(path.read_text())["pid"] == os.getpid()
        assert path.read_text() == ""  # released


def test_runs_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "runs").write_text("x")
    with pytest.raises(PublishError, match="is not a folder"):
        with lock(tmp_path / "runs"):
            pass
