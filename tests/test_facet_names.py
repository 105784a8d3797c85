"""Names typed after facet fields: an unquoted name is every value holding its words, a
quoted one the value spelled so, and both take the other spellings the entity alias
table gives (the shipped table, or the one a user's configuration names)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_search import build
from whoosh import query as wq

from searchtui.config import Config
from searchtui.entities import alias_table
from searchtui.errors import ConfigError, QueryError
from searchtui.facets import FacetIndex
from searchtui.models import SearchRequest
from searchtui.names import NameTable, matching_values
from searchtui.ner.aliases import load_aliases
from searchtui.schema import fold_name
from searchtui.search import SearchEngine


def meta(pub: str, authors: list[str], **entities: list[str]) -> dict:
    return dict(authors=authors, publication=pub, entities=entities)


# name: (title, body, front matter); entities are given, not extracted
ARTICLES = {
    "hillary": (
        "Campaign stop in Ohio",
        "The candidate spoke about jobs.",
        meta("Newsmax - News", ["Ann Lee"], people=["Hillary Clinton"], places=["United States"],
             organisations=["United Nations"]),
    ),
    "hillary2": (
        "Debate night",
        "The debate was about trade.",
        meta("Newsmax", ["Ann Lee"], people=["Hillary Clinton", "Donald Trump"],
             places=["United States"]),
    ),
    "bill": (
        "A former president returns",
        "He spoke at the library opening.",
        meta("Newsmax - Opinion", ["Ben Ode"], people=["Bill Clinton"],
             places=["United Kingdom"], organisations=["European Union"]),
    ),
    "surname": (
        "Clinton in the polls",
        "The name came up in the polls.",
        meta("ABC News (Online)", ["Cy Dunn"], people=["Clinton"], places=["Latin America"]),
    ),
    "lookalike": (
        "A novelist",
        "Her new book is out.",
        meta("ABC", ["Cy Dunn"], people=["Clintonova Petra", "José Martí"],
             places=["U.S. Virgin Islands"], organisations=["UN Security Council"]),
    ),
    "nakasone": (
        "Tokyo summit",
        "The prime minister met his guests.",
        meta("The Washington Times", ["Dee Fox"], people=["Yasuhiro Nakasone"], places=["Japan"]),
    ),
    "surname2": (
        "A visit",
        "He came to town.",
        meta("The Washington Times", ["Dee Fox"], people=["Nakasone"], places=["Lost City"]),
    ),
    "atlantis": (
        "Myths",
        "An island that sank.",
        meta("Reuters", ["Ed Gray"], places=["Atlantis"]),
    ),
}

#: a user's alias file, laid over the shipped one (the index above was built without it)
USER_ALIASES = "places:\n  Atlantis: [Lost City, Atlantis Island]\n"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return build(tmp_path_factory, "names", ARTICLES)


@pytest.fixture(scope="module")
def engine(index_dir):
    with SearchEngine.open(index_dir) as eng:
        yield eng


@pytest.fixture(scope="module")
def user_engine(index_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("names-config")
    (folder / "aliases.yaml").write_text(USER_ALIASES, encoding="utf-8")
    config = Config(entities="aliases.yaml", source=str(folder / "searchtui.yaml"))
    with SearchEngine.open(index_dir, alias_table(config)) as eng:
        yield eng


def found(engine, query: str) -> set[str]:
    result = engine.search(SearchRequest(query=query, page_size=100))
    assert result.total == len(result.hits)
    return {Path(h.path).stem for h in result.hits}


@pytest.mark.parametrize(
    "query, expected",
    [
        # unquoted: every value holding the words, whole words only
        ("person:clinton", {"hillary", "hillary2", "bill", "surname"}),
        ("person:CLINTON", {"hillary", "hillary2", "bill", "surname"}),
        ("person:nakasone", {"nakasone", "surname2"}),
        ("person:clint*", {"hillary", "hillary2", "bill", "surname", "lookalike"}),
        ("person:marti", {"lookalike"}),
        ("person:martí", {"lookalike"}),
        # quoted: the value spelled so (case, accents, spaces and punctuation aside)
        ('person:"hillary clinton"', {"hillary", "hillary2"}),
        ('person:"Hillary  CLINTON"', {"hillary", "hillary2"}),
        ('person:"clinton"', {"surname"}),
        ('person:"yasuhiro nakasone"', {"nakasone"}),
        ('person:"jose marti"', {"lookalike"}),
        # the alias table: the typed spelling names its entity
        ('person:"hillary rodham clinton"', {"hillary", "hillary2"}),
        ('person:"hillary"', {"hillary", "hillary2"}),
        ("person:trump", {"hillary2"}),
        ("place:us", {"hillary", "hillary2"}),
        ("place:usa", {"hillary", "hillary2"}),
        ("place:america", {"hillary", "hillary2", "surname"}),
        ("place:u.s.", {"hillary", "hillary2", "lookalike"}),
        ("place:u.s", {"hillary", "hillary2", "lookalike"}),
        ('place:"u.s."', {"hillary", "hillary2"}),
        ('place:"united states"', {"hillary", "hillary2"}),
        ("place:uk", {"bill"}),
        ("place:britain", {"bill"}),
        ("org:un", {"hillary", "lookalike"}),
        ('org:"un"', {"hillary"}),
        ("org:eu", {"bill"}),
        ("entity:us", {"hillary", "hillary2"}),
        # publications and authors follow the same rule
        ("publication:newsmax", {"hillary", "hillary2", "bill"}),
        ('pub:"newsmax"', {"hillary2"}),
        ("pub:abc", {"surname", "lookalike"}),
        ('pub:"abc news (online)"', {"surname"}),
        ('pub:"washington times"', {"nakasone", "surname2"}),  # an alias of The Washington Times
        ("pub:times", {"nakasone", "surname2"}),
        ("author:lee", {"hillary", "hillary2"}),
        ('author:"ann lee"', {"hillary", "hillary2"}),
        ('author:"lee"', set()),
        # the user's alias file is not in use here
        ('place:"lost city"', {"surname2"}),
    ],
)
def test_names_after_facet_fields(engine, query, expected):
    assert found(engine, query) == expected


def test_several_words_unquoted_are_the_field_and_then_plain_words(engine):
    # the field takes the first word; the next is a word of the title or body
    either = wq.Or([wq.Term("title", "clinton"), wq.Term("body", "clinton")])
    assert engine.parse("person:hillary clinton").query == wq.And(
        [wq.Term("people", "hillary"), either]
    )
    assert found(engine, "person:clinton polls") == {"surname"}
    assert found(engine, "person:(hillary clinton)") == {"hillary", "hillary2"}


@pytest.mark.parametrize(
    "wide, narrow",
    [
        ("person:clinton", 'person:"hillary clinton"'),
        ("person:clinton", 'person:"bill clinton"'),
        ("person:clinton", 'person:"clinton"'),
        ("person:nakasone", 'person:"yasuhiro nakasone"'),
        ("place:us", 'place:"united states"'),
        ("place:america", 'place:"america"'),
        ("publication:newsmax", 'pub:"newsmax - news"'),
        ("org:un", 'org:"united nations"'),
    ],
)
def test_an_unquoted_name_finds_at_least_what_a_quoted_one_does(engine, wide, narrow):
    assert found(engine, wide) >= found(engine, narrow) > set()


def test_the_users_alias_file_names_entities_too(engine, user_engine):
    assert found(user_engine, 'place:"lost city"') == {"surname2", "atlantis"}
    assert found(user_engine, "place:atlantis") == {"surname2", "atlantis"}
    assert found(user_engine, 'place:"atlantis island"') == {"surname2", "atlantis"}
    assert found(engine, "place:atlantis") == {"atlantis"}
    # the shipped table is still there beneath it
    assert found(user_engine, "place:us") == {"hillary", "hillary2"}


def test_a_missing_alias_file_is_a_configuration_error(tmp_path):
    config = Config(entities="nowhere.yaml", source=str(tmp_path / "searchtui.yaml"))
    with pytest.raises(ConfigError, match="entity alias file not found"):
        alias_table(config)


def test_the_shipped_table_knows_the_common_short_forms():
    names = NameTable(load_aliases())
    cases = {
        ("places", "United States"): ["US", "U.S.", "USA", "U.S.A.", "America"],
        ("places", "United Kingdom"): ["UK", "U.K.", "Britain", "Great Britain"],
        ("organisations", "United Nations"): ["UN", "U.N."],
        ("organisations", "European Union"): ["EU", "E.U."],
    }
    for (field, canonical), short in cases.items():
        for spelling in short:
            assert fold_name(canonical) in names.spellings(field, fold_name(spelling)), spelling


# -- the word and name indexes against a plain scan of every value


def scan(values: list[str], text: str, quoted: bool) -> list[int]:
    """What matching_values gives without an alias table, value by value."""
    name = fold_name(text)
    if not name:
        return []
    out = []
    for i, v in enumerate(values):
        have = fold_name(v)
        if quoted:
            hit = have == name
        else:
            hit = f" {name} " in f" {have} "
        if hit:
            out.append(i)
    return out


WORDS = st.sampled_from(
    ["ann", "Ann", "Lee", "lée", "lee-ann", "de", "U.S.", "us", "x_y", "Ó", "2"]
)
VALUES = st.lists(st.lists(WORDS, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=30,
                  unique=True)


@settings(max_examples=200, deadline=None)
@given(VALUES, st.lists(WORDS, min_size=1, max_size=3).map(" ".join), st.booleans())
def test_the_indexes_match_what_a_scan_finds(values, text, quoted):
    values = sorted(values)
    fidx = FacetIndex.from_postings(
        "people", {v: np.array([i], dtype=np.int32) for i, v in enumerate(values)}, len(values)
    )
    assert matching_values(fidx, text, quoted=quoted, names=None) == scan(values, text, quoted)


FIELDS = st.sampled_from(["person:", "org:", "place:", "pub:", "author:", "entity:"])
NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=200, deadline=None)
@given(FIELDS, NAMES, st.sampled_from(["{}", '"{}"', "{}*", "({})", "-{}"]))
def test_any_name_after_a_facet_field_is_searched_or_explained(engine, field, name, form):
    try:
        result = engine.search(SearchRequest(query=field + form.format(name)))
    except QueryError as exc:
        assert str(exc)
    else:
        assert result.total >= len(result.hits)
