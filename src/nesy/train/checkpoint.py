"""Atomic checkpoints of tensors and primitives only: torch.load(weights_only=True) reads them."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nesy.errors import TrainingError

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT_VERSION = 1


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file and os.replace, so readers never see half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """torch.save state atomically (tmp file then os.replace): a kill leaves the old checkpoint."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(Path(path), buffer.getvalue())


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint with weights_only=True (no pickled classes are ever executed)."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise TrainingError(f"no checkpoint at {path}") from exc
    except Exception as exc:  # torch raises several types for corrupt or foreign files
        # never pass on torch's advice to turn weights_only off: that would run the file's code
        text = str(exc)
        if "global" in text.lower() and ("allowed" in text or "Unsupported global" in text):
            reason = ("it holds Python objects other than tensors and primitives, which nesy "
                      "never unpickles (loading them could run code from the file)")
        else:
            reason = f"it is damaged or not a checkpoint ({type(exc).__name__})"
        raise TrainingError(f"refusing checkpoint {path}: {reason}",
                            hint="resume only from a checkpoint written by nesy's training "
                                 "loop, or start afresh in another output directory") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
        raise TrainingError(f"{path} is not a nesy training checkpoint (format {FORMAT_VERSION})")
    return state


def get_rng_state() -> dict[str, Any]:
    """torch, numpy and Python `random` generator states as tensors and primitives."""
    _, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
        "numpy_pos": int(pos),
        "numpy_has_gauss": int(has_gauss),
        "numpy_cached_gaussian": float(cached),
        "python_version": int(version),
        "python_internal": torch.tensor(internal, dtype=torch.int64),
        "python_gauss_next": gauss_next,
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the generator states saved by get_rng_state."""
    torch.set_rng_state(state["torch"])
    keys = state["numpy_keys"].numpy().astype(np.uint32)
    np.random.set_state(
        (
            "MT19937",
            keys,
            state["numpy_pos"],
            state["numpy_has_gauss"],
            state["numpy_cached_gaussian"],
        )
    )
    internal = tuple(int(v) for v in state["python_internal"].tolist())
    random.setstate((state["python_version"], internal, state["python_gauss_next"]))


def model_signature(model: torch.nn.Module) -> dict[str, list[int]]:
    """Name -> shape of every state-dict tensor: what must agree to resume a model."""
    return {
        name: list(value.shape)
        for name, value in model.state_dict().items()
        if isinstance(value, torch.Tensor)
    }
