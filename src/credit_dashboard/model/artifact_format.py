"""What every artifact file shares: its hash, JSON-safe values, and the one error type.

Writing (``artifact_writer``) and loading (``artifact``) both need these; they live apart so that
neither of the two imports the other.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np

TRAIN_COMMAND = "python scripts/train.py"


class ArtifactError(RuntimeError):
    """The artifact is missing, corrupt, mismatched or does not fit the data; says what to run."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def to_jsonable(value: object) -> object:
    """NumPy scalars/arrays -> Python; NaN and infinities -> None (JSON has no such numbers)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value
