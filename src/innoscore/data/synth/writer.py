"""Writing a generated province: the input folder and, beside it, the ground truth, both replaced
atomically (both appear together, or neither changes)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from innoscore.data.synth.sequence import stream
from innoscore.data.synth.spec import SynthSpec
from innoscore.io import atomic_dir

__all__ = ["write", "synthesize", "truth_dir_for", "FORMATS"]

FORMATS = ("parquet", "csv")

TRUTH_README = """Ground truth of a synthetic province (the input folder beside this one); not an input table.
loan_months: the true probability that the loan's enterprise defaults in the next month (pd_1m)
and in the next 12 months (pd_12m), at every month-end at which the loan is outstanding.
enterprises: latent traits (the frailty is never visible in the input tables) and failure date.
"""


def truth_dir_for(out: Path) -> Path:
    """The default ground-truth folder: beside the data folder, named ``<name>_truth``."""
    out = Path(out)
    return out.parent / f"{out.name}_truth"


def write(tables: dict[str, pd.DataFrame], truth: dict[str, pd.DataFrame], spec: SynthSpec, out: Path,
          truth_dir: Path | None = None, fmt: str = "parquet") -> tuple[Path, Path]:
    """Write generated tables to ``out`` and the ground truth to ``truth_dir`` (default
    :func:`truth_dir_for`), replacing both folders atomically."""
    items = [("input", k, v) for k, v in tables.items()] + [("truth", k, v) for k, v in truth.items()]
    return _write_all(iter(items), spec, out, truth_dir, fmt)


def synthesize(spec: SynthSpec, out: Path, truth_dir: Path | None = None, fmt: str = "parquet",
               province: dict | None = None, certifications: dict | None = None,
               behaviour: dict | None = None) -> tuple[Path, Path]:
    """Generate a synthetic province and write it, one table at a time."""
    return _write_all(stream(spec, province, certifications, behaviour), spec, out, truth_dir, fmt)


def _write_all(items: Iterator[tuple[str, str, pd.DataFrame]], spec: SynthSpec, out: Path,
               truth_dir: Path | None, fmt: str) -> tuple[Path, Path]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be parquet or csv; got {fmt!r}")
    out = Path(out)
    truth_dir = Path(truth_dir) if truth_dir is not None else truth_dir_for(out)
    if truth_dir.resolve() == out.resolve() or out.resolve() in truth_dir.resolve().parents:
        raise ValueError(f"the ground truth must not be inside the input folder: {truth_dir}")
    meta = {  # nothing here depends on where or when it is written: same seed, same bytes
        "extracted_on": spec.extracted_on.isoformat(),
        "generator": "innoscore synth",
        "seed": spec.seed,
        "enterprises": spec.enterprises,
        "start": spec.start,
        "end": spec.end,
    }
    with atomic_dir(out) as tmp_in, atomic_dir(truth_dir) as tmp_truth:
        for kind, name, frame in items:
            if kind == "input":
                _write_frame(frame, tmp_in / f"{name}.{fmt}", fmt)
            else:
                _write_frame(frame, tmp_truth / f"{name}.parquet", "parquet")
            del frame
        (tmp_in / "dataset.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
                                             encoding="utf-8")
        (tmp_truth / "README.md").write_text(TRUTH_README, encoding="utf-8")
    return out, truth_dir


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Dates as date32 (the contract's date columns), everything else as pandas gives it."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields, arrays = [], []
    for f, arr in zip(table.schema, table.columns):
        if pa.types.is_timestamp(f.type):
            arr = arr.cast(pa.date32())
            f = pa.field(f.name, pa.date32())
        fields.append(f)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(_to_arrow(frame).replace_schema_metadata(None), path, compression="zstd")
    else:
        frame.to_csv(path, index=False, date_format="%Y-%m-%d", encoding="utf-8")
