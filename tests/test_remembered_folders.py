"""The index remembers the folders it was built from, and will not drop most of itself unasked.

Through the CLI (``searchtui index``, ``stats``, ``search --from/--to``) and the
child process the app runs (``searchtui.index_process``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from searchtui import store
from searchtui.cli import main
from searchtui.config import Config
from searchtui.index_process import IndexProcess, request
from searchtui.indexer import DROP_LIMIT, build_index, choose_corpus


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path, monkeypatch):
    """Run from a folder with no corpus/ and no searchtui.yaml."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SEARCHTUI_CONFIG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def write_articles(folder: Path, n: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"{i:03d}.txt").write_text(
            f"Article {i}\n\nAnna Moore — Daily Post Jan {1 + i % 28:02d}, 2020\n\nBody {i}.\n",
            encoding="utf-8",
        )
    return folder


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def count(capsys, root: Path) -> int:
    code, out, _err = run(capsys, "stats", "--index", root, "--json")
    assert code == 0
    return json.loads(out)["articles"]


def listing(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


@pytest.fixture
def built(tmp_path, capsys) -> tuple[Path, Path]:
    """An index of ten articles under tmp_path/news, built with an explicit path."""
    corpus = write_articles(tmp_path / "news", 10)
    root = tmp_path / "index"
    code, out, err = run(capsys, "index", corpus, "--index", root, "-q", "--workers", "1")
    assert code == 0, err
    return corpus, root


# ---------------------------------------------------------------------------
# Which folders a run reads


def test_index_with_no_paths_updates_the_folders_the_index_remembers(built, capsys):
    corpus, root = built
    write_articles(corpus, 2, start=10)
    code, out, err = run(capsys, "index", "--index", root, "-q", "--workers", "1")
    assert (code, err) == (0, "")
    assert out.startswith(f"Updated {root}: 2 added, 0 updated, 0 deleted")
    code, out, err = run(capsys, "index", "--rebuild", "--index", root, "-q", "--workers", "1")
    assert (code, err) == (0, "")
    assert out.startswith(f"Rebuilt {root}: 12 added")
    assert store.recorded_corpus(root) == [str(corpus.resolve())]


def test_the_order_of_the_corpus_sources(built, tmp_path):
    corpus, root = built
    remembered = [str(corpus.resolve())]
    assert choose_corpus(root, Config()) == (remembered, "index")
    assert choose_corpus(root, Config(), ["x"]) == (["x"], "given")
    assert choose_corpus(tmp_path / "nothing", Config()) == (["corpus"], "default")
    yaml = str(tmp_path / "searchtui.yaml")
    configured = Config(corpus=["other"], source=yaml, given=("corpus",))
    assert choose_corpus(root, configured) == ([str(tmp_path / "other")], "config")
    # a file that sets other keys only leaves the corpus to the index
    other_keys = Config(source=yaml, given=("workers",))
    assert choose_corpus(root, other_keys) == (remembered, "index")


def test_a_configured_corpus_wins_over_the_remembered_one(built, tmp_path, capsys):
    _corpus, root = built
    write_articles(tmp_path / "work" / "mine", 1, start=50)
    (tmp_path / "work" / "searchtui.yaml").write_text("corpus: mine\n", encoding="utf-8")
    code, out, _err = run(capsys, "index", "--index", root, "-q", "--workers", "1")
    assert code == 0 and "1 added" in out and "11 articles in the index" in out


def test_an_update_from_another_folder_keeps_the_recorded_folders(built, tmp_path, capsys):
    # the recorded folders are part of the signed index, written when it is built
    corpus, root = built
    extra = write_articles(tmp_path / "extra", 3, start=20)
    code, out, _err = run(capsys, "index", extra, "--index", root, "-q", "--workers", "1")
    assert code == 0 and "13 articles in the index" in out
    assert store.recorded_corpus(root) == [str(corpus.resolve())]
    write_articles(corpus, 1, start=40)
    code, out, _err = run(capsys, "index", "--index", root, "-q", "--workers", "1")
    assert code == 0 and "1 added" in out and "14 articles in the index" in out


def test_stats_shows_the_corpus_folders(built, capsys):
    corpus, root = built
    code, out, _err = run(capsys, "stats", "--index", root)
    assert code == 0
    assert f"Corpus:        {corpus.resolve()}" in out.splitlines()
    code, out, _err = run(capsys, "stats", "--index", root, "--json")
    assert json.loads(out)["corpus"] == [str(corpus.resolve())]


# ---------------------------------------------------------------------------
# Runs that would drop most of the index


def test_a_rebuild_from_a_small_folder_is_refused_without_yes(built, tmp_path, capsys):
    _corpus, root = built
    one = write_articles(tmp_path / "work" / "corpus", 1, start=90)
    before = listing(root)
    code, out, err = run(capsys, "index", one, "--rebuild", "--index", root, "-q")
    assert (code, out) == (1, "")
    assert err == (
        "searchtui: this rebuild would drop 10 of the 10 articles in the index (their files are "
        f"not in {one.resolve()}); the index is unchanged; to go ahead, run again with --yes\n"
    )
    assert listing(root) == before
    code, out, err = run(capsys, "index", one, "--rebuild", "--yes", "--index", root, "-q")
    assert code == 0 and "1 article in the index" in out
    assert count(capsys, root) == 1


def test_an_update_that_drops_most_files_is_refused_without_yes(built, capsys):
    corpus, root = built
    for path in sorted(corpus.iterdir())[:6]:
        path.unlink()
    before = listing(root)
    code, _out, err = run(capsys, "index", "--index", root, "-q")
    assert code == 1
    assert "this update would drop 6 of the 10 articles" in err and "--yes" in err
    assert listing(root) == before
    code, out, _err = run(capsys, "index", "--index", root, "-q", "-y")
    assert code == 0 and "6 deleted" in out and "4 articles in the index" in out


def test_dropping_half_or_less_needs_no_yes(built, capsys):
    corpus, root = built
    assert DROP_LIMIT == 0.5
    for path in sorted(corpus.iterdir())[:5]:
        path.unlink()
    code, out, _err = run(capsys, "index", "--index", root, "-q")
    assert code == 0 and "5 deleted" in out


def test_a_missing_remembered_folder_is_named_and_the_index_kept(built, tmp_path, capsys):
    corpus, root = built
    corpus.rename(tmp_path / "moved")
    before = listing(root)
    for extra in ([], ["--rebuild"]):
        code, out, err = run(capsys, "index", *extra, "--index", root, "-q")
        assert (code, out) == (1, "")
        assert err.startswith(f"searchtui: corpus path not found: {corpus.resolve()}")
        assert "the index was built from it" in err and len(err.splitlines()) == 1
        assert listing(root) == before


# ---------------------------------------------------------------------------
# No lock and no empty index folder left behind


def test_no_lock_is_left_after_a_run_or_a_failed_one(built, tmp_path, capsys):
    _corpus, root = built
    assert not (root / store.LOCK).exists()
    code, _out, _err = run(capsys, "index", tmp_path / "nope", "--index", root)
    assert code == 1 and not (root / store.LOCK).exists()
    fresh = tmp_path / "fresh-index"
    code, _out, _err = run(capsys, "index", tmp_path / "nope", "--index", fresh)
    assert code == 1 and not fresh.exists()


# ---------------------------------------------------------------------------
# The child process the app runs


def test_the_child_process_builds_and_reports(tmp_path):
    corpus = write_articles(tmp_path / "c", 5)
    root = tmp_path / "ix"
    ticks = []
    outcome = IndexProcess(request(root, Config(workers=1), [str(corpus)])).wait(ticks.append)
    assert outcome.error is None and not outcome.cancelled and outcome.refused is None
    assert outcome.report.articles == 5 and outcome.report.corpus == [str(corpus.resolve())]
    assert ticks and ticks[-1].phase == "done"
    assert sorted(p.name for p in root.iterdir()) == [store.POINTER, store.current_dir(root).name]


def test_the_child_process_refuses_to_drop_most_of_the_index(built, tmp_path):
    _corpus, root = built
    one = write_articles(tmp_path / "one", 1, start=70)
    asked = request(root, Config(workers=1), [str(one)], rebuild=True, drop_limit=DROP_LIMIT)
    outcome = IndexProcess(asked).wait()
    assert outcome.refused is not None and outcome.refused[1:] == (10, 10)
    assert outcome.refused[0].startswith("this rebuild would drop 10 of the 10 articles")


def test_a_crashed_child_is_one_line_of_error(tmp_path):
    crash = "import sys; sys.stdin.read(); print('Traceback\\nValueError: boom', file=sys.stderr);"
    command = [sys.executable, "-c", crash + " sys.exit(3)"]
    outcome = IndexProcess(request(tmp_path / "ix", Config()), command).wait()
    assert outcome.error == "the indexer stopped unexpectedly (exit status 3): ValueError: boom"


def test_a_child_error_is_passed_on(tmp_path):
    outcome = IndexProcess(request(tmp_path / "ix", Config(), [str(tmp_path / "nope")])).wait()
    assert outcome.error == f"corpus path not found: {tmp_path / 'nope'}"
    assert not (tmp_path / "ix").exists()


# ---------------------------------------------------------------------------
# --from and --to


def test_a_date_range_that_ends_before_it_starts_is_refused(built, capsys):
    _corpus, root = built
    code, out, err = run(capsys, "search", "body", "--from", "1987-05", "--to", "1987-04",
                         "--index", root)
    assert (code, out) == (1, "")
    assert err == "searchtui: the range 1987-05..1987-04 ends before it starts\n"
    code, _out, query_err = run(capsys, "search", "date:1987-05..1987-04", "--index", root)
    assert code == 1 and "the range 1987-05..1987-04 ends before it starts" in query_err
    code, out, _err = run(capsys, "search", "--from", "2020-01", "--to", "2020-01-05",
                          "--index", root, "--json")
    assert code == 0 and json.loads(out)["total"] == 5
    code, out, _err = run(capsys, "search", "--to", "2020-01-03", "--index", root, "--json")
    assert code == 0 and json.loads(out)["total"] == 3


def test_build_index_stays_unguarded_by_default(built, tmp_path):
    _corpus, root = built
    one = write_articles(tmp_path / "one", 1, start=80)
    report = build_index([one], root, config=Config(workers=1), rebuild=True)
    assert report.articles == 1
