"""Knowledge-graph benchmarks read from local files: Countries S1–S3, Nations, UMLS, Kinship.

Nothing is downloaded. Each loader takes the folder holding the files: the benchmark's folder
in `../shared/datasets/` or any path a user gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nesy.errors import NesyError

Triple = tuple[str, str, str]  # (head, relation, tail)


def read_triples(path: str | Path) -> list[Triple]:
    """`head<TAB>relation<TAB>tail` lines (blank lines skipped; duplicates kept in order)."""
    path = Path(path)
    if not path.is_file():
        raise NesyError(f"no triples file {path}")
    triples = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) != 3 or not all(parts):
            raise NesyError(f"{path}:{number}: expected head<TAB>relation<TAB>tail, got {line!r}")
        triples.append((parts[0], parts[1], parts[2]))
    return triples


def _read_names(path: Path) -> list[str]:
    if not path.is_file():
        raise NesyError(f"no file {path}")
    return [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]


def _unique(triples: list[Triple]) -> list[Triple]:
    return list(dict.fromkeys(triples))


@dataclass(frozen=True)
class KnowledgeGraph:
    """A link-prediction split: entity and relation names in first-seen order (train, valid,
    test), the three triple lists (duplicates removed, order kept)."""

    name: str
    train: list[Triple]
    valid: list[Triple]
    test: list[Triple]
    entities: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)

    def all_true(self) -> set[Triple]:
        """Every known true triple: the filter of filtered ranking."""
        return set(self.train) | set(self.valid) | set(self.test)


def _names(triples: list[Triple]) -> tuple[list[str], list[str]]:
    entities = dict.fromkeys(e for h, _, t in triples for e in (h, t))
    relations = dict.fromkeys(r for _, r, _ in triples)
    return list(entities), list(relations)


def load_kg(folder: str | Path, name: str | None = None) -> KnowledgeGraph:
    """Nations, UMLS, Kinship (or any folder with train.txt, valid.txt, test.txt)."""
    folder = Path(folder)
    splits = [_unique(read_triples(folder / f"{s}.txt")) for s in ("train", "valid", "test")]
    entities, relations = _names(splits[0] + splits[1] + splits[2])
    return KnowledgeGraph(name or folder.name, *splits, entities=entities, relations=relations)


@dataclass(frozen=True)
class Countries:
    """One Countries split (S1, S2 or S3): the KB facts the model sees, the test and dev
    countries, the 5 regions and 23 subregions, and the full KB's region of every country."""

    split: str
    facts: list[Triple]
    test_countries: list[str]
    dev_countries: list[str]
    regions: list[str]
    subregions: list[str]
    region_of: dict[str, str]  # from countries.nl (the KB before removal): the gold labels

    @property
    def entities(self) -> list[str]:
        return _names(self.facts)[0]

    def test_triples(self) -> list[Triple]:
        """The gold `locatedIn(c, region)` of every test country."""
        return [(c, "locatedIn", self.region_of[c]) for c in self.test_countries]


def _read_prolog_facts(path: Path) -> list[Triple]:
    """`rel(a,b).` lines of countries.nl."""
    triples = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if not (line.endswith(").") and "(" in line):
            raise NesyError(f"{path}:{number}: expected rel(a,b)., got {line!r}")
        relation, _, rest = line[:-2].partition("(")
        head, _, tail = rest.partition(",")
        triples.append((head.strip(), relation.strip(), tail.strip()))
    return triples


def load_countries(folder: str | Path, split: str = "S1") -> Countries:
    """Countries `split` in {S1, S2, S3} from the NTP/CTP files in `folder`."""
    if split not in ("S1", "S2", "S3"):
        raise NesyError(f"Countries split must be S1, S2 or S3, not {split!r}")
    folder = Path(folder)
    facts = _unique(read_triples(folder / f"countries_{split}.tsv"))
    regions = _read_names(folder / "regions.txt")
    full = _read_prolog_facts(folder / "countries.nl")
    region_set = set(regions)
    region_of = {h: t for h, r, t in full if r == "locatedIn" and t in region_set}
    test = _read_names(folder / "test.txt")
    missing = [c for c in test if c not in region_of]
    if missing:
        raise NesyError(f"{folder / 'countries.nl'}: no region for test countries {missing}")
    return Countries(split, facts, test, _read_names(folder / "dev.txt"), regions,
                     _read_names(folder / "subregions.txt"), region_of)
