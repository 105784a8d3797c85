"""One value per entity and per author over the whole index.

Entity extraction and byline parsing look at one article at a time, so the
index holds spellings of one name that only the corpus as a whole can tell
apart or join: "Reagan" in the articles that never write "Ronald Reagan",
"IBM" beside "International Business Machines Corp", "Ford Motor Co" beside
"Ford Motor Company", "JULIE VORMAN" beside "Julie Vorman". This module
decides, from how many articles carry each value, which value each spelling
is shown and searched as. It is a pure function of plain counts: the index
keeps the values as extracted, and the facet arrays are built through this
table (see ``arrays``), so an update that adds or removes articles decides
again.

The rules, in this order, within one field (a person never joins an
organisation):

1. **Case and accents.** Values equal once folded (lower case, accents
   removed) are one. Authors and people are shown in their most common
   spelling with lower-case letters; an author seen only in capitals is cased
   (:func:`name_case`; not a one-word name of four letters or fewer, "AP",
   "CNN"). Organisations and places are shown in their most common spelling.
   Between spellings as common, one with accents wins, then the first by text.
2. **Company suffixes** (organisations). Values equal once a leading "The"
   and trailing company words (Co, Corp, Inc, Ltd, Company, Corporation …)
   are dropped are one ("Ford Motor Co.", "Ford Motor Company"), shown in the
   most common spelling.
3. **Acronyms** (organisations, places). An acronym joins the full name
   articles spell it out as ("International Business Machines Corp (IBM)",
   see :func:`acronym_pairs`) when one full name has :data:`SHARE` of the
   articles that spell the acronym out, and those come to at least
   :data:`ACRONYM_MIN_DOCS` and :data:`ACRONYM_SPELLED` of the articles
   carrying the acronym; it is then shown as that full name.
4. **A bare company name** (organisations): one word joins the company whose
   name starts with it and carries a company suffix ("Ford" -> "Ford Motor
   Co") when that company has at least :data:`MIN_DOCS` articles, one in
   :data:`COMPANY_RATIO` of the word's, and :data:`SHARE` of the weight of all
   such companies.
5. **A bare surname** (people) joins the full name ending in it when that name
   has at least :data:`MIN_DOCS` articles and :data:`SHARE` of the weight of
   all full names ending in the surname ("Reagan" -> "Ronald Reagan"; "Clinton"
   stays while "Bill Clinton" and "Hillary Clinton" both have weight). A name
   suffix is no surname ("III" joins no "George III").

A value's weight is the number of articles carrying it; a group's, the sum of
its values'. Ties are broken by the values' text, so the answer does not
depend on the order the counts come in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from searchtui.ner.lexicon import LEGAL_FORMS
from searchtui.schema import fold

#: The share of the weight the winner must hold (rules 3 to 5).
SHARE = 0.8
#: Articles a full name needs before a bare name joins it (rules 4 and 5).
MIN_DOCS = 3
#: A bare company name joins a company with at least this fraction of its articles
#: (rule 4): a word found far more often alone is mostly something else ("June" is
#: no short name of "June Medical Services").
COMPANY_RATIO = 5
#: Articles that must spell an acronym out before it joins the full name (rule 3) ...
ACRONYM_MIN_DOCS = 1
#: ... and the share of the acronym's own articles they must come to: an acronym
#: used often and spelled out once may stand for something else most of the time
#: ("NPR" spelled out only as the "National Population Register").
ACRONYM_SPELLED = 0.05

#: Between an acronym and its full name in the index's evidence field.
EVIDENCE_SEP = "\x1f"

#: Trailing words that make a name a company's: the legal forms the entity rules know,
#: compared folded and without dots ("N.V." is "nv").
COMPANY_SUFFIXES = frozenset(w.lower().replace(".", "") for w in LEGAL_FORMS)
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})

#: field -> the rules applied (see the module's text)
RULES = {
    "authors": ("case",),
    "people": ("case", "surname"),
    "organisations": ("case", "suffix", "acronym", "company"),
    "places": ("case", "acronym"),
}
#: Fields whose values are people's names (cased as names, mixed case preferred).
_NAME_FIELDS = ("authors", "people")


# ---------------------------------------------------------------------------
# Keys


def company_key(key: str) -> tuple[str, bool]:
    """A folded organisation name less a leading "the" and its company words, and whether
    it had any ("ford motor co." -> ("ford motor", True))."""
    words = key.split()
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    had = False
    while len(words) > 1 and words[-1].rstrip(".,").replace(".", "") in COMPANY_SUFFIXES:
        words.pop()
        had = True
    if had:
        while len(words) > 1 and words[-1] in ("&", "and"):
            words.pop()
        words[-1] = words[-1].rstrip(",")
    return " ".join(words), had


def surname_of(key: str) -> str | None:
    """The last word of a folded full name, past a Jr./Sr./III (None: one word)."""
    words = key.split()
    last = words[-1].rstrip(".,") if words else ""
    while len(words) > 2 and last in _NAME_SUFFIXES:
        words.pop()
        last = words[-1].rstrip(".,")
    if len(words) < 2 or last in _NAME_SUFFIXES:  # "George III" has no surname
        return None
    return last or None


# ---------------------------------------------------------------------------
# Casing a name seen only in capitals

_PARTICLES = frozenset("da das de del della der di dos du la le van von ten ter bin".split())
_ROMAN = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|X)$")
#: Names after "Mac" that take a capital ("MACDONALD" -> "MacDonald"); others do not
#: ("MACHADO" -> "Machado").
_MAC_NAMES = frozenset(
    """allister arthur aulay bride donald dougall duff ewan farlane gregor intosh intyre iver
    kay kenna kenzie kinnon lachlan lean leod mahon manus millan namara neil pherson quarrie
    rae""".split()
)


def _case_part(part: str) -> str:
    low = part.lower()
    if not low:
        return part
    if low.startswith("mc") and len(low) > 3:
        return "Mc" + low[2:].capitalize()
    if low.startswith("mac") and low[3:] in _MAC_NAMES:
        return "Mac" + low[3:].capitalize()
    if len(low) > 2 and low[1] in "'’" and low[0].isalpha():  # O'Brien, D'Afflisio
        return low[0].upper() + low[1] + low[2:].capitalize()
    return low.capitalize()


def _case_word(word: str, first: bool, last: bool) -> str:
    bare = word.rstrip(".,")
    low = bare.lower()
    if _ROMAN.match(bare) and not first:
        return word  # III
    if low in ("jr", "sr") and not first:
        return word[:1] + word[1:].lower()
    if low in _PARTICLES and not first and not last:
        return word.lower()
    return "-".join(_case_part(p) for p in word.split("-"))


def name_case(name: str) -> str:
    """A name written in capitals, cased as names are: "TED D'AFFLISIO" -> "Ted D'Afflisio",
    "JAMES MCDONALD JR." -> "James McDonald Jr.", "LUDWIG VAN BEETHOVEN" ->
    "Ludwig van Beethoven", "JEAN-PIERRE O'NEIL III" -> "Jean-Pierre O'Neil III"."""
    words = name.split()
    return " ".join(
        _case_word(w, i == 0, i == len(words) - 1) for i, w in enumerate(words)
    )


def _caseable(name: str) -> bool:
    """Whether a name in capitals is one to case: not a short one-word name ("AP", "CNN")."""
    return " " in name.strip() or len(name.strip()) > 4


def _has_lower(value: str) -> bool:
    return value != value.upper()


# ---------------------------------------------------------------------------
# Acronyms spelled out in the text

#: "(ABC)" after a word or a dot and a space. The parenthesis comes first and the look
#: back after it, so the search skips to each "(" instead of looking back at every place
#: of the text.
_ACRONYM = re.compile(r"\((?<=[\w.]\s\()([A-Z]{2,8})\)")
_NAME_TOKEN = re.compile(r"^[A-Za-z][\w'’&-]*$")
_INITIALISM = re.compile(r"^(?:[A-Z]\.)+$")
_SKIPPED = frozenset({"of", "and", "the", "for", "&", "on", "in", "de", "du", "des"})
#: Words before the parenthesis looked at for a name.
_LOOK_BACK = 12


def _name_token(token: str) -> bool:
    """Whether a token may be part of a name: a word, "U.S.", "Corp.", "F." (a word
    ending a sentence may not)."""
    if _NAME_TOKEN.match(token) or token == "&":
        return True
    if token.endswith(".") and _NAME_TOKEN.match(token[:-1]):
        return (
            _INITIALISM.match(token) is not None
            or token[:-1].lower() in COMPANY_SUFFIXES
            or len(token) == 2
        )
    return _INITIALISM.match(token) is not None


def _initials(word: str) -> list[str]:
    """The letters a capitalised word may give an acronym: "U.S." -> "US", "Coca-Cola" ->
    "C" or "CC"."""
    if "." in word.rstrip(".") and all(len(p) == 1 for p in word.rstrip(".").split(".")):
        return [word.replace(".", "").upper()]
    out = [word[0].upper()]
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1 and all(p[0].isupper() for p in parts):
        out.append("".join(p[0] for p in parts).upper())
    return out


def _spells(words: list[str], acronym: str) -> bool:
    """Whether the name's capitalised words give the acronym's letters: in order, or (as in
    "U.S. Agriculture Department (USDA)") the same letters from the same first one; a
    trailing company word may give a letter or not."""
    options = [""]
    for i, w in enumerate(words):
        if w.lower() in _SKIPPED and i:
            continue
        letters = _initials(w)
        if i == len(words) - 1 and w.rstrip(".").lower() in COMPANY_SUFFIXES and i >= 2:
            letters = [*letters, ""]
        options = [o + x for o in options for x in letters if len(o + x) <= len(acronym)]
        if not options:
            return False
    target = sorted(acronym)
    return any(
        o == acronym or (len(o) == len(acronym) > 2 and o[0] == acronym[0] and sorted(o) == target)
        for o in options
    )


def acronym_pairs(text: str) -> set[tuple[str, str]]:
    """(acronym, full name) for each name the text spells an acronym out for:
    "International Business Machines Corp (IBM)", "the Federal Bureau of Investigation
    (FBI)". The name is the shortest run of capitalised words (with of/and/the between
    them) just before the parenthesis whose initials give the acronym's letters."""
    found: set[tuple[str, str]] = set()
    for m in _ACRONYM.finditer(text):
        acronym = m.group(1)
        tokens = text[max(0, m.start() - 200) : m.start()].split()[-_LOOK_BACK:]
        run: list[str] = []
        for token in reversed(tokens):
            if not _name_token(token) or not (token[0].isupper() or token.lower() in _SKIPPED):
                break
            run.insert(0, token)
        if run and run[-1].endswith(("'s", "’s")):  # "the Federal Bureau of Investigation's"
            run[-1] = run[-1][:-2]
        for start in range(len(run) - 2, -1, -1):
            words = run[start:]
            if not words[0][0].isupper() or words[0].lower() in _SKIPPED:
                continue
            if _spells(words, acronym):
                found.add((acronym, " ".join(words).rstrip(",")))
                break
    return found


def evidence_terms(text: str) -> list[str]:
    """The index terms recording the acronyms ``text`` spells out."""
    return sorted(f"{a}{EVIDENCE_SEP}{full}" for a, full in acronym_pairs(text))


def parse_evidence(term: str) -> tuple[str, str] | None:
    acronym, sep, full = term.partition(EVIDENCE_SEP)
    return (acronym, full) if sep and acronym and full else None


# ---------------------------------------------------------------------------
# The table


@dataclass(slots=True)
class _Group:
    weight: int
    #: (weight, spelling) a group may be shown as; empty: shown as its absorber's
    shown: list[tuple[int, str]] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


def _best(candidates: list[tuple[int, str]], prefer_lower: bool) -> str:
    """The spelling with the most weight (one with lower-case letters first when asked);
    between equals, one with accents ("González" over "Gonzalez"), then the first by text."""
    if len(candidates) == 1:
        return candidates[0][1]
    return min(
        candidates,
        key=lambda c: (
            (not _has_lower(c[1])) if prefer_lower else False, -c[0], c[1].isascii(), c[1]
        ),
    )[1]


class _Groups:
    """Values of one field joined into groups, each with a key."""

    def __init__(self) -> None:
        self.by_key: dict[str, _Group] = {}

    def join(self, into: str, other: str, *, keep_display: bool) -> None:
        """Put the group ``other`` into ``into``; ``keep_display``: it is shown as ``into``."""
        if into == other or other not in self.by_key or into not in self.by_key:
            return
        src = self.by_key.pop(other)
        dst = self.by_key[into]
        dst.weight += src.weight
        dst.members += src.members
        if not keep_display:
            dst.shown += src.shown


def canonical_names(
    fieldname: str,
    counts: Mapping[str, int],
    acronyms: Mapping[tuple[str, str], int] | None = None,
) -> dict[str, str]:
    """Value -> the value it is shown and searched as, for the values that change.

    ``counts``: each value of the field with the number of articles carrying it;
    ``acronyms``: (acronym, full name) -> the number of articles spelling it so.
    """
    rules = RULES.get(fieldname, ())
    if not rules:
        return {}
    names = fieldname in _NAME_FIELDS
    groups = _Groups()
    # 1. case and accents
    spellings: dict[str, list[tuple[int, str]]] = {}
    for value, n in counts.items():
        spellings.setdefault(fold(value), []).append((int(n), value))
    cased = fieldname == "authors"
    for key, found in spellings.items():
        if len(found) == 1:
            weight, shown = found[0]
            members = [shown]
        else:
            weight = sum(n for n, _ in found)
            shown = _best(found, prefer_lower=names)
            members = [v for _, v in found]
        if cased and not _has_lower(shown) and _caseable(shown):
            shown = name_case(shown)
        groups.by_key[key] = _Group(weight, [(weight, shown)], members)
    companies = _suffix_rule(groups) if "suffix" in rules else set()
    if "acronym" in rules and acronyms:
        _acronym_rule(groups, acronyms, fieldname)
    if "company" in rules:
        _company_rule(groups, companies)
    if "surname" in rules:
        _surname_rule(groups)
    table: dict[str, str] = {}
    for group in groups.by_key.values():
        shown = _best(group.shown, prefer_lower=names)
        for value in group.members:
            if value != shown:
                table[value] = shown
    return table


def _winner(candidates: dict[str, int], min_docs: float) -> str | None:
    """The key holding :data:`SHARE` of the candidates' weight and at least ``min_docs``."""
    if not candidates:
        return None
    total = sum(candidates.values())
    top = min(candidates, key=lambda k: (-candidates[k], k))
    weight = candidates[top]
    if weight >= min_docs and weight >= SHARE * total:
        return top
    return None


def _suffix_rule(groups: _Groups) -> set[str]:
    """Rule 2; the keys of the groups that are companies (some value had a company word)."""
    companies: set[str] = set()
    by_company: dict[str, list[str]] = {}
    for key in sorted(groups.by_key):
        ckey, had = company_key(key)
        by_company.setdefault(ckey, []).append(key)
        if had:
            companies.add(ckey)
    for ckey, keys in by_company.items():
        into = ckey if ckey in groups.by_key else keys[0]
        for key in keys:
            groups.join(into, key, keep_display=False)
        if into != ckey:  # held under the shortened key from here on
            groups.by_key[ckey] = groups.by_key.pop(into)
    return companies


def _company_rule(groups: _Groups, companies: set[str]) -> None:
    """Rule 4: a bare name joins the one company that starts with it."""
    starting: dict[str, dict[str, int]] = {}
    for key in companies:
        if key in groups.by_key and " " in key:
            starting.setdefault(key.split()[0], {})[key] = groups.by_key[key].weight
    for word in sorted(starting):
        if word not in groups.by_key or word in companies:
            continue
        least = max(MIN_DOCS, groups.by_key[word].weight / COMPANY_RATIO)
        into = _winner(starting[word], least)
        if into is not None:
            groups.join(into, word, keep_display=True)


def _acronym_rule(
    groups: _Groups, acronyms: Mapping[tuple[str, str], int], fieldname: str
) -> None:
    # acronym key -> full name key -> (articles, spellings with their articles)
    spelled: dict[str, dict[str, int]] = {}
    spellings: dict[str, list[tuple[int, str]]] = {}
    for (acronym, full), n in acronyms.items():
        akey = fold(acronym)
        if akey not in groups.by_key or acronym not in groups.by_key[akey].members:
            continue  # not a value, or one only in other letters ("Life" is no "LIFE")
        fkey = fold(full)
        if fieldname == "organisations":
            fkey = company_key(fkey)[0]
        if fkey == akey:
            continue
        spelled.setdefault(akey, {})
        spelled[akey][fkey] = spelled[akey].get(fkey, 0) + int(n)
        spellings.setdefault(fkey, []).append((int(n), full))
    for akey in sorted(spelled):
        if akey not in groups.by_key:
            continue
        least = max(ACRONYM_MIN_DOCS, ACRONYM_SPELLED * groups.by_key[akey].weight)
        into = _winner(spelled[akey], least)
        if into is None:
            continue
        if into not in groups.by_key:  # the full name is not a value: it is made one
            groups.by_key[into] = _Group(0, [(0, _best(spellings[into], prefer_lower=True))])
        groups.join(into, akey, keep_display=True)


def _surname_rule(groups: _Groups) -> None:
    ending: dict[str, dict[str, int]] = {}
    for key, group in groups.by_key.items():
        surname = surname_of(key)
        if surname is not None:
            ending.setdefault(surname, {})[key] = group.weight
    for surname in sorted(ending):
        if surname not in groups.by_key:
            continue
        into = _winner(ending[surname], MIN_DOCS)
        if into is not None:
            groups.join(into, surname, keep_display=True)


def corpus_names(
    counts: Mapping[str, Mapping[str, int]],
    acronyms: Mapping[tuple[str, str], int] | None = None,
) -> dict[str, dict[str, str]]:
    """:func:`canonical_names` of each field of ``counts`` (field -> value -> articles)."""
    return {name: canonical_names(name, values, acronyms) for name, values in counts.items()}


def canonical_list(values: Iterable[str], table: Mapping[str, str]) -> list[str]:
    """An article's values through the table: each once, in their order."""
    return list(dict.fromkeys(table.get(v, v) for v in values))
