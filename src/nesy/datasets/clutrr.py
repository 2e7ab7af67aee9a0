"""CLUTRR (Sinha et al. 2019) as kinship graphs, read straight from the released zip files.

Only the graph form is used (`story_edges`, `edge_types`, `query_edge`, `target`): each story is
a chain or graph of people whose edges are relations; the query asks the relation between two
of them. An edge `(a, b)` of type `r` means "b is a's r" (`father`: b is a's father), so a query
`(x, y)` with target `t` reads `t(x, y)`: y is x's t.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nesy.errors import NesyError

csv.field_size_limit(1 << 24)


@dataclass(frozen=True)
class Story:
    """One example: `edges` are (source, relation, target) over node ids 0..n-1;
    the answer is `relation(query[0], query[1])`."""

    edges: tuple[tuple[int, str, int], ...]
    query: tuple[int, int]
    target: str
    k: int  # the number of hops of the task (1.k): the task name's second number


def _parse(row: dict, where: str) -> Story:
    try:
        pairs = ast.literal_eval(row["story_edges"])
        types = ast.literal_eval(row["edge_types"])
        query = tuple(ast.literal_eval(row["query_edge"]))
    except (ValueError, SyntaxError, KeyError) as exc:
        raise NesyError(f"{where}: cannot read the story graph: {exc}") from None
    if len(pairs) != len(types) or len(query) != 2:
        raise NesyError(f"{where}: {len(pairs)} edges but {len(types)} edge types")
    match = re.fullmatch(r"task_\d+\.(\d+)", row.get("task_name", ""))
    k = int(match.group(1)) if match else len(types)
    edges = tuple((int(a), str(t), int(b)) for (a, b), t in zip(pairs, types, strict=True))
    return Story(edges, (int(query[0]), int(query[1])), str(row["target"]), k)


def _read_member(archive: zipfile.ZipFile, member: str, where: str) -> list[Story]:
    with archive.open(member) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, "utf-8"))
        return [_parse(row, f"{where}:{member}:{i + 2}") for i, row in enumerate(reader)]


@dataclass(frozen=True)
class Clutrr:
    """`train` stories and `test[k]` for each tested k, from one CLUTRR release zip."""

    name: str
    train: list[Story]
    test: dict[int, list[Story]]

    def relations(self) -> list[str]:
        """Every relation name in edges or targets, sorted."""
        names = {t for s in self.train for _, t, _ in s.edges} | {s.target for s in self.train}
        for stories in self.test.values():
            names |= {t for s in stories for _, t, _ in s.edges} | {s.target for s in stories}
        return sorted(names)


def load_clutrr(path: str | Path) -> Clutrr:
    """A CLUTRR release zip (e.g. `data_089907f8.zip`): read from the archive, never extracted."""
    path = Path(path)
    if not path.is_file():
        raise NesyError(f"no CLUTRR zip {path}")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise NesyError(f"{path}: not a zip file ({exc})") from None
    with archive:
        names = archive.namelist()
        train_members = [n for n in names if n.endswith("_train.csv")]
        if len(train_members) != 1:
            raise NesyError(f"{path}: expected one *_train.csv, found {train_members}")
        train = _read_member(archive, train_members[0], str(path))
        test = {}
        for member in names:
            match = re.fullmatch(r"(?:.*/)?1\.(\d+)_test\.csv", member)
            if match:
                test[int(match.group(1))] = _read_member(archive, member, str(path))
    return Clutrr(path.stem, train, dict(sorted(test.items())))
