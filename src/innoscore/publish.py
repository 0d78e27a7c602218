"""Publishing a folder of results safely: all of it or nothing, never a moment without it, one writer.

A published folder ``runs/2026-10`` is a symbolic link to a hidden sibling holding one complete
version (``runs/.2026-10.v-<token>``).  :func:`publish` builds the new version in
``runs/.2026-10.v-<token>.partial``, renames it complete, points a new link at it and moves that link
over ``runs/2026-10`` with one ``rename`` (atomic on POSIX): a reader sees the old month or the new
one, whole.  A run that fails, or is killed even with SIGKILL, leaves the published month as it was
(or absent, for a first run); what it left behind is removed by the next run.

:func:`lock` stops two runs writing into the same folder at once: the kernel's lock on a file in it,
released when the holding process ends, however it ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import socket
from pathlib import Path
from typing import Iterator

from innoscore.errors import InnoscoreError

__all__ = ["PublishError", "LockError", "lock", "publish", "clean", "LOCK_FILE"]

LOCK_FILE = ".innoscore.lock"
_VERSION = ".v-"
_PARTIAL = ".partial"


class PublishError(InnoscoreError):
    """A folder cannot be published (it exists and may not be replaced, or is not ours to replace)."""


class LockError(PublishError):
    """Another run holds the lock on the output folder."""


@contextlib.contextmanager
def lock(folder: Path) -> Iterator[Path]:
    """Hold the lock on ``folder`` (created if missing) for the block; refuse if another run holds it.

    The lock is the kernel's (``flock``) on ``folder/.innoscore.lock``, a file that stays: the kernel
    releases it when its process ends, however it ends (a killed run leaves no stale lock behind).
    The file records who holds it (process, host, since) for the message a second run gets.
    """
    import fcntl

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise PublishError(f"{folder} is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            held = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
        except (OSError, ValueError):
            held = {}
        os.close(fd)
        held = held if isinstance(held, dict) else {}
        who = f"process {held.get('pid', '?')} on {held.get('host', '?')} since {held.get('since', '?')}"
        raise LockError(f"{folder} is being written by another run ({who}); wait for it to finish") from None
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": dt.datetime.now().isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(me).encode("utf-8"), 0)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # nobody holds it
        os.close(fd)  # releases the lock


def _ours(target: Path) -> bool:
    """Whether ``target`` is a link to one of its own versions beside it (what :func:`publish` makes)."""
    if not target.is_symlink():
        return False
    dest = os.readlink(target)
    return "/" not in dest and dest.startswith(f".{target.name}{_VERSION}") and not dest.endswith(_PARTIAL)


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
    if exists and not _ours(target):
        raise PublishError(f"{target} is not a month this program published (a folder, or a link to somewhere "
                           "else); move it away first")
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
    old = target.parent / os.readlink(target) if target.is_symlink() else None
    os.replace(link, target)  # the one atomic step: old month, or new month, never none
    if old is not None and old.name != version.name:
        shutil.rmtree(old, ignore_errors=True)  # one of our own versions (checked by _ours above)
