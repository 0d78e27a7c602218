"""Writing outputs so that a failure never leaves a half-written file or folder behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

__all__ = ["write_text_atomic", "write_parquet_atomic", "write_parquets_atomic", "atomic_dir", "sha256_file",
           "write_texts_atomic", "out_folder"]


def out_folder(path: str | Path) -> Path:
    """``path`` as a folder to write outputs into: refused (naming it as ``--out``) when it is a file."""
    from innoscore.errors import UsageError

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path} exists and is not a folder")
    return path


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex (read a megabyte at a time)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    write_texts_atomic({Path(path): text})


def write_texts_atomic(texts: dict[Path, str]) -> None:
    """Write several text files (UTF-8); none replaces its file until all are written."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in texts.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def write_parquet_atomic(frame, path: Path) -> None:
    """Write a DataFrame to Parquet through a temporary file renamed into place."""
    write_parquets_atomic({Path(path): frame})


def write_parquets_atomic(frames: dict[Path, object]) -> None:
    """Write several DataFrames to Parquet; none replaces its file until all are written."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, frame in frames.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            temps.append((tmp, path))
            frame.to_parquet(tmp, index=False)
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Build a folder in a temporary sibling and swap it in for ``target`` only on success.

    If the block raises (or the process is killed), ``target`` keeps what it had before.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    os.chmod(tmp, 0o755)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
