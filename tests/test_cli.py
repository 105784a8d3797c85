"""The command line, through its real entry point ``searchtui.cli.main``.

Most tests share one index of the wikinews corpus (291 articles, a few
seconds to build); they skip when the shared corpora are absent. The commands
that need no corpus run on a few articles written here.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from searchtui import __version__, export, store
from searchtui.cli import build_parser, main
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import byline

HIT_KEYS = {
    "path",
    "key",
    "title",
    "authors",
    "publication",
    "date",
    "score",
    "snippet",
    "highlights",
}


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """No searchtui.yaml from the working folder or the user's config folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SEARCHTUI_CONFIG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="module")
def wiki_index(wikinews_dir, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "index"
    report = build_index([wikinews_dir], root, config=Config(workers=1))
    assert report.articles == 291
    return root


@pytest.fixture(scope="module")
def manifest(wikinews_dir) -> dict[str, dict]:
    lines = (wikinews_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["file"]: row for row in map(json.loads, lines)}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def search_json(capsys, root: Path, *argv) -> dict:
    code, out, err = run(capsys, "search", *argv, "--index", root, "--json")
    assert code == 0 and err == ""
    return json.loads(out)


# ---------------------------------------------------------------------------
# The ground truth, end to end


def test_wikinews_every_article_as_in_the_manifest(wiki_index, manifest, capsys):
    result = search_json(capsys, wiki_index, "", "--limit", "1000")
    assert result["total"] == 291 == len(manifest)
    got = {
        Path(h["path"]).name: {
            "title": h["title"],
            "authors": h["authors"],
            "publication": h["publication"],
            "date": h["date"],
        }
        for h in result["hits"]
    }
    want = {
        name: {
            "title": row["title"],
            "authors": [row["author"]] if row["author"] else [],
            "publication": row["publication"],
            "date": row["date"],
        }
        for name, row in manifest.items()
    }
    assert got == want
    # An empty query lists every article, newest first.
    dates = [h["date"] for h in result["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_stats(wiki_index, wikinews_dir, capsys):
    code, out, err = run(capsys, "stats", "--index", wiki_index, "--json")
    assert code == 0 and err == ""
    stats = json.loads(out)
    assert {
        k: stats[k]
        for k in (
            "index",
            "articles",
            "undated",
            "first_date",
            "last_date",
            "distinct_publication",
            "distinct_authors",
            "segments",
        )
    } == {
        "index": str(wiki_index),
        "articles": 291,
        "undated": 0,
        "first_date": "2019-01-04",
        "last_date": "2020-12-28",
        "distinct_publication": 1,
        "distinct_authors": 0,
        "segments": 1,
    }
    assert stats["index_bytes"] > 0 and stats["distinct_people"] > 0
    code, out, err = run(capsys, "stats", "--index", wiki_index)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[:4] == [
        f"Index:         {wiki_index}",
        "Articles:      291",
        "Stories:       291 (an article and its copies count once)",
        "Dates:         2019-01-04 .. 2020-12-28 (0 undated)",
    ]
    assert [line.split(":")[0] for line in lines] == [
        "Index",
        "Articles",
        "Stories",
        "Dates",
        "Publications",
        "Authors",
        "People",
        "Organisations",
        "Places",
        "Index size",
        "Written",
        "Corpus",
    ]
    assert lines[-1] == f"Corpus:        {Path(wikinews_dir).resolve()}"


def test_stats_names_a_few_of_many_files_named_one_by_one(tmp_path, capsys):
    files = []
    for i in range(5):
        f = tmp_path / f"n{i}.txt"
        f.write_text(f"Note {i}\n\nAda Lee — Daily Planet Mar 02, 2021\n\n\nBody {i} text.\n",
                     encoding="utf-8")
        files.append(str(f))
    root = tmp_path / "ix"
    assert run(capsys, "index", *files, "--index", str(root))[0] == 0
    code, out, _err = run(capsys, "stats", "--index", str(root))
    assert code == 0
    shown = ", ".join(str(Path(f).resolve()) for f in files[:3])
    assert out.splitlines()[-1] == f"Corpus:        {shown} and 2 more"


def test_facets(wiki_index, capsys):
    code, out, err = run(capsys, "facets", "publication", "--index", wiki_index)
    assert (code, out, err) == (0, "Publications: 1 value(s)\n      291  Wikinews\n", "")
    code, out, err = run(
        capsys, "facets", "publication", "--index", wiki_index, "--json", "--query", "earthquake"
    )
    assert code == 0
    assert json.loads(out) == {
        "name": "publication",
        "distinct": 1,
        "truncated": False,
        "buckets": [{"value": "Wikinews", "count": 6, "selected": False, "excluded": False}],
    }
    code, out, _err = run(
        capsys, "facets", "places", "--index", wiki_index, "--json", "--limit", "3"
    )
    facet = json.loads(out)
    assert code == 0 and len(facet["buckets"]) == 3 and facet["truncated"] is True
    counts = [b["count"] for b in facet["buckets"]]
    assert counts == sorted(counts, reverse=True)


# ---------------------------------------------------------------------------
# search


def test_search_json_shape(wiki_index, capsys):
    result = search_json(capsys, wiki_index, "earthquake", "--limit", "3")
    assert result["total"] == 6 and len(result["hits"]) == 3
    assert {"total", "hits"} <= set(result)
    for hit in result["hits"]:
        assert set(hit) == HIT_KEYS
        assert isinstance(hit["title"], str) and hit["title"]
        assert isinstance(hit["authors"], list)
        assert hit["publication"] == "Wikinews"
        assert len(hit["date"]) == 10 and hit["date"][4] == "-" and hit["date"][7] == "-"
        assert isinstance(hit["score"], float) and hit["score"] > 0
        assert Path(hit["path"]).is_file()
    scores = [h["score"] for h in result["hits"]]
    assert scores == sorted(scores, reverse=True)
    more = search_json(capsys, wiki_index, "earthquake", "--limit", "3", "--page", "2")
    assert [h["path"] for h in more["hits"]] != [h["path"] for h in result["hits"]]
    assert len(more["hits"]) == 3 and more["total"] == 6


def test_search_human_output(wiki_index, capsys):
    hits = search_json(capsys, wiki_index, "earthquake", "--limit", "2")["hits"]
    code, out, err = run(capsys, "search", "earthquake", "--index", wiki_index, "--limit", "2")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("6 articles, showing 1-2 (")
    assert lines[0].endswith(" ms, sorted by relevance)")
    blocks = out.split("\n\n")[1:]
    assert len(blocks) == 2
    for i, (block, hit) in enumerate(zip(blocks, hits, strict=True), 1):
        rows = block.splitlines()
        assert rows[0] == f"{i:>3}. {hit['title']}"
        assert rows[1].startswith("     Wikinews ")
        assert rows[1] == f"     Wikinews · {dt.date.fromisoformat(hit['date']):%b %d, %Y}"
        assert "[earthquake]" in rows[2].lower()  # the matched word marked, without colour
        assert rows[-1] == f"     {hit['path']}"


def test_byline_format():
    """One byline for the CLI and the app: authors — publication · date, missing parts left out."""
    day = dt.date(2016, 11, 5)
    assert byline(["Ann Lee", "Bo Chan"], "Reuters", day) == (
        "Ann Lee, Bo Chan — Reuters · Nov 05, 2016"
    )
    assert byline([], "Reuters", day) == "Reuters · Nov 05, 2016"
    assert byline(["Ann Lee"], None, day) == "Ann Lee · Nov 05, 2016"
    assert byline(["Ann Lee"], "Reuters", None) == "Ann Lee — Reuters"
    assert byline([], None, None) == ""


def test_search_words_need_no_quotes(wiki_index, capsys):
    quoted = search_json(capsys, wiki_index, "climate change", "--limit", "50")
    words = search_json(capsys, wiki_index, "climate", "change", "--limit", "50")
    assert quoted["total"] > 0
    assert (words["query"], words["total"], words["hits"]) == (
        "climate change",
        quoted["total"],
        quoted["hits"],
    )
    # A query that starts with "-" goes after "--".
    code, out, err = run(capsys, "search", "--index", wiki_index, "--json", "--", "-covid")
    assert code == 0 and err == ""
    everything = search_json(capsys, wiki_index, "")["total"]
    assert 0 < json.loads(out)["total"] < everything
    covid = search_json(capsys, wiki_index, "covid")["total"]
    assert json.loads(out)["total"] == everything - covid


def test_search_no_hits(wiki_index, capsys):
    code, out, err = run(capsys, "search", "zzyzxqq", "--index", wiki_index)
    assert code == 0 and err == ""
    assert out.startswith("0 articles (")
    assert search_json(capsys, wiki_index, "zzyzxqq")["hits"] == []


@pytest.mark.parametrize("query", ["date:2019-13", "date:foo", "!!!"])
def test_bad_query(wiki_index, capsys, query):
    code, out, err = run(capsys, "search", query, "--index", wiki_index)
    assert code == 1 and out == ""
    assert err.startswith("searchtui: bad query: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_no_index(tmp_path, capsys):
    for argv in (["search", "x"], ["stats"], ["facets", "authors"]):
        code, out, err = run(capsys, *argv, "--index", tmp_path / "none")
        assert code == 1 and out == ""
        assert err == (
            f"searchtui: no index at {tmp_path / 'none'}; "
            f"build it with: searchtui index CORPUS --index {tmp_path / 'none'}\n"
        )


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["search", "x", "--limit", "0"])
    assert info.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# search --format: every hit, as the app exports them


@pytest.fixture
def small_pages(monkeypatch):
    """Export pages of 50 hits, so that every hit takes several pages."""
    monkeypatch.setattr(export, "PAGE_SIZE", 50)


def read_export(text: str, fmt: str) -> list[dict]:
    """The hits of an export as rows (Markdown: its numbered titles)."""
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        assert reader.fieldnames == list(export.CSV_FIELDS)  # the app's columns
        return list(reader)
    assert text.startswith("# Search results")
    return [{"title": m} for m in re.findall(r"^\d+\. \*\*(.*)\*\*", text, re.MULTILINE)]


@pytest.mark.parametrize("fmt", export.FORMATS)
@pytest.mark.parametrize("query", ["", "earthquake"])
def test_export_every_hit_to_standard_output(wiki_index, capsys, small_pages, fmt, query):
    result = search_json(capsys, wiki_index, query, "--limit", "1000")
    code, out, err = run(capsys, "search", query, "--index", wiki_index, "--format", fmt)
    assert code == 0 and err == ""
    rows = read_export(out, fmt)
    assert len(rows) == result["total"] == (291 if query == "" else 6)
    assert [r["title"] for r in rows] == [h["title"] for h in result["hits"]]
    if fmt == "jsonl":
        assert all(set(r) == HIT_KEYS for r in rows)
        assert [r["path"] for r in rows] == [h["path"] for h in result["hits"]]
    if fmt == "csv":
        assert [r["key"] for r in rows] == [h["key"] for h in result["hits"]]


def test_export_to_a_file(wiki_index, tmp_path, capsys, small_pages):
    code, expected, _err = run(capsys, "search", "--index", wiki_index, "--format", "csv")
    assert code == 0
    path = tmp_path / "hits.CSV"
    code, out, err = run(capsys, "search", "--index", wiki_index, "--output", path)
    assert (code, out, err) == (0, f"291 hits written to {path} (CSV)\n", "")
    assert path.read_bytes() == expected.encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["hits.CSV"]
    # --format wins over the extension
    path = tmp_path / "hits.txt"
    code, out, err = run(
        capsys, "search", "earthquake", "--index", wiki_index, "-o", path, "--format", "jsonl"
    )
    assert (code, out, err) == (0, f"6 hits written to {path} (JSON Lines)\n", "")
    assert len(read_export(path.read_text(encoding="utf-8"), "jsonl")) == 6


def test_export_of_similar_articles(wiki_index, capsys):
    first = search_json(capsys, wiki_index, "earthquake", "--limit", "1")["hits"][0]["path"]
    similar = search_json(capsys, wiki_index, "--similar", first, "--limit", "1000")
    code, out, err = run(
        capsys, "search", "--similar", first, "--index", wiki_index, "--format", "jsonl"
    )
    assert code == 0 and err == ""
    rows = read_export(out, "jsonl")
    assert len(rows) == similar["total"] > 0
    assert [r["path"] for r in rows] == [h["path"] for h in similar["hits"]]


def test_export_format_mistakes(wiki_index, tmp_path, capsys):
    code, out, err = run(capsys, "search", "--index", wiki_index, "--output", tmp_path / "hits.txt")
    assert (code, out) == (1, "")
    assert err == (
        f"searchtui: cannot tell the format of {tmp_path / 'hits.txt'} from its extension;"
        " give --format (jsonl, csv, md)\n"
    )
    code, out, err = run(
        capsys, "search", "--index", wiki_index, "--json", "-o", tmp_path / "h.jsonl"
    )
    assert (code, out, err) == (1, "", "searchtui: --output goes with --format, not with --json\n")
    code, out, err = run(capsys, "search", "--index", wiki_index, "-o", tmp_path / "no" / "h.md")
    assert code == 1 and out == "" and err.startswith(f"searchtui: cannot write {tmp_path}")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SystemExit) as info:
        main(["search", "--json", "--format", "csv"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# index


def test_index_output_not_on_a_terminal(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"{i}.txt").write_text(
            f"Title {i}\n\nAnn Lee — Daily Post Jan 0{i + 1}, 2020\n\nBody {i}.\n"
        )
    code, out, err = run(capsys, "index", corpus, "--index", tmp_path / "ix", "--workers", "1")
    assert code == 0
    assert "indexing: 3/3 files (100%), 3 articles" in err
    assert "\r" not in err and "\x1b" not in err + out
    lines = out.splitlines()
    assert lines[0] == (
        f"Rebuilt {tmp_path / 'ix'}: 3 added, 0 updated, 0 deleted, 0 skipped,"
        " 0 files unchanged; 3 articles in the index."
    )
    assert lines[1].startswith("Elapsed: ") and len(lines) == 2
    code, out, err = run(capsys, "index", corpus, "--index", tmp_path / "ix", "--quiet")
    assert code == 0 and err == ""
    assert out.splitlines()[0] == (
        "Index is up to date: 3 files unchanged, 3 articles, nothing to do."
    )


def test_index_default_paths_from_config(tmp_path, capsys):
    """With no paths and no flags, ``index`` reads corpus/ into index/ of the working folder."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("Only one\n\nDaily Post Jan 01, 2020\n\nBody.\n")
    code, out, _err = run(capsys, "index", "-q", "--workers", "1")
    assert code == 0 and "1 added" in out
    assert store.current_dir(tmp_path / "index") is not None
    assert search_json(capsys, tmp_path / "index", "")["total"] == 1


# ---------------------------------------------------------------------------
# Help text: every command and option says what it is for


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name), sub


def test_every_command_and_option_has_help():
    parser = build_parser()
    commands = list(_subparsers(parser))
    assert sorted(name for name, _h, _p in commands) == [
        "check",
        "duplicates",
        "entities",
        "facets",
        "index",
        "saved",
        "search",
        "stats",
        "trust",
    ]
    missing = []
    for name, help_text, sub in [("searchtui", parser.description, parser), *commands]:
        if not (help_text or "").strip():
            missing.append(name)
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
                continue
            if not (action.help or "").strip():
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


@pytest.mark.parametrize(
    "command", [[], ["index"], ["search"], ["facets"], ["stats"], ["entities"]]
)
def test_help_output(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: searchtui {' '.join(command)}".rstrip())
    assert "--index DIR" in out and "the index folder" in out


# ---------------------------------------------------------------------------
# As a program


def test_python_dash_m(wiki_index, tmp_path, capsys):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    env.pop("SEARCHTUI_CONFIG", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchtui",
            "search",
            "earthquake",
            "--index",
            str(wiki_index),
            "--json",
            "--limit",
            "3",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stderr == ""
    child = json.loads(proc.stdout)
    here = search_json(capsys, wiki_index, "earthquake", "--limit", "3")
    child.pop("elapsed_ms"), here.pop("elapsed_ms")
    assert child == here
    proc = subprocess.run(
        [sys.executable, "-m", "searchtui", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stdout in (
        f"searchtui {__version__} (entity engine: {build}; counting: {loops})\n"
        "whoosh: 2.7.4 (fast paths)\n"
        for build in ("compiled", "plain Python") for loops in ("compiled", "numpy")
    )
    proc = subprocess.run(
        [sys.executable, "-m", "searchtui", "search", "date:foo", "--index", str(wiki_index)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("searchtui: bad query:") and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------
# Progress on a terminal


class FakeTerminal:
    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_bar_on_a_terminal(monkeypatch):
    from searchtui.cli import ProgressPrinter
    from searchtui.indexer import Progress

    clock = iter(range(100, 200))
    monkeypatch.setattr("searchtui.cli.time.monotonic", lambda: float(next(clock)))
    term = FakeTerminal()
    printer = ProgressPrinter(term)
    printer(Progress("indexing", 50, 200, 60, 10.0, 6.0, 30.0))
    assert term.text == f"\r{'█' * 7}{'░' * 23} 50/200 files  60 articles  6 articles/s  ETA 0:30 "
    term.text = ""
    printer(Progress("indexing", 200, 200, 240, 40.0, 6.0, 0.0))
    assert term.text.startswith(f"\r{'█' * 30} 200/200 files  240 articles")
    term.text = ""
    printer(Progress("writing", 200, 200, 240, 40.0, 6.0, 0.0))
    assert term.text.startswith("\rwriting the index (240 articles read in 0:40)…")
    term.text = ""
    printer(Progress("committing", 200, 200, 240, 41.0, 0.0, None))
    assert term.text.startswith("\rcommitting 240 articles…")
    term.text = ""
    printer(Progress("done", 200, 200, 240, 42.0, 0.0, 0.0))
    assert term.text.strip("\r ") == ""  # the bar is wiped before the summary
