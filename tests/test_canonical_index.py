"""One value per entity and per author in a built index: facets, filters, field queries,
stored articles and counts all see the joined values, and an update decides again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import FacetFilter, SearchRequest
from searchtui.search import SearchEngine

ALL = 1000


def wire(folder: Path, name: str, title: str, byline: str, body: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(f"{title}\n\n{byline}\n\n\n{body}\n", encoding="utf-8")
    return path


def article(folder: Path, n: int, *, byline: str, people=(), orgs=(), body: str = "") -> Path:
    """A wire story whose front matter names its people and organisations."""
    people_list = ", ".join(people)
    orgs_list = ", ".join(orgs)
    path = folder / f"story{n:02d}.md"
    path.write_text(
        "---\n"
        f"title: Story {n}\n"
        f"author: {byline}\n"
        "publication: Reuters\n"
        f"date: 1987-03-{n + 1:02d}\n"
        "entities:\n"
        f"  people: [{people_list}]\n"
        f"  organisations: [{orgs_list}]\n"
        "---\n\n"
        f"{body or f'Story number {n} from the wire.'}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    # Ronald Reagan by his full name in four stories, by "Reagan" alone in three
    for n in range(4):
        article(folder, n, byline="Julie Vorman", people=["Ronald Reagan"])
    for n in range(4, 7):
        article(folder, n, byline="JULIE VORMAN", people=["Reagan"], orgs=["IBM"])
    # two Clintons with weight: "Clinton" alone stays itself
    for n in range(7, 10):
        article(folder, n, byline="By PATRICK RIZZO AND PATTI DOMM", people=["Bill Clinton"])
    for n in range(10, 13):
        article(folder, n, byline="Patti Domm", people=["Hillary Clinton", "Clinton"])
    # a company in three spellings; one story spells IBM out
    article(folder, 13, byline="Ted d'Afflisio", orgs=["Ford Motor Co", "Ford"])
    article(folder, 14, byline="TED D'AFFLISIO", orgs=["Ford Motor Company"])
    article(folder, 15, byline="Julie Vorman", orgs=["Ford Motor Co.", "Ford Motor Co"],
            body="International Business Machines Corp (IBM) said on Monday it would buy.")
    # Gerald Ford is a person, never the company
    article(folder, 16, byline="Julie Vorman", people=["Gerald Ford", "Ford"])
    return folder


def build(corpus: Path, index: Path) -> SearchEngine:
    build_index([str(corpus)], index, config=Config(extractor="none"), workers=1)
    return SearchEngine.open(index)


def facet(engine: SearchEngine, name: str, **kw) -> dict[str, int]:
    request = SearchRequest(page_size=ALL, facet_limit=ALL, **kw)
    return {b.value: b.count for b in engine.search(request).facets[name].buckets}


def keys(engine: SearchEngine, query: str = "", **kw) -> set[str]:
    result = engine.search(SearchRequest(query=query, page_size=ALL, snippets=False, **kw))
    return {Path(h.path).stem for h in result.hits}


def stories(*numbers: int) -> set[str]:
    return {f"story{n:02d}" for n in numbers}


def test_facets_filters_queries_and_stored_articles_see_one_value(corpus, tmp_path):
    with build(corpus, tmp_path / "index") as engine:
        people = facet(engine, "people")
        assert people["Ronald Reagan"] == 7
        assert "Reagan" not in people
        assert people["Clinton"] == 3  # two full names share the surname
        assert people["Gerald Ford"] == 1 and people["Ford"] == 1  # one story: too little

        orgs = facet(engine, "organisations")
        assert orgs["Ford Motor Co"] == 3
        assert not {"Ford", "Ford Motor Company", "Ford Motor Co."} & set(orgs)
        assert orgs["International Business Machines Corp"] == 3
        assert "IBM" not in orgs

        authors = facet(engine, "authors")
        assert authors == {
            "Julie Vorman": 9, "Patrick Rizzo": 3, "Patti Domm": 6, "Ted d'Afflisio": 2,
        }

        # a filter on the value shown, or on a spelling it stands for
        reagan = stories(*range(7))
        assert keys(engine, filters={"people": FacetFilter({"Ronald Reagan"})}) == reagan
        assert keys(engine, filters={"people": FacetFilter({"Reagan"})}) == reagan
        assert keys(engine, filters={"people": FacetFilter(exclude={"Ronald Reagan"})}) == (
            stories(*range(7, 17))
        )
        # field queries by any spelling
        assert keys(engine, "person:reagan") == reagan
        assert keys(engine, 'person:"Ronald Reagan"') == reagan
        assert keys(engine, "org:IBM") == stories(4, 5, 6)
        assert keys(engine, "org:ford") == stories(13, 14, 15)
        assert keys(engine, 'author:"JULIE VORMAN"') == stories(0, 1, 2, 3, 4, 5, 6, 15, 16)
        # counts agree with the hits
        total = engine.search(SearchRequest(query="person:reagan", page_size=1)).total
        assert total == 7

        # stored articles are shown with the same values
        doc = engine.document(str(corpus / "story05.md"))
        assert doc.authors == ["Julie Vorman"]
        assert doc.entities["people"] == ["Ronald Reagan"]
        assert doc.entities["organisations"] == ["International Business Machines Corp"]
        hit = engine.search(SearchRequest(query="author:rizzo", page_size=1)).hits[0]
        assert hit.authors == ["Patrick Rizzo", "Patti Domm"]

        assert engine.stats()["distinct_people"] == len(people)


def test_the_table_is_cached_with_the_arrays(corpus, tmp_path):
    index = tmp_path / "index"
    with build(corpus, index) as engine:
        first = facet(engine, "people"), facet(engine, "organisations")
    assert list(index.glob("ix-*/cache-*.npz"))
    with SearchEngine.open(index) as engine:  # from the cache file
        assert (facet(engine, "people"), facet(engine, "organisations")) == first
        assert keys(engine, "person:reagan") == stories(*range(7))


def test_an_update_decides_again(corpus, tmp_path):
    index = tmp_path / "index"
    with build(corpus, index) as engine:
        assert facet(engine, "people")["Ronald Reagan"] == 7
    # Nancy Reagan gains weight: "Reagan" is no longer Ronald's alone
    for n in range(17, 20):
        article(corpus, n, byline="Julie Vorman", people=["Nancy Reagan"])
    build_index([str(corpus)], index, config=Config(extractor="none"), workers=1)
    with SearchEngine.open(index) as engine:
        people = facet(engine, "people")
        assert people["Ronald Reagan"] == 4
        assert people["Reagan"] == 3
        assert people["Nancy Reagan"] == 3
        # every Reagan by the word; the bare name, quoted, is its own value again
        assert keys(engine, "person:reagan") == stories(*range(7), 17, 18, 19)
        assert keys(engine, 'person:"reagan"') == stories(4, 5, 6)
    # and back again once those stories are gone
    for n in range(17, 20):
        (corpus / f"story{n:02d}.md").unlink()
    build_index([str(corpus)], index, config=Config(extractor="none"), workers=1)
    with SearchEngine.open(index) as engine:
        assert facet(engine, "people")["Ronald Reagan"] == 7


def test_the_extractor_reads_acronyms_and_dated_aliases_from_the_text(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    body = (
        "BRUSSELS - EC farm ministers met on Monday, and the U.S. Agriculture "
        "Department (USDA) watched. The USDA said on Tuesday that it would answer the EC."
    )
    wire(folder, "old", "Farm talks", "By JULIE VORMAN — Reuters Mar 3, 1987", body)
    wire(folder, "new", "Farm talks", "Julie Vorman — Reuters Mar 3, 2004", body)
    # a story that names the department by its acronym alone
    wire(folder, "later", "Farm exports", "JULIE VORMAN AND TED D'AFFLISIO — Reuters Mar 9, 1987",
         "WASHINGTON - The USDA said on Friday that farm exports rose. The USDA figures "
         "were revised.")
    build_index([str(folder)], tmp_path / "index", config=Config(), workers=1)
    with SearchEngine.open(tmp_path / "index") as engine:
        old = engine.document(str(folder / "old.md"))
        new = engine.document(str(folder / "new.md"))
        later = engine.document(str(folder / "later.md"))
        assert old.date == dt.date(1987, 3, 3)
        assert "European Community" in old.entities["organisations"]
        assert "European Commission" in new.entities["organisations"]
        assert old.authors == new.authors == ["Julie Vorman"]
        assert later.authors == ["Julie Vorman", "Ted D'Afflisio"]
        assert later.entities["organisations"] == ["U.S. Agriculture Department"]
        orgs = facet(engine, "organisations")
        assert orgs["U.S. Agriculture Department"] == 3
        assert "USDA" not in orgs
        assert keys(engine, "org:usda") == {"old", "new", "later"}


def test_a_cache_made_by_other_name_rules_is_made_again(corpus, tmp_path, monkeypatch):
    from searchtui import arrays, check, store

    index = tmp_path / "index"
    with build(corpus, index) as engine:
        expected = facet(engine, "people")
    # a cache made by another version of the rules
    monkeypatch.setattr(arrays, "NAME_RULES", "other rules")
    ixdir = store.current_dir(index)
    assert ixdir is not None
    assert arrays.check_cache(ixdir, store.verify(index, ixdir)[0], 17) is None
    assert all(c.ok for c in check.check_index(index).checks)
    with SearchEngine.open(index) as engine:  # read from the index, and saved again
        assert facet(engine, "people") == expected
    with np.load(next(ixdir.glob("cache-*.npz"))) as z:
        assert str(z["rules"][0]) == "other rules"
