"""Saved searches: what is new since a search was viewed, by when articles were first
indexed; the CLI; bad input that is refused or reported and never lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchtui import saved as saved_mod
from searchtui.cli import main
from searchtui.config import Config
from searchtui.errors import SavedSearchError
from searchtui.indexer import build_index
from searchtui.models import FacetFilter
from searchtui.saved import SavedSearch, SavedSearches, run, summarise
from searchtui.schema import FIRST_INDEXED
from searchtui.search import SearchEngine

FAST = Config(workers=1, extractor="none")


def write(folder: Path, name: str, title: str, body: str, author: str = "Ann Lee") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\n\n{author} — Daily Post Mar 01, 2021\n\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    for i in range(6):
        fruit = "pears" if i % 2 else "apples"
        write(folder, f"old{i}.txt", f"Old story {i}", f"Prices of {fruit} at the market.",
              author="Bo Diaz" if i < 3 else "Ann Lee")
    return folder


@pytest.fixture
def root(corpus, tmp_path) -> Path:
    root = tmp_path / "index"
    build_index([corpus], root, config=FAST)
    return root


def stamps(root: Path) -> dict[str, str]:
    with SearchEngine.open(root) as engine:
        return {d["key"]: d[FIRST_INDEXED] for d in engine._searcher.all_stored_fields()}


def test_new_is_exactly_the_new_matching_articles(root, corpus):
    store = SavedSearches(root)
    with SearchEngine.open(root) as engine:
        search = store.add(SavedSearch("pears", "pears", seen=engine.newest_indexed()))
        assert (summarise(engine, search).total, summarise(engine, search).new) == (3, 0)
    before = stamps(root)
    # two new matching articles, one new that does not match, one old one changed
    new_keys = {
        str(write(corpus, "new1.txt", "New one", "Pears are in season.").resolve()),
        str(write(corpus, "new2.txt", "New two", "More pears.").resolve()),
    }
    write(corpus, "new3.txt", "New three", "Apples only.")
    write(corpus, "old1.txt", "Old story 1, corrected", "Prices of pears, corrected.")
    report = build_index([corpus], root, config=FAST)
    assert (report.added, report.updated) == (3, 1)
    after = stamps(root)
    changed = str((corpus / "old1.txt").resolve())
    assert after[changed] == before[changed]  # an update keeps the first time
    assert all(after[k] > max(before.values()) for k in new_keys)
    with SearchEngine.open(root) as engine:
        summary = summarise(engine, store.get("pears"))
        assert (summary.total, summary.new) == (5, 2)
        only = run(engine, store.get("pears"), only_new=True)
        assert {h.key for h in only.hits} == new_keys and all(h.new for h in only.hits)
        both = run(engine, store.get("pears"), sort="oldest")
        assert [h.new for h in both.hits] == [True, True, False, False, False]
        assert both.new == 2 and both.total == 5
        store.mark_viewed("pears", engine.newest_indexed())
        assert summarise(engine, store.get("pears")).new == 0
    assert store.get("pears").last_viewed is not None


def test_a_rebuild_keeps_what_is_new(root, corpus):
    store = SavedSearches(root)
    with SearchEngine.open(root) as engine:
        store.add(SavedSearch("all", "", seen=engine.newest_indexed()))
    write(corpus, "new1.txt", "New one", "Pears are in season.")
    build_index([corpus], root, config=FAST)
    before = stamps(root)
    build_index([corpus], root, config=FAST, rebuild=True)
    assert stamps(root) == before
    with SearchEngine.open(root) as engine:
        assert summarise(engine, store.get("all")).new == 1


def test_filters_and_dates_are_kept(root):
    import datetime as dt

    store = SavedSearches(root)
    store.add(SavedSearch(
        "bo", "prices", filters={"authors": FacetFilter({"Bo Diaz"}, set())},
        date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 12, 31),
    ))
    search = store.get("bo")
    assert search.filters_dict() == {
        "authors": {"include": ["Bo Diaz"], "exclude": []}, "from": "2021-01-01",
        "to": "2021-12-31",
    }
    with SearchEngine.open(root) as engine:
        assert summarise(engine, search).total == 3


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli(root, corpus, capsys):
    ix = ["--index", str(root)]
    code, out, _ = cli(capsys, "saved", "add", "pears", "pears", "--author", "Bo Diaz", *ix)
    assert code == 0 and "Saved 'pears'" in out
    code, _, err = cli(capsys, "saved", "add", "pears", "apples", *ix)
    assert code == 1 and "saved already" in err and "--replace" in err
    code, _, err = cli(capsys, "saved", "add", "broken", "date:2016-13", *ix)
    assert code == 1 and "bad query" in err
    write(corpus, "new1.txt", "New one", "Pears again.", author="Bo Diaz")
    build_index([corpus], root, config=FAST)
    code, out, _ = cli(capsys, "saved", "list", "--json", *ix)
    assert json.loads(out) == {"saved": [{
        "name": "pears", "query": "pears",
        "filters": {"authors": {"include": ["Bo Diaz"], "exclude": []}},
        "total": 2, "new": 1, "last_viewed": None,
    }]}
    code, out, _ = cli(capsys, "saved", "show", "pears", "--peek", "--new", "--json", *ix)
    shown = json.loads(out)
    assert (shown["total"], shown["new"]) == (1, 1)
    assert [h["new"] for h in shown["hits"]] == [True]
    code, out, _ = cli(capsys, "saved", "show", "pears", *ix)
    assert code == 0 and "[new] New one" in out
    code, out, _ = cli(capsys, "saved", "list", "--json", *ix)
    (entry,) = json.loads(out)["saved"]
    assert entry["new"] == 0 and entry["last_viewed"]
    code, out, _ = cli(capsys, "saved", "list", *ix)
    assert "2 total, 0 new" in out
    code, _, err = cli(capsys, "saved", "show", "nope", *ix)
    assert code == 1 and "no saved search named 'nope' (saved: pears)" in err
    code, _, err = cli(capsys, "saved", "rm", "nope", *ix)
    assert code == 1 and "no saved search named 'nope'" in err
    assert cli(capsys, "saved", "rm", "pears", *ix)[0] == 0
    assert json.loads(cli(capsys, "saved", "list", "--json", *ix)[1]) == {"saved": []}


def test_a_query_that_no_longer_reads_is_reported_and_kept(root, capsys):
    store = SavedSearches(root)
    store.add(SavedSearch("old", "date:2016-13"))  # as if saved by another version
    kept = store.path.read_bytes()
    ix = ["--index", str(root)]
    code, out, _ = cli(capsys, "saved", "list", "--json", *ix)
    (entry,) = json.loads(out)["saved"]
    assert (entry["total"], entry["new"]) == (None, None)
    assert "no longer reads" in entry["error"] and "saved add --replace old" in entry["error"]
    code, _, err = cli(capsys, "saved", "show", "old", *ix)
    assert code == 1 and "'old' no longer reads" in err
    assert store.path.read_bytes() == kept
    assert cli(capsys, "saved", "add", "--replace", "old", "date:2016-12", *ix)[0] == 0
    assert store.get("old").query == "date:2016-12"


def test_an_unreadable_file_is_never_written_over(root, capsys):
    store = SavedSearches(root)
    store.path.write_text('{"searches": [{"name": "x", "query": "a"}, ')
    kept = store.path.read_bytes()
    with pytest.raises(SavedSearchError, match="left as it is"):
        store.add(SavedSearch("y", "b"))
    code, _, err = cli(capsys, "saved", "add", "y", "b", "--index", str(root))
    assert code == 1 and str(store.path) in err
    assert store.path.read_bytes() == kept


def test_names_must_be_printable(root):
    with pytest.raises(SavedSearchError, match="printable"):
        SavedSearches(root).add(SavedSearch(" \x1b[31m", "a"))
    assert saved_mod.SavedSearches(root).load() == []
