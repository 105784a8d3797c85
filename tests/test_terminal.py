"""The corpus does not drive the terminal: escape sequences and control characters
in titles, names, bodies and file names never reach it raw; exports are safe to open."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from searchtui.cli import Out, main
from searchtui.config import Config
from searchtui.export import csv_cell, write_hits
from searchtui.indexer import build_index
from searchtui.models import Hit, SearchRequest
from searchtui.search import SearchEngine
from searchtui.text import json_text, printable, printable_spans

CSI_CLEAR = "\x1b[2J"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
OSC_TITLE = "\x1b]0;pwned\x1b\\"
OSC_LINK = "\x1b]8;;http://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
C1_CSI = "\x9b31m"
C1_OSC = "\x9d0;title\x9c"
#: What may never reach a terminal from the corpus: ESC, C1 CSI/OSC/ST, BEL, DEL.
FORBIDDEN = ("\x1b", "\x9b", "\x9d", "\x9c", "\x07", "\x7f")


def assert_printable(text: str) -> None:
    text = text.replace("\r\n", "\n")  # the line ends of CSV
    found = [repr(ch) for ch in FORBIDDEN if ch in text]
    assert not found, f"control characters {found} in {text!r}"
    assert not any(0x80 <= ord(ch) <= 0x9F or (ord(ch) < 0x20 and ch not in "\n") for ch in text)


# ---------------------------------------------------------------------------
# printable()


@pytest.mark.parametrize(
    "raw, clean",
    [
        (f"a{CSI_CLEAR}b", "ab"),
        (f"a{OSC_CLIPBOARD}b", "ab"),  # the payload goes with the sequence
        (f"a{OSC_TITLE}b", "ab"),
        (f"see {OSC_LINK}.", "see click here."),
        (f"a{C1_CSI}b{C1_OSC}c", "abc"),
        ("a\x1b]0;never ends", "a"),  # an unterminated string swallows the rest
        ("a\x1bcb\x1b(Bc\x1b7d", "abcd"),  # two- and three-byte escapes
        ("bell\x07 del\x7f nul\x00 nel\x85x", "bell del nul nel x"),
        ("tab\tline\nbreak\r\nend\rx", "tab line break end x"),
        ("trailing escape\x1b", "trailing escape"),
        ("plain text, ünïcödé — and “quotes”", "plain text, ünïcödé — and “quotes”"),
    ],
)
def test_printable_removes_sequences_whole(raw, clean):
    assert printable(raw) == clean
    assert_printable(printable(raw))


def test_printable_keeps_what_the_caller_allows():
    raw = "line one\r\nline\ttwo\x1b[31m\nend"
    assert printable(raw, keep="\n") == "line one\nline two\nend"
    assert printable(raw, keep="\n\t") == "line one\nline\ttwo\nend"
    assert printable("x\x0by\x0cz", keep="\n") == "x y z"  # VT and FF are never kept


def test_printable_removes_bidirectional_controls():
    # An override would show "report_gpj.exe" as "report_exe.jpg"; isolates and
    # embeddings reorder text alike. Letters of right-to-left scripts stay.
    assert printable("report_\u202egpj.exe") == "report_gpj.exe"
    assert printable("a\u2066b\u2069c\u202ad\u202c") == "abcd"
    assert printable("שלום \u200fworld") == "שלום \u200fworld"
    assert printable("one\u2028two\u2029three") == "one two three"
    assert printable("one\u2028two", keep="\n") == "one two"


def test_printable_spans_follow_the_text():
    raw = f"{CSI_CLEAR}Putin{OSC_TITLE} and {OSC_CLIPBOARD}Trump"
    spans = [(raw.index("Putin"), raw.index("Putin") + 5), (raw.index("Trump"), len(raw))]
    text, moved = printable_spans(raw, spans)
    assert text == "Putin and Trump"
    assert [text[s:e] for s, e in moved] == ["Putin", "Trump"]
    # a span inside a removed sequence is dropped
    assert printable_spans("a\x1b]0;xyz\x07b", [(5, 7)]) == ("ab", [])


def test_json_text_escapes_every_control():
    value = {"t": f"a{CSI_CLEAR}{C1_CSI}\x7fé"}
    text = json_text(value)
    assert_printable(text)
    assert "é" in text  # letters stay readable
    assert json.loads(text) == value


# ---------------------------------------------------------------------------
# The CLI


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_writer_styles_only_its_own_text(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = _Tty()
    out = Out(stream)
    out.line(out.bold(f"title{CSI_CLEAR}"), " by ", f"Ann{OSC_CLIPBOARD}\nLee")
    out.line(*out.marked(f"a {OSC_TITLE}match here", [(2 + len(OSC_TITLE), 7 + len(OSC_TITLE))]))
    assert stream.getvalue() == (
        "\x1b[1mtitle\x1b[0m by Ann Lee\n"
        "a \x1b[1;33mmatch\x1b[0m here\n"
    )


#: Ordinary text, so that the few control characters do not make a file look binary.
PROSE = (
    "Officials said the roads would reopen next week, while the harbour stayed closed. "
    "Residents described the wind as the strongest in a decade, and volunteers cleared "
    "fallen trees from the main street before the evening rain returned."
) * 3


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path]:
    """A corpus whose titles, bylines, bodies and file names hold escape sequences."""
    corpus = tmp_path_factory.mktemp("hostile") / "corpus"
    corpus.mkdir()
    articles = [
        (
            f"storm{OSC_TITLE}.txt",
            f"Storm warning{CSI_CLEAR} issued{OSC_TITLE}{OSC_CLIPBOARD}",
            # (a byline's ";" separates authors: no OSC here)
            f"Ann{CSI_CLEAR} Lee — Daily{C1_CSI} Post Jan 07, 2019",
            f"The storm{CSI_CLEAR} reached the coast.\x07 Read more: {OSC_LINK}.\n\n"
            f"Second paragraph{C1_OSC} about the storm\x7f damage.\n\n" + PROSE,
        ),
        (
            "calm.txt",
            "Calm after the storm",
            "Bo Diaz — The Ledger Jan 08, 2019",
            "The storm passed and the coast was calm again.\n\n" + PROSE,
        ),
    ]
    for name, title, line, body in articles:
        (corpus / name).write_text(f"{title}\n\n{line}\n\n{body}\n", encoding="utf-8")
    (corpus / f"empty{CSI_CLEAR}.txt").write_text("", encoding="utf-8")
    root = tmp_path_factory.mktemp("hostile-index") / "index"
    build_index([corpus], root, config=Config(workers=1))
    return corpus, root


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "storm", "--facets"],
        ["search", "storm", "--facets", "--limit", "1", "--page", "2"],
        ["search", "click"],
        ["search", ""],
        ["facets", "authors"],
        ["facets", "publication", "--query", "storm"],
        ["facets", "places"],
        ["stats"],
        ["search", "storm", "--format", "md"],
        ["search", "storm", "--format", "csv"],
        ["search", "storm", "--format", "jsonl"],
        ["search", "storm", "--json"],
        ["facets", "authors", "--json"],
        ["stats", "--json"],
    ],
)
def test_cli_output_holds_no_control_characters(hostile, capsys, argv):
    _, root = hostile
    code, out, err = run(capsys, *argv, "--index", root)
    assert code == 0, err
    assert out
    assert_printable(out)
    assert_printable(err)


def test_cli_shows_the_hostile_article_cleaned(hostile, capsys):
    _, root = hostile
    code, out, _ = run(capsys, "search", "storm", "--facets", "--index", root)
    assert code == 0
    assert "Storm warning issued" in out
    assert "Ann Lee" in out and "Daily Post" in out
    assert "storm.txt" in out  # the file name, without its sequence
    assert "pwned" not in out and "cm0gLXJmIH4" not in out  # no payload left behind


def test_json_keeps_the_data_escaped(hostile, capsys):
    _, root = hostile
    code, out, _ = run(capsys, "search", "warning", "--json", "--index", root)
    assert code == 0
    assert_printable(out)
    (hit,) = json.loads(out)["hits"]
    with SearchEngine.open(root) as engine:
        stored = engine.document(hit["key"])
    assert hit["title"] == stored.title  # exactly what the index holds, escapes and all
    assert hit["authors"] == stored.authors


def test_index_summary_and_errors_are_printable(hostile, capsys, tmp_path):
    corpus, _ = hostile
    code, out, err = run(capsys, "index", corpus, "--index", tmp_path / "ix", "--quiet")
    assert code == 0, err
    assert_printable(out)
    assert "empty.txt" in out  # skipped, and named without its sequence
    code, out, err = run(capsys, "search", f"date:{CSI_CLEAR}x", "--index", tmp_path / "ix")
    assert code != 0
    assert err.startswith("searchtui: bad query:")
    assert_printable(err)


# ---------------------------------------------------------------------------
# Exports


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("\r=1", "' =1"),  # a carriage return becomes a space
        ("  =1", "'  =1"),
        ("\x1b[2J=1+1", "'=1+1"),  # a formula hiding behind an escape
        ("plain title", "plain title"),
        ("a - b", "a - b"),
        (3.5, 3.5),
    ],
)
def test_csv_cells_are_never_formulas(value, cell):
    assert csv_cell(value) == cell


def test_csv_export_neutralises_formulas_and_controls():
    hit = Hit(
        key="=cmd|' /C calc'!A0",
        path="/c/=x.txt",
        title=f"@title{CSI_CLEAR}",
        authors=["-Ann Lee", "Bo Diaz"],
        publication="+Post",
        date=None,
        snippet=f"=1+1 {OSC_CLIPBOARD}",
        score=-1.5,
    )
    out = io.StringIO()
    assert write_hits([hit], out, "csv") == 1
    assert_printable(out.getvalue().replace("\r\n", "\n"))
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["key"] == "'=cmd|' /C calc'!A0"
    assert row["title"] == "'@title"
    assert row["authors"] == "'-Ann Lee; Bo Diaz"
    assert row["publication"] == "'+Post"
    assert row["snippet"] == "'=1+1 "
    assert row["path"] == "/c/=x.txt"
    assert row["score"] == "-1.5"  # a number, not text


# ---------------------------------------------------------------------------
# Ctrl-C: the message says what became of the index


def _interrupt_at(monkeypatch, module, name: str, after: bool) -> None:
    """Make ``module.name`` raise KeyboardInterrupt (as Ctrl-C would), before or after
    doing its work."""
    real = getattr(module, name)

    def interrupted(*args, **kwargs):
        if after:
            real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(module, name, interrupted)


def _titles(root: Path) -> list[str]:
    with SearchEngine.open(root) as engine:
        result = engine.search(SearchRequest(query="", page_size=100, snippets=False))
    return sorted(h.title for h in result.hits)


def _small_corpus(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = f"Story {i}\n\nAnn Lee — Daily Post Jan 07, 2019\n\n{PROSE}\n"
        (folder / f"s{i:02d}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "module, name, after, rebuild, committed",
    [
        ("whooshext", "commit", False, False, False),  # before the update's commit
        ("arrays", "prepare", False, False, True),  # the update's generation is live
        ("store", "switch_current", False, True, False),  # rebuilt, not yet live
        ("store", "switch_current", True, True, True),  # rebuilt and live
    ],
)
def test_an_interrupted_index_run_says_what_became_of_the_index(
    module, name, after, rebuild, committed, tmp_path, capsys, monkeypatch
):
    from searchtui import arrays, store, whooshext

    corpus = _small_corpus(tmp_path / "corpus", 3)
    root = tmp_path / "index"
    assert run(capsys, "index", corpus, "--index", root, "--quiet", "--workers", "1")[0] == 0
    before = _titles(root)
    (corpus / "new.txt").write_text(
        f"Story added\n\nBo Diaz — The Ledger Jan 08, 2019\n\n{PROSE}\n", encoding="utf-8"
    )
    modules = {"whooshext": whooshext, "arrays": arrays, "store": store}
    _interrupt_at(monkeypatch, modules[module], name, after)
    argv = ["index", corpus, "--index", root, "--quiet", "--workers", "1"]
    code, out, err = run(capsys, *argv, *(["--rebuild"] if rebuild else []))
    monkeypatch.undo()
    assert code == 130 and out == ""
    if committed:
        assert err == (
            "searchtui: interrupted after the new index was committed: it is complete and live\n"
        )
        assert _titles(root) == sorted([*before, "Story added"])
    else:
        assert err == "searchtui: interrupted; the index is as it was before this run\n"
        assert _titles(root) == before
    assert len([p for p in root.iterdir() if p.name.startswith("ix-")]) == 1
    # the next run finds the index as the message said
    code, out, _ = run(capsys, "index", corpus, "--index", root, "--workers", "1")
    assert code == 0
    assert out.startswith("Index is up to date") == committed
