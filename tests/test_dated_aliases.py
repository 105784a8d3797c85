"""Aliases that hold for a range of dates: read from the file, applied by article date."""

from __future__ import annotations

import datetime as dt

import pytest

from searchtui.entities import RuleExtractor
from searchtui.errors import ConfigError
from searchtui.models import Article
from searchtui.ner.aliases import Aliases, load_aliases

D = dt.date


def load(tmp_path, text: str) -> Aliases:
    p = tmp_path / "entities.yaml"
    p.write_text(text, encoding="utf-8")
    return load_aliases(p)


def test_the_shipped_table_reads_ec_by_date():
    aliases = load_aliases()
    assert aliases.lookup("EC") == ("ORG", "European Commission")
    assert aliases.on(D(1987, 3, 1)).lookup("EC") == ("ORG", "European Community")
    assert aliases.on(D(1993, 10, 31)).lookup("EC") == ("ORG", "European Community")
    assert aliases.on(D(1993, 11, 1)) is aliases
    assert aliases.on(None) is aliases
    # the view of one date is made once
    assert aliases.on(D(1987, 3, 1)) is aliases.on(D(1990, 1, 1))


def test_ranges_with_from_and_until(tmp_path):
    aliases = load(tmp_path, """
organisations:
  Common Market: [{name: CM, until: 1969-12-31}]
  Central Midlands: [{name: CM, from: 1970-01-01, until: '1999-12-31'}]
  Cool Media: [CM]
""")
    assert aliases.on(D(1960, 1, 1)).lookup("CM") == ("ORG", "Common Market")
    assert aliases.on(D(1980, 1, 1)).lookup("CM") == ("ORG", "Central Midlands")
    assert aliases.on(D(2005, 1, 1)).lookup("CM") == ("ORG", "Cool Media")
    assert aliases.lookup("CM") == ("ORG", "Cool Media")
    # the canonical names are known whatever the date
    assert aliases.lookup("Common Market") == ("ORG", "Common Market")


def test_a_user_file_replaces_a_spellings_dated_names_and_keeps_the_undated_one(tmp_path):
    aliases = load(tmp_path, """
organisations:
  Economic Council: [{name: EC, until: 1980-12-31}]
""")
    assert aliases.on(D(1975, 1, 1)).lookup("EC") == ("ORG", "Economic Council")
    assert aliases.on(D(1987, 1, 1)).lookup("EC") == ("ORG", "European Commission")
    assert aliases.lookup("EC") == ("ORG", "European Commission")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("organisations:\n  X Corp: [{name: XC}]\n", "needs from or until"),
        ("organisations:\n  X Corp: [{until: 1990-01-01}]\n", "needs a name"),
        ("organisations:\n  X Corp: [{name: XC, until: March 1990}]\n",
         "expected a date as YYYY-MM-DD"),
        ("organisations:\n  X Corp: [{name: XC, from: 1991-01-01, until: 1990-01-01}]\n",
         "from 1991-01-01 is after until 1990-01-01"),
        ("organisations:\n  X Corp: [{name: XC, untill: 1990-01-01}]\n", "unknown key 'untill'"),
        ("organisations:\n  X Corp: [{name: XC, until: 1990-01-01}]\n"
         "  Y Corp: [{name: XC, from: 1989-06-01}]\n", "overlap"),
        ("organisations:\n  X Corp: [{name: XC, until: 1990-01-01}, 3]\n",
         "aliases must be a list of names"),
    ],
)
def test_bad_dated_aliases_are_refused_naming_the_file_and_problem(tmp_path, text, problem):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    assert "entities.yaml" in str(err.value)
    assert problem in str(err.value)


def test_a_dated_alias_names_no_file_content_for_a_file_not_named_yaml(tmp_path):
    p = tmp_path / "aliases.txt"
    p.write_text("organisations:\n  Secret Name: [{name: SN, until: March 1990}]\n")
    with pytest.raises(ConfigError) as err:
        load_aliases(p)
    assert "Secret Name" not in str(err.value)
    assert "expected a date" in str(err.value)


def test_the_extractor_reads_an_article_with_its_dates_aliases():
    ext = RuleExtractor(load_aliases())
    body = "Brussels - EC farm ministers met on Monday. The EC said it would act."

    def orgs(day):
        article = Article(key="k", path="p", title="Farm talks", body=body, date=day)
        return ext.article_entities(article)["organisations"]

    assert orgs(D(1987, 3, 1)) == ["European Community"]
    assert orgs(D(2004, 3, 1)) == ["European Commission"]
    assert orgs(None) == ["European Commission"]
    # front matter names go through the same table
    article = Article(key="k", path="p", title="t", body="", date=D(1987, 3, 1),
                      entities={"organisations": ["EC"]})
    assert ext.article_entities(article)["organisations"] == ["European Community"]
