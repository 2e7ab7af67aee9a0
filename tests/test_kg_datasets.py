"""Loaders of the shipped knowledge-graph files (Countries, Nations, UMLS, Kinship, CLUTRR), and
of a user-given folder."""

from pathlib import Path

import pytest

from nesy.datasets.clutrr import load_clutrr
from nesy.datasets.kg import load_countries, load_kg, read_triples
from nesy.errors import NesyError

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
needs_data = pytest.mark.skipif(not (DATA / "countries").is_dir(), reason="no shared datasets")


@needs_data
@pytest.mark.parametrize("split, n_facts", [("S1", 1110), ("S2", 1062), ("S3", 978)])
def test_countries_splits(split, n_facts):
    data = load_countries(DATA / "countries", split)
    assert len(data.facts) == n_facts  # the README's set sizes (one duplicate line dropped)
    assert len(data.test_countries) == 24 and len(data.regions) == 5
    assert len(data.subregions) == 23
    facts = set(data.facts)
    for country, _, region in data.test_triples():
        assert region in data.regions
        assert (country, "locatedIn", region) not in facts  # removed in every split
    has_subregion = sum(any(h == c and r == "locatedIn" for h, r, _ in facts)
                        for c in data.test_countries)
    assert has_subregion == (24 if split == "S1" else 0)


@needs_data
@pytest.mark.parametrize("name, sizes, n_entities, n_relations", [
    ("nations", (1592, 199, 201), 14, 55),
    ("umls", (5216, 652, 661), 135, 46),
    ("kinship", (8544, 1068, 1074), 104, 25)])
def test_link_prediction_splits(name, sizes, n_entities, n_relations):
    kg = load_kg(DATA / name)
    assert (len(kg.train), len(kg.valid), len(kg.test)) == sizes
    assert (len(kg.entities), len(kg.relations)) == (n_entities, n_relations)
    assert len(kg.all_true()) == sum(sizes)


@needs_data
def test_clutrr_from_the_zip():
    data = load_clutrr(DATA / "clutrr" / "data_089907f8.zip")
    assert len(data.train) == 10094
    assert {k: len(v) for k, v in data.test.items()} == {
        2: 38, 3: 105, 4: 190, 5: 174, 6: 107, 7: 144, 8: 150, 9: 119, 10: 119}
    assert {s.k for s in data.train} == {2, 3}
    assert all(len(s.edges) == 10 for s in data.test[10])
    assert len(data.relations()) == 20 and "grandmother" in data.relations()
    first = data.train[0]  # Donald's father Michael, Michael's sister Dorothy: Dorothy is the aunt
    assert first.edges == ((0, "father", 1), (1, "sister", 2))
    assert first.query == (0, 2) and first.target == "aunt"


def test_user_given_folder(tmp_path):
    for split, line in [("train", "a\tr\tb\na\tr\tb\n"), ("valid", "b\ts\tc\n"), ("test", "c\tr\ta\n")]:
        (tmp_path / f"{split}.txt").write_text(line)
    kg = load_kg(tmp_path, name="tiny")
    assert kg.train == [("a", "r", "b")]
    assert kg.entities == ["a", "b", "c"] and kg.relations == ["r", "s"]


def test_bad_files_are_clear_errors(tmp_path):
    (tmp_path / "bad.txt").write_text("a r b\n")
    with pytest.raises(NesyError, match="bad.txt:1"):
        read_triples(tmp_path / "bad.txt")
    with pytest.raises(NesyError, match="no triples file"):
        load_kg(tmp_path / "missing")
    with pytest.raises(NesyError, match="not a zip"):
        (tmp_path / "x.zip").write_text("no")
        load_clutrr(tmp_path / "x.zip")
