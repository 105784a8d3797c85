"""``searchtui index --watch``: files that come, change and go are indexed in batches,
and the watcher stops cleanly, or is killed, with the index whole.

The watcher runs as a child process; the tests poll the index with generous
time limits and assert no timings.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchtui import store
from searchtui.check import check_index
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.search import SearchEngine
from searchtui.watch import Batch, Relevant, folders_to_scan

FAST = Config(workers=1, extractor="none")
LONG = 120.0  # seconds: a limit only a hung watcher reaches
WORDS = "harbour ferry council budget river storm school market orchard bridge".split()


def write_corpus(folder: Path, n: int, prefix: str, words: int = 30) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(words))
        (folder / f"{prefix}{i:05d}.txt").write_text(
            f"Story {prefix}{i} on the {WORDS[i % len(WORDS)]}\n\n"
            f"Ann Lee — Daily Post Jan {i % 28 + 1:02d}, 2020\n\n{body}.\n",
            encoding="utf-8",
        )
    return folder


def start_watch(tmp_path: Path, *args) -> tuple[subprocess.Popen, Path, Path]:
    out, err = tmp_path / f"watch-{time.monotonic_ns()}.out", tmp_path / "watch.err"
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    env.pop("SEARCHTUI_CONFIG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchtui", "index", "--watch", "--workers", "1",
         *map(str, args)],
        cwd=tmp_path, env=env, stdout=open(out, "w"), stderr=open(err, "w"),
    )
    return proc, out, err


def wait_until(what, proc: subprocess.Popen, err: Path, timeout: float = LONG):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = what()
        if found:
            return found
        assert proc.poll() is None, f"the watcher ended early: {err.read_text()}"
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting; the watcher said: {err.read_text()}")


def count(root: Path, query: str = "") -> int:
    try:
        with SearchEngine.open(root) as engine:
            return engine.search(SearchRequest(query=query, page_size=1)).total
    except Exception:  # not built yet
        return -1


def stop(proc: subprocess.Popen, sig: int) -> int:
    proc.send_signal(sig)
    return proc.wait(LONG)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_files_copied_into_a_watched_folder_become_searchable(tmp_path, sig):
    corpus = write_corpus(tmp_path / "corpus", 3, prefix="a")
    more = write_corpus(tmp_path / "more", 200, prefix="m")
    root = tmp_path / "index"
    proc, out, err = start_watch(tmp_path, corpus, "--index", root)
    try:
        wait_until(lambda: "Watching" in out.read_text(), proc, err)
        assert count(root) == 3
        shutil.copytree(more, corpus / "more")
        (corpus / "notes.swp").write_text("not an article")
        wait_until(lambda: count(root) == 203, proc, err)
        # a few batches, not one commit per file
        lines = [line for line in out.read_text().splitlines() if " added, " in line]
        assert 1 <= len(lines) < 20
        (corpus / "a00000.txt").unlink()
        (corpus / "more" / "m00001.txt").write_text("Changed\n\nA new text about walruses.\n")
        (corpus / "bad.txt").write_bytes(b"\x00\x01\x02" * 20)
        wait_until(lambda: count(root) == 202 and count(root, "walruses") == 1, proc, err)
        wait_until(lambda: "1 skipped (" in out.read_text(), proc, err)
        assert f"{corpus / 'bad.txt'}: " in out.read_text()
    finally:
        code = stop(proc, sig)
    assert code == 0, err.read_text()
    assert "stopped watching" in err.read_text()
    # no lock left: the next run takes it at once, and finds nothing to do
    assert not (root / store.LOCK).exists()
    report = build_index([corpus], root, config=FAST)
    assert report.nothing_to_do and report.articles == 202


def test_a_batch_waits_for_a_run_holding_the_lock(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 3, prefix="a")
    root = tmp_path / "index"
    proc, out, err = start_watch(tmp_path, corpus, "--index", root)
    try:
        wait_until(lambda: "Watching" in out.read_text(), proc, err)
        with store.IndexLock(root):
            write_corpus(corpus, 5, prefix="n")
            wait_until(lambda: "waiting to index" in out.read_text(), proc, err)
            assert count(root) == 3
        wait_until(lambda: count(root) == 8, proc, err)
    finally:
        assert stop(proc, signal.SIGINT) == 0


def test_killed_during_a_batch_leaves_the_index_whole(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 3, prefix="a")
    big = write_corpus(tmp_path / "big", 3000, prefix="b", words=150)
    root = tmp_path / "index"
    proc, out, err = start_watch(tmp_path, corpus, "--index", root)
    try:
        wait_until(lambda: "Watching" in out.read_text(), proc, err)
        shutil.copytree(big, corpus / "big")
        # the batch holds the lock while it writes: kill it then
        wait_until(lambda: (root / store.LOCK).exists(), proc, err)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(LONG)
    assert check_index(root).sound
    assert count(root) in (3, 3003)  # the batch is all there or not at all
    report = build_index([corpus], root, config=FAST)  # no stale lock stops it
    assert report.articles == 3003
    assert check_index(root).sound


def test_the_folders_looked_at_again_for_changes(tmp_path):
    root = tmp_path / "corpus"
    (root / "a" / "b").mkdir(parents=True)
    changed = [
        str(root / "a" / "b" / "x.txt"),
        str(root / "a" / "b" / "y.txt"),
        str(root / "a" / "gone" / "deeper" / "z.txt"),  # its folders are gone too
        str(tmp_path / "elsewhere.txt"),
    ]
    assert folders_to_scan(changed, [str(root)]) == [str(root / "a")]
    assert folders_to_scan([str(root / "top.txt")], [str(root)]) == [str(root)]


def test_changes_that_cannot_matter_are_passed_over(tmp_path):
    root, index = tmp_path / "corpus", tmp_path / "corpus" / "index"
    (root / "folder").mkdir(parents=True)
    relevant = Relevant([str(root)], str(index))
    assert relevant(None, str(root / "x.txt"))
    assert relevant(None, str(root / "folder"))  # a folder may hold articles
    assert relevant(None, str(root / "gone"))  # gone: it may have been a folder
    (root / "x.txt.swp").write_text("an editor's")
    assert not relevant(None, str(root / "x.txt.swp"))
    assert not relevant(None, str(root / ".git" / "x.txt"))
    assert not relevant(None, str(index / "ix-1" / "MAIN_1.toc"))
    assert not relevant(None, str(tmp_path / "x.txt"))


def test_one_line_per_batch():
    from searchtui.indexer import IndexReport
    from searchtui.models import Problem

    report = IndexReport(added=3, updated=1, deleted=2, articles=1234)
    batch = Batch(changed=7, report=report, skipped=[Problem("/c/bad.txt", "binary file")],
                  at=0.0)
    line = batch.line()
    assert line.endswith(
        "3 added, 1 updated, 2 deleted, 1 skipped (/c/bad.txt: binary file); "
        "1,234 articles in the index"
    )
    assert "\n" not in line
    assert Batch(changed=1, report=IndexReport(nothing_to_do=True)).quiet
