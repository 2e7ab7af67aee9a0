"""Visual Sudoku: boards of MNIST digit images, for classification and for solving.

Two tasks, built from the symbolic puzzles in a Sudoku folder and the images in an MNIST folder
(train images for train boards, t10k images for test boards: no test image is seen in training):

- classification (ViSudo-PC style): a filled n×n board of images of digits 1..n, labelled valid
  or not valid; invalid boards are valid grids with a few cells swapped or replaced, kept only
  when the rules confirm they are invalid;
- solving (SATNet visual style): the 17 givens of a 9×9 puzzle as images, the rest blank; the
  label is the full solution (computed here, since the 17-clue file holds none).

Every draw comes from `numpy.random.RandomState(seed)`, so a seed fixes the boards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from nesy.datasets.mnist import load_mnist
from nesy.errors import NesyError

SUDOKU4_FILE = "4x4_sudoku_unique_solution.csv"
SUDOKU17_FILE = "sudoku17.txt"


# ---------------------------------------------------------------- rules
def box_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of a box of an n×n board: 2×2 for 4, 3×3 for 9, 2×3 for 6."""
    shapes = {4: (2, 2), 6: (2, 3), 9: (3, 3), 16: (4, 4)}
    if n not in shapes:
        raise NesyError(f"no Sudoku of size {n}; expected one of {sorted(shapes)}")
    return shapes[n]


def units(n: int) -> list[list[int]]:
    """The rows, columns and boxes of an n×n board as lists of row-major cell indices."""
    bh, bw = box_shape(n)
    rows = [[r * n + c for c in range(n)] for r in range(n)]
    cols = [[r * n + c for r in range(n)] for c in range(n)]
    boxes = [[(br + r) * n + bc + c for r in range(bh) for c in range(bw)]
             for br in range(0, n, bh) for bc in range(0, n, bw)]
    return rows + cols + boxes


def peers(n: int) -> list[tuple[int, int]]:
    """Every pair i < j of cells sharing a row, column or box (the all-different constraint)."""
    pairs = set()
    for unit in units(n):
        for a in range(len(unit)):
            for b in range(a + 1, len(unit)):
                pairs.add((min(unit[a], unit[b]), max(unit[a], unit[b])))
    return sorted(pairs)


def is_valid(grid, n: int | None = None) -> bool:
    """True when a filled board (n*n values in 1..n, row-major) obeys the Sudoku rules."""
    values = [int(v) for v in np.asarray(grid).reshape(-1)]
    n = n or int(round(len(values) ** 0.5))
    wanted = set(range(1, n + 1))
    return len(values) == n * n and all({values[i] for i in unit} == wanted
                                        for unit in units(n))


def solve(puzzle, n: int = 9, limit: int = 1) -> list[np.ndarray]:
    """Up to `limit` solutions of a puzzle (n*n values, 0 blank): depth-first search over
    candidate bitmasks, propagating naked singles (a cell with one candidate) and hidden
    singles (a digit with one place in a unit), branching on the cell with fewest candidates."""
    unit_list = units(n)
    cell_units = [[u for u in range(len(unit_list)) if i in unit_list[u]] for i in range(n * n)]
    cell_peers = [sorted({j for u in cell_units[i] for j in unit_list[u]} - {i})
                  for i in range(n * n)]
    full = (1 << n) - 1
    solutions: list[np.ndarray] = []

    def assign(cands: list[int], i: int, bit: int) -> bool:
        """Set cell i to `bit` and propagate; False on a contradiction."""
        stack = [(i, bit)]
        while stack:
            i, bit = stack.pop()
            if not cands[i] & bit:
                return False
            cands[i] = bit  # each push follows a strict narrowing, so this terminates
            for j in cell_peers[i]:
                if cands[j] & bit:
                    cands[j] &= ~bit
                    if not cands[j]:
                        return False
                    if cands[j] & (cands[j] - 1) == 0:
                        stack.append((j, cands[j]))
        return True

    def hidden_singles(cands: list[int]) -> bool | None:
        """One pass placing digits with a single place in a unit; None on a contradiction,
        else whether anything was placed."""
        placed = False
        for unit in unit_list:
            seen_once = seen_twice = 0
            for i in unit:
                seen_twice |= seen_once & cands[i]
                seen_once |= cands[i]
            if seen_once != full:
                return None
            single = seen_once & ~seen_twice
            while single:
                bit = single & -single
                single ^= bit
                for i in unit:
                    if cands[i] & bit:
                        if cands[i] != bit:
                            if not assign(cands, i, bit):
                                return None
                            placed = True
                        break
        return placed

    def search(cands: list[int]) -> None:
        while True:
            placed = hidden_singles(cands)
            if placed is None:
                return
            if not placed:
                break
        best, best_count = -1, n + 1
        for i in range(n * n):
            count = bin(cands[i]).count("1")
            if 1 < count < best_count:
                best, best_count = i, count
                if count == 2:
                    break
        if best < 0:
            solutions.append(np.array([c.bit_length() for c in cands], dtype=np.int64))
            return
        mask = cands[best]
        while mask and len(solutions) < limit:
            bit = mask & -mask
            mask ^= bit
            child = list(cands)
            if assign(child, best, bit):
                search(child)

    cands = [full] * (n * n)
    for i, v in enumerate(int(v) for v in np.asarray(puzzle).reshape(-1)):
        if v and not assign(cands, i, 1 << (v - 1)):
            return []
    search(cands)
    return solutions


# ---------------------------------------------------------------- symbolic puzzles
def _sudoku_file(data_dir: str | Path, name: str) -> Path:
    path = Path(data_dir) / name
    if not path.is_file():
        raise NesyError(f"{data_dir}: no {name}",
                        hint="pass the folder holding the Sudoku puzzles (data_dir)")
    return path


def _grid_row(text: str, n: int, path: Path, line: int, zero_ok: bool) -> np.ndarray:
    text = text.strip()
    if len(text) != n * n or not text.isdigit():
        raise NesyError(f"{path}:{line}: expected {n * n} digits, found {text[:40]!r}")
    row = np.array([int(ch) for ch in text], dtype=np.int64)
    if row.max() > n or (not zero_ok and row.min() < 1):
        raise NesyError(f"{path}:{line}: values must lie in {0 if zero_ok else 1}..{n}")
    return row


def load_sudoku4(data_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The 288 4×4 puzzles and their solutions, int64 [288, 16] each (0 blank), from the
    tab-separated `4x4_sudoku_unique_solution.csv`."""
    path = _sudoku_file(data_dir, SUDOKU4_FILE)
    puzzles, solutions = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if number == 1 or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise NesyError(f"{path}:{number}: expected Puzzle<TAB>Solution")
        puzzles.append(_grid_row(fields[0], 4, path, number, zero_ok=True))
        solutions.append(_grid_row(fields[1], 4, path, number, zero_ok=False))
    if not puzzles:
        raise NesyError(f"{path}: no puzzles")
    return np.stack(puzzles), np.stack(solutions)


def load_sudoku17(data_dir: str | Path) -> np.ndarray:
    """Royle's 17-clue 9×9 puzzles, int64 [N, 81] (0 blank), from `sudoku17.txt` (the first
    line, a citation, is skipped)."""
    path = _sudoku_file(data_dir, SUDOKU17_FILE)
    rows = [_grid_row(line, 9, path, number, zero_ok=True)
            for number, line in enumerate(path.read_text().splitlines(), start=1)
            if number > 1 and line.strip()]
    if not rows:
        raise NesyError(f"{path}: no puzzles")
    return np.stack(rows)


def all_grids(n: int) -> np.ndarray:
    """Every valid n×n grid (only small n: 288 for 4×4), int64 [G, n*n], in search order."""
    if n > 4:
        raise NesyError(f"all_grids({n}): too many grids to enumerate (only n <= 4)")
    return np.stack(solve(np.zeros(n * n, dtype=np.int64), n, limit=10**6))


# ---------------------------------------------------------------- images
@dataclass(frozen=True, eq=False)
class ImagePool:
    """MNIST images grouped by digit: `by_digit[d]` are indices into `images` of digit d."""

    images: torch.Tensor
    labels: torch.Tensor
    name: str

    def indices_of(self, digit: int) -> np.ndarray:
        return np.flatnonzero(self.labels.numpy() == digit)

    def draw(self, values: np.ndarray, rs: np.random.RandomState) -> np.ndarray:
        """One random image index per value (a digit), same shape as `values`."""
        out = np.zeros(values.shape, dtype=np.int64)
        flat, drawn = values.reshape(-1), out.reshape(-1)
        for digit in np.unique(flat):
            where = np.flatnonzero(flat == digit)
            pool = self.indices_of(int(digit))
            if len(pool) == 0:
                raise NesyError(f"the {self.name} MNIST images have no digit {digit}")
            drawn[where] = pool[rs.randint(0, len(pool), size=len(where))]
        return out


#: the seed of the fixed permutation that splits the t10k images in two (`split_t10k`)
T10K_SPLIT_SEED = 12345


def t10k_halves(count: int, seed: int = T10K_SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint, fixed halves of the t10k image indices (a `RandomState(seed)`
    permutation): (the half that joins the training pool, the half kept for test boards)."""
    order = np.random.RandomState(seed).permutation(count)
    return np.sort(order[:count // 2]), np.sort(order[count // 2:])


def mnist_pools(mnist_dir: str | Path, split_t10k: bool = False
                ) -> tuple[ImagePool, ImagePool]:
    """(train pool, test pool): MNIST training images (IDX or the 5k CSV) and the t10k set.

    `split_t10k`: the t10k images are split into two fixed disjoint halves (`t10k_halves`);
    the first joins the training images, the second alone is the test pool. With only the
    5k-image training CSV at hand this triples the training pool (5k + 5k against 500 per
    digit), and no test image is still ever seen in training."""
    train_images, train_labels = load_mnist(mnist_dir, "train")
    test_images, test_labels = load_mnist(mnist_dir, "test")
    if split_t10k:
        into_train, kept = t10k_halves(len(test_labels))
        train_images = torch.cat([train_images, test_images[into_train]])
        train_labels = torch.cat([train_labels, test_labels[into_train]])
        test_images, test_labels = test_images[kept], test_labels[kept]
    return (ImagePool(train_images, train_labels, name="train"),
            ImagePool(test_images, test_labels, name="test"))


# ---------------------------------------------------------------- classification
@dataclass(frozen=True, eq=False)
class ClassifySplit:
    """M filled n×n boards: `values` [M, n*n] (1..n, row-major), `valid` [M] (1 valid, 0 not),
    `indices` [M, n*n] image indices into `pool`, `images` [M, n*n, 784]."""

    n: int
    values: torch.Tensor
    valid: torch.Tensor
    indices: torch.Tensor
    images: torch.Tensor
    pool: ImagePool

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"images": self.images, "values": self.values, "valid": self.valid}


@dataclass(frozen=True, eq=False)
class SudokuClassify:
    n: int
    train: ClassifySplit
    test: ClassifySplit


def corrupt(grid: np.ndarray, n: int, rs: np.random.RandomState, max_changes: int = 3
            ) -> np.ndarray:
    """A copy of a valid grid made invalid by 1..max_changes edits, each a swap of two cells
    holding different values or a replacement of one cell's value; redrawn until invalid."""
    while True:
        board = grid.copy()
        for _ in range(rs.randint(1, max_changes + 1)):
            if rs.rand() < 0.5:
                i, j = rs.choice(n * n, size=2, replace=False)
                board[i], board[j] = board[j], board[i]
            else:
                i = rs.randint(n * n)
                board[i] = 1 + (board[i] - 1 + rs.randint(1, n)) % n
        if not is_valid(board, n):
            return board


def _classify_split(grids: np.ndarray, pool: ImagePool, n: int, m: int, seed: int,
                    max_changes: int) -> ClassifySplit:
    """M boards, half valid (a uniformly drawn grid) and half invalid (a corrupted one),
    in random order; then one image of each cell's digit from the pool."""
    rs = np.random.RandomState(seed)
    valid = rs.permutation(np.arange(m) < (m + 1) // 2).astype(np.int64)
    values = grids[rs.randint(0, len(grids), size=m)].copy()
    for k in np.flatnonzero(valid == 0):
        values[k] = corrupt(values[k], n, rs, max_changes)
    indices = pool.draw(values, rs)
    return ClassifySplit(n=n, values=torch.from_numpy(values), valid=torch.from_numpy(valid),
                         indices=torch.from_numpy(indices), images=pool.images[indices],
                         pool=pool)


def sudoku_classify(
    *,
    sudoku_dir: str | Path,
    mnist_dir: str | Path,
    n: int = 4,
    n_train: int = 2000,
    n_test: int = 1000,
    max_changes: int = 3,
    train_seed: int = 0,
    test_seed: int = 1000,
) -> SudokuClassify:
    """The classification task on n×n boards (n = 4: the 288 grids of the 4×4 file; n = 9: the
    solutions of the first 17-clue puzzles, each with a random relabelling of its symbols).
    Symbol d is written with an MNIST image of digit d (1..n)."""
    if n == 4:
        _, grids = load_sudoku4(sudoku_dir)
    elif n == 9:
        rs = np.random.RandomState(train_seed + 7)
        base = [solve(p)[0] for p in load_sudoku17(sudoku_dir)[:50]]
        grids = np.stack([rs.permutation(9)[g - 1] + 1
                          for g in base for _ in range(40)]).astype(np.int64)
    else:
        raise NesyError(f"sudoku_classify: n must be 4 or 9, got {n}")
    train_pool, test_pool = mnist_pools(mnist_dir)
    return SudokuClassify(
        n=n,
        train=_classify_split(grids, train_pool, n, n_train, train_seed, max_changes),
        test=_classify_split(grids, test_pool, n, n_test, test_seed, max_changes),
    )


# ---------------------------------------------------------------- solving
@dataclass(frozen=True, eq=False)
class SolveSplit:
    """M 9×9 puzzles: `puzzles` [M, 81] (0 blank), `solutions` [M, 81], `given` [M, 81] bool,
    `indices` [M, 81] image indices into `pool` (-1 where blank), `images` [M, 81, 784]
    (zeros where blank)."""

    puzzles: torch.Tensor
    solutions: torch.Tensor
    indices: torch.Tensor
    images: torch.Tensor
    pool: ImagePool
    rows: np.ndarray  # which lines of sudoku17.txt (0-based, after the header)

    def __len__(self) -> int:
        return int(self.puzzles.shape[0])

    @property
    def given(self) -> torch.Tensor:
        return self.puzzles > 0

    def given_images(self) -> torch.Tensor:
        """The givens' images in row-major order, [M, 17, 784] (every puzzle has 17)."""
        mask = self.given
        return self.images[mask].reshape(len(self), -1, self.images.shape[-1])

    def given_values(self) -> torch.Tensor:
        """The givens' digits (from the solutions, which agree with the puzzles), [M, 17]."""
        return self.solutions[self.given].reshape(len(self), -1)


@dataclass(frozen=True, eq=False)
class SudokuSolve:
    train: SolveSplit
    test: SolveSplit


def _solve_split(puzzles: np.ndarray, rows: np.ndarray, pool: ImagePool, seed: int
                 ) -> SolveSplit:
    rs = np.random.RandomState(seed)
    solutions = np.stack([solve(p)[0] for p in puzzles])
    indices = np.full(puzzles.shape, -1, dtype=np.int64)
    mask = puzzles > 0
    indices[mask] = pool.draw(puzzles[mask], rs)
    images = torch.zeros(puzzles.shape + (pool.images.shape[-1],))
    images[torch.from_numpy(mask)] = pool.images[indices[mask]]
    return SolveSplit(puzzles=torch.from_numpy(puzzles), solutions=torch.from_numpy(solutions),
                      indices=torch.from_numpy(indices), images=images, pool=pool, rows=rows)


def sudoku_solve(
    *,
    sudoku_dir: str | Path,
    mnist_dir: str | Path,
    n_train: int = 1000,
    n_test: int = 200,
    seed: int = 0,
    split_t10k: bool = False,
) -> SudokuSolve:
    """The solving task: n_train + n_test distinct 17-clue puzzles drawn (RandomState(seed))
    from sudoku17.txt, train first; each given drawn as an image of its digit from the train
    pool (RandomState(seed + 1)) or the test pool (RandomState(seed + 2)); `split_t10k` as in
    `mnist_pools`."""
    puzzles = load_sudoku17(sudoku_dir)
    if n_train + n_test > len(puzzles):
        raise NesyError(f"asked for {n_train + n_test} puzzles; the file has {len(puzzles)}")
    rows = np.random.RandomState(seed).choice(len(puzzles), n_train + n_test, replace=False)
    train_pool, test_pool = mnist_pools(mnist_dir, split_t10k)
    train_rows, test_rows = rows[:n_train], rows[n_train:]
    return SudokuSolve(
        train=_solve_split(puzzles[train_rows], train_rows, train_pool, seed + 1),
        test=_solve_split(puzzles[test_rows], test_rows, test_pool, seed + 2),
    )
