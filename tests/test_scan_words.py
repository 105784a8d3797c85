"""The compiled word scanner (``_kernels.scan_words``) gives the tokenizer pattern's own
words and sentence ends, character for character: on hand-made text full of the cases
the pattern decides (dots inside and after words, titles, glued sentences, domains,
closing quotes, blank lines, scripts and digits of every kind), on random text made of
those pieces, and on real articles."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchtui import kernels, schema
from searchtui.articles import read_file

loops = kernels.loops
pytestmark = pytest.mark.skipif(loops is None, reason="the loops are not compiled here")

REPO = Path(__file__).resolve().parents[1]


def reference(text: str) -> list[str]:
    return schema._scan_re.findall(text)


def compiled(text: str) -> list[str]:
    assert loops is not None
    return loops.scan_words(text, schema._scan_re.match)


CASES = [
    "",
    ".",
    "a",
    "a.",
    ".a",
    "Mr. Smith met Dr. Jones at St. Paul's on Sept. 3. Then he left.",
    "The U.S. economy grew 3.5 percent in Q3.It was the best since 2019.Analysts cheered.",
    "Shares of Amazon.Com and amazon.co.uk rose.Microsoft.Com fell.Next day",
    "He said: \u201cno.\u201d Then (quietly.) she left! Why? Because; reasons:\nnone",
    "Paragraph one.\n\nParagraph two.\n \t\nThree\n\n\n",
    "end.\n\nstart a.b.c e.g. i.e. etc. vs. Gen. Lt. Col. Capt. Cmdr. Jr. Sr.",
    "snake_case_word _lead trail_ __ 1_000 x.y_z",
    "Caf\u00e9.Na\u00efve r\u00e9sum\u00e9.\u00c9t\u00e9 \u00fcber.\u00dcber \u00f0.\u00d0a",
    "\u0130stanbul.\u0130zmir \u0131.\u0130 \u212aelvin ok.\u212a\u212a \u017fo.Co \u017f.\u017f",
    "\u0661\u0662.\u0663\u0664 \u00b2.\u00b3 \u00bd.Xy 12.Ab 34.56 7.8.9 10.\u0100a",
    "\u4e2d\u6587\u3002\u65e5\u672c\u8a9e.\u0391\u03b8\u03ae\u03bd\u03b1.\u0391\u03b8"
    " \u3000\u2028x\u2029",
    "ab.Co ab.Com ab.Coma ab.Cox ab.Uk ab.UK! ab.Info. ab.Io_ ab.Gov\u00e9",
    "\"Quote.\" 'Single.' \u2019Curly.\u2019 \u00bbGuillemet.\u00ab (Paren.) [Bracket.]\tx",
    "x.\u00a0y x!\u00a0y x:\u3000y x;\u2028y",
    "a" * 300 + ".B" + "c" * 300,
]


@pytest.mark.parametrize("text", CASES)
def test_hand_made_text(text):
    assert compiled(text) == reference(text)


# Pieces the pattern treats in different ways, to be strung together at random.
PIECES = [
    "a", "b", "Z", "Mr", "Sept", "vs", "co", "Co", "com", "Com", "uk", "Io", "Info",
    "\u00e9", "\u00c9", "\u00f0", "\u00d0", "\u0130", "\u0131", "\u212a", "\u017f",
    "\u03b1", "\u0391", "\u4e2d", "1", "42", "\u0661", "\u00b2", "\u00bd", "_",
    ".", ".", ".", "!", "?", ";", ":", "\"", "'", "\u201d", "\u2019", "\u00bb", ")", "]",
    " ", " ", "\n", "\n\n", "\t", "\u00a0", "\u2028", "\u3000", "-", ",", "$", "\u2014",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_random_text(text):
    assert compiled(text) == reference(text)


def test_random_characters():
    rng = random.Random(20261201)
    alphabet = "".join(PIECES) + "xyzXYZ09"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
        assert compiled(text) == reference(text), text


def _texts(folder: Path, limit: int | None = None):
    paths = sorted(p for p in folder.iterdir() if p.suffix == ".txt")[:limit]
    for path in paths:
        for article in read_file(str(path), path.read_bytes()).articles:
            yield article.title or ""
            yield article.body or ""


def test_the_shipped_articles():
    texts = list(_texts(REPO / "corpus"))
    assert texts
    for text in texts:
        assert compiled(text) == reference(text)


def test_real_articles(wikinews_dir):
    for text in _texts(wikinews_dir):
        assert compiled(text) == reference(text)


def test_scan_is_the_pattern_either_way(monkeypatch):
    text = CASES[6] + CASES[7]
    assert schema.scan(text) == reference(text)
    monkeypatch.setattr(kernels, "loops", None)
    assert schema.scan(text) == reference(text)
    assert schema.analyse_positions(text)


def test_news_articles(allsides_dir):
    for text in _texts(allsides_dir, limit=2000):
        assert compiled(text) == reference(text)
