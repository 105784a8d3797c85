"""Articles' texts read back from their files: what an index keeps, what a hit, the
reader and "more like this" show, and what happens when a file changes, moves or is
something else by now (``searchtui.texts``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from searchtui import store
from searchtui.articles import file_hash, one_article_file, read_file
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.schema import compress_body, stored_path
from searchtui.search import SearchEngine
from searchtui.texts import Texts, field_text, has_copy, indexed_text, read_back

CONFIG = Config(extractor="rules", workers=1)

ARTICLES = {
    "harbour.txt": (
        "Harbour dredging plan approved",
        "Mara Quist — Coastal Ledger Mar 04, 2021",
        "The port authority in Velmore approved the dredging plan on Tuesday.\n\n"
        "Engineers from Dutch firm Boskalis said the channel would reach fourteen metres.",
    ),
    "zoning.md": (
        "Zoning board delays vote",
        "Tomas Ferreira — Hill Country Post Jun 18, 2020",
        "The zoning board in Ashcombe delayed its vote on the riverside towers.\n\n"
        "Councillor Ines Wahlberg said the dredging of the river was a separate matter.",
    ),
    "wire.txt": (
        "FLOODS CLOSE MOUNTAIN ROADS",
        "— Associated Wire Apr 02, 1987",
        "HEAVY RAINS CLOSED ROADS ACROSS THE PROVINCE ON THURSDAY, POLICE SAID.\n\n"
        "THE DREDGING OF RIVERBEDS WAS HALTED.",
    ),
}
ROWS = [
    {"title": "Ferry timetable changes", "author": "Liu Wen", "publication": "Bay Courier",
     "date": "2022-01-09", "body": "The ferry to Orkney will run twice a day, the operator said."},
    {"title": "Dredging contract signed", "author": "Liu Wen", "publication": "Bay Courier",
     "date": "2022-02-11", "body": "A dredging contract worth two million was signed in Leith."},
]


def _corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, (title, byline, body) in ARTICLES.items():
        (folder / name).write_text(f"{title}\n\n{byline}\n\n\n{body}\n", encoding="utf-8")
    with open(folder / "feed.jsonl", "w", encoding="utf-8") as fh:
        for row in ROWS:
            fh.write(json.dumps(row) + "\n")
    return folder


def _stored(root: Path) -> dict[str, dict]:
    """Each article's stored fields, by key."""
    ix, _ixdir, _meta = store.open_index(root)
    with ix.searcher() as s:
        return {f["key"]: f for f in s.all_stored_fields()}


def _hits(engine: SearchEngine, query: str) -> dict[str, object]:
    result = engine.search(SearchRequest(query=query))
    return {Path(h.path).name: h for h in result.hits}


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path]:
    corpus = _corpus(tmp_path / "corpus")
    root = tmp_path / "index"
    build_index([corpus], root, config=CONFIG, workers=1)
    return corpus, root


def test_one_article_files_keep_no_copy_and_rows_do(built):
    corpus, root = built
    stored = _stored(root)
    assert len(stored) == 5
    for key, fields in stored.items():
        row = "#" in key
        assert has_copy(fields) == row, key
        # names are read from the facets, never stored
        assert not {"people", "organisations", "places"} & fields.keys()
    assert one_article_file("a/b.TXT") and one_article_file("x.md") and one_article_file("odd")
    assert not one_article_file("feed.jsonl") and not one_article_file("t.CSV")


def test_hits_and_the_reader_show_the_text_as_it_was_indexed(built):
    corpus, root = built
    with SearchEngine(root) as engine:
        hits = _hits(engine, "dredging")
        assert set(hits) == {"harbour.txt", "zoning.md", "wire.txt", "feed.jsonl"}
        for name, hit in hits.items():
            assert hit.highlights, name
            for s, e in hit.highlights:
                assert hit.snippet[s:e].lower() == "dredging"
        for name in ARTICLES:
            article = engine.document(str(corpus / name))
            assert article.text_problem is None
            assert article.body == read_file(corpus / name).articles[0].body
        harbour = engine.document(str(corpus / "harbour.txt"))
        assert "Boskalis" in harbour.entities["organisations"]
        assert "Velmore" in harbour.entities["places"]
        like = engine.more_like_this(str(corpus / "harbour.txt"))
        assert like.total >= 0  # reads the text from the file without failing


def test_a_changed_file_is_not_shown_as_if_it_were_the_one_indexed(built):
    corpus, root = built
    path = corpus / "harbour.txt"
    original = path.read_bytes()
    path.write_bytes(original.replace(b"Tuesday", b"Monday"))
    with SearchEngine(root) as engine:
        hit = _hits(engine, "velmore")["harbour.txt"]
        assert "changed since it was indexed" in hit.snippet
        assert "searchtui index" in hit.snippet and not hit.highlights
        article = engine.document(str(path))
        assert article.body == "" and "changed since it was indexed" in article.text_problem
        # the rows of a table are kept in the index: a table that changes still reads
        (corpus / "feed.jsonl").write_text("", encoding="utf-8")
        row = _hits(engine, "orkney")["feed.jsonl"]
        assert "Orkney" in row.snippet
        # put back as it was, the file is read again
        path.write_bytes(original)
        assert "Tuesday" in engine.document(str(path)).body
    # refreshing the index reads the file as it is now
    path.write_bytes(original.replace(b"Tuesday", b"Monday"))
    build_index([corpus], root, config=CONFIG, workers=1)
    with SearchEngine(root) as engine:
        assert "Monday" in engine.document(str(path)).body


def test_a_missing_or_odd_file_says_why(built, tmp_path):
    corpus, root = built
    moved = tmp_path / "elsewhere"
    shutil.move(str(corpus), moved)
    with SearchEngine(root) as engine:
        hits = _hits(engine, "dredging")
        assert "no longer there" in hits["harbour.txt"].snippet
        assert "no longer there" in hits["wire.txt"].snippet
        assert "dredging" in hits["feed.jsonl"].snippet.lower()
        article = engine.document(str(corpus / "zoning.md"))
        assert article.body == "" and "no longer there" in article.text_problem
        # the filters and facets still work: they never read the files
        assert engine.search(SearchRequest(query="dredging", facets=("places",))).total == 4
    # a FIFO in a file's place is never opened for reading (it would block)
    corpus.mkdir()
    os.mkfifo(corpus / "harbour.txt")
    with SearchEngine(root) as engine:
        article = engine.document(str(corpus / "harbour.txt"))
        assert article.body == "" and "cannot be read" in article.text_problem


def test_an_index_shows_no_file_whose_content_it_does_not_hold(tmp_path):
    """Stored fields that name a file (a planted index, say) show it only if they hold
    the hash of exactly its bytes."""
    secret = tmp_path / "secret.txt"
    secret.write_text("Private\n\nnotes\n\nThe key is 1234.\n", encoding="utf-8")
    fields = {"key": str(secret), "path": str(secret), "hash": "0" * 40}
    text = read_back(fields)
    assert text.body == "" and "changed" in text.problem
    assert indexed_text(fields) is None and field_text(fields, "body") is None
    # a key that is not its path is a table's row: its text was never left to the file
    row = dict(fields, key=f"{secret}#2", hash=file_hash(secret.read_bytes()))
    assert read_back(row).body == "" and "keeps no text" in read_back(row).problem
    ok = dict(fields, hash=file_hash(secret.read_bytes()))
    assert "1234" in read_back(ok).body
    # a stored copy is used as it is (indexes written before texts were read back)
    old = dict(fields, body=compress_body("As stored."))
    assert read_back(old).body == "As stored." and field_text(old, "body") == "As stored."
    assert field_text({"title": "A title"}, "title") == "A title"


def test_texts_remember_a_bounded_number_of_files(tmp_path):
    texts = Texts(size=3 * len("Body number 0."))
    fields = []
    for i in range(5):
        p = tmp_path / f"{i}.txt"
        p.write_text(f"Title {i}\n\nBody number {i}.\n", encoding="utf-8")
        fields.append({"key": str(p), "path": str(p), "hash": file_hash(p.read_bytes())})
    assert [texts(f).body for f in fields] == [f"Body number {i}." for i in range(5)]
    assert len(texts._texts) == 3 and texts.held == texts.size
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "word " * 100 + "\n", encoding="utf-8")
    whole = {"key": str(big), "path": str(big), "hash": file_hash(big.read_bytes())}
    assert texts(whole).body.startswith("word word")  # read, but larger than all it holds
    assert len(texts._texts) == 3 and texts.held == texts.size
    # the remembered text is the one indexed even after the file goes
    (tmp_path / "4.txt").unlink()
    assert texts(fields[4]).body == "Body number 4."
    (tmp_path / "0.txt").unlink()
    assert "no longer there" in texts(fields[0]).problem
    assert len(texts._texts) == 3  # a problem is not remembered


def test_store_text_keeps_every_copy(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    root = tmp_path / "index"
    build_index([corpus], root, config=Config(extractor="rules", workers=1, store_text=True),
                workers=1)
    assert all(has_copy(f) for f in _stored(root).values())
    shutil.rmtree(corpus)
    with SearchEngine(root) as engine:
        hits = _hits(engine, "dredging")
        assert len(hits) == 4 and all(h.highlights for h in hits.values())


def test_an_index_without_copies_is_smaller(tmp_path, wikinews_dir):
    """The copies were most of what an index stores for its articles."""
    sizes = []
    for keep in (False, True):
        root = tmp_path / f"index-{keep}"
        build_index([wikinews_dir], root, config=Config(extractor="rules", store_text=keep),
                    workers=1)
        _ix, ixdir, _meta = store.open_index(root)
        sizes.append(sum(p.stat().st_size for p in ixdir.glob("*_stored.col")))
    assert sizes[0] < 0.25 * sizes[1], sizes


def test_positions_found_again_need_the_files_as_indexed(built):
    """Where a segment's word lists cannot give a term's positions, they are found again
    in the texts; a file that changed since cannot give them, and that is said (as
    damage) rather than answered wrong."""
    from searchtui.schema import analyse_positions
    from searchtui.whooshext import postings
    from searchtui.whooshext.damage import Damaged

    corpus, root = built
    term = next(iter(analyse_positions("dredging"))).encode()
    ix, _ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        (leaf, _offset), = list(reader.leaf_readers())
        docs, poses = postings.text_positions(leaf, "body", term)
        names = {Path(stored_path(leaf.stored_fields(int(d)))).name for d in docs}
        assert names == {"harbour.txt", "zoning.md", "wire.txt", "feed.jsonl"}
        assert len(poses) == 4
        (corpus / "zoning.md").write_text("Changed\n\nAll of it.\n", encoding="utf-8")
        with pytest.raises(Damaged, match="changed since it was indexed"):
            postings.text_positions(leaf, "body", term)
