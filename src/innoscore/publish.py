"""Publishing a folder of results safely: all of it or nothing, never a moment without it, one writer.

A published folder ``runs/2026-10`` is a symbolic link to a hidden sibling holding one complete
version (``runs/.2026-10.v-<token>``).  :func:`publish` builds the new version in
``runs/.2026-10.v-<token>.partial``, renames it complete, points a new link at it and moves that link
over ``runs/2026-10`` with one ``rename`` (atomic on POSIX): a reader sees the old month or the new
one, whole.  A run that fails, or is killed even with SIGKILL, leaves the published month as it was
(or absent, for a first run); what it left behind is removed by the next run.

:func:`lock` stops two runs writing into the same folder at once: a lock file created exclusively,
holding the owner's process id and host; a lock whose process no longer runs (a killed run) is stale
and taken over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import time
from pathlib import Path
from typing import Iterator

from innoscore.errors import InnoscoreError

__all__ = ["PublishError", "LockError", "lock", "publish", "clean", "LOCK_FILE"]

LOCK_FILE = ".innoscore.lock"
EMPTY_LOCK_SECONDS = 30  # a lock file still empty after this long was left by a run killed while writing it
_VERSION = ".v-"
_PARTIAL = ".partial"


class PublishError(InnoscoreError):
    """A folder cannot be published (it exists and may not be replaced, or is not ours to replace)."""


class LockError(PublishError):
    """Another run holds the lock on the output folder."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


@contextlib.contextmanager
def lock(folder: Path) -> Iterator[Path]:
    """Hold the lock on ``folder`` (created if missing) for the block; refuse if a live run holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": dt.datetime.now().isoformat(timespec="seconds")}
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                held = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                held = {}
            pid, host = held.get("pid"), held.get("host")
            if isinstance(pid, int) and host == me["host"] and not _alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()  # stale: its run was killed
                continue
            if not held:  # being written this instant, or left empty by a run killed while writing it
                try:
                    age = time.time() - path.stat().st_mtime
                except FileNotFoundError:
                    continue
                if age > EMPTY_LOCK_SECONDS:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                    continue
                raise LockError(f"{folder} is locked by another run ({path} exists); if no run is going on, "
                                f"remove it") from None
            raise LockError(f"{folder} is being written by another run (process {pid} on {host} since "
                            f"{held.get('since')}); wait for it, or remove {path} if that run is gone") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        break
    else:
        raise LockError(f"could not take the lock {path}")
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _versions(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}{_VERSION}*"))


def clean(target: Path) -> list[Path]:
    """Remove what earlier runs left beside ``target``: unfinished builds and versions it no longer
    points at.  Call it holding the lock.  Returns what was removed."""
    target = Path(target)
    current = target.resolve() if target.is_symlink() else None
    removed = []
    for p in _versions(target):
        if p.is_symlink():  # a new link a killed run never moved into place
            p.unlink()
        elif current is not None and p.resolve() == current:
            continue  # the published version
        else:  # an unfinished build, or a version replaced but not yet removed
            shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


@contextlib.contextmanager
def publish(target: Path, force: bool = False) -> Iterator[Path]:
    """Build a new version of ``target`` in the folder this yields; publish it when the block ends
    without an exception.  An existing ``target`` is refused unless ``force``, which keeps it in place
    until the new version is complete.  Hold :func:`lock` on the parent around it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    exists = target.exists() or target.is_symlink()
    if exists and not force:
        raise PublishError(f"{target} exists; pass --force to replace it (the old one stays until the new one "
                           "is complete)")
    if exists and not target.is_symlink():
        raise PublishError(f"{target} is a folder this program did not publish; move it away first")
    clean(target)
    token = secrets.token_hex(6)
    version = target.parent / f".{target.name}{_VERSION}{token}"
    partial = version.with_name(version.name + _PARTIAL)
    partial.mkdir()
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    os.replace(partial, version)
    link = version.with_name(version.name + ".link")
    os.symlink(version.name, link)  # relative: the runs folder can move
    old = target.resolve() if target.is_symlink() else None
    os.replace(link, target)  # the one atomic step: old month, or new month, never none
    if old is not None and old != version.resolve():
        shutil.rmtree(old, ignore_errors=True)
