"""Entity extraction on wire copy of another decade and house style.

The articles in ``tests/data/wire`` are written for these tests in the style of
1980s news-agency copy: headlines in capitals, datelines ("NEW YORK, March 3
-"), earnings and dividend tables, stock lists, results, brokerages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from searchtui.articles import read_file
from searchtui.entities import get_extractor
from searchtui.models import Mention

WIRE = Path(__file__).resolve().parent / "data" / "wire"


@pytest.fixture(scope="module")
def ext():
    return get_extractor()


def article_text(name: str) -> tuple[str, str]:
    """(title, the text the extractor reads: title, blank line, body)."""
    (article,) = read_file(WIRE / name).articles
    return article.title, f"{article.title}\n\n{article.body}"


def mentions(ext, name: str) -> tuple[str, list[Mention]]:
    title, text = article_text(name)
    return text, ext.extract(text)


def line_of(text: str, m: Mention) -> str:
    start = text.rfind("\n", 0, m.start) + 1
    end = text.find("\n", m.end)
    return text[start : end if end >= 0 else len(text)]


def of_type(ms: list[Mention], etype: str) -> set[str]:
    return {m.canonical for m in ms if m.type == etype}


def test_the_wire_articles_are_read_as_articles():
    files = sorted(WIRE.glob("*.txt"))
    assert len(files) == 10
    for path in files:
        (article,) = read_file(path).articles
        assert article.title.isupper()
        assert article.publication in ("Reuters", "AP")
        assert article.date is not None and article.date.year == 1987


@pytest.mark.parametrize("name", ["01_earnings.txt", "02_dividend.txt", "09_london.txt"])
def test_no_entity_from_a_table_line(ext, name):
    text, ms = mentions(ext, name)
    table_lines = [line for line in text.splitlines() if line.startswith("    ")]
    assert table_lines
    on_tables = [m.text for m in ms if line_of(text, m).startswith("    ")]
    assert on_tables == []
    names = {m.text for m in ms}
    for junk in ("Net", "Revs", "Shr", "Avg", "Qtly", "Pay April", "Record March", "FT-SE"):
        assert junk not in names


def test_results_lines_give_teams_only(ext):
    text, ms = mentions(ext, "10_results.txt")
    on_results = [m for m in ms if line_of(text, m).startswith("    ")]
    assert {m.type for m in on_results} == {"ORG"}
    assert {"Utrecht", "Groningen", "Den Bosch", "Roda JC"} <= {m.text for m in on_results}


@pytest.mark.parametrize(
    "name, place",
    [
        ("01_earnings.txt", "Cleveland"),
        ("02_dividend.txt", "Newark"),
        ("03_brokers.txt", "New York"),
        ("04_ratings.txt", "New York"),
        ("05_canada.txt", "Ottawa"),
        ("06_gatt.txt", "Geneva"),
        ("07_peking.txt", "Peking"),
        ("08_ap_style.txt", "Washington"),
        ("09_london.txt", "London"),
        ("10_results.txt", "Amsterdam"),
    ],
)
def test_dateline_place_is_a_place(ext, name, place):
    text, ms = mentions(ext, name)
    body_start = text.index("\n\n") + 2
    first = next(m for m in ms if m.start >= body_start)
    assert (first.type, first.canonical) == ("PLACE", place)
    assert first.text == place.upper()


def test_dateline_region_and_agency(ext):
    _, ms = mentions(ext, "02_dividend.txt")
    assert ("N.J.", "PLACE", "New Jersey") in {(m.text, m.type, m.canonical) for m in ms}
    _, ms = mentions(ext, "08_ap_style.txt")
    assert "AP" not in {m.text for m in ms}  # the agency credit is no entity of the story
    _, ms = mentions(ext, "07_peking.txt")
    assert "PEKING" not in {m.text for m in ms if m.type == "ORG"}


def test_brokerages_are_organisations_not_people(ext):
    _, ms = mentions(ext, "03_brokers.txt")
    orgs, people = of_type(ms, "ORG"), of_type(ms, "PERSON")
    firms = {
        "Merrill Lynch", "Smith Barney", "Salomon Brothers", "Morgan Stanley",
        "Dean Witter Reynolds Inc", "Kidder Peabody", "Shearson Lehman Brothers",
    }
    assert firms <= orgs
    assert people == {"Gordon Pike", "Ellen Marsh"}
    _, ms = mentions(ext, "09_london.txt")
    assert {"James Capel", "James Capel and Co", "Hoare Govett"} <= of_type(ms, "ORG")
    assert of_type(ms, "PERSON") == {"Martin Crane"}
    _, ms = mentions(ext, "05_canada.txt")
    assert {"Wood Gundy Inc", "Burns Fry Ltd", "Statistics Canada"} <= of_type(ms, "ORG")
    assert of_type(ms, "PERSON") == set()


def test_company_names_are_kept_whole(ext):
    found: set[str] = set()
    for name in ("01_earnings.txt", "02_dividend.txt", "04_ratings.txt", "07_peking.txt",
                 "09_london.txt"):
        found |= of_type(mentions(ext, name)[1], "ORG")
    whole = {
        "Halvorsen Industries Inc", "Tri-State Utilities Co", "Moody's Investors Service Inc",
        "Northfield Bancorp", "People's Bank of China", "Imperial Chemical Industries PLC",
        "Beecham Group Plc",
    }
    assert whole <= found
    assert "Investors Service Inc" not in found
    # the short form of a company named whole in the text is that company
    _, ms = mentions(ext, "04_ratings.txt")
    assert ("Moody", "ORG") in {(m.text, m.type) for m in ms}


def test_no_organisation_from_a_headline_in_capitals(ext):
    for path in sorted(WIRE.glob("*.txt")):
        title, text = article_text(path.name)
        ms = ext.extract(text)
        body_orgs = {m.canonical for m in ms if m.type == "ORG" and m.start > len(title)}
        known = {m.canonical for m in ms if m.type == "ORG" and m.start < len(title)}
        # a headline names an organisation only when the alias table or the body knows it
        for canonical in known - body_orgs:
            assert ext.aliases.lookup(canonical) is not None, (path.name, canonical)


def test_generic_heads_and_regions(ext):
    _, ms = mentions(ext, "06_gatt.txt")
    assert ("Far East", "PLACE") in {(m.text, m.type) for m in ms}
    assert of_type(ms, "PERSON") == {"Arthur Dunkel"}
    assert "General Agreement on Tariffs and Trade" in of_type(ms, "ORG")  # as GATT
    _, ms = mentions(ext, "07_peking.txt")
    assert "Central Bank" not in {m.text for m in ms}


def test_table_lines_inside_ordinary_text(ext):
    text = (
        "Acme Widget Corp said on Tuesday its board declared a dividend.\n"
        "Qtly div 12 cts vs 10 cts prior\n"
        "Pay April 15\n"
        "Record April 1\n"
        "Acme Widget makes widgets in Dayton, Ohio."
    )
    got = {(m.text, m.type) for m in ext.extract(text)}
    assert got == {
        ("Acme Widget Corp", "ORG"),
        ("Acme Widget", "ORG"),
        ("Dayton", "PLACE"),
        ("Ohio", "PLACE"),
    }


def test_a_full_name_heading_a_row_of_scores_is_a_person(ext):
    text = "Scores after round one:\n65 Walter Brannock\n66 Edna Farrow 68 67\nPRESTON 4 2 1 1"
    got = {(m.text, m.type) for m in ext.extract(text)}
    assert ("Edna Farrow", "PERSON") in got
    assert ("Walter Brannock", "PERSON") in got
    assert ("PRESTON", "ORG") in got


@pytest.mark.parametrize(
    "text, name",
    [
        ("Crowds filled the stadium at the Atlanta Games on Saturday.", "Atlanta Games"),
        ("She reached the final of the Madrid Open last spring.", "Madrid Open"),
        ("Tickets for the Glasgow Festival sold out in a day.", "Glasgow Festival"),
        ("He won the Sofia Marathon in record time.", "Sofia Marathon"),
        ("Fans queued for the Stanley Cup parade.", "Stanley Cup"),
    ],
)
def test_an_event_named_after_a_place_or_a_person_is_no_entity_of_those(ext, text, name):
    found = {m.text: m.type for m in ext.extract(text)}
    assert name not in found, found
    assert "PERSON" not in found.values(), found


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        ("NEWS SUMMARY - Chile - May 4.\n\nThe leading stories in Santiago papers.",
         "SUMMARY", {"Chile", "Santiago"}),
        ("WRAP - Markets - Traders in Tokyo sold the yen.", "WRAP", {"Tokyo"}),
        ("AGENCY ROUNDUP -- Talks in Geneva go on.", "ROUNDUP", {"Geneva"}),
    ],
)
def test_a_slug_in_capitals_before_the_story_is_no_organisation(ext, text, gone, kept):
    found = {m.text for m in ext.extract(text)}
    assert gone not in found
    assert kept <= found


def test_a_dateline_is_still_read_before_a_dash(ext):
    found = {m.text: m.type for m in ext.extract("LISBON - The central bank cut rates.")}
    assert found.get("LISBON") == "PLACE"


@pytest.mark.parametrize(
    "text, label",
    [
        ("Rovers 2 United 1.\n\nAttendance 18,500.", "Attendance"),
        ("Crowd 45,000 at the ground on Sunday.", "Crowd"),
        ("Volume 1,234,500 shares.", "Volume"),
    ],
)
def test_a_label_before_a_count_with_thousands_is_no_team(ext, text, label):
    # a score has no thousands separator: "Rovers 2" is a team, "Attendance 18,500" is not
    found = {m.text for m in ext.extract(text)}
    assert label not in found
