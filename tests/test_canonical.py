"""One value per entity and per author: the corpus-level table of spellings, the acronyms
articles spell out, and names seen only in capitals."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchtui.canonical import (
    MIN_DOCS,
    acronym_pairs,
    canonical_list,
    canonical_names,
    company_key,
    corpus_names,
    evidence_terms,
    name_case,
    parse_evidence,
)

# ----------------------------------------------------------------- bare surnames


def test_a_bare_surname_joins_the_one_full_name_with_weight():
    counts = {"Reagan": 102, "Ronald Reagan": 40, "Nancy Reagan": 3, "Ronald": 2}
    assert canonical_names("people", counts) == {"Reagan": "Ronald Reagan"}


def test_a_bare_surname_stays_when_two_full_names_share_the_weight():
    counts = {"Clinton": 300, "Bill Clinton": 120, "Hillary Clinton": 150}
    assert canonical_names("people", counts) == {}


@pytest.mark.parametrize(
    "full, other, joins",
    [
        (80, 20, True),  # exactly the share
        (79, 21, False),  # just under it
        (MIN_DOCS, 0, True),  # the fewest articles a full name needs
        (MIN_DOCS - 1, 0, False),  # one fewer: too little to go on
    ],
)
def test_dominance_thresholds(full, other, joins):
    counts = {"Smith": 50, "John Smith": full}
    if other:
        counts["Jane Smith"] = other
    assert (canonical_names("people", counts) == {"Smith": "John Smith"}) is joins


def test_a_surname_is_read_past_jr_and_iii():
    counts = {"Mueller": 9, "Robert Mueller III": 10}
    assert canonical_names("people", counts) == {"Mueller": "Robert Mueller III"}
    counts = {"King": 9, "Martin Luther King Jr.": 10}
    assert canonical_names("people", counts) == {"King": "Martin Luther King Jr."}


def test_surnames_join_people_only():
    counts = {"Ford": 40, "Gerald Ford": 30}
    assert canonical_names("people", counts) == {"Ford": "Gerald Ford"}
    assert canonical_names("organisations", counts) == {}
    assert canonical_names("places", {"Washington": 50, "George Washington": 30}) == {}


# ----------------------------------------------------------------- case and accents


def test_authors_differing_by_case_are_one_shown_in_the_common_mixed_case():
    counts = {"JULIE VORMAN": 7, "Julie Vorman": 3, "julie vorman": 1}
    assert canonical_names("authors", counts) == {
        "JULIE VORMAN": "Julie Vorman", "julie vorman": "Julie Vorman",
    }


def test_a_name_seen_only_in_capitals_is_cased():
    assert canonical_names("authors", {"TED D'AFFLISIO": 4}) == {
        "TED D'AFFLISIO": "Ted D'Afflisio"
    }
    assert canonical_names("authors", {"Ted D'Afflisio": 1}) == {}
    # an agency's initials, and people the extractor found in capitals, stay so
    assert canonical_names("authors", {"AFP": 4, "UPI": 2}) == {}
    assert canonical_names("people", {"AOC": 3}) == {}
    assert canonical_names("people", {"AOC": 3, "Aoc": 1}) == {"AOC": "Aoc"}


def test_accents_join_and_the_accented_spelling_wins_a_tie():
    counts = {"Daniel González": 1, "Daniel Gonzalez": 1}
    assert canonical_names("authors", counts) == {"Daniel Gonzalez": "Daniel González"}
    counts = {"Daniel González": 1, "Daniel Gonzalez": 5}
    assert canonical_names("authors", counts) == {"Daniel González": "Daniel Gonzalez"}


def test_organisations_keep_their_most_common_spelling_even_in_capitals():
    assert canonical_names("organisations", {"NATO": 50, "Nato": 10}) == {"Nato": "NATO"}


@pytest.mark.parametrize(
    "caps, cased",
    [
        ("TED D'AFFLISIO", "Ted D'Afflisio"),
        ("SEAN O'HARA", "Sean O'Hara"),
        ("JAMES MCDONALD", "James McDonald"),
        ("DOUGLAS MACARTHUR", "Douglas MacArthur"),
        ("LUIS MACHADO", "Luis Machado"),  # not every Mac is a Mac
        ("MARY ANNE SMITH-JONES", "Mary Anne Smith-Jones"),
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        ("JUAN DE LA CRUZ", "Juan de la Cruz"),
        ("WERNHER VON BRAUN", "Wernher von Braun"),
        ("VAN MORRISON", "Van Morrison"),  # a particle first is a name
        ("HENRY FORD III", "Henry Ford III"),
        ("SAMMY DAVIS JR.", "Sammy Davis Jr."),
        ("J. EDGAR HOOVER", "J. Edgar Hoover"),
    ],
)
def test_name_case(caps, cased):
    assert name_case(caps) == cased


# ----------------------------------------------------------------- companies


def test_company_suffix_variants_are_one_shown_in_the_most_common_spelling():
    counts = {"Ford Motor Co": 50, "Ford Motor Co.": 10, "Ford Motor Company": 5, "Ford": 100}
    table = canonical_names("organisations", counts)
    assert table == {
        "Ford Motor Co.": "Ford Motor Co",
        "Ford Motor Company": "Ford Motor Co",
        "Ford": "Ford Motor Co",
    }


def test_company_key():
    assert company_key("the boeing co.") == ("boeing", True)
    assert company_key("j.p. morgan & co") == ("j.p. morgan", True)
    assert company_key("general motors corp") == ("general motors", True)
    assert company_key("senate judiciary committee") == ("senate judiciary committee", False)
    assert company_key("co") == ("co", False)


def test_a_bare_name_joins_only_a_company():
    # "Senate Judiciary Committee" is no company: "Senate" stays itself
    counts = {"Senate": 500, "Senate Judiciary Committee": 80}
    assert canonical_names("organisations", counts) == {}


def test_a_bare_name_stays_when_two_companies_start_with_it():
    counts = {"Ford": 100, "Ford Motor Co": 50, "Ford Foundation Inc": 40}
    assert canonical_names("organisations", counts) == {}


def test_a_bare_name_that_is_a_person_stays_a_person():
    counts = {"people": {"Ford": 10}, "organisations": {"Ford Motor Co": 20}}
    assert corpus_names(counts) == {"people": {}, "organisations": {}}


# ----------------------------------------------------------------- acronyms


def test_an_acronym_joins_the_full_name_the_corpus_spells_out():
    counts = {"IBM": 200, "International Business Machines Corp": 40}
    evidence = {("IBM", "International Business Machines Corp"): 12}
    assert canonical_names("organisations", counts, evidence) == {
        "IBM": "International Business Machines Corp"
    }


def test_an_acronym_joins_a_full_name_spelled_with_another_suffix():
    counts = {"IBM": 200, "International Business Machines": 40}
    evidence = {("IBM", "International Business Machines Corp"): 12}
    assert canonical_names("organisations", counts, evidence) == {
        "IBM": "International Business Machines"
    }


def test_an_acronym_whose_full_name_is_no_value_is_shown_as_it():
    counts = {"USDA": 30}
    evidence = {("USDA", "U.S. Agriculture Department"): 3}
    assert canonical_names("organisations", counts, evidence) == {
        "USDA": "U.S. Agriculture Department"
    }


def test_an_acronym_spelled_out_two_ways_stays_itself():
    counts = {"EC": 80, "European Community": 20, "European Commission": 20}
    evidence = {("EC", "European Community"): 5, ("EC", "European Commission"): 4}
    assert canonical_names("organisations", counts, evidence) == {}
    # one way far more often: it wins
    evidence = {("EC", "European Community"): 40, ("EC", "European Commission"): 1}
    assert canonical_names("organisations", counts, evidence) == {"EC": "European Community"}


def test_acronyms_join_places_and_never_people():
    evidence = {("UAE", "United Arab Emirates"): 2}
    assert canonical_names("places", {"UAE": 9}, evidence) == {"UAE": "United Arab Emirates"}
    assert canonical_names("people", {"UAE": 9}, evidence) == {}


@pytest.mark.parametrize(
    "text, pairs",
    [
        ("said International Business Machines Corp (IBM) on Monday",
         {("IBM", "International Business Machines Corp")}),
        ("agents of the Federal Bureau of Investigation (FBI) said",
         {("FBI", "Federal Bureau of Investigation")}),
        ("officials at the U.S. Agriculture Department (USDA) said",
         {("USDA", "U.S. Agriculture Department")}),
        ("shares of Procter & Gamble Co (PG) rose", {("PG", "Procter & Gamble Co")}),
        ("the Organization of Petroleum Exporting Countries (OPEC) met",
         {("OPEC", "Organization of Petroleum Exporting Countries")}),
        ("a trial of Acme Widgets (ACME) began", set()),  # the letters do not match
        ("the company (IBM) said", set()),  # no capitalised name before it
        ("he left Ohio. Ford Motor Co (FMC) said", {("FMC", "Ford Motor Co")}),
        ("International Business Machines(IBM)", set()),  # no space: not a name's gloss
    ],
)
def test_acronym_pairs(text, pairs):
    assert acronym_pairs(text) == pairs


def test_evidence_terms_round_trip():
    terms = evidence_terms("the Federal Bureau of Investigation (FBI) and the "
                           "Central Intelligence Agency (CIA)")
    assert [parse_evidence(t) for t in terms] == [
        ("CIA", "Central Intelligence Agency"), ("FBI", "Federal Bureau of Investigation"),
    ]
    assert parse_evidence("no separator") is None


# ----------------------------------------------------------------- the table as a whole


def test_the_table_does_not_depend_on_the_order_of_the_counts():
    counts = {
        "Reagan": 102, "Ronald Reagan": 40, "REAGAN": 3, "Nancy Reagan": 2,
        "Clinton": 30, "Bill Clinton": 20, "Hillary Clinton": 20,
        "JULIE VORMAN": 4, "Julie Vorman": 4,
    }
    evidence = {("IBM", "International Business Machines Corp"): 2, ("IBM", "IBM Corp"): 0}
    orgs = {"IBM": 9, "Ford Motor Co": 5, "Ford Motor Co.": 5, "Ford": 7, "ford motor company": 1}
    first = (canonical_names("people", counts), canonical_names("organisations", orgs, evidence))
    for perm in itertools.islice(itertools.permutations(counts.items()), 0, 200, 7):
        shuffled_orgs = dict(reversed(list(orgs.items())))
        shuffled_evidence = dict(reversed(list(evidence.items())))
        again = (
            canonical_names("people", dict(perm)),
            canonical_names("organisations", shuffled_orgs, shuffled_evidence),
        )
        assert again == first
    assert first[0]["REAGAN"] == "Ronald Reagan"
    assert first[0]["Reagan"] == "Ronald Reagan"
    assert "Clinton" not in first[0]


def test_publication_values_are_left_as_they_are():
    assert canonical_names("publication", {"REUTERS": 3, "Reuters": 9}) == {}


def test_canonical_list_keeps_order_and_drops_repeats():
    table = {"Reagan": "Ronald Reagan"}
    assert canonical_list(["Reagan", "Ronald Reagan", "Bob"], table) == ["Ronald Reagan", "Bob"]


def test_an_acronym_spelled_out_in_few_of_its_articles_stays_itself():
    # used in 400 articles, spelled out as something else in two: not enough to go on
    counts = {"NPR": 400}
    evidence = {("NPR", "National Population Register"): 2}
    assert canonical_names("organisations", counts, evidence) == {}
    evidence = {("NPR", "National Public Radio"): 20}  # one in twenty: enough
    assert canonical_names("organisations", counts, evidence) == {"NPR": "National Public Radio"}


def test_acronym_pairs_leave_out_a_possessive_and_a_leading_of():
    text = "the Federal Bureau of Investigation’s (FBI) files; the Office Of Management (OM)"
    assert acronym_pairs(text) == {
        ("FBI", "Federal Bureau of Investigation"), ("OM", "Office Of Management"),
    }


def test_a_bare_word_found_far_more_often_than_the_company_stays():
    counts = {"June": 40, "June Medical Services LLC": 6}
    assert canonical_names("organisations", counts) == {}
    counts = {"June": 30, "June Medical Services LLC": 6}  # one in five: joins
    assert canonical_names("organisations", counts) == {"June": "June Medical Services LLC"}


def test_a_name_suffix_is_no_surname():
    assert canonical_names("people", {"III": 5, "George III": 4}) == {}


def test_an_acronym_must_be_written_in_capitals():
    evidence = {("LIFE", "Living Infants Fairness and Equality"): 3}
    assert canonical_names("places", {"Life": 2}, evidence) == {}
    assert canonical_names("organisations", {"LIFE": 2, "Life": 1}, evidence) == {
        "LIFE": "Living Infants Fairness and Equality",
        "Life": "Living Infants Fairness and Equality",
    }


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(list("(()) ..\t\nABCXYZaz9_é")), max_size=60))
def test_acronyms_are_found_where_a_look_back_first_finds_them(text):
    """The acronym pattern looks back after the parenthesis: the same matches as
    looking back first, at every place."""
    import re

    from searchtui import canonical

    reference = re.compile(r"(?<=[\w.]\s)\(([A-Z]{2,8})\)")
    assert [(m.span(), m.group(1)) for m in canonical._ACRONYM.finditer(text)] == [
        (m.span(), m.group(1)) for m in reference.finditer(text)
    ]
