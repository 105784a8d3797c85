"""The search core on a small index built here: every query form, sorting,
paging, ranking, snippets, suggestions, "more like this", bad queries and the
``search`` command through its real entry point."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import searchtui
from searchtui.cli import main
from searchtui.config import Config
from searchtui.errors import QueryError
from searchtui.indexer import build_index
from searchtui.models import FacetFilter, SearchRequest, SearchResult
from searchtui.schema import iter_term_spans, normalise_word
from searchtui.search import SearchEngine

D = dt.date

# name: (title, body, front matter beyond the title)
ARTICLES = {
    "senate": (
        "Senate passes climate bill",
        "The senate voted on the climate bill on Tuesday after a long debate. "
        "The White House welcomed the vote and said carbon emissions must fall.",
        dict(authors=["Alice Adams", "Bob Brown"], publication="Daily Planet", date=D(2016, 11, 15),
             entities=dict(people=["Barack Obama"], organisations=["United States Senate"],
                           places=["Washington"])),
    ),
    "senate_copy": (
        "Senate approves climate legislation",
        "The senate voted on the climate bill on Tuesday after a long debate. "
        "The White House welcomed the vote, saying carbon emissions must fall.",
        dict(authors=["Dan Dole"], publication="Evening Star", date=D(2016, 11, 16)),
    ),
    "paint": (
        "Painting day",
        "They painted the house white last summer, and the garden fence too.",
        dict(authors=["Carol Chen"], publication="Evening Star", date=D(2016, 11, 1)),
    ),
    "football": (
        "Football season opens",
        "The football season opened with a match in the rain. Fans of the home team cheered.",
        dict(authors=["Carol Chen"], publication="Sports Weekly", date=D(2016, 11, 30)),
    ),
    "volcano_title": (
        "Volcano erupts in Iceland",
        "Ash from the eruption closed airports across the north. Flights were cancelled.",
        dict(authors=["Erin Evans"], publication="Daily Planet", date=D(2015, 6, 10),
             entities=dict(places=["Iceland"])),
    ),
    "volcano_body": (
        "Travel news roundup",
        "Airlines reported delays this week. A volcano in the south caused some diversions. "
        "Rail services ran normally, but the well-known road to the covid-19 test centre closed.",
        dict(authors=["Frank Ford"], publication="Evening Star", date=D(2017, 1, 5)),
    ),
    "undated": (
        "An essay on the weather",
        "Thoughts on climate and weather, written without a date.",
        dict(publication="Daily Planet"),
    ),
    "harbour": (
        "Harbour reopens",
        "The harbour reopened after repairs to the pier.",
        dict(authors=["Gina Gray"], publication="Harbour Gazette", date=D(2009, 3, 1)),
    ),
    "election": (
        "Election results in Ohio",
        "Voters in Ohio chose Donald Trump. The senate race was close.",
        dict(authors=["Alice Adams"], publication="Daily Planet", date=D(2016, 11, 9),
             entities=dict(people=["Donald Trump"], organisations=["Republican Party"],
                           places=["Ohio"])),
    ),
    "lighthouse": (
        "Coastal notes",
        " ".join(f"Paragraph {i} describes the quiet shore and its dunes." for i in range(40))
        + " At last the lighthouse keeper retired after forty years."
        + " The gulls stayed.",
        dict(authors=["Gina Gray"], publication="Harbour Gazette", date=D(2016, 11, 20)),
    ),
}

NEWEST_FIRST = [
    "volcano_body",  # 2017-01-05
    "football",  # 2016-11-30
    "lighthouse",  # 2016-11-20
    "senate_copy",  # 2016-11-16
    "senate",  # 2016-11-15
    "election",  # 2016-11-09
    "paint",  # 2016-11-01
    "volcano_title",  # 2015-06-10
    "harbour",  # 2009-03-01
    "undated",
]


def write_article(folder: Path, name: str, title: str, body: str, meta: dict) -> None:
    front = {"title": title, **meta}
    meta_text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
    text = "---\n" + meta_text + "---\n\n" + body + "\n"
    (folder / f"{name}.md").write_text(text, encoding="utf-8")


def build(tmp_path_factory, name: str, articles: dict) -> Path:
    corpus = tmp_path_factory.mktemp(f"{name}-corpus")
    for key, (title, body, meta) in articles.items():
        write_article(corpus, key, title, body, meta)
    index = tmp_path_factory.mktemp(f"{name}-index")
    report = build_index([str(corpus)], index, config=Config(extractor="none"), workers=1)
    assert not report.skipped
    return index


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return build(tmp_path_factory, "search", ARTICLES)


@pytest.fixture(scope="module")
def engine(index_dir):
    with SearchEngine.open(index_dir) as eng:
        yield eng


def names(result: SearchResult) -> list[str]:
    return [Path(h.path).stem for h in result.hits]


def run(engine, query: str = "", **kw) -> SearchResult:
    kw.setdefault("page_size", 50)
    return engine.search(SearchRequest(query=query, **kw))


def found(engine, query: str, **kw) -> set[str]:
    result = run(engine, query, **kw)
    assert result.total == len(result.hits)
    return set(names(result))


# ---------------------------------------------------------------------------
# Query forms


@pytest.mark.parametrize(
    "query, expected",
    [
        # words: AND by default
        ("climate", {"senate", "senate_copy", "undated"}),
        ("climate senate", {"senate", "senate_copy"}),
        ("climate AND senate", {"senate", "senate_copy"}),
        ("volcano OR football", {"volcano_title", "volcano_body", "football"}),
        ("climate NOT senate", {"undated"}),
        ("climate -senate", {"undated"}),
        ("senate -climate", {"election"}),
        # only excluded words: every article without them
        ("-climate", set(ARTICLES) - {"senate", "senate_copy", "undated"}),
        ("NOT climate", set(ARTICLES) - {"senate", "senate_copy", "undated"}),
        ("-climate -senate", set(ARTICLES) - {"senate", "senate_copy", "undated", "election"}),
        ("-climate date:2016-11-01..2016-11-09", {"paint", "election"}),
        # stemming: the index and the query see the same stems
        ("voters", {"election"}),
        ("vote", {"senate", "senate_copy"}),
        # phrases: the words must be adjacent ("paint" has both words apart)
        ('"white house"', {"senate", "senate_copy"}),
        ("white house", {"senate", "senate_copy", "paint"}),
        ('"house white"', {"paint"}),
        ('"carbon emissions must fall" saying', {"senate_copy"}),
        # prefix and fuzzy
        ("foot*", {"football"}),
        ("harb*", {"harbour"}),
        ("volcan*", {"volcano_title", "volcano_body"}),
        ("harbur~", {"harbour"}),
        ("footbal~", {"football"}),
        # a hyphen inside a word is no minus
        ("covid-19", {"volcano_body"}),
        ("well-known", {"volcano_body"}),
        ("covid -19", set()),
        # grouping, with + and - inside brackets too
        ("(volcano -iceland) OR football", {"volcano_body", "football"}),
        ("football OR (volcano -iceland)", {"volcano_body", "football"}),
        ("title:(volcano -iceland)", set()),
        ("title:(senate -approves)", {"senate"}),
        ("senate (climate -approves)", {"senate"}),
        ("(-iceland) volcano", {"volcano_body"}),
        ("volcano (-iceland -ash)", {"volcano_body"}),
        ("the -climate", set(ARTICLES) - {"senate", "senate_copy", "undated"}),
        ("-(volcano OR football)", set(ARTICLES) - {"volcano_title", "volcano_body", "football"}),
        ("((volcano -ash) OR (senate -climate)) -ohio", {"volcano_body"}),
        ("(volcano OR football) AND rain", {"football"}),
        ("(volcano OR football) -rain", {"volcano_title", "volcano_body"}),
        ("(volcano OR harbour) (iceland OR pier)", {"volcano_title", "harbour"}),
        # field prefixes
        ("title:volcano", {"volcano_title"}),
        ("title:senate", {"senate", "senate_copy"}),
        ("headline:harbour", {"harbour"}),
        ('author:"Alice Adams"', {"senate", "election"}),
        ("by:adams", {"senate", "election"}),
        ("by:chen", {"paint", "football"}),
        ('publication:"Evening Star"', {"senate_copy", "paint", "volcano_body"}),
        ("pub:gazette", {"harbour", "lighthouse"}),
        ("person:trump", {"election"}),
        ('person:"Barack Obama"', {"senate"}),
        ("org:senate", {"senate"}),
        ('org:"Republican Party"', {"election"}),
        ("place:ohio", {"election"}),
        ("place:iceland", {"volcano_title"}),
        ("entity:ohio", {"election"}),
        ("entity:washington", {"senate"}),
        ("entity:trump", {"election"}),
        ("entity:senate", {"senate"}),
        ("climate by:adams", {"senate"}),
        ("senate -person:obama", {"senate_copy", "election"}),
        # a word found nowhere
        ("zeppelin", set()),
        # no article has both words: those with most of them, with a notice
        ("climate zeppelin", {"senate", "senate_copy", "undated"}),
        ("zeppelin airship", set()),
    ],
)
def test_query_forms(engine, query, expected):
    assert found(engine, query) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("date:2016", {"football", "lighthouse", "senate_copy", "senate", "election", "paint"}),
        ("date:2016-11", {"football", "lighthouse", "senate_copy", "senate", "election", "paint"}),
        ("date:2016-11-15", {"senate"}),
        ("date:2016-11-16", {"senate_copy"}),
        # both end days included
        (
            "date:2016-11-01..2016-11-30",
            {"football", "lighthouse", "senate_copy", "senate", "election", "paint"},
        ),
        ("date:2016-11-02..2016-11-29", {"lighthouse", "senate_copy", "senate", "election"}),
        ("date:2016-11-15..2016-11-16", {"senate", "senate_copy"}),
        ("date:2016-11-30..", {"football", "volcano_body"}),
        ("date:..2015-06-10", {"volcano_title", "harbour"}),
        ("date:2015..2016-11-09", {"volcano_title", "election", "paint"}),
        ("after:2016-11-16", {"senate_copy", "football", "lighthouse", "volcano_body"}),
        ("after:2016-12", {"volcano_body"}),
        ("before:2016-11-09", {"paint", "volcano_title", "harbour"}),
        ("before:2016", {"volcano_title", "harbour"}),
        ("after:2016-11-09 before:2016-11-16", {"election", "senate"}),
        ("climate date:2016", {"senate", "senate_copy"}),
        ("climate after:2000", {"senate", "senate_copy"}),
        ("date:2018", set()),
    ],
)
def test_dates_in_queries(engine, query, expected):
    # "undated" is never in a date range, whatever the range
    assert found(engine, query) == expected


def test_request_date_range_includes_both_end_days_and_never_undated(engine):
    result = run(engine, "", date_from=D(2016, 11, 1), date_to=D(2016, 11, 30), sort="oldest")
    assert names(result) == ["paint", "election", "senate", "senate_copy", "lighthouse", "football"]
    result = run(engine, "", date_from=D(2000, 1, 1))
    assert "undated" not in names(result) and result.total == len(ARTICLES) - 1
    # the query's range and the request's range narrow each other
    result = run(engine, "date:2016", date_to=D(2016, 11, 9))
    assert set(names(result)) == {"paint", "election"}


def test_empty_query_lists_every_article_newest_first_undated_last(engine):
    for query in ("", "   ", "*"):
        result = run(engine, query)
        assert names(result) == NEWEST_FIRST
        assert result.total == len(ARTICLES)
        assert result.suggestion is None
    assert names(run(engine, "", sort="newest")) == NEWEST_FIRST


def test_sorts(engine):
    assert names(run(engine, "climate", sort="newest")) == ["senate_copy", "senate", "undated"]
    assert names(run(engine, "climate", sort="oldest")) == ["senate", "senate_copy", "undated"]
    oldest = [n for n in reversed(NEWEST_FIRST) if n != "undated"] + ["undated"]
    assert names(run(engine, "", sort="oldest")) == oldest
    # relevance: scores never rise down the list
    result = run(engine, "senate OR climate OR vote")
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_title_match_outranks_body_only_match(engine):
    assert names(run(engine, "volcano")) == ["volcano_title", "volcano_body"]
    assert names(run(engine, "harbour OR lighthouse"))[0] in {"harbour", "lighthouse"}
    # "senate" is in the title of two and the body of three
    ranked = names(run(engine, "senate"))
    assert set(ranked[:2]) == {"senate", "senate_copy"} and ranked[2:] == ["election"]


@pytest.mark.parametrize(
    "query, sort",
    [("", "newest"), ("senate OR climate OR vote OR house", "relevance"), ("", "oldest")],
)
def test_paging_continues_without_overlap(engine, query, sort):
    whole = run(engine, query, sort=sort, page_size=100)
    pages = [run(engine, query, sort=sort, page=p, page_size=3) for p in range(1, 6)]
    assert {r.total for r in pages} == {whole.total}
    assert [r.pages for r in pages[:1]] == [-(-whole.total // 3)]
    joined = [key for r in pages for key in names(r)]
    assert joined == names(whole)
    assert len(set(joined)) == len(joined)
    # the page does not change the facets or the histogram: they count every hit
    def part(result, name):
        return json.dumps(result.to_dict()[name])

    assert {part(r, "facets") for r in pages} == {part(whole, "facets")}
    assert {part(r, "histogram") for r in pages} == {part(whole, "histogram")}


def test_page_past_the_end_is_empty(engine):
    result = run(engine, "climate", page=5, page_size=2)
    assert (result.total, result.hits) == (3, [])


def test_hit_fields(engine, index_dir):
    result = run(engine, "person:obama")
    [hit] = result.hits
    d = hit.to_dict()
    assert {k: d[k] for k in ("title", "authors", "publication", "date")} == {
        "title": "Senate passes climate bill",
        "authors": ["Alice Adams", "Bob Brown"],
        "publication": "Daily Planet",
        "date": "2016-11-15",
    }
    assert Path(d["path"]).name == "senate.md" and d["key"] == d["path"]
    article = engine.document(hit.key)
    assert (article.title, article.authors, article.date) == (hit.title, hit.authors, hit.date)
    assert article.entities == {
        "people": ["Barack Obama"],
        "organisations": ["United States Senate"],
        "places": ["Washington"],
    }
    with pytest.raises(KeyError):
        engine.document("/no/such/article.md")


# ---------------------------------------------------------------------------
# Snippets and highlights


def stems(query_words: str) -> set[str]:
    return {normalise_word(w) for w in re.findall(r"\w+", query_words)} - {None}


@pytest.mark.parametrize(
    "query, name, words",
    [
        ("climate emissions", "senate", ["climate", "emissions"]),
        ('"white house"', "senate_copy", ["White", "House"]),
        ("voting", "senate", ["voted", "vote"]),
        ("lighthouse keeper", "lighthouse", ["lighthouse", "keeper"]),
    ],
)
def test_snippet_highlights_cover_the_matched_words(engine, query, name, words):
    result = run(engine, query)
    [hit] = [h for h in result.hits if Path(h.path).stem == name]
    marked = [hit.snippet[s:e] for s, e in hit.highlights]
    assert marked == words
    for word in marked:
        assert normalise_word(word) in stems(query)
    assert 0 < len(hit.snippet) <= 240


@pytest.mark.parametrize(
    "query, name, words",
    [
        ("foot*", "football", ["football"]),
        ("footbal~", "football", ["football"]),
        ("volcan* OR harbour", "volcano_body", ["volcano"]),
        # excluded words and field-only matches are not marked
        ("climate -senate", "undated", ["climate"]),
        ("by:adams climate", "senate", ["climate"]),
        ("title:volcano", "volcano_title", []),
    ],
)
def test_highlights_of_expanded_negated_and_field_queries(engine, query, name, words):
    result = run(engine, query)
    [hit] = [h for h in result.hits if Path(h.path).stem == name]
    assert [hit.snippet[s:e] for s, e in hit.highlights] == words


def test_snippet_of_a_match_deep_in_a_long_body(engine):
    [hit] = run(engine, "lighthouse").hits
    assert hit.snippet.startswith("…")
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["lighthouse"]


def test_no_snippet_highlights_in_browse_mode(engine):
    result = run(engine, "")
    assert all(h.highlights == [] and h.snippet for h in result.hits)


def test_match_spans_on_a_full_body(engine):
    body = engine.document(str(next(h.key for h in run(engine, "person:obama").hits))).body
    spans = engine.match_spans(body, "climate OR voting -zeppelin")
    assert [body[s:e] for s, e in spans] == ["voted", "climate", "vote"]
    assert engine.match_spans(body, '"white house"') == [
        (body.index("White"), body.index("White") + 5),
        (body.index("House"), body.index("House") + 5),
    ]
    assert engine.match_spans(body, "") == []
    assert engine.match_spans(body, 'date:2016-13') == []
    # the spans are the index's own words
    assert all(t in stems("climate voting") for t, s, e in iter_term_spans(body) if (s, e) in spans)


# ---------------------------------------------------------------------------
# Suggestions

WORDS = ["parliament", "weather", "economy", "minister", "election"]
SPELLING = {
    f"s{i:02d}": (
        f"Report number {i}",
        f"The parliament debated the {WORDS[i % 5]} and the {WORDS[(i + 1) % 5]} on day {i}.",
        dict(authors=["Hana Hill"], publication="Gazette", date=D(2019, 1, 1 + i)),
    )
    for i in range(14)
}


@pytest.fixture(scope="module")
def speller(tmp_path_factory):
    with SearchEngine.open(build(tmp_path_factory, "spelling", SPELLING)) as eng:
        yield eng


@pytest.mark.parametrize(
    "query, suggestion",
    [
        ("parliment", "parliament"),
        ("parlaiment weather", "parliament weather"),
        ("minister econommy", "minister economy"),
        ("Parliment", "Parliament"),
        ("parliment date:2019", "parliament date:2019"),
        ("parliament OR wether", "parliament OR weather"),
        ("parliament", None),
        ("parliament weather", None),
        ("economy -minister", None),
        ("", None),
    ],
)
def test_did_you_mean(speller, query, suggestion):
    result = speller.search(SearchRequest(query=query))
    assert result.suggestion == suggestion
    if suggestion:
        corpus_words = {
            w.lower() for _, body, _ in SPELLING.values() for w in body.replace(".", " ").split()
        }
        words = {w.lower() for w in suggestion.split() if w not in ("OR", "date:2019")}
        assert words <= corpus_words
        assert speller.search(SearchRequest(query=suggestion)).total > 0


def test_suggestion_on_its_own_and_skipped_on_request(speller):
    assert speller.search(SearchRequest(query="parliment", suggest=False)).suggestion is None
    assert speller.suggest("parliment") == "parliament"
    assert speller.suggest("Parliment wether") == "Parliament weather"
    assert speller.suggest("parliament") is None
    assert speller.suggest("") is None
    # left open: still checked, never raises
    assert speller.suggest('"parliment (') == '"parliament ('


def test_suggestions_do_not_depend_on_the_hash_seed(speller):
    # Each typo is one edit away from several spellings of one stem
    # ("electione": "election", "elections"); the same one must win every time.
    query = "electione parliamentz ministerx reportz economyz dayz"
    # Two edits: the spellings of the stems near each are guessed and checked
    two_edits = "parlamint wheater econnomyy ecnomoy minsitre reprots"
    code = (
        "import sys\n"
        "from searchtui.search import SearchEngine\n"
        "with SearchEngine.open(sys.argv[1]) as engine:\n"
        "    for query in sys.argv[2:]:\n"
        "        print(engine.suggest(query))\n"
    )
    package_root = str(Path(searchtui.__file__).resolve().parents[1])
    answers = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": package_root}
        proc = subprocess.run(
            [sys.executable, "-c", code, str(speller.root), query, two_edits],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        answers.append(proc.stdout.strip().splitlines())
    assert [a[0] for a in answers] == ["election parliament minister report economy day"] * 2
    assert [a[1] for a in answers] == ["parliament weather economy economy minister report"] * 2
    assert speller.suggest(query) == answers[0][0]
    assert speller.suggest(two_edits) == answers[0][1]


# ---------------------------------------------------------------------------
# More like this


def test_more_like_this_ranks_the_near_duplicate_first(engine):
    key = next(h.key for h in run(engine, "person:obama").hits)
    result = engine.more_like_this(key, SearchRequest(page_size=50))
    assert isinstance(result, SearchResult)
    assert names(result)[0] == "senate_copy"
    assert "senate" not in names(result)
    assert result.total == len(result.hits)
    d = result.to_dict()
    assert set(d) == set(run(engine, "climate").to_dict())
    assert set(d["facets"]) == {"publication", "authors", "people", "organisations", "places"}
    assert d["histogram"]["unit"] in {"day", "month", "year"}
    # by path, and honouring the request's filters
    filtered = engine.more_like_this(
        key, SearchRequest(filters={"publication": FacetFilter(exclude={"Evening Star"})})
    )
    assert "senate_copy" not in names(filtered)
    with pytest.raises(KeyError):
        engine.more_like_this("/no/such/article.md")


# ---------------------------------------------------------------------------
# Bad queries

BAD = [
    '"white house',
    'climate "white',
    "(volcano OR football",
    "volcano OR football)",
    "((volcano",
    ")(",
    "NOT",
    "NOT NOT",
    "AND",
    "OR",
    "AND OR NOT",
    "climate AND",
    "*",
    "**",
    "?",
    "title:",
    "author:",
    "entity:",
    "date:",
    "title:*",
    "foo~~",
    "~",
    "^",
    "-",
    '"',
    '""',
    "[a TO b]",
    "date:2016-13",
    "date:2016-02-30",
    "date:2017..2016",
    "after:yesterday",
    "climate " * 300,
    "x" * 2500,
    "\x00\x01",
    "é~3",
]


@pytest.mark.parametrize("query", BAD)
def test_bad_queries_give_results_or_a_query_error(engine, query):
    try:
        result = engine.search(SearchRequest(query=query))
    except QueryError as exc:
        assert exc.message and str(exc)
        assert exc.position is None or 0 <= exc.position <= len(query)
        return
    assert isinstance(result, SearchResult)
    assert result.total == len(result.hits) or len(result.hits) == result.request.page_size
    json.dumps(result.to_dict())


@pytest.mark.parametrize(
    "query, position",
    [
        ("x" * 2500, 2000),
        ("climate date:2016-13", 13),
        ("after:yesterday", 6),
    ],
)
def test_query_errors_say_where(engine, query, position):
    with pytest.raises(QueryError) as info:
        engine.search(SearchRequest(query=query))
    assert info.value.position == position
    assert f"column {position + 1}" in str(info.value)


def test_unbalanced_quotes_and_brackets_are_closed(engine):
    assert found(engine, '"white house') == {"senate", "senate_copy"}
    assert found(engine, "(volcano OR football") == {"volcano_title", "volcano_body", "football"}
    assert found(engine, "volcano OR football)") == {"volcano_title", "volcano_body", "football"}


# ---------------------------------------------------------------------------
# The search command


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_is_to_dict(engine, index_dir, capsys):
    code, out, err = cli(
        capsys, "search", "climate OR senate", "--json", "--index", str(index_dir),
        "--author", "Alice Adams", "--author", "Dan Dole", "--exclude-publication", "Evening Star",
        "--from", "2016", "--to", "2016-11", "--limit", "2", "--sort", "newest",
    )
    assert (code, err) == (0, "")
    printed = json.loads(out)
    request = SearchRequest(
        query="climate OR senate",
        filters={
            "authors": FacetFilter(include={"Alice Adams", "Dan Dole"}),
            "publication": FacetFilter(exclude={"Evening Star"}),
        },
        date_from=D(2016, 1, 1),
        date_to=D(2016, 11, 30),
        sort="newest",
        page_size=2,
    )
    expected = engine.search(request).to_dict()
    printed.pop("elapsed_ms")
    expected.pop("elapsed_ms")
    assert printed == expected
    titles = [h["title"] for h in printed["hits"]]
    assert titles == ["Senate passes climate bill", "Election results in Ohio"]


def test_cli_human_output(index_dir, capsys):
    code, out, err = cli(capsys, "search", "volcano", "--index", str(index_dir), "--facets")
    assert (code, err) == (0, "")
    assert out.startswith("2 articles, showing 1-2 (")
    assert out.index("Volcano erupts in Iceland") < out.index("Travel news roundup")
    assert "Erin Evans — Daily Planet" in out or "Erin Evans" in out
    assert "\x1b[" not in out  # no colour when not a terminal


@pytest.mark.parametrize("query", ["x" * 2500, "date:2016-13", "after:yesterday"])
def test_cli_bad_query_exits_1_without_traceback(index_dir, capsys, query):
    code, out, err = cli(capsys, "search", query, "--index", str(index_dir))
    assert code == 1
    assert out == ""
    assert err.startswith("searchtui: bad query: ")
    assert "Traceback" not in err


def test_a_query_of_operators_alone_lists_every_article_and_says_so(engine, index_dir, capsys):
    everything = run(engine, "")
    for query in ("NOT", "title:(", "the AND"):
        result = run(engine, query)
        assert result.total == everything.total > 0
        assert result.notice == "no words to search for: showing every article"
        assert not result.ranked
    assert everything.notice is None and not everything.ranked
    assert run(engine, "volcano").notice is None and run(engine, "volcano").ranked
    code, out, err = cli(capsys, "search", "NOT", "--index", str(index_dir))
    assert code == 0 and "Note: no words to search for: showing every article" in out
    assert out.splitlines()[0].endswith(" ms, sorted by newest)")
    code, out, err = cli(capsys, "search", "NOT", "--index", str(index_dir), "--json")
    assert json.loads(out)["notice"] == "no words to search for: showing every article"


@pytest.mark.parametrize("query", ['"white house', "(volcano", "NOT", "*", "AND", "title:"])
def test_cli_odd_queries_do_not_fail(index_dir, capsys, query):
    code, out, err = cli(capsys, "search", query, "--index", str(index_dir), "--json")
    assert "Traceback" not in err
    assert code == 0 or err.startswith("searchtui: bad query: ")
    if code == 0:
        assert json.loads(out)["query"] == query


def test_cli_similar_json_is_more_like_this(engine, index_dir, capsys):
    key = next(h.key for h in run(engine, "person:obama").hits)
    code, out, err = cli(capsys, "search", "--similar", key, "--json", "--index", str(index_dir))
    assert (code, err) == (0, "")
    printed = json.loads(out)
    expected = engine.more_like_this(key, SearchRequest(page_size=10)).to_dict()
    for d in (printed, expected):
        d.pop("elapsed_ms")
    assert printed == expected
    assert Path(printed["hits"][0]["path"]).stem == "senate_copy"


def test_cli_similar_to_an_unknown_article(index_dir, capsys):
    code, out, err = cli(capsys, "search", "--similar", "/no/such.md", "--index", str(index_dir))
    assert code == 1 and "Traceback" not in err and "no article" in err


def test_stats(engine):
    stats = engine.stats()
    assert {k: stats[k] for k in ("articles", "undated", "first_date", "last_date")} == {
        "articles": len(ARTICLES),
        "undated": 1,
        "first_date": "2009-03-01",
        "last_date": "2017-01-05",
    }
    assert {k: stats[k] for k in stats if k.startswith("distinct_")} == {
        "distinct_publication": 4,
        "distinct_authors": 7,
        "distinct_people": 2,
        "distinct_organisations": 2,
        "distinct_places": 3,
    }


@pytest.mark.parametrize("query, sort", [("", "newest"), ("", "oldest"), ("", "relevance"),
                                         ("the", "newest"), ("the", "oldest"),
                                         ("the", "relevance"), ("said people", "relevance")])
def test_small_pages_of_a_large_result_follow_the_full_order(
    wikinews_dir, tmp_path, query, sort, counting
):
    """Only a page's worth of a large result is sorted: page after page, the hits are
    those of sorting the whole result (undated, same-day and tied articles included),
    with the best found in compiled loops or by numpy."""
    root = tmp_path / "ix"
    build_index([wikinews_dir], root, config=Config(extractor="none"), workers=1)
    with SearchEngine.open(root) as engine:
        whole = engine.search(SearchRequest(query=query, sort=sort, page_size=1000,
                                            snippets=False))
        assert whole.total > 100
        paged = []
        for page in range(1, 9):
            r = engine.search(SearchRequest(query=query, sort=sort, page=page, page_size=7,
                                            snippets=False))
            paged += [h.path for h in r.hits]
        assert paged == [h.path for h in whole.hits][: len(paged)]


PARALLEL_REQUESTS = [
    dict(query=""),
    dict(query="house", facet_limit=2),
    dict(query="", filters={"publication": FacetFilter({"Daily Planet"})}),
    dict(query="the", filters={"publication": FacetFilter(exclude={"Daily Planet"})}),
    dict(query="", count="stories", collapse=True),
    dict(query="volcano", histogram=False),
    dict(query="nothingmatchesthis"),
]


@pytest.mark.parametrize("kw", PARALLEL_REQUESTS)
def test_facets_counted_on_threads_are_those_counted_in_line(engine, monkeypatch, kw):
    from searchtui import search as search_mod

    def plain(result):
        d = result.to_dict()
        d.pop("elapsed_ms")
        return d

    in_line = plain(run(engine, **kw))
    monkeypatch.setattr(search_mod, "PARALLEL_FROM", 0)
    threaded = plain(run(engine, **kw))
    assert engine._threads is not None  # the threads did the counting
    assert threaded == in_line
