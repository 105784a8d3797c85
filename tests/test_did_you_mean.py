"""Did you mean: one or two edits (a swap of neighbouring letters is one), the fewest
edits first, then the most common word, then alphabetical; a word the articles
write is left alone unless a far more common word is one or two edits away.

Two edits are found where the stems are two edits apart as well: "imigraton" (its
stem is the whole word) gets no suggestion although "immigration" is two edits away."""

from __future__ import annotations

import datetime as dt

import pytest
from test_search import build

from searchtui import suggest
from searchtui.models import SearchRequest
from searchtui.search import SearchEngine

SENTENCES = [
    "The government will receive the tariff report before congress votes.",
    "Congress asked the government about the tariff on steel.",
    "The environment minister met business leaders and a candidate for mayor.",
    "Immigration and the environment were the topics of the candidate's speech.",
    "Business groups said the tariffs would hurt their prospects this year.",
    "Meals were served in the hall as the government spoke of growth prospects.",
]


def article(i: int, *extra: str) -> tuple[str, str, dict]:
    body = " ".join([SENTENCES[i % len(SENTENCES)], SENTENCES[(i + 1) % len(SENTENCES)], *extra])
    return (f"Daily report {i}", body, dict(publication="Ledger", date=dt.date(2020, 1, 1 + i)))


# every sentence is in eight articles; a few words are rarer on purpose
ARTICLES = {f"a{i:02d}": article(i) for i in range(24)}
ARTICLES["a00"] = article(0, "The prospectus of the fund was filed.")  # a rare, real word
for i in range(1, 7):  # "canter" in six articles, "center" in all of them
    ARTICLES[f"a{i:02d}"] = article(i, "The horse went at a canter past the center.")
for i in range(7, 24):
    ARTICLES[f"a{i:02d}"] = article(i, "They met at the center.")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with SearchEngine.open(build(tmp_path_factory, "did-you-mean", ARTICLES)) as eng:
        yield eng


@pytest.mark.parametrize(
    "typed, meant",
    [
        # two edits
        ("tarrif", "tariff"),
        ("tarrifs", "tariffs"),
        ("enviorment", "environment"),
        ("Enviorment", "Environment"),
        ("buisnes", "business"),
        ("recieev", "receive"),
        # one edit; a swap of neighbouring letters is one
        ("goverment", "government"),
        ("govermnent", "government"),
        ("congresss", "congress"),
        ("recieve", "receive"),
        ("canidate", "candidate"),
        ("busines", "business"),
        ("immigraiton", "immigration"),
        ("enviromnent", "environment"),
        # in a query, other words kept
        ("steel tarrif", "steel tariff"),
        ("goverment tarrif -steel", "government tariff -steel"),
    ],
)
def test_misspellings_get_the_word_meant(engine, typed, meant):
    assert engine.suggest(typed) == meant
    assert engine.search(SearchRequest(query=meant)).total > 0


def test_fewer_edits_win_over_a_more_common_word(engine):
    # "cantre" is one swap from "canter" (six articles), two edits from "center" (all)
    assert engine.suggest("cantre") == "canter"


def test_among_as_many_edits_the_more_common_word_wins(engine):
    # "cenetr" is one swap from "center" and two edits from "canter"
    assert engine.suggest("cenetr") == "center"


@pytest.mark.parametrize(
    "typed", ["prospectus", "tariff", "government", "congress", "receive", "canter", "prospects"]
)
def test_words_the_articles_write_get_no_suggestion(engine, typed):
    assert engine.suggest(typed) is None


def test_a_rare_written_word_gives_way_only_to_a_far_more_common_one(engine, monkeypatch):
    # "prospectus" is in one article, "prospects" (one edit away) in twice eight: not
    # enough for a word the articles write so, enough were it a hundredfold less strict
    assert engine.suggest("prospectus") is None
    fresh = SearchEngine.open(engine.root)
    try:
        monkeypatch.setattr(suggest, "SUGGEST_WRITTEN_RATIO", 10)
        assert fresh.suggest("prospectus") == "prospects"
    finally:
        fresh.close()


def test_short_words_are_at_most_one_edit_from_their_suggestion(engine):
    assert engine.suggest("meals") is None
    assert engine.suggest("maels") == "meals"
    assert engine.suggest("mlas") is None  # two edits from "meals", too short for that


@pytest.mark.parametrize(
    "typed, other",
    [
        ("thrall", "hall"),  # two letters in front
        ("regrowth", "growth"),
    ],
)
def test_two_edits_keep_the_first_letter(engine, typed, other):
    # a word is seldom mistyped at its start and somewhere else too: a common word two
    # edits away that starts otherwise ("zurich" and "rich") is another word
    assert engine.suggest(typed) is None
    assert engine.search(SearchRequest(query=other)).total > 0


def test_one_edit_may_change_the_first_letter(engine):
    assert engine.suggest("xhall") == "hall"
    assert engine.suggest("zmeals") == "meals"
    assert engine.suggest("kongress") == "congress"


def test_words_far_from_any_get_none(engine):
    assert engine.suggest("zqxjv") is None
    assert engine.suggest("trarriiff") is None  # three edits from "tariff"


def test_reading_the_word_lists_is_not_spent_from_the_budget(tmp_path_factory, monkeypatch):
    # A first suggestion on an index version reads its word lists; on a big
    # index or a slow machine that alone may outlast the budget, which is for
    # looking, so the first typo must still be corrected.
    from searchtui import lexicon as lexicon_module

    slow = lexicon_module.Lexicon._by_length  # the words grouped for edit distances

    def slow_grouping(self):
        import time

        if self._buckets is None:
            time.sleep(suggest.SUGGEST_BUDGET + 0.1)
        return slow(self)

    monkeypatch.setattr(lexicon_module.Lexicon, "_by_length", slow_grouping)
    with SearchEngine.open(build(tmp_path_factory, "cold-lists", ARTICLES)) as fresh:
        assert fresh.suggest("tarrif") == "tariff"


def test_known_words_are_the_same_from_the_word_lists_and_from_every_segment(
    tmp_path_factory,
):
    """Whether some article has a word is answered from the word lists once they are
    read, and from the segments' term tables before: the same answer either way."""
    from searchtui import lexicon as lexicon_module

    with SearchEngine.open(build(tmp_path_factory, "known-words", ARTICLES)) as fresh:
        speller = fresh._speller
        reader = fresh._data.reader
        probes = ["tariff", "govern", "canter", "prospectus", "daili", "report", "zzz",
                  "tarif", "center", "", "the", "a00", "ledger"]
        assert lexicon_module.made(reader, "body") is None
        before = [speller.known(p) for p in probes]
        assert before == [speller._doc_freq(p) > 0 for p in probes]
        assert any(before) and not all(before)
        speller._doc_freqs.clear()
        fresh.warm()
        assert lexicon_module.made(reader, "body") is not None
        assert [speller.known(p) for p in probes] == before
        assert not speller._doc_freqs  # answered by the lists alone
