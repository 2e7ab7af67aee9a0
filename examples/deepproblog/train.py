"""DeepProbLog's example tasks trained with nesy, on data generated here (nothing downloads).

    python examples/deepproblog/train.py                       # every task, one epoch
    python examples/deepproblog/train.py coins poker --mnist /work/shared/datasets/mnist

The programs are DeepProbLog's own (copied beside this file); only the data differ:
- coins: an image of two digits side by side; coin i shows heads when its digit is below 5;
  the label is the game's outcome (win when both coins agree).
- poker: four digit images 0-3 read as jack, queen, king, ace; the house card is drawn
  uniformly and never shown; the label is the game's outcome.
- forth_add: two lists of digits (one-hot inputs) and their sum as a list of digits, carry first.
- forth_sort: a list of digits (one-hot inputs); the label is the list in ascending order.

Images come from MNIST when `--mnist DIR` is given, else from scikit-learn's bundled 8x8 digits.
Every example of a task has the same structure, so one query shape serves a whole epoch.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

import nesy
from nesy.neural.module import slot
from nesy.terms import format_term, list_items, make_list

HERE = Path(__file__).resolve().parent
RANKS = ["jack", "queen", "king", "ace"]


def program(name: str) -> str:
    return (HERE / f"{name}.pl").read_text()


@dataclass
class Task:
    name: str
    module: nesy.Module
    train: list  # (inputs, targets) batches
    test: list
    correct: callable  # (module, inputs, targets) -> number of correct predictions
    lr: float = 1e-3  # Adam's learning rate for this task
    probe: callable = None  # () -> accuracy of the networks themselves, where labels exist
    loss: callable = None  # (module, inputs, targets) -> loss; default -log P(targets)


class MLP(nn.Module):
    """A two-layer perceptron over its inputs concatenated, ending in a softmax."""

    def __init__(self, inputs: int, outputs: int, hidden: int = 64):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(),
                                    nn.Linear(hidden, outputs), nn.Softmax(-1))

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.layers(torch.cat(xs, -1))



def digit_images(mnist: str | None, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """[N, P] images in [0, 1] and their labels: MNIST's train (5k) or test split, or the
    bundled digits (first 1,200 for training, the rest for testing)."""
    if mnist:
        from nesy.datasets import load_mnist

        return load_mnist(mnist, split)
    from nesy.datasets import load_digits

    images, labels = load_digits()
    return (images[:1200], labels[:1200]) if split == "train" else (images[1200:], labels[1200:])


def _batches(examples: list, batch_size: int, collate) -> list:
    return [collate(examples[i:i + batch_size]) for i in range(0, len(examples), batch_size)]


def _predictions_match(module, inputs, targets) -> int:
    (name, wanted), = targets.items()
    predicted = module.predict(inputs)
    return sum(format_term(p) == format_term(w) for p, w in zip(predicted, wanted, strict=True))


# ------------------------------------------------------------------ coins
def coins(n_train: int, n_test: int, batch_size: int, mnist: str | None, seed: int) -> Task:
    def split(which: str, n: int, rng: random.Random) -> list:
        images, labels = digit_images(mnist, which)
        examples = []
        for _ in range(n):
            i, j = rng.randrange(len(labels)), rng.randrange(len(labels))
            heads = (int(labels[i]) < 5, int(labels[j]) < 5)
            examples.append((torch.cat([images[i], images[j]]),
                             "win" if heads[0] == heads[1] else "loss"))
        return _batches(examples, batch_size, lambda b: (
            {"X": torch.stack([x for x, _ in b])}, {"Outcome": [y for _, y in b]}))

    rng = random.Random(seed)
    train, test = split("train", n_train, rng), split("test", n_test, rng)
    width = train[0][0]["X"].shape[1]
    module = nesy.Module(program("coins"), {"net1": MLP(width, 2), "net2": MLP(width, 2)},
                         "game(X, Outcome)")

    def probe() -> float:
        """How often each network reads its coin (both flipped give the same games)."""
        images, labels = digit_images(mnist, "test")
        pairs = torch.randint(len(labels), (500, 2), generator=torch.Generator().manual_seed(1))
        x = torch.cat([images[pairs[:, 0]], images[pairs[:, 1]]], 1)
        right = 0.0
        with torch.no_grad():
            for coin, net in enumerate(("net1", "net2")):
                heads = labels[pairs[:, coin]] < 5
                right += float((module.networks[net](x).argmax(1) == 0).eq(heads).float().mean())
        return max(right / 2, 1 - right / 2)

    # both networks start near 0.5 for every image, where a game's outcome gives neither a
    # gradient (d P(win) / d p1 = 2 q2 - 1): coins needs several epochs to leave that point
    return Task("coins", module, train, test, _predictions_match, lr=3e-3, probe=probe)


# ------------------------------------------------------------------ poker
def poker_outcome(ranks: list[int], house: int) -> str:
    def best(cards: list[int]) -> int:  # hand_rank/2 of poker.pl
        score = max(cards)  # high(R): R
        if any(cards.count(c) >= 2 for c in cards):
            score = max(score, 4 + max(c for c in cards if cards.count(c) >= 2))
        if cards.count(cards[0]) == 3:
            score = max(score, 8 + cards[0])
        if {0, 1, 2} <= set(cards):
            score = max(score, 12)
        if {1, 2, 3} <= set(cards):
            score = max(score, 13)
        return score

    own, other = best([ranks[0], ranks[1], house]), best([ranks[2], ranks[3], house])
    return "win" if own > other else "loss" if own < other else "draw"


def poker(n_train: int, n_test: int, batch_size: int, mnist: str | None, seed: int) -> Task:
    def split(which: str, n: int, rng: random.Random) -> list:
        images, labels = digit_images(mnist, which)
        by_rank = [torch.nonzero(labels == r).flatten().tolist() for r in range(4)]
        examples = []
        for _ in range(n):
            ranks = [rng.randrange(4) for _ in range(4)]
            cards = [images[rng.choice(by_rank[r])] for r in ranks]
            examples.append((cards, poker_outcome(ranks, rng.randrange(4))))
        return _batches(examples, batch_size, lambda b: (
            {"C": [torch.stack([cards[i] for cards, _ in b]) for i in range(4)]},
            {"Outcome": [y for _, y in b]}))

    rng = random.Random(seed)
    train, test = split("train", n_train, rng), split("test", n_test, rng)
    width = train[0][0]["C"][0].shape[1]
    module = nesy.Module(program("poker"), {"net1": MLP(width, 4)}, "game(C, Outcome)")

    def probe() -> float:
        """How often the network reads a test card's rank."""
        images, labels = digit_images(mnist, "test")
        cards = labels < 4
        with torch.no_grad():
            read = module.networks["net1"](images[cards]).argmax(1)
        return float((read == labels[cards]).float().mean())

    return Task("poker", module, train, test, _predictions_match, probe=probe)


# ------------------------------------------------------------------ MNIST programs
def _digit_task(name: str, query: str, make, n_train: int, n_test: int, batch_size: int,
                mnist: str | None, seed: int, lr: float = 1e-3) -> Task:
    """A task over digit images: `make(rng, images, by_label)` gives one example as (inputs
    as {variable: image or list of images}, targets as {variable: value})."""
    rng = random.Random(seed)

    def split(which: str, n: int) -> list:
        images, labels = digit_images(mnist, which)
        by_label = [torch.nonzero(labels == d).flatten().tolist() for d in range(10)]
        examples = [make(rng, images, by_label) for _ in range(n)]

        def collate(batch):
            inputs = {k: _stack([x[k] for x, _ in batch]) for k in batch[0][0]}
            return inputs, {k: [t[k] for _, t in batch] for k in batch[0][1]}

        return _batches(examples, batch_size, collate)

    train, test = split("train", n_train), split("test", n_test)
    images, _ = digit_images(mnist, "test")
    module = nesy.Module(program(name), {"mnist_net": MLP(images.shape[1], 10)}, query)

    def probe() -> float:
        """How often the network reads a test digit."""
        images, labels = digit_images(mnist, "test")
        with torch.no_grad():
            return float((module.networks["mnist_net"](images).argmax(1) == labels).float().mean())

    return Task(name, module, train, test, _predictions_match, lr=lr, probe=probe)


def _stack(values: list):
    """Examples' images stacked per position: a tensor, or (nested) lists of them."""
    if isinstance(values[0], list):
        return [_stack([v[i] for v in values]) for i in range(len(values[0]))]
    return torch.stack(values)


def noisy_addition(n_train: int, n_test: int, batch_size: int, mnist: str | None,
                   seed: int, noise: float = 0.2) -> Task:
    """Two digits and their sum, a uniformly random label in a `noise` share of the training
    examples; the program's learnable t(0.1)::noisy estimates that share."""
    def make(rng, images, by_label):
        a, b = rng.randrange(10), rng.randrange(10)
        label = rng.randrange(19) if rng.random() < noise else a + b
        return ({"X": images[rng.choice(by_label[a])], "Y": images[rng.choice(by_label[b])]},
                {"Z": label})

    return _digit_task("noisy_addition", "addition_noisy(X, Y, Z)", make, n_train, n_test,
                       batch_size, mnist, seed)


def any_sum(n_train: int, n_test: int, batch_size: int, mnist: str | None, seed: int) -> Task:
    """A bag of two digit pairs; the label is the sum of one of them."""
    def make(rng, images, by_label):
        pairs = [[rng.randrange(10), rng.randrange(10)] for _ in range(2)]
        bag = [[images[rng.choice(by_label[d])] for d in pair] for pair in pairs]
        return {"B": bag}, {"R": sum(rng.choice(pairs))}

    return _digit_task("any_sum", "anysum(B, R)", make, n_train, n_test, batch_size, mnist, seed)


def all_digit_addition(n_train: int, n_test: int, batch_size: int, mnist: str | None,
                       seed: int) -> Task:
    """Three digit images X, Y, Z (every number is an image); the label says whether
    X + Y = Z holds (half the examples) or not."""
    def make(rng, images, by_label):
        a = rng.randrange(10)
        b = rng.randrange(10 - a)
        holds = rng.random() < 0.5
        c = a + b if holds else rng.choice([d for d in range(10) if d != a + b])
        digits = dict(zip("XYZ", (a, b, c), strict=True))
        return ({k: images[rng.choice(by_label[d])] for k, d in digits.items()},
                {"holds": holds})

    def probability(module, inputs) -> torch.Tensor:
        dist = module(inputs)  # one answer (no output variable), or none
        return dist.probs[:, 0] if dist.answers else dist.probs.new_zeros(dist.probs.shape[0])

    def loss(module, inputs, targets) -> torch.Tensor:
        holds = torch.tensor(targets["holds"], dtype=torch.float64)
        p = probability(module, inputs).double().clamp(1e-12, 1 - 1e-12)
        return nn.functional.binary_cross_entropy(p, holds)

    def correct(module, inputs, targets) -> int:
        judged = (probability(module, inputs) > 0.5).tolist()
        return sum(j == h for j, h in zip(judged, targets["holds"], strict=True))

    task = _digit_task("all_digit_addition", "addition(X, Y, Z)", make, n_train, n_test,
                       batch_size, mnist, seed)
    task.loss, task.correct = loss, correct
    return task


# ------------------------------------------------------------------ Forth
def one_hot(term) -> torch.Tensor:
    """A constant digit or carry as DeepProbLog's Forth networks read it: one-hot over 10."""
    return nn.functional.one_hot(torch.tensor(int(term)), 10).float()


def _digit_lists(lists: list[list[int]]) -> list[torch.Tensor]:
    """Position i of every example as one [B, 10] one-hot tensor."""
    return [torch.stack([one_hot(x[i]) for x in lists]) for i in range(len(lists[0]))]


def forth_add(n_train: int, n_test: int, batch_size: int, mnist: str | None, seed: int,
              length: int = 2) -> Task:
    def split(n: int, rng: random.Random) -> list:
        examples = []
        for _ in range(n):
            a, b = ([rng.randrange(10) for _ in range(length)] for _ in range(2))
            total = int("".join(map(str, a))) + int("".join(map(str, b)))
            digits = [int(c) for c in str(total).zfill(length + 1)]  # carry first
            examples.append((a, b, make_list(digits)))
        return _batches(examples, batch_size, lambda e: (
            {"A": _digit_lists([a for a, _, _ in e]), "B": _digit_lists([b for _, b, _ in e])},
            {"R": [r for _, _, r in e]}))

    rng = random.Random(seed)
    nets = {"neural1": MLP(30, 10, 50), "neural2": MLP(30, 2, 10)}
    module = nesy.Module(program("forth_add"), nets, "add(A, B, 0, R)", embed=one_hot)
    return Task("forth_add", module, split(n_train, rng), split(n_test, rng),
                _predictions_match, lr=2e-2)


def forth_sort(n_train: int, n_test: int, batch_size: int, mnist: str | None, seed: int,
               length: int = 3, source: str = "forth_sort") -> Task:
    def split(n: int, rng: random.Random) -> list:
        examples = []
        for _ in range(n):
            values = [rng.randrange(10) for _ in range(length)]
            order = sorted(range(length), key=lambda i: (values[i], i))
            # the answer is the input list reordered: a list of the query's input slots
            target = make_list([slot("X", i) for i in order])
            examples.append((values, target))
        return _batches(examples, batch_size, lambda e: (
            {"X": _digit_lists([v for v, _ in e])}, {"L": [t for _, t in e]}))

    def correct(module, inputs, targets) -> int:
        # equal values may come out in either order: compare the values, not the slots
        predicted = module.predict(inputs)
        values = torch.stack(inputs["X"], 1).argmax(-1)  # [B, length]
        count = 0
        for b, (p, w) in enumerate(zip(predicted, targets["L"], strict=True)):
            read = [[int(values[b, s.args[1]]) for s in list_items(t)] for t in (p, w)]
            count += read[0] == read[1]
        return count

    rng = random.Random(seed)
    query = "forth_sort(X, L)" if source == "forth_sort" else "quicksort(X, L)"
    module = nesy.Module(program(source), {"swap_net": MLP(20, 2, 20)}, query)
    return Task(source, module, split(n_train, rng), split(n_test, rng), correct, lr=1e-2)


# ------------------------------------------------------------------ WAP
class PerQuery(nn.Module):
    """One nesy.Module per distinct query, all sharing the networks: WAP's numbers are
    constants of the query (arithmetic reads them), so each problem is its own query, as in
    DeepProbLog. Each Module grounds its query once and keeps it for later epochs."""

    def __init__(self, source: str, networks: dict, template: str):
        super().__init__()
        self.networks = nn.ModuleDict(networks)
        self.program = nesy.parse(source)
        self.template = template
        self.cache: dict[str, nesy.Module] = {}  # not submodules: the networks are shared

    def _module(self, constants: tuple) -> nesy.Module:
        query = self.template.format(*constants)
        module = self.cache.get(query)
        if module is None:
            module = self.cache[query] = nesy.Module(self.program, dict(self.networks), query)
        return module

    def log_probability(self, inputs: dict, targets: dict) -> torch.Tensor:
        return torch.cat([self._module(c).log_probability({"T": t}, {"Out": [out]})
                          for c, t, out in zip(inputs["constants"], inputs["T"],
                                               targets["Out"], strict=True)])

    def predict(self, inputs: dict) -> list:
        return [self._module(c).predict({"T": t})[0]
                for c, t in zip(inputs["constants"], inputs["T"], strict=True)]

    @property
    def stats(self):
        return type("Stats", (), {"shapes": sum(m.stats.shapes for m in self.cache.values())})


class TextEncoder(nn.Module):
    """Token ids [1, L] -> [1, H]: an embedding and a bidirectional GRU's last states."""

    def __init__(self, vocabulary: int, hidden: int = 64):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _, last = self.gru(self.embedding(tokens))
        return torch.tanh(torch.cat([last[0], last[1]], -1))


def wap_problems(split: str) -> list[tuple[str, tuple, int]]:
    """DeepProbLog's word problems (shipped in its wheel): (text, numbers, answer)."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("deepproblog")
    if spec is None:
        raise SystemExit("wap needs DeepProbLog's word problems: pip install deepproblog")
    path = Path(spec.origin).parent / "examples" / "Forth" / "WAP" / "data" / f"{split}.pl"
    pattern = re.compile(r'wap\("(.*)",(-?\d+),(-?\d+),(-?\d+),(-?\d+)\)\.')
    problems = []
    for line in path.read_text().splitlines():
        match = pattern.fullmatch(line.strip())
        if match:
            text, *numbers = match.groups()
            problems.append((text, tuple(int(n) for n in numbers[:3]), int(numbers[3])))
    return problems


def wap(n_train: int, n_test: int, batch_size: int, mnist: str | None, seed: int) -> Task:
    train_problems, test_problems = wap_problems("train")[:n_train], wap_problems("test")[:n_test]
    words = sorted({w for text, _, _ in train_problems for w in text.split()
                    if not w.isdigit()})
    index = {w: i + 2 for i, w in enumerate(words)}  # 0: a number, 1: an unknown word

    def tokens(text: str) -> torch.Tensor:
        return torch.tensor([[0 if w.isdigit() else index.get(w, 1) for w in text.split()]])

    def split(problems: list) -> list:
        return _batches(problems, batch_size, lambda b: (
            {"T": [tokens(text) for text, _, _ in b], "constants": [n for _, n, _ in b]},
            {"Out": [out for _, _, out in b]}))

    hidden = 64
    nets = {"rnn": TextEncoder(len(words) + 2, hidden),
            "nn_permute": MLP(2 * hidden, 6), "nn_op1": MLP(2 * hidden, 4),
            "nn_swap": MLP(2 * hidden, 2), "nn_op2": MLP(2 * hidden, 4)}
    module = PerQuery(program("wap"), nets, "wap(T, {0}, {1}, {2}, Out)")
    return Task("wap", module, split(train_problems), split(test_problems),
                _predictions_match, lr=1e-3)


def forth_quicksort(n_train: int, n_test: int, batch_size: int, mnist: str | None,
                    seed: int) -> Task:
    """The same task through DeepProbLog's quicksort program."""
    return forth_sort(n_train, n_test, batch_size, mnist, seed, source="forth_quicksort")


TASKS = {"noisy_addition": noisy_addition, "any_sum": any_sum,
         "all_digit_addition": all_digit_addition, "coins": coins, "poker": poker,
         "forth_add": forth_add, "forth_sort": forth_sort, "forth_quicksort": forth_quicksort,
         "wap": wap}


# ------------------------------------------------------------------ training
def accuracy(task: Task, batches: list) -> float:
    with torch.no_grad():
        right = sum(task.correct(task.module, inputs, targets) for inputs, targets in batches)
    total = sum(len(next(iter(targets.values()))) if targets else _batch_size(inputs)
                for inputs, targets in batches)
    return right / total


def _batch_size(inputs: dict) -> int:
    first = next(iter(inputs.values()))
    while isinstance(first, list):
        first = first[0]
    return first.shape[0]


def train(task: Task, epochs: int = 1, lr: float | None = None, steps: int | None = None) -> dict:
    """Minimise -log P(label) with Adam; the epoch time, the final loss and test accuracy."""
    optimizer = torch.optim.Adam(task.module.parameters(), lr=lr or task.lr)
    start, losses = time.perf_counter(), []
    for _ in range(epochs):
        for step, (inputs, targets) in enumerate(task.train):
            if steps is not None and step >= steps:
                break
            if task.loss is not None:
                loss = task.loss(task.module, inputs, targets)
            else:
                loss = -task.module.log_probability(inputs, targets).clamp_min(-50).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    elapsed = (time.perf_counter() - start) / max(epochs, 1)
    return {"task": task.name, "epoch_s": elapsed, "loss": sum(losses[-10:]) / len(losses[-10:]),
            "accuracy": accuracy(task, task.test), "shapes": task.module.stats.shapes,
            "networks": task.probe() if task.probe else None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", help=f"of {', '.join(TASKS)} (default: all)")
    parser.add_argument("--mnist", help="a folder with MNIST's IDX files (else 8x8 digits)")
    parser.add_argument("--train", type=int, default=2000, help="training examples")
    parser.add_argument("--test", type=int, default=500, help="test examples")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, help="Adam's learning rate (default: per task)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)
    unknown = [t for t in args.tasks if t not in TASKS]
    if unknown:
        parser.error(f"unknown task {unknown[0]}; choose from {', '.join(TASKS)}")
    torch.set_num_threads(args.threads)
    for name in args.tasks or list(TASKS):
        torch.manual_seed(args.seed)
        task = TASKS[name](args.train, args.test, args.batch_size, args.mnist, args.seed)
        before = accuracy(task, task.test)
        result = train(task, args.epochs, args.lr)
        networks = "" if result["networks"] is None else \
            f"  networks' accuracy {result['networks']:.3f}"
        print(f"{name:18s} epoch {result['epoch_s']:7.2f}s  loss {result['loss']:.3f}  "
              f"test accuracy {before:.3f} -> {result['accuracy']:.3f}{networks}  "
              f"(query shapes: {result['shapes']})", flush=True)


if __name__ == "__main__":
    main()
