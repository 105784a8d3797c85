"""The README cannot drift: every example of its query-syntax table is run
against a small index built here and finds what the table says, and every
command's ``--help`` works and is listed in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from searchtui.cli import build_parser
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.search import SearchEngine

README = Path(__file__).resolve().parents[1] / "README.md"

# name: (byline, title, body); every article is a plain text file
ARTICLES = {
    "kremlin": (
        "Stephen Dinan — The Washington Times Nov 15, 2016",
        "Kremlin weighs new sanctions",
        "President Vladimir Putin met advisers in the Kremlin on Tuesday. The sanctions imposed "
        "by NATO members on Russia were discussed, and gas exports to Ukraine were on the table.",
    ),
    "medvedev": (
        "Olga Petrova — CNN Nov 2, 2016",
        "Prime minister speaks on the economy",
        "Dmitry Medvedev told parliament that the economy would grow. He did not mention the "
        "Kremlin or any sanction.",
    ),
    "trump": (
        "Anna Bell — CNN Nov 9, 2016",
        "Election night in Washington",
        "Donald Trump won the election. Analysts asked how Vladimir Putin would respond, while "
        "the White House prepared for the transition.",
    ),
    "impeachment": (
        "Stephen Dinan — The Washington Times Dec 18, 2019",
        "House votes on impeachment",
        "Lawmakers in Washington voted on the articles after weeks of hearings, and the White "
        "House called the process unfair.",
    ),
    "syria": (
        "Carl Dean — Reuters Jun 3, 2020",
        "Aid convoy reaches Syria",
        "A convoy of trucks crossed into Syria from Turkey on Wednesday. The United Nations said "
        "gas and food would follow. Officials in Russia made no comment.",
    ),
    "house": (
        "Carl Dean — Reuters Nov 30, 2016",
        "Painting season",
        "They painted the house white last summer, and the garden fence too.",
    ),
    "undated": (
        "Carl Dean — Reuters",
        "An undated note",
        "The Kremlin issued no statement about the sanctions.",
    ),
}

# every example of the README's table: the articles it must find, in any order
EXPECTED = {
    "putin kremlin": {"kremlin"},
    "putin OR medvedev": {"kremlin", "medvedev", "trump"},
    "putin NOT trump": {"kremlin"},
    "putin -trump": {"kremlin"},
    '"white house"': {"trump", "impeachment"},
    "sanction*": {"kremlin", "medvedev", "undated"},
    "putn~": {"kremlin", "trump"},
    "(russia OR ukraine) AND gas": {"kremlin", "syria"},
    "title:impeachment": {"impeachment"},
    "author:dinan": {"kremlin", "impeachment"},
    'by:"stephen dinan"': {"kremlin", "impeachment"},
    'pub:"washington times"': {"kremlin", "impeachment"},
    "publication:cnn": {"medvedev", "trump"},
    "person:putin": {"kremlin", "trump"},
    'person:"vladimir putin"': {"kremlin", "trump"},
    "place:russia": {"kremlin", "syria"},
    "org:nato": {"kremlin"},
    "place:syria": {"syria"},
    "entity:kremlin": {"kremlin", "medvedev", "undated"},
    "date:2016": {"kremlin", "medvedev", "trump", "house"},
    "date:2016-11": {"kremlin", "medvedev", "trump", "house"},
    "date:2016-11-15": {"kremlin"},
    "date:2016-11-01..2016-11-30": {"kremlin", "medvedev", "trump", "house"},
    "date:2019..": {"impeachment", "syria"},
    "after:2016-11-01": {"kremlin", "medvedev", "trump", "house", "impeachment", "syria"},
    "before:2017": {"kremlin", "medvedev", "trump", "house"},
    "": set(ARTICLES),
}


def readme_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("### Query syntax", 1)[1].split("\n\n", 2)[1]
    examples = []
    for row in table.splitlines()[2:]:
        cell = row.split("|")[1]
        if "(empty)" in cell:
            examples.append("")
        examples += re.findall(r"`([^`]+)`", cell)
    return examples


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("docs") / "corpus"
    corpus.mkdir()
    for name, (byline, title, body) in ARTICLES.items():
        (corpus / f"{name}.txt").write_text(f"{title}\n\n{byline}\n\n{body}\n", encoding="utf-8")
    root = corpus.parent / "index"
    build_index([corpus], root, config=Config(workers=1))
    with SearchEngine(root) as eng:
        yield eng


def test_every_readme_example_is_checked():
    examples = readme_examples()
    assert len(examples) >= 20
    assert set(examples) == set(EXPECTED)


@pytest.mark.parametrize("query", sorted(EXPECTED))
def test_readme_example_finds_what_the_table_says(engine, query):
    result = engine.search(SearchRequest(query=query, page_size=100))
    found = {Path(hit.path).stem for hit in result.hits}
    assert found == EXPECTED[query], query
    assert result.total == len(found)


def test_empty_query_lists_every_article_newest_first(engine):
    result = engine.search(SearchRequest(query="", page_size=100))
    dated = [hit.date for hit in result.hits if hit.date is not None]
    assert dated == sorted(dated, reverse=True)
    assert Path(result.hits[-1].path).stem == "undated"


def commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(sub.choices)


def test_the_readme_shows_every_command():
    text = README.read_text(encoding="utf-8")
    for name in commands():
        assert f"searchtui {name}" in text, name


@pytest.mark.parametrize("command", [[]] + [[name] for name in commands()])
def test_every_help_works(command):
    out = subprocess.run([sys.executable, "-m", "searchtui", *command, "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: searchtui"), out.stdout[:200]
    assert out.stderr == ""
