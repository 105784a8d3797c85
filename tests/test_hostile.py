"""Hostile input: a bad file never stops a run or exhausts the machine.

Each test builds its hostile files in ``tmp_path`` and runs ``searchtui index``
(through ``searchtui.cli.main``, or in a child process with a memory limit and a
time-out where a regression would hang or eat the machine), then checks that no
traceback was printed, that the run ends well when other files were indexed,
that the skipped file is named with its reason, and that the other files are in
the index.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from searchtui import untrusted
from searchtui.articles import read_file
from searchtui.cli import build_parser, main
from searchtui.config import Config, load_config
from searchtui.errors import ConfigError, QueryError
from searchtui.indexer import build_index, worker_count
from searchtui.models import SearchRequest
from searchtui.ner.aliases import load_aliases
from searchtui.search import SearchEngine
from searchtui.untrusted import MAX_YAML_ALIAS_VALUES, load_yaml

REPO = Path(__file__).resolve().parents[1]

#: "Billion laughs": nine levels of nine aliases, about 400 bytes.
ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
tags: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

GOOD = "Good news\n\nAnn Lee — Reuters Nov 5, 2016\n\n\nThe harvest was good this year.\n"


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """tmp_path as the working folder, with no configuration file found but the ones written."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


def corpus_with_good_file(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    return corpus


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def titles(index: Path, query: str = "") -> list[str]:
    with SearchEngine.open(index) as engine:
        return sorted(h.title for h in engine.search(SearchRequest(query, page_size=100)).hits)


def run_bounded(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``searchtui ARGS`` in a child process that cannot take more than 2 GiB of memory,
    killed if it runs past ``timeout`` (a guard against hangs, not a measure of speed)."""

    def limit() -> None:
        cap = 2 * 2**30
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))

    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_CONFIG_HOME=str(cwd / "xdg"))
    env.pop("SEARCHTUI_CONFIG", None)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "searchtui", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            preexec_fn=limit,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"searchtui {' '.join(args)} did not finish: it hangs")
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


# ---------------------------------------------------------------------------
# YAML: alias bombs and deep nesting


def test_alias_bomb_in_front_matter_skips_its_file(here):
    corpus = corpus_with_good_file(here)
    (corpus / "bomb.md").write_text(f"---\n{ALIAS_BOMB}title: Bomb\n---\nBody.\n")
    proc = run_bounded(["index", "corpus", "--index", "ix"], here)
    assert proc.returncode == 0, proc.stderr
    assert "bomb.md: front matter: aliases repeat more than 1000 values" in proc.stdout
    assert titles(here / "ix") == ["Good news"]


def test_alias_bomb_in_the_alias_and_config_files_is_a_config_error(here, capsys):
    corpus_with_good_file(here)
    (here / "aliases.yaml").write_text(ALIAS_BOMB.replace("tags:", "never:"))
    (here / "searchtui.yaml").write_text("entities: aliases.yaml\n")
    code, _, err = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 1
    assert "aliases.yaml: not valid YAML (line 4): aliases repeat more than 1000 values" in err
    (here / "searchtui.yaml").write_text(ALIAS_BOMB.replace("tags:", "corpus:"))
    code, _, err = run(capsys, "index", "--index", "ix")
    assert code == 1 and "searchtui.yaml: not valid YAML" in err and "alias bomb" in err
    with pytest.raises(ConfigError, match="alias bomb"):
        load_aliases(here / "aliases.yaml")


def test_yaml_bounds():
    # aliases within the budget are read as usual
    assert load_yaml("a: &x [1, 2]\nb: *x\nc: {<<: {k: 1}}\n") == {
        "a": [1, 2], "b": [1, 2], "c": {"k": 1}
    }  # fmt: skip
    budget = MAX_YAML_ALIAS_VALUES
    assert len(load_yaml("a: &x [" + "1," * 9 + "1]\nb: [" + "*x," * (budget // 11) + "1]")["b"])
    with pytest.raises(Exception, match="alias bomb"):
        load_yaml("a: &x [" + "1," * 9 + "1]\nb: [" + "*x," * (budget // 11 + 1) + "1]")
    # an alias may not carry nesting past the bound either
    chain = "a0: &a0 [" + "[" * 20 + "]" * 20 + "]\n"
    chain += "".join(f"a{i}: &a{i} [" + "[" * 10 + f"*a{i - 1}" + "]" * 10 + "]\n" for i in (1, 2))
    with pytest.raises(Exception, match="nested more than 32 levels"):
        load_yaml(chain)


def test_deep_front_matter_skips_its_file(here, capsys):
    corpus = corpus_with_good_file(here)
    deep, nested = "[" * 5000 + "]" * 5000, "[" * 20 + "]" * 20
    (corpus / "deep.md").write_text(f"---\ntitle: x\ntags: {deep}\n---\nB\n")
    (corpus / "nested.md").write_text(f"---\ntitle: y\ntags: {nested}\n---\nB\n")
    code, out, _ = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 0
    assert "deep.md: front matter: nested more than 32 levels deep" in out
    assert "nested.md: front matter: a value nested more than 8 levels deep" in out
    assert titles(here / "ix") == ["Good news"]


def test_fields_past_their_caps_are_cut_with_a_warning(here, capsys):
    corpus = corpus_with_good_file(here)
    row = {
        "title": "T" * 5000,
        "body": "a body",
        "tags": [f"tag{i}" for i in range(1000)],
        "people": ["x" * 300],
        "publication": "P" * 400,
    }
    (corpus / "rows.jsonl").write_text(json.dumps(row) + "\n")
    code, out, _ = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 0
    assert (
        "rows.jsonl: line 1: field(s) too long, cut: title (5000 characters, cap 1000), "
        "publication (400 characters, cap 300), tags (1000 names, cap 100), "
        "people (a name over 200 characters)"
    ) in out
    [article] = read_file(corpus / "rows.jsonl").articles
    assert len(article.title) == 1000 and len(article.tags) == 100
    assert len(article.publication or "") == 300 and len(article.entities["people"][0]) == 200
    assert titles(here / "ix", "body") == [article.title]


# ---------------------------------------------------------------------------
# File names and special files


def test_a_file_name_that_is_not_utf8_is_skipped_and_later_runs_work(here, capsys):
    corpus = corpus_with_good_file(here)
    bad = os.path.join(os.fsencode(corpus), b"caf\xe9.txt")
    with open(bad, "wb") as fh:
        fh.write(GOOD.replace("Good news", "Bad name").encode())
    os.symlink(b"caf\xe9.txt", os.path.join(os.fsencode(corpus), b"link.txt"))
    for _ in range(2):
        code, out, _ = run(capsys, "index", "corpus", "--index", "ix")
        assert code == 0
        assert "caf\\xe9.txt: its path is not valid UTF-8 (rename it to index it)" in out
        assert "link.txt: it links to a file whose path is not valid UTF-8 (rename that" in out
        assert titles(here / "ix") == ["Good news"]
    # named on its own, and a missing path with such a name: printed, never raised
    code, out, _ = run(capsys, "index", os.fsdecode(bad), "--index", "ix")
    assert code == 0 and "caf\\xe9.txt: its path is not valid UTF-8" in out
    code, _, err = run(capsys, "index", os.fsdecode(bad + b"x"), "--index", "ix")
    assert code == 1 and "corpus path not found: " in err and "caf\\xe9.txtx" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_special_files_are_reported_and_never_read(here):
    corpus = corpus_with_good_file(here)
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "zero.md").symlink_to("/dev/zero")
    proc = run_bounded(["index", "corpus", "--index", "ix"], here)
    assert proc.returncode == 0, proc.stderr
    assert "pipe.txt: not a regular file: a FIFO" in proc.stdout
    assert "zero.md: not a regular file: a character device" in proc.stdout
    # named on their own: the same, rather than a hang or all the memory
    proc = run_bounded(
        ["index", "corpus/pipe.txt", "corpus/zero.md", "corpus/good.txt", "--index", "ix2"], here
    )
    assert proc.returncode == 0, proc.stderr
    assert "pipe.txt: not a regular file: a FIFO" in proc.stdout
    assert "zero.md: not a regular file: a character device" in proc.stdout
    assert titles(here / "ix") == titles(here / "ix2") == ["Good news"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_the_reader_refuses_special_files(here):
    os.mkfifo(here / "pipe.txt")
    code = (
        "from searchtui.articles import read_file, file_hash_at\n"
        "print(read_file('pipe.txt').problems[0].reason)\n"
        "print(read_file('/dev/zero').problems[0].reason)\n"
        "try:\n    file_hash_at('pipe.txt')\nexcept OSError as exc:\n    print(exc)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=here, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.splitlines() == [
        "cannot read: not a regular file: a FIFO",
        "cannot read: not a regular file: a character device",
        "not a regular file: a FIFO",
    ], proc.stderr


# ---------------------------------------------------------------------------
# Nothing to index


@pytest.mark.parametrize("files", [{}, {"empty.txt": b"", "binary.txt": b"\x00\x01\x02"}])
def test_an_empty_corpus_gives_a_valid_empty_index(here, capsys, files):
    corpus = here / "corpus"
    corpus.mkdir()
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    code, out, _ = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 0 and "0 articles in the index" in out
    for name in files:
        assert f"{name}: " in out
    code, out, _ = run(capsys, "search", "anything", "--index", "ix", "--facets")
    assert code == 0 and out.startswith("0 articles")
    code, out, _ = run(capsys, "stats", "--index", "ix", "--json")
    assert code == 0 and json.loads(out)["articles"] == 0
    # a second run, and one after the only article is gone again
    code, out, _ = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 0
    (corpus / "good.txt").write_text(GOOD)
    assert run(capsys, "index", "corpus", "--index", "ix")[0] == 0
    (corpus / "good.txt").unlink()
    # dropping every article needs a yes
    assert run(capsys, "index", "corpus", "--index", "ix")[0] == 1
    code, out, _ = run(capsys, "index", "corpus", "--index", "ix", "--yes")
    assert code == 0 and "1 deleted" in out and "0 articles in the index" in out
    assert titles(here / "ix") == []


def test_the_app_opens_on_an_empty_index(here):
    pytest.importorskip("textual")
    from searchtui.tui.app import create_app
    from searchtui.tui.screens.search import SearchScreen
    from searchtui.tui.widgets.results import ResultList

    (here / "corpus").mkdir()
    build_index([here / "corpus"], here / "ix", config=Config(extractor="none"))
    app = create_app(
        here / "ix", config=Config(extractor="none"), state_dir=here / "state"
    )

    async def opened() -> int:
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                if isinstance(app.screen, SearchScreen):
                    results = app.screen.query(ResultList)
                    if results and results.first().total == 0:
                        return 0
            return -1

    try:
        assert asyncio.run(opened()) == 0
    finally:
        if app.engine is not None:
            app.engine.close()


# ---------------------------------------------------------------------------
# One bad row costs that row


def test_a_deep_cell_or_row_skips_its_row_not_the_file(here, capsys):
    corpus = corpus_with_good_file(here)
    deep = "[" * 3000 + "]" * 3000
    (corpus / "table.csv").write_text(
        f'title,body,tags\nAlpha,alpha text,x\nBeta,beta text,"{deep}"\nGamma,gamma text,y\n'
    )
    rows = [
        json.dumps({"title": "Delta", "body": "delta text"}),
        '{"title": "Epsilon", "body": "e", "tags": ' + deep + "}",
        '{"title": "Zeta", "body": "z", "tags": ' + "[" * 50 + "]" * 50 + "}",
        json.dumps({"title": "Eta", "body": "eta text"}),
    ]
    (corpus / "rows.jsonl").write_text("\n".join(rows) + "\n")
    code, out, _ = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 0
    assert "table.csv: line 3: a value nested more than 8 levels deep" in out
    assert "rows.jsonl: line 2: a value nested more than 8 levels deep" in out
    assert "rows.jsonl: line 3: a value nested more than 8 levels deep" in out
    assert titles(here / "ix") == ["Alpha", "Delta", "Eta", "Gamma", "Good news"]


# ---------------------------------------------------------------------------
# Dates


def test_relative_dates_and_implausible_years(here, capsys):
    corpus = corpus_with_good_file(here)
    (corpus / "relative.txt").write_text(
        "Relative\n\nJane Doe — Reuters yesterday\n\n\nSomething happened.\n"
    )
    (corpus / "ancient.txt").write_text("Ancient\n\nAnn Lee — AP Jan 1, 0001\n\n\nOld news.\n")
    (corpus / "future.md").write_text("---\ntitle: Future\ndate: 9999-12-31\n---\nLater news.\n")
    code, out, _ = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 0 and "4 articles in the index" in out
    assert "relative.txt: date 'yesterday' not understood (a relative date)" in out
    assert "ancient.txt: date 'Jan 1, 0001' not understood (outside the plausible dates" in out
    assert "future.md: date '9999-12-31' not understood (outside the plausible dates" in out
    with SearchEngine.open(here / "ix") as engine:
        result = engine.search(SearchRequest(histogram=True, page_size=10))
        by_title = {h.title: h for h in result.hits}
        assert by_title["Relative"].publication == "Reuters"
        assert by_title["Relative"].authors == ["Jane Doe"]
        assert [by_title[t].date for t in ("Relative", "Ancient", "Future")] == [None] * 3
        assert result.histogram is not None
        assert [b.label for b in result.histogram.buckets] == ["2016-11-05", "no date"]
    for query in ("before:0001", "before:0001-01-01"):
        with SearchEngine.open(here / "ix") as engine, pytest.raises(QueryError):
            engine.search(SearchRequest(query))
        code, _, err = run(capsys, "search", query, "--index", "ix")
        assert code == 1 and "bad query: before: there is no date before 0001-01-01" in err
    code, out, _ = run(capsys, "search", "before:0001-01-02 after:9999-12-31", "--index", "ix")
    assert code == 0 and out.startswith("0 articles")


# ---------------------------------------------------------------------------
# Configuration


@pytest.mark.parametrize(
    "text, message",
    [
        ("max_file_mb: .nan\n", "key 'max_file_mb' must be positive (a finite number of MiB)"),
        ("max_file_mb: .inf\n", "key 'max_file_mb' must be positive (a finite number of MiB)"),
        ("corpus: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 32 levels deep"),
    ],
)
def test_bad_settings_are_config_errors(here, capsys, text, message):
    corpus_with_good_file(here)
    (here / "searchtui.yaml").write_text(text)
    code, _, err = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 1 and message in err and err.count("\n") == 1


def test_errors_about_a_file_that_is_not_yaml_never_quote_it(here, capsys):
    corpus_with_good_file(here)
    secret = "root:$6$SECRET$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
    (here / "shadow").write_text(secret)
    (here / "searchtui.yaml").write_text("entities: shadow\n")
    code, _, err = run(capsys, "index", "corpus", "--index", "ix")
    assert code == 1 and "shadow: unknown section (not shown)" in err
    assert "SECRET" not in err and "root:" not in err and "'root'" not in err
    with pytest.raises(ConfigError) as exc:
        load_config(str(here / "shadow"))
    assert "unknown key (not shown)" in str(exc.value) and "SECRET" not in str(exc.value)
    # in a file named as YAML, a short key is quoted, as a help to fix it
    (here / "typo.yaml").write_text("colour: blue\n")
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        load_config(str(here / "typo.yaml"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
@pytest.mark.parametrize("target", ["/dev/zero", "pipe.yaml"])
def test_settings_files_must_be_regular_files(here, target):
    corpus_with_good_file(here)
    os.mkfifo(here / "pipe.yaml")
    kind = "a character device" if target.startswith("/dev") else "a FIFO"
    (here / "searchtui.yaml").write_text(f"entities: {target}\n")
    proc = run_bounded(["index", "corpus", "--index", "ix"], here)
    assert proc.returncode == 1
    assert f"cannot read the entity alias file: not a regular file: {kind}" in proc.stderr
    proc = run_bounded(["--config", target, "stats", "--index", "ix"], here)
    assert proc.returncode == 1
    assert f"cannot read the configuration file: not a regular file: {kind}" in proc.stderr


def test_workers_are_capped(capsys):
    cores = os.cpu_count() or 1
    assert worker_count(32, 500) == min(cores, 8)
    assert worker_count(None, 500) == worker_count(0, 500) == min(cores, 8)
    assert worker_count(32, 10) == worker_count(1, 10_000) == 1
    with pytest.raises(SystemExit):
        build_parser().parse_args(["index", "--workers", "-1"])
    assert "must be 0 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["index", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "never more than the cores, nor more than one per 64 files" in help_text


# ---------------------------------------------------------------------------
# --similar with a path as printed


def test_similar_takes_the_path_as_printed(here, capsys):
    corpus = corpus_with_good_file(here)
    (corpus / "other.txt").write_text(GOOD.replace("Good news", "Other news"))
    assert run(capsys, "index", "corpus", "--index", "ix")[0] == 0
    code, out, _ = run(capsys, "search", "harvest", "--index", "ix")
    printed = [line.strip() for line in out.splitlines() if line.strip().endswith(".txt")]
    assert sorted(printed) == ["corpus/good.txt", "corpus/other.txt"]
    for given in ("corpus/good.txt", "./corpus/good.txt", str(corpus / "good.txt")):
        code, out, _ = run(capsys, "search", "--similar", given, "--index", "ix", "--json")
        assert code == 0
        assert [Path(h["path"]).name for h in json.loads(out)["hits"]] == ["other.txt"]
    code, _, err = run(capsys, "search", "--similar", "corpus/nope.txt", "--index", "ix")
    assert code == 1 and "no article 'corpus/nope.txt' in the index" in err


def test_read_file_is_safe_on_a_regular_hostile_file(tmp_path):
    path = tmp_path / "bomb.md"
    path.write_text(f"---\n{ALIAS_BOMB}title: Bomb\n---\nBody.\n")
    result = read_file(path)
    assert result.articles == []
    assert [p.reason for p in result.problems] == [
        "front matter: aliases repeat more than 1000 values (an alias bomb?) at front matter line 4"
    ]


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 70_000])
def test_read_regular_gives_the_whole_file_within_its_limit(tmp_path, size):
    path = tmp_path / "a.txt"
    data = os.urandom(size)
    path.write_bytes(data)
    assert untrusted.read_regular(path, None) == data
    assert untrusted.read_regular(path, size) == data
    assert untrusted.read_regular(path, size + 10_000) == data
    if size:
        with pytest.raises(untrusted.TooLarge) as raised:
            untrusted.read_regular(path, size - 1)
        assert raised.value.size == size


def _stat_says(real_stat, size):
    """``os.fstat`` as if every file held ``size`` bytes (a file that grew after it)."""

    def fstat(fd):
        st = real_stat(fd)
        fields = list(st)
        fields[6] = size
        return os.stat_result(fields)

    return fstat


def test_read_regular_reads_a_file_that_grew_to_its_end_or_its_limit(tmp_path, monkeypatch):
    path = tmp_path / "grew.txt"
    data = bytes(range(256)) * 800  # 204,800 bytes, more than one read after the size
    path.write_bytes(data)
    real_stat = os.fstat
    monkeypatch.setattr(untrusted.os, "fstat", _stat_says(real_stat, 100))
    # No limit: everything it holds now.
    assert untrusted.read_regular(path, None) == data
    # Within the limit: everything too.
    assert untrusted.read_regular(path, len(data)) == data
    # Past the limit: refused, having read no more than one byte over it.
    with pytest.raises(untrusted.TooLarge) as raised:
        untrusted.read_regular(path, 150_000)
    assert raised.value.size == 150_001
