"""The rule engine: capitalised runs, cues, lists and document-level evidence.

How a text is read:

0. Lines are sorted first. A dateline opening a line ("NEW YORK, March 3 -",
   "WASHINGTON (AP) --", "LONDON 1996-08-30") gives the place it is filed
   from, known or not, and never the agency. Lines in ALL CAPS or Title Case
   (headlines) and table lines (more numbers than words other than table
   words: "Net 5.4 mln vs 4.3 mln", "Pay April 15", standings, stock lists)
   are only matched against what is known (step 4), never guessed from; in a
   table, a full personal name or a town heading a row (a team) also counts.
1. A regular expression finds runs of capitalised words (with the small
   connectors names use: "of", "de", "van", "al", ...). Everything else is
   never looked at again, which keeps the engine fast.
2. Each run is trimmed (sentence openers, pronouns, days and months,
   nationalities) and split at titles ("Sen.", "President", "Judge"): what
   follows a title is a person, what precedes it is read on its own.
3. A run is typed by the first rule that fires: the alias table, a title
   before it, an organisation suffix or head ("... Committee", "Bank of ...",
   "... Brothers", "... Inc"), a company cue ("an analyst at X", "X said in a
   research note"), the place list, a first name. Runs that none of these
   type wait for step 4.
4. Document-level evidence: the words before a company's suffix name that
   company ("Dean Witter Reynolds Inc" ... "Dean Witter"), and two surnames
   listed beside a company are one ("Kidder Peabody and Salomon Brothers"); a
   surname typed once ("Donald Trump") types its short form everywhere in the
   text ("Trump", "Mr. Trump"); a name typed once is that type everywhere.
5. Canonical names: titles and middle initials dropped, short forms joined to
   the full form, then the alias table.
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Final

from ..models import Mention
from . import lexicon as _lex
from .aliases import Aliases
from .lexicon import gazetteer

# Final: module constants that the compiled engine reads without a lookup
CAPS_WORDS: Final = _lex.CAPS_WORDS
HONORIFICS: Final = _lex.HONORIFICS
COMMON_CAPS: Final = _lex.COMMON_CAPS
DEMONYMS: Final = _lex.DEMONYMS
MONTHS: Final = _lex.MONTHS
NAME_MONTHS: Final = _lex.NAME_MONTHS
NON_ENTITY: Final = _lex.NON_ENTITY
ORG_BEFORE: Final = _lex.ORG_BEFORE
ORG_HEADS: Final = _lex.ORG_HEADS
ORG_SUFFIXES: Final = _lex.ORG_SUFFIXES
PERSON_BEFORE: Final = _lex.PERSON_BEFORE
PERSON_TITLES: Final = _lex.PERSON_TITLES
PLACE_SUFFIXES: Final = _lex.PLACE_SUFFIXES
EVENT_WORDS: Final = _lex.EVENT_WORDS
ROLE_WORDS: Final = _lex.ROLE_WORDS
WEEKDAYS: Final = _lex.WEEKDAYS
TABLE_WORDS: Final = _lex.TABLE_WORDS
COMPANY_SUFFIXES: Final = _lex.COMPANY_SUFFIXES
COMPANY_ENDINGS: Final = _lex.COMPANY_ENDINGS
ORG_BEFORE_AT: Final = _lex.ORG_BEFORE_AT
ORG_BEFORE_OF: Final = _lex.ORG_BEFORE_OF
ORG_AFTER: Final = _lex.ORG_AFTER
ADJECTIVE_TITLES: Final = _lex.ADJECTIVE_TITLES
REGION_WORDS: Final = _lex.REGION_WORDS
COMPASS: Final = _lex.COMPASS
GENERIC_MODIFIERS: Final = _lex.GENERIC_MODIFIERS
GENERIC_HEADS: Final = _lex.GENERIC_HEADS
NOUN_ENDINGS: Final = _lex.NOUN_ENDINGS

PERSON: Final = "PERSON"
ORG: Final = "ORG"
PLACE: Final = "PLACE"

_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞİŁŃŇŐŒŘŚŞŠŢŤŰŹŻŽ"
_ABBR = (
    "Mrs|Mr|Ms|Messrs|Dr|Sens|Sen|Reps|Rep|Gov|Gens|Gen|Lt|Col|Sgt|Capt|Cpl|Pvt|Adm|Maj|Cmdr|"
    "Prof|Rev|Hon|Supt|Det|Insp|Fr|Ste|St|Ft|Mt|Jr|Sr|Inc|Corp|Cos|Co|Ltd|Bros|Dept|Univ|No"
)
_CONNECTORS = (
    "of|for|and|&|de|del|della|di|da|dos|das|do|van|von|der|den|ter|bin|ibn|al|el|la|le|du|y|the"
)
_WORD = rf"[{_UP}][\w.'’&-]*"
_HYPHENED = "al|el|ad|as|ash|an|at|bin|abu|abd"
#: what may stand between two words of a name, twice at most: a connector and its space, or
#: a particle and its hyphen ("Bank of the West", "Bashar al-Assad")
_LINK = rf"(?:(?:{_CONNECTORS})[ \u00a0]|(?:{_HYPHENED})-)"
_LINK_START = "".join(sorted({w[0] for w in f"{_CONNECTORS}|{_HYPHENED}".split("|")}))
#: the next word of a run: a space, up to two links, the word. (The word is tried first, as
#: a capital opens no link, and no link is looked for unless its first letter is there.)
_NEXT = (
    rf"[ \u00a0](?:{_WORD}|(?=[{re.escape(_LINK_START)}]){_LINK}"
    rf"(?:(?=[{re.escape(_LINK_START)}]){_LINK}{_WORD}|{_WORD}))"
)
#: a run of capitalised words; a word's own punctuation is sorted out in Python. (The first
#: next words are alternatives, not a repeat: the engine's repeats cost more.)
SEQ_RE: Final = re.compile(rf"{_WORD}(?:{_NEXT}(?:{_NEXT}(?:{_NEXT}(?:{_NEXT})*|)|)|)")
ABBREVIATIONS: Final = frozenset(a + "." for a in _ABBR.split("|"))
_INITIALS_RE: Final = re.compile(rf"(?:[{_UP}]\.)+")
_GLUE: Final = frozenset("_'’-")
_PARTICLES: Final = frozenset(
    "de del della di da dos das do van von der den ter bin ibn al el la le du y".split()
)
CONNECTORS: Final = frozenset(_CONNECTORS.split("|"))
#: four words in lower case in a row: a sentence, not a table row
_PROSE_RE: Final = re.compile(r"[a-z][a-z]* [a-z]+ [a-z]+ [a-z]+")  # (a letter first: faster)
#: a token that does not start with a letter and holds a digit ("1.20", "$5", "(1996)")
_NUMBER_RE: Final = re.compile(r"(?<!\S)[^\sA-Za-z]*[0-9]")
#: three numbers (runs of digits) in a line
_THREE_NUMBERS_RE: Final = re.compile(r"[0-9][^0-9]+[0-9]+[^0-9]+[0-9]")
_LOWER_AFTER_HYPHEN_RE: Final = re.compile(r"-[a-z]")
_AGE_RE: Final = re.compile(r", (?:\d{1,2}|aged \d{1,2}),")
_SCORE_RE: Final = re.compile(
    # (a comma before digits is a thousands separator: "Attendance 18,500" is no score)
    r"(?: \d{1,3}(?:-\d{1,3})?(?: points?| pts)?(?: ?[;(]| ?,(?!\d)| ?\.?$| ?\n| [A-Z]| and \d))"
    r"|(?: (?:beat|beats|drew with|draw with|lost to|defeated|thrashed|edged|routed|v|vs\.?)"
    r" [A-Z])",
)
#: the first letters of the results in _SCORE_RE ("beat", "drew with", "lost to", ...)
_RESULT_START: Final = frozenset("bdlterv")
_BEAT_BEFORE: Final = (
    " beat ", " beats ", " drew with ", " lost to ", " defeated ", " v ", " vs ", " vs. "
)
_PLACE_BEFORE: Final = (" city of ", " town of ", " village of ", " province of ", " region of ",
                 " capital ", " near ", " outside ", " in ", " port of ", " island of ")
#: an acronym in brackets after the name it stands for: "(OSCE)", "(IBM)"
_ACRONYM_RE: Final = re.compile(r" \(([A-Z][A-Z&]{1,7})\)")
#: small words inside a name spelled out before its acronym
_SPELL_SMALL: Final = frozenset(("of", "for", "and", "the", "in", "on", "&", "to"))
#: how the plural of a team's name ends ("Nuggets", "Cowboys", "Yankees"), unlike
#: surnames ending in s ("Soros", "Petraeus", "Boies")
_TEAM_PLURALS: Final = ("ts", "ks", "rs", "ns", "ys", "ls", "ds", "ms", "gs", "ps", "ees")
#: words that name a storm before its given name
_STORMS: Final = frozenset(("Hurricane", "Typhoon", "Cyclone", "Storm"))
#: endings of adverbs that open a sentence before a name
_ADVERB_ENDS: Final = ("ly", "wards", "ward")
#: place-name abbreviations written without their dot, as a run's first word
_NO_DOT: Final = {"St": "St.", "Ft": "Fort", "Mt": "Mount"}
#: The first words of a name taken from a saint's ("St. Vincent", "Saint Paul").
_SAINTS: Final = frozenset(("St.", "Saint", "Ste.", "Sainte"))
#: the letter before the closing space of each of these, to rule most names out at one look
_BEAT_TAILS: Final = "".join(sorted({b[-2] for b in _BEAT_BEFORE}))
_PLACE_TAILS: Final = "".join(sorted({b[-2] for b in _PLACE_BEFORE}))
_OPEN_PUNCT: Final = " \t\u00a0\"'“‘(«[*-–—"
#: words before an "in" that is about a company, not a place: "shares in Tesco", "a stake in Arm"
_HOLDING: Final = frozenset(("shares", "stake", "stakes"))
#: small words that do not make a table line a sentence
_STOP: Final = frozenset(("and", "of", "the", "to", "in", "from", "at", "for", "on", "a"))
#: what follows a company's name in the wire's phrases, and how long the longest is
_ORG_NOTES: Final = (" said in a research note", " said in a note", " news agency", " newspaper")
_ORG_NOTE_SIZE: Final = max(len(x) for x in _ORG_NOTES)
#: the first letters of the words after a company's name (ORG_AFTER) and of _ORG_NOTES
_ORG_AFTER_FIRST: Final = "".join(sorted({w[0] for w in ORG_AFTER} | {x[1] for x in _ORG_NOTES}))
#: what stands between the names of a list ("A, B and C")
_LIST_GAPS: Final = frozenset((", ", " and ", ", and ", " or ", " & "))
#: the end of a word that makes it an adjective of the name after it ("Ohio-based")
_ADJECTIVE_ENDS: Final = ("-based", "-owned", "-controlled", "-listed", "-registered")
_ADJECTIVE_LAST: Final = frozenset(e[-1] for e in _ADJECTIVE_ENDS)

NORMAL: Final = 0
TITLE_LINE: Final = 1
CAPS_LINE: Final = 2
TABLE_LINE: Final = 3
DATELINE: Final = 4
_MONTH_WORDS = (
    "Jan|January|Feb|February|Mar|March|Apr|April|May|June?|July?|Aug|August|Sept?|September|"
    "Oct|October|Nov|November|Dec|December"
)
_CAPS_WORD = rf"[{_UP}][{_UP}.'’-]*[{_UP}.]"
#: a dateline opening a line: a place in capitals, maybe a region, then a date, an agency
#: in brackets or a dash ("NEW YORK, March 3 -", "WASHINGTON (AP) --", "LONDON 1996-08-30",
#: "NEWARK, N.J., March 12 -"); group 2 is the dash alone
_DATELINE_RE: Final = re.compile(
    rf"[ \t]*({_CAPS_WORD}(?: {_CAPS_WORD}){{0,3}})"
    rf"(?: ?, ?[{_UP}][\w.'’-]*(?: [{_UP}][\w.'’-]*){{0,2}})?"
    rf"(?:(?: ?,)? (?:(?:{_MONTH_WORDS})\.? \d{{1,2}}|\d{{4}}-\d\d-\d\d)"
    rf"(?: \([A-Z][A-Za-z]{{1,9}}\))?(?: ?(?:-{{1,2}}|—|–)(?= ))?"
    rf"|,? \([A-Z][A-Za-z]{{1,9}}\)(?: ?(?:-{{1,2}}|—|–)(?= ))?"
    rf"|( (?:-{{1,2}}|—|–) ))"
)
# A wire slug before the story's words: "PRESS DIGEST - Iraq", "RTRS - Tennis".
_SLUG_RE: Final = re.compile(rf"[ \t]*({_CAPS_WORD}(?: {_CAPS_WORD}){{0,3}}) (?:-{{1,2}}|—|–) ")
_START: Final = attrgetter("start")
_PERSON_AFTER: Final = frozenset(_lex.PERSON_AFTER)
_LED_BY_PERSON: Final = frozenset(("administration", "presidency", "campaign"))
_SKIP: Final = 0
_FIXED: Final = 1
_OPEN: Final = 2
_WORDS_MAX: Final = 200_000  # lone words remembered between texts
#: a word of a run: (word, start, end)
Tok = tuple[str, int, int]


def _clean(word: str) -> tuple[str, bool]:
    """A word without trailing punctuation or possessive; True when a run ends after it."""
    brk = False
    last = ord(word[-1])
    if last == 46 or last == 45 or last == 39 or last == 0x2019 or last == 38:  # . - ' ’ &
        if last == 46:
            if word in ABBREVIATIONS or (
                len(word) > 1 and ord(word[1]) == 46 and _INITIALS_RE.fullmatch(word)
            ):
                return word, False
            brk = True
        word = word.rstrip(".-'’&")
        if not word:
            return "", True
        if last == 39 or last == 0x2019:
            brk = True
    n = len(word)
    if n >= 2 and ord(word[n - 1]) == 115 and ((c := ord(word[n - 2])) == 39 or c == 0x2019):
        return word[:-2], True  # a possessive: 's or ’s
    return word, brk


def _is_table(line: str) -> bool:
    """Whether a line is a row of a table: more numbers than words that are not table words
    ("Net 5.4 mln vs 4.3 mln", "Pay April 15", "NEW YORK 74 59 .556")."""
    if not _has_digit(line) or _PROSE_RE.search(line) is not None:
        return False
    numbers = len(_NUMBER_RE.findall(line))
    if numbers == 0:
        return False
    words = 0
    for tok in line.split():
        if not tok[0].isalpha():
            continue  # a number or punctuation
        low = tok.lower().rstrip(",.:;)")
        if low not in TABLE_WORDS and low not in _STOP and tok not in MONTHS:
            words += 1
            if words >= numbers:
                return False
    return True


def _usual_case(words: list[str]) -> str:
    """Words in capitals as usually written: "NEW YORK" -> "New York", "ST. LOUIS" ->
    "St. Louis", "ISLE OF MAN" -> "Isle of Man" (a connector inside a name in lower
    case); initials are kept ("U.S.", "D.C.")."""
    return " ".join([
        w if (len(w) > 2 and w[1] == ".")
        else w.lower() if (k and w.lower() in CONNECTORS)
        else w.capitalize()
        for k, w in enumerate(words)
    ])


def _rating(text: str, end: int) -> bool:
    """Whether a word in capitals is a credit rating: a sign after it ("BBB+", "AA-")."""
    c = text[end : end + 1]
    return c == "+" or (c == "-" and not text[end + 1 : end + 2].isalpha())


def _caps_start(text: str, pos: int) -> bool:
    """Whether a line can open with a word in capitals (a dateline, a slug): a blank, or a
    capital before no lower-case letter. (Cheaper than the patterns, which decide.)"""
    o = ord(text[pos])
    if o == 32 or o == 9:
        return True
    if 65 <= o <= 90 or (o >= 0xC0 and text[pos].isupper()):
        o = ord(text[pos + 1])
        return o < 97 or o > 122
    return False


def _line_kind(text: str, start: int, end: int) -> int:
    """How a short line (without its dateline) is read: NORMAL, TABLE_LINE, CAPS_LINE (no
    lower-case letter) or TITLE_LINE (most of its long words capitalised)."""
    if not _has_lower(text, start, end):
        line = text[start:end]
        upper = 0
        for c in line:
            if c.isupper():
                upper += 1
                if upper == 2:
                    return TABLE_LINE if _is_table(line) else CAPS_LINE
        return NORMAL
    last = end - 1  # its last character that is no white space (a letter at least is)
    while text[last].isspace():
        last -= 1
    if text[last] in ".?!\"”":  # a sentence is no table row, nor a headline
        return NORMAL
    line = text[start:end]
    if _is_table(line):
        return TABLE_LINE
    if text[last] in ":;" or line.count(",") >= 2 or _THREE_NUMBERS_RE.search(line):
        return NORMAL  # (a list of names or of results is no headline)
    # its words of four letters or more: a letter A-Z or a-z, then letters, digits, "_",
    # apostrophes and hyphens
    words = 0
    caps = 0
    i = start
    while i < end:
        o = ord(text[i])
        if 97 <= o <= 122 or 65 <= o <= 90:
            j = i + 1
            while j < end and _in_word(text, j):
                j += 1
            if j - i > 3:
                words += 1
                if o <= 90:
                    caps += 1
            i = j
        else:
            i += 1
    return TITLE_LINE if words >= 3 and 4 * caps >= 3 * words else NORMAL


def _has_lower(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds a letter a-z."""
    for i in range(start, end):
        o = ord(text[i])
        if 97 <= o <= 122:
            return True
    return False


def _has_digit(line: str) -> bool:
    """Whether a line holds a digit 0-9."""
    for i in range(len(line)):
        o = ord(line[i])
        if 48 <= o <= 57:
            return True
    return False


def _in_word(text: str, i: int) -> bool:
    """Whether text[i] can be part of a word: a letter or a digit, "_", an apostrophe or a
    hyphen (what the pattern [\\w'’-] takes)."""
    o = ord(text[i])
    if o < 128:
        return (
            97 <= o <= 122 or 65 <= o <= 90 or 48 <= o <= 57 or o == 95 or o == 39 or o == 45
        )
    return o == 0x2019 or text[i].isalnum()


def _row_label(text: str, start: int, end: int) -> bool:
    """Whether a name opens its line, with at most a rank before it, and numbers follow it
    ("3. Utrecht 38", "Leeds 2 Hull 1"; not "Paris Newsroom +33 1 42")."""
    i = start - 1
    while i >= 0 and text[i] != "\n":
        if text[i].isalpha():
            return False
        i -= 1
    after = text[end : end + 8].lstrip(" \t")
    return after[:1].isdecimal() or after[:1] == "("


class _Item:
    """One candidate mention, before document-level resolution."""

    __slots__ = ("start", "end", "key", "toks", "type", "strength", "canon")

    def __init__(
        self, start: int, end: int, key: str, toks: list[str], etype: str | None,
        strength: int, canon: str,
    ) -> None:
        self.start = start
        self.end = end
        self.key = key  # the name as written (whitespace normalised)
        self.toks = toks  # its words, connectors included
        self.type = etype  # PERSON / ORG / PLACE, or None while unknown
        self.strength = strength  # 2 sure, 1 likely, 0 unknown
        self.canon = canon


def _is_caps(tok: str) -> bool:
    return len(tok) > 1 and _upper(tok)


def _upper(word: str) -> bool:
    """Whether a word is in capitals (str.isupper), at once for the usual "Xy..."."""
    if len(word) > 1:
        o = ord(word[1])
        if 97 <= o <= 122:  # a-z
            return False
    return word.isupper()


_HYPHEN_PARTICLES: Final = (
    "al-", "el-", "ad-", "as-", "ash-", "an-", "at-", "bin-", "abu-", "abd-"
)


def _name_shaped(tok: str) -> bool:
    """Title-case word of two letters or more ("Simmons", "McGahn", "O'Brien", "al-Assad")."""
    if len(tok) > 1:
        o = ord(tok[0])
        if 65 <= o <= 90:  # A-Z, then a-z: the usual shape, answered at once
            o = ord(tok[1])
            if 97 <= o <= 122:
                return True
        elif 97 <= o <= 122 and tok.startswith(_HYPHEN_PARTICLES):
            tok = tok.split("-", 1)[1]
    return len(tok) > 1 and tok[0].isupper() and not tok.isupper() and tok[1:2] != "."


def _opens_name(toks: list[tuple[str, int, int]], i: int) -> bool:
    """Whether word i is a title without a full stop followed by a name ("Mr Starmer")."""
    return toks[i][0] in HONORIFICS and i + 1 < len(toks) and _name_shaped(toks[i + 1][0])


def _org_headed(words: list[str]) -> bool:
    """Whether the word before the first "of" or "for" heads an organisation ("Bank of
    America", "U.S. Chamber of Commerce")."""
    for k in range(1, len(words) - 1):
        w = words[k]
        if w == "of" or w == "for":
            return words[k - 1] in ORG_HEADS
    return False


def person_canon(toks: list[str]) -> str:
    """A person's name without middle initials: "James E. Clyburn" -> "James Clyburn"."""
    if len(toks) >= 3:
        kept = [toks[0]] + [
            t for t in toks[1:-1] if not (len(t) == 2 and t[1] == "." and t[0].isupper())
        ] + [toks[-1]]
        if len(kept) >= 2:
            toks = kept
    return " ".join(toks)


class RuleEngine:
    """Finds PERSON, ORG and PLACE mentions with cues, lists and document evidence."""

    def __init__(self, aliases: Aliases):
        self.aliases = aliases
        gaz = gazetteer()
        self.first_names = gaz.first_names
        self.surnames = gaz.surnames
        self.places = gaz.places
        # words that break a run and are dropped
        self.breakers = WEEKDAYS | NON_ENTITY | DEMONYMS | (MONTHS - NAME_MONTHS)
        self.names: dict[str, tuple[str, str]] = aliases.names  # any spelling -> (type, canonical)
        self.never: set[str] = aliases.never  # lower-cased names never extracted
        # the lengths a name on the never list can have as written: its lower-cased length,
        # or less by the "İ"s that lower-case to two characters
        sizes = bytearray(1 + max((len(n) for n in self.never), default=0))
        for name in self.never:
            for size in range(len(name) - name.count("i\u0307"), len(name) + 1):
                sizes[size] = 1
        self._never_sizes = bytes(sizes)
        # a lone word as matched -> what it is on its own (see _word)
        self._words: dict[str, tuple[str, int, str, str]] = {}

    # ------------------------------------------------------------------ lines

    def _special_lines(self, text: str) -> list[tuple[int, int, int]]:
        """Spans of lines read apart: datelines, lines in ALL CAPS or Title Case
        (headlines) and table lines (earnings, stock lists, standings)."""
        out: list[tuple[int, int, int]] = []
        pos = 0
        size = len(text)
        while pos <= size:  # line by line; paragraphs are too long to look at
            end = text.find("\n", pos)
            if end < 0:
                end = size
            start = pos
            if end - pos > 6 and _caps_start(text, pos):
                m = _DATELINE_RE.match(text, pos, end)
                if m is not None and self._dateline_place(m.group(1), m.group(2) is not None) and (
                    m.group(2) is None or _has_lower(text, m.end(), end)
                ):  # "LONDON - ..." is a dateline, "SOCCER - RESULTS" a headline
                    out.append((pos, m.end(), DATELINE))
                    start = m.end()
                else:
                    slug = _SLUG_RE.match(text, pos, end)
                    if slug is not None and _has_lower(text, slug.end(), end):
                        # a slug in capitals before words in lower case: read as capitals
                        out.append((pos, slug.end(1), CAPS_LINE))
                        start = slug.end()
            if 0 < end - start < 250:
                kind = _line_kind(text, start, end)
                if kind != NORMAL:
                    out.append((start, end, kind))
            pos = end + 1
        return out

    @staticmethod
    def _sentence_start(text: str, start: int) -> bool:
        i = start - 1
        while i >= 0:
            o = ord(text[i])
            if o == 32:  # a space, the usual opening
                i -= 1
            elif 97 <= o <= 122 or 65 <= o <= 90 or 48 <= o <= 57:
                return False  # a letter or a digit: in none of the two
            elif text[i] in _OPEN_PUNCT:
                i -= 1
            else:
                return text[i] in "\n.?!:;…"
        return True

    def _lower_in_text(self, text: str, word: str) -> bool:
        """Whether the word also appears in lower case (then it is a common word)."""
        got = self._lowers.get(word)  # answers for the text being read
        if got is None:
            needle = " " + word.lower()
            n = len(needle)
            got = False
            i = text.find(needle)
            while i >= 0:
                if not text[i + n : i + n + 1].isalnum():
                    got = True
                    break
                i = text.find(needle, i + n)
            self._lowers[word] = got
        return got

    # ------------------------------------------------------------------ pass 1

    def extract(self, text: str) -> list[Mention]:
        """Mentions in text order."""
        items, deferred = self._collect(text)
        return self._resolve(text, items, deferred)

    def entity_pairs(self, text: str) -> list[tuple[str, str]]:
        """(type, canonical name) of each mention, in text order, without building mentions."""
        items, deferred = self._collect(text)
        return self._resolve(text, items, deferred, pairs=True)

    def entity_names(self, text: str) -> dict[str, set[str]]:
        """Type -> the canonical names of that type in the text: the facet values.

        A team named by its town ("Chicago 5 Boston 3", "Leeds beat Hull") is an
        organisation where it is named, but no value: the town alone does not say which of
        its teams it is, and a list of organisations reading "Chicago, Boston, Texas" is a
        list of places."""
        found: dict[str, set[str]] = {PERSON: set(), ORG: set(), PLACE: set()}
        items, deferred = self._collect(text)
        self._resolve(text, items, deferred, names=found)
        orgs = found[ORG]
        for canon in [c for c in orgs if self._town_only(c)]:
            orgs.discard(canon)
        return found

    def _town_only(self, name: str) -> bool:
        """Whether an organisation's name is just a town's or a region's (as written, or
        in capitals), and no organisation the alias table knows by it."""
        usual = name
        if name.isupper():
            usual = _usual_case(name.split())
        kind = self.places.get(usual)
        if kind is None or kind == "country" or kind == "continent":
            return False
        hit = self.names.get(usual)
        return hit is None or hit[0] != ORG

    def _collect(self, text: str) -> tuple[list[_Item], list]:
        """Pass 1: candidate items, and the headline runs left for pass 2."""
        self._lowers: dict[str, bool] = {}
        self._firms: set[str] = set()  # names that company cues typed in the text
        items: list[_Item] = []
        deferred: list[tuple[list[Tok], int]] = []
        special = self._special_lines(text)
        nspecial = len(special)
        k = 0
        next_special = special[0][0] if nspecial else len(text) + 1
        words = self._words
        spelled = self._spelled_out(text) if " (" in text else {}
        skip_to = -1
        runs: list[str] = SEQ_RE.findall(text)
        at = 0
        for g in runs:
            # every capital starts a match, so this one starts at the first capital from the
            # end of the last: where its own first letter is first found
            s = text.find(g[0], at)
            at = s + len(g)
            w = words.get(g)
            if w is not None and w[1] == _SKIP:
                continue  # a common word, whatever is around it
            if spelled:
                if s < skip_to:
                    continue
                named = s if s in spelled else next((p for p in spelled if s < p < at), -1)
                if named >= 0:
                    if named > s:  # words before the name in the same run: read on their own
                        head: list[Tok] = []
                        pos = s
                        for word in text[s:named].split(" "):
                            tok, brk = _clean(word) if word else ("", False)
                            if tok:
                                head.append((tok, pos, pos + len(tok)))
                            if brk and head:
                                self._emit(text, head, NORMAL, items, deferred)
                                head = []
                            pos += len(word) + 1
                        if head:
                            self._emit(text, head, NORMAL, items, deferred)
                    skip_to, name = spelled[named]
                    key = " ".join(name)
                    hit = self.names.get(key)
                    etype, canon = (ORG, key) if hit is None else hit
                    items.append(_Item(named, skip_to, key, name, etype, 2, canon))
                    continue
            if s and ord(text[s - 1]) != 32:  # (a space, the usual, is neither)
                c = text[s - 1]
                if c.isalnum() or c in _GLUE:
                    continue  # inside a word: "anti-Trump", "iPhone"
            mode = NORMAL
            if s >= next_special:  # lines in ALL CAPS or Title Case
                while k < nspecial and special[k][1] <= s:
                    k += 1
                if k < nspecial:
                    next_special = special[k][0]
                    if s >= next_special:
                        mode = special[k][2]
                else:
                    next_special = len(text) + 1
            if mode == DATELINE:
                self._dateline(text, g, s, items)
                continue
            if w is None and " " not in g and "\u00a0" not in g:
                w = self._word(g)
            if w is not None:  # one word
                tok = w[0]
                if not tok:
                    continue
                if mode != NORMAL:
                    deferred.append(([(tok, s, s + len(tok))], mode))
                else:
                    self._lone(text, w, s, items)
                continue
            # split into words (the pattern puts one space or no-break space between
            # words); a sentence end or a possessive ends a run
            run: list[Tok] = []
            start = s
            spaced = g if "\u00a0" not in g else g.replace("\u00a0", " ")
            parts = spaced.split(" ")
            owner = self._owner_in_name(parts) if ("'s " in g or "’s " in g) else -1
            for i, word in enumerate(parts):
                pos = start
                start += len(word) + 1
                if i == owner:
                    run.append((word, pos, pos + len(word)))
                    continue
                tok, brk = _clean(word)
                if len(tok) == 2 and tok in _NO_DOT and not brk and i + 1 < len(parts):
                    # "St Louis", "Ft Worth": read as "St. Louis", "Fort Worth"
                    run.append((_NO_DOT[tok], pos, pos + 2))
                elif tok:
                    run.append((tok, pos, pos + len(tok)))
                if brk and run:
                    self._emit(text, run, mode, items, deferred)
                    run = []
            if run:
                self._emit(text, run, mode, items, deferred)
        return items, deferred

    def _spelled_out(self, text: str) -> dict[int, tuple[int, list[str]]]:
        """Names the text spells out before their acronym in brackets, by where they
        start: (end, words). "the Organisation for Security and Cooperation in Europe
        (OSCE)" is one name, its "in Europe" included: the shortest run of capitalised
        words (with small words between them) whose initials give the acronym's letters,
        a last company word ("International Business Machines Corp (IBM)") giving one or
        none."""
        out: dict[int, tuple[int, list[str]]] = {}
        for m in _ACRONYM_RE.finditer(text):
            acronym = m.group(1)
            end = m.start()
            words: list[str] = []
            starts: list[int] = []
            pos = end
            while len(words) < 2 * len(acronym) + 4:
                cut = text.rfind(" ", max(0, pos - 40), pos)
                word = text[cut + 1 : pos]
                # a line break ends the name: "... of the NRA.”\n\nNational Rifle
                # Association (NRA)" spells out no more than the paragraph's own words
                broken = max(word.rfind("\n"), word.rfind("\r"), word.rfind("\t"))
                if broken >= 0:
                    cut += broken + 1
                    word = word[broken + 1 :]
                if not word or not (word[0].isupper() or word in _SPELL_SMALL):
                    break
                if word[-1] in ",;:" or (word[-1] == "." and word not in ABBREVIATIONS):
                    break
                words.insert(0, word)
                starts.insert(0, cut + 1)
                if cut < 0 or broken >= 0:
                    break
                pos = cut
            if words and words[-1].endswith(("'s", "’s")):
                words[-1] = words[-1][:-2]  # "the United Kingdom's (UK)"
                end -= 2
            for k in range(len(words) - 2, -1, -1):
                name = words[k:]
                if not name[0][0].isupper() or not any(
                    w in ORG_SUFFIXES or w in ORG_HEADS for w in name
                ):  # (an organisation's; "Affordable Care Act (ACA)" is a law)
                    continue
                letters = "".join([w[0] for w in name if w[0].isupper()])
                if letters == acronym or (
                    name[-1] in COMPANY_SUFFIXES and letters[:-1] == acronym
                ):
                    if len(name) <= 3 and name[0] in self.first_names and all(
                        w[0].isupper() for w in name
                    ):
                        break  # a person's initials ("John Smith (JS)"): read as usual
                    while k >= 2 and words[k - 1] in ("of", "for") and words[k - 2] in ORG_HEADS:
                        k -= 2  # "Department of Health and Human Services (HHS)"
                    out[starts[k]] = (end, words[k:])
                    break
        return out

    def _owner_in_name(self, parts: list[str]) -> int:
        """The index of a possessive that belongs to a company's name ("Moody's Investors
        Service Inc", "People's Bank of China"), or -1: what follows it ends as a company
        or an organisation headed "... of", and what precedes it is no known name or place
        ("China's Central Bank", "Trump's Justice Department")."""
        first = 1 if parts[0] == "The" else 0
        for i in range(first, len(parts) - 1):
            word = parts[i]
            if not word.endswith(("'s", "’s")):
                continue
            k = i - first
            if k and not (k == 2 and (parts[i - 1] == "and" or parts[i - 1] == "&")):
                return -1  # "Moody's", "Standard and Poor's", not "John Lydon's"
            rest = [_clean(w)[0] for w in parts[i + 1 :]]
            if not rest or not (
                rest[-1] in COMPANY_SUFFIXES
                or _org_headed(rest)
                or " ".join(rest[-2:]) in COMPANY_ENDINGS
            ):
                return -1
            owner = " ".join([_clean(w)[0] for w in parts[first : i + 1]])
            if (
                owner in self.names
                or owner in self.places
                or owner in self.first_names
                or owner in COMMON_CAPS
                or owner in ORG_SUFFIXES
            ):
                return -1
            return i
        return -1

    def _dateline_place(self, caps: str, dash: bool) -> bool:
        """Whether the words in capitals opening a dateline can be its place: no common
        word ("UPDATE -"), and a known place when only a dash follows ("LONDON -")."""
        usual = _usual_case(caps.split())
        for w in usual.split():
            if w in COMMON_CAPS or w in self.breakers:
                return False
        if not dash:
            return True
        hit = self.names.get(usual)
        return usual in self.places or (hit is not None and hit[0] == PLACE)

    def _dateline(self, text: str, g: str, s: int, items: list[_Item]) -> None:
        """A run in a dateline: the place (and region) it is filed from, not the agency in
        brackets ("WASHINGTON (AP)") nor the date."""
        if text[s - 1 : s] == "(":
            return
        key = g.rstrip(",.-'’ ") if not g.endswith(".") or "." not in g[:-1] else g
        if not key or key in MONTHS or key in WEEKDAYS:
            return
        words = key.split()
        usual = key
        if key.isupper():
            usual = _usual_case(words)
        canon = usual
        hit = self.names.get(usual) or self.names.get(key)
        if hit is not None and hit[0] == PLACE:
            canon = hit[1]
        items.append(_Item(s, s + len(key), key, words, PLACE, 2, canon))

    def _word(self, g: str) -> tuple[str, int, str, str]:
        """A lone word as matched: (the word without punctuation, what it is alone,
        and for a fixed word its type and canonical name)."""
        if g[-1].isalnum() and "'" not in g and "’" not in g:
            tok = g
        else:
            tok = _clean(g)[0]
        got: tuple[str, int, str, str]
        if not tok:
            got = ("", _SKIP, "", "")
        elif tok in COMMON_CAPS or tok in self.breakers or self._is_never(tok):
            got = (tok, _SKIP, "", "")
        else:
            hit = self.names.get(tok)
            if hit is not None and (
                hit[0] != PLACE or self.places.get(tok) in ("country", "continent")
            ):
                got = (tok, _FIXED, hit[0], hit[1])
            else:
                got = (tok, _OPEN, "", "")
        if len(self._words) >= _WORDS_MAX:
            self._words.clear()
        self._words[g] = got
        return got

    def _emit(
        self, text: str, run: list[Tok], mode: int, items: list[_Item],
        deferred: list[tuple[list[Tok], int]],
    ) -> None:
        while run and run[-1][0] in CONNECTORS:
            run.pop()
        if not run:
            return
        if mode != NORMAL:
            deferred.append((run, mode))
        elif len(run) == 1:
            tok = run[0][0]
            self._lone(text, self._words.get(tok) or self._word(tok), run[0][1], items)
        else:
            self._run(text, run, items, self._sentence_start(text, run[0][1]))

    def _lone(self, text: str, w: tuple[str, int, str, str], s: int, items: list[_Item]) -> None:
        """A run of one word at s, as _word found it: fixed, read in context, or skipped."""
        tok = w[0]
        if w[1] == _FIXED:
            items.append(_Item(s, s + len(tok), tok, [tok], w[2], 2, w[3]))
        elif w[1] == _OPEN:
            self._single(text, tok, s, s + len(tok), items)

    def _single(self, text: str, tok: str, s: int, e: int, items: list[_Item]) -> None:
        """A run of one word that is not fixed on its own."""
        if tok in NAME_MONTHS and self._before_number(text, e):
            return
        if self._sentence_start(text, s):
            if not (tok in self.names or tok in self.places) and self._lower_in_text(
                text, tok
            ):
                return
        elif s >= 1 and text[s - 1] == "-":
            return
        self._classify(text, [(tok, s, e)], items, False)

    def _run(self, text: str, toks: list[Tok], items: list[_Item], sent_start: bool) -> None:
        if toks[-1][0] not in ORG_SUFFIXES and (
            toks[0][0] in _STORMS
            or (len(toks) > 2 and toks[0][0] == "Tropical" and toks[1][0] in _STORMS)
        ):
            return  # "Hurricane Barry", "Tropical Storm Humberto": a storm, no person
        for i in range(1, len(toks) - 2):
            if (
                toks[i][0] == "and"
                and toks[i + 1][0] == "the"
                and toks[i - 1][0] in ORG_SUFFIXES
                and toks[-1][0] in ORG_SUFFIXES
            ):  # "the Foreign Ministry and the Central Bank": two names
                left = self._strip_connectors(toks[:i])
                if left:
                    self._run(text, left, items, sent_start)
                right = self._strip_connectors(toks[i + 2 :])
                if right:
                    self._run(text, right, items, False)
                return
        # leading openers, connectors, and a common word opening a sentence
        while toks and (toks[0][0] in COMMON_CAPS or toks[0][0] in CONNECTORS):
            if _opens_name(toks, 0):
                break  # "Mr Starmer": a title without its full stop
            toks = toks[1:]
            sent_start = False
        if not toks:
            return
        for i in range(len(toks) - 1):
            w = toks[i][0]
            if w[-1] in _ADJECTIVE_LAST and w.endswith(_ADJECTIVE_ENDS):
                # "Ohio-based Acme Widget Corp": the company starts after it
                toks = toks[i + 1 :]
                sent_start = False
                break
        if len(toks) > 1 and toks[0][0] in MONTHS and toks[-1][0] in ORG_SUFFIXES:
            toks = toks[1:]  # "March National Association of Home Builders figures"
        if sent_start and len(toks) > 1:
            first = toks[0][0]
            if (
                first not in self.first_names
                and first not in self.places
                and first not in self.names
                and first not in PERSON_TITLES
                and (
                    self._lower_in_text(text, first)
                    or (
                        len(first) > 5
                        and first.endswith(_ADVERB_ENDS)
                        and first not in self.surnames
                    )
                )
            ):  # "Afterwards Trump", "Subsequently Smith": an adverb opening the sentence
                toks = toks[1:]
        words = [t[0] for t in toks]
        key = " ".join(words)
        if key in self.names or self._connected_place(key, words):
            self._classify(text, toks, items, False, key=key)
            return
        org_head = words[-1] in ORG_SUFFIXES or _org_headed(words)
        for i in range(1, len(toks)):
            if org_head:
                break
            rest = " ".join(words[i:])
            if words[i - 1] in CONNECTORS and (
                rest in self.names or self._connected_place(rest, words[i:])
            ):
                # a known name after a connector: "Fighters of Islamic State", "Leaders of
                # Antigua and Barbuda"
                left = self._strip_connectors(toks[:i])
                if left:
                    self._run(text, left, items, sent_start)
                self._classify(text, toks[i:], items, False)
                return
        # split at words that are never part of a name, unless the run is an organisation
        last = toks[-1][0]
        if self._has_breaker(toks) and not (
            last in ORG_SUFFIXES and len(toks) > 1 and not self._has_title(toks)
        ):
            parts: list = []
            cur: list = []
            for i, t in enumerate(toks):
                w = t[0]
                if (w in self.breakers or w in COMMON_CAPS) and not _opens_name(toks, i):
                    if w in NAME_MONTHS or (w in MONTHS and not self._before_number(text, t[2])):
                        if w in MONTHS and cur and cur[-1][0] in self.first_names:
                            cur.append(t)  # "Theresa May"
                            continue
                    parts.append(cur)
                    cur = []
                else:
                    cur.append(t)
            parts.append(cur)
            if len(parts) > 1:
                for p in parts:
                    p = self._strip_connectors(p)
                    if p:
                        self._titled(text, p, items)
                return
        self._titled(text, toks, items, key)

    def _has_breaker(self, toks: list[Tok]) -> bool:
        """Whether a word of a run is one that is never part of a name (or a common word)."""
        for t in toks:
            if t[0] in self.breakers or t[0] in COMMON_CAPS:
                return True
        return False

    @staticmethod
    def _before_number(text: str, end: int) -> bool:
        return text[end : end + 2][-1:].isdigit()

    @staticmethod
    def _strip_connectors(toks: list[Tok]) -> list[Tok]:
        while toks and toks[0][0] in CONNECTORS:
            toks = toks[1:]
        while toks and toks[-1][0] in CONNECTORS:
            toks = toks[:-1]
        return toks

    @staticmethod
    def _has_title(toks: list[Tok]) -> bool:
        for t in toks[:-1]:
            if t[0] in PERSON_TITLES:
                return True
        return False

    def _titled(self, text: str, toks: list[Tok], items: list[_Item], key: str = "") -> None:
        """Split a run at its last title: a person after it, the rest read alone. (key: the
        run's words joined, when the caller has them)"""
        # split at "and" unless the whole is known or an organisation
        for i, t in enumerate(toks):
            if t[0] in ("and", "&") and 0 < i < len(toks) - 1:
                whole = " ".join([x[0] for x in toks])
                left = toks[:i]
                right = " ".join([x[0] for x in toks[i + 1 :] if x[0] not in ("the", "of")])
                # two companies: "X Inc and Y Corp", "Smith Barney and Salomon Brothers"
                two = left[-1][0] in COMPANY_SUFFIXES or (
                    i >= 2
                    and len(toks) - i > 2
                    and toks[-1][0] in COMPANY_SUFFIXES
                    and toks[i + 1][0] not in ORG_SUFFIXES  # "Pacific Gas and Electric Co"
                )
                if whole in self.names or (
                    toks[-1][0] in ORG_SUFFIXES
                    and not two
                    and not self._known(" ".join(x[0] for x in left))
                    and not self._known(right)
                ):
                    break
                self._titled(text, self._strip_connectors(left), items)
                self._titled(text, self._strip_connectors(toks[i + 1 :]), items)
                return
        if not toks:
            return
        n = len(toks)
        if not key:
            key = " ".join([t[0] for t in toks])
        if n > 1 and key not in self.names:
            ti = -1
            for i in range(n - 1, -1, -1):
                if toks[i][0] in PERSON_TITLES:
                    ti = i
                    break
            if 0 <= ti < n - 1 and toks[ti][0] in ADJECTIVE_TITLES and (
                toks[ti + 1][0] in ORG_SUFFIXES
                or (ti == n - 2 and self._noun(text, toks[ti + 1][0]))
            ):  # "General Agreement", "Major League Baseball": an adjective, not a title
                ti = -1
            if ti >= 0:
                name = toks[ti + 1 :]
                if name and name[0][0] in CONNECTORS:
                    # "Secretary of State Mike Pompeo": the name starts at a first name
                    j = next(
                        (k for k, t in enumerate(name) if t[0] in self.first_names), -1
                    )
                    if j < 0:
                        self._classify(text, self._strip_connectors(name), items, False)
                        name = []
                    else:
                        name = name[j:]
                        # "Mayor of Cleveland Frank Jackson": a place may be a first name too
                        k = self._place_before_person(text, name, "", titled=True)
                        if k:
                            self._classify(text, name[:k], items, False)
                            name = name[k:]
                cut = next(
                    (k for k, t in enumerate(name) if k and t[0] in ("of", "for", "the", "and")), -1
                )
                if cut > 0 and name[-1][0] not in ORG_SUFFIXES:
                    # "Rep. Katie Hill of California": the name ends at the connector
                    rest = self._strip_connectors(name[cut:])
                    name = name[:cut]
                    if rest:
                        self._classify(text, rest, items, False)
                if name and name[-1][0] in ORG_SUFFIXES:
                    # "Chief Justice ... Court": not a name after all
                    self._classify(text, toks, items, False, key=key)
                    return
                prefix = toks[:ti]
                while prefix and (prefix[-1][0] in ROLE_WORDS or prefix[-1][0] in PERSON_TITLES
                                  or prefix[-1][0] in CONNECTORS):
                    prefix = prefix[:-1]
                if prefix:
                    self._classify(text, self._strip_connectors(prefix), items, False, weak=True)
                if name:
                    self._classify(text, name, items, True)
                return
        k = self._place_before_person(text, toks, key)
        if k:
            # "Senator from Vermont Bernie Sanders", "envoy to Ukraine Kurt Volker": the
            # run went on past the place that the title named into the person
            self._classify(text, toks[:k], items, False)
            self._classify(text, toks[k:], items, False)
            return
        self._classify(text, toks, items, False, key=key)

    def _place_before_person(
        self, text: str, toks: list[Tok], key: str, titled: bool = False
    ) -> int:
        """How many words of a run open it with a known place (up to three) that a person
        follows ("Vermont Bernie Sanders", "New York Andrew Cuomo"); 0 when not so.

        The person: two or three words, the first a first name ("Elizabeth" too); no
        other word a place unless a surname too ("Warren"); none a place's or an
        organisation's word or a common word; the last no common noun, and a known
        surname or met in the text without the place before it (not "Manchester Royal
        Infirmary"). Not split either: a run known as a whole, one opening with a place
        that is a first name too ("Georgia", "Jordan") unless a title and a connector
        came before (``titled``: "Mayor of Cleveland Frank Jackson"), and a place that
        goes on ("San Diego Padres")."""
        n = len(toks)
        words = [t[0] for t in toks]
        if not key:
            key = " ".join(words)
        if n < 3 or key in self.names or (words[0] in self.first_names and not titled):
            return 0
        for k in range(max(1, n - 3), min(n - 1, 4)):
            person = words[k:]
            if (
                person[0] in self.first_names
                and person[0] not in MONTHS
                and " ".join(words[:k]) in self.places
                and not any(" ".join(words[: j + 1]) in self.places for j in range(k, n))
                and not any(w in self.places and w not in self.surnames for w in person[1:])
                and not any(
                    w in PLACE_SUFFIXES or w in ORG_SUFFIXES or w in COMMON_CAPS
                    or w in self.breakers
                    for w in person
                )
                and not self._noun(text, person[-1])
                and (person[-1] in self.surnames or text.count(person[-1]) > text.count(key))
            ):
                return k
        return 0

    def _noun(self, text: str, word: str) -> bool:
        """Whether a capitalised word is a common noun rather than a name: no name the lists
        know, and an organisation word, a noun's ending or met in lower case."""
        if word in self.first_names or word in self.surnames or word in self.names:
            return False
        return (
            word in ORG_SUFFIXES or word.endswith(NOUN_ENDINGS) or self._lower_in_text(text, word)
        )

    def _is_never(self, name: str) -> bool:
        """Whether a name is on the never list (whatever its case)."""
        n = len(name)
        return (
            n < len(self._never_sizes)
            and self._never_sizes[n] == 1
            and name.lower() in self.never
        )

    def _known(self, key: str) -> bool:
        return key in self.names or key in self.places

    # ------------------------------------------------------------------ typing

    def _connected_place(self, key: str, words: list[str]) -> bool:
        """Whether a run is a known place whose name holds a connector, read whole, not
        split there: "Bosnia and Herzegovina", "Trinidad and Tobago", "Isle of Man"."""
        return len(words) > 2 and key in self.places and any(w in CONNECTORS for w in words[1:-1])

    def _classify(
        self, text: str, toks: list[Tok], items: list[_Item], titled: bool, weak: bool = False,
        key: str = "",
    ) -> None:
        """Type a run (key: its words joined, when the caller has them)."""
        if not toks:
            return
        s, e = toks[0][1], toks[-1][2]
        words = [t[0] for t in toks]
        n = len(words)
        if not key:
            key = " ".join(words)
        if self._is_never(key):
            return
        hit = self.names.get(key)
        if hit is None and n > 1 and words[0] in ("The", "the"):
            hit = self.names.get(" ".join(words[1:]))
        if hit is not None:
            if (
                hit[0] == PLACE
                and self.places.get(key) not in ("country", "continent")
                and n == 1
                and self._team_cue(text, s, e)
            ):
                items.append(_Item(s, e, key, words, ORG, 1, key))
                return
            items.append(_Item(s, e, key, words, hit[0], 2, hit[1]))
            return
        if titled:
            if n == 1 and words[0] in COMMON_CAPS:
                return
            items.append(_Item(s, e, key, words, PERSON, 2, person_canon(words)))
            return
        if self._connected_place(key, words):
            items.append(_Item(s, e, key, words, PLACE, 2, key))
            return
        if n > 1 and words[0] in _SAINTS:
            # "St. Lucia" is the list's "Saint Lucia", "Saint Kitts" its "St. Kitts"
            rest = " ".join(words[1:])
            for alt in (f"Saint {rest}", f"St. {rest}"):
                hit = self.names.get(alt)
                if hit is not None:
                    items.append(_Item(s, e, key, words, hit[0], 2, hit[1]))
                    return
        if _upper(key):
            # in capitals, as datelines are ("LONDON —", "NEW YORK (AP)"): known as written
            # the usual way, or a common word
            usual = _usual_case(words)
            if usual != key:
                kind = self.places.get(usual)
                if kind is not None and not (
                    n == 1
                    and len(key) < 5
                    and kind not in ("country", "state", "capital", "continent")
                ):  # a short word in capitals naming a town is an acronym: "GAO", "ABA"
                    if kind not in ("country", "continent") and self._team_cue(text, s, e):
                        items.append(_Item(s, e, key, words, ORG, 1, key))
                    else:
                        items.append(_Item(s, e, key, words, PLACE, 2, usual))
                    return
                hit = self.names.get(usual)
                if hit is not None:
                    items.append(_Item(s, e, key, words, hit[0], 2, hit[1]))
                    return
                if n == 1 and len(key) > 3 and (usual in COMMON_CAPS or usual in self.breakers):
                    return  # "MORE", "BREAKING"; short ones may be acronyms ("IS", "AT")
        last, first = words[-1], words[0]
        if n == 1:
            if first in PERSON_TITLES or first in ROLE_WORDS or first in ORG_SUFFIXES:
                return
            if first[-1] == "." and len(first) <= 3:
                return
        if n > 3 and last in ORG_SUFFIXES and first in self.first_names:
            # "Jane Doe of Acme Securities Inc": a person of a company
            for k in (2, 3):
                if k < n - 1 and words[k] in ("of", "at") and all(
                    (_name_shaped(w) or (len(w) == 2 and w[1] == "."))
                    and w not in ORG_HEADS and w not in ORG_SUFFIXES
                    for w in words[1:k]
                ):  # (not "Georgia Institute of Technology")
                    items.append(_Item(s, toks[k - 1][2], " ".join(words[:k]), words[:k],
                                       PERSON, 1, person_canon(words[:k])))
                    self._classify(text, self._strip_connectors(toks[k + 1 :]), items, False)
                    return
        if n > 1 and (
            last in ORG_SUFFIXES or _org_headed(words)
        ):
            if n == 2 and first in GENERIC_MODIFIERS and last in GENERIC_HEADS and not (
                self._known(key)
            ):
                return  # "Central Bank", "State Government": no name of its own
            if key in self.places:
                items.append(_Item(s, e, key, words, PLACE, 2, key))
                return
            if words[0] in ("The", "the"):
                words = words[1:]
                key = " ".join(words)
            items.append(_Item(s, e, key, words, ORG, 2, key))
            return
        kind = self.places.get(key)
        if kind is None and self._org_context(text, s, e):
            # "an analyst at Merrill Lynch", "Morgan Stanley said in a research note"
            items.append(_Item(s, e, key, words, ORG, 2, key))
            self._firms.add(key)
            return
        if n == 2 and first in REGION_WORDS and last in COMPASS:
            items.append(_Item(s, e, key, words, PLACE, 2, key))  # "Far East", "Deep South"
            return
        if kind is None and n > 1 and len(first) == 2 and first[1] == "." and all(
            _name_shaped(w) and w not in PLACE_SUFFIXES and w not in ORG_SUFFIXES
            for w in words[1:]
        ):
            # "J. Smith", "T. Brown 70": an initial and a surname, also before a score
            items.append(_Item(s, e, key, words, PERSON, 1, key))
            return
        if kind not in ("country", "continent") and self._team_cue(text, s, e) and not (
            n == 2 and kind is None and first in self.first_names and last in self.surnames
        ):  # ("beat John Carter (England)": a player)
            items.append(_Item(s, e, key, words, ORG, 1, key))
            return
        if kind is not None:
            strength = 2
            if kind == "city" and (key in self.first_names or key in self.surnames):
                if n == 1 and key in self.surnames and (
                    self._cue(text, s, e) or self._led_by_person(text, e)
                ):
                    # "Warren said", "the Bush administration": the surname, not the town
                    items.append(_Item(s, e, key, words, PERSON, 1, key))
                    return
                strength = 1
            items.append(_Item(s, e, key, words, PLACE, 1 if weak else strength, key))
            return
        if n > 1 and last in EVENT_WORDS:
            return  # an event ("Atlanta Games", "Madrid Open"): no person, team or company
        if n > 1 and last in PLACE_SUFFIXES and (
            first not in self.first_names
            or self._place_cue(text, s)
            or self._prev_word(text, s) in ("at", "At")
        ):  # "at Trent Bridge", "in Lincoln Park": a place, not a person
            items.append(_Item(s, e, key, words, PLACE, 1, key))
            return
        if n > 1 and first in self.places and last.endswith(_TEAM_PLURALS) and all(
            _name_shaped(w) and w not in self.first_names and w not in self.surnames
            and w not in self.places for w in words[1:]
        ):  # "Denver Nuggets", "Austin Comets": a town and a plural make a team
            items.append(_Item(s, e, key, words, ORG, 1, key))
            return
        if n > 2 and first in ADJECTIVE_TITLES and words[1] in ORG_SUFFIXES:
            # "Major League Baseball", "Crown Prosecution Service": an adjective before an
            # organisation's word, no title nor first name
            items.append(_Item(s, e, key, words, ORG, 1, key))
            return
        if n > 1 and first in self.first_names and all(
            _name_shaped(w)
            or (len(w) == 2 and w[1] == ".")
            or w in _PARTICLES
            or w in ("Jr.", "Sr.")
            for w in words[1:]
        ):
            items.append(_Item(s, e, key, words, PERSON, 1, person_canon(words)))
            return
        if (
            n > 1
            and len(first) == 2
            and first[1] == "."
            and all(_name_shaped(w) for w in words[1:])
        ):
            # "P. Simmons", "J. Smith": an initial and a surname
            items.append(_Item(s, e, key, words, PERSON, 1, key))
            return
        if n > 1 and first not in COMMON_CAPS:
            # "Dynamo Moscow", "Air France": a word and a place make a team or a company;
            # "Chicago Bulls", "New York Yankees": a place and nouns likewise
            lkind = self.places.get(last)
            if lkind in ("country", "capital", "bigcity") and (
                first not in self.places
                and first not in self.first_names
                and (last not in self.surnames or lkind == "country")
                and first not in self.surnames
            ):
                items.append(_Item(s, e, key, words, ORG, 1, key))
                return
            for k in (1, 2):
                if n > k and " ".join(words[:k]) in self.places and all(
                    _name_shaped(w) and w not in self.places and w not in self.first_names
                    and w not in self.surnames for w in words[k:]
                ):
                    items.append(_Item(s, e, key, words, ORG, 1, key))
                    return
        if (
            n == 1
            and _is_caps(key)
            and 3 <= len(key) <= 6
            and key.isalpha()
            and not weak
            and key not in CAPS_WORDS
            and not self._lower_in_text(text, key)
            and not _rating(text, e)
        ):
            items.append(_Item(s, e, key, words, ORG, 1, key))
            return
        if n > 2 and any(w in ("of", "for", "and", "the", "&") for w in words[1:-1]):
            # an unknown run with a connector: read its parts ("Fighters of ISIS",
            # "Katie Hill of California")
            part: list = []
            for t in toks:
                if t[0] in ("of", "for", "and", "the", "&"):
                    part = self._strip_connectors(part)
                    if part:
                        self._classify(text, part, items, False)
                    part = []
                else:
                    part.append(t)
            part = self._strip_connectors(part)
            if part:
                self._classify(text, part, items, False)
            return
        prev = self._prev_word(text, s)
        if prev in PERSON_BEFORE and all(_name_shaped(w) or w in CONNECTORS for w in words):
            items.append(_Item(s, e, key, words, PERSON, 1, person_canon(words)))
            return
        if prev in ORG_BEFORE and not (
            n == 1 and key in self.surnames and self._cue(text, s, e)
        ):
            items.append(_Item(s, e, key, words, ORG, 1, key))
            return
        if n > 1 and first in _SAINTS and not (
            _upper(key) or self._cue(text, s, e) or text.startswith(("'s", "’s"), e)
        ):
            # An unknown "St. Vincent" or "Saint-Denis" is a place named for a saint far
            # more often than the saint, unless a cue makes it a person ("St. John said")
            # or it owns something ("St. Patrick's Day")
            items.append(_Item(s, e, key, words, PLACE, 1, key))
            return
        items.append(_Item(s, e, key, words, None, 0, key))

    @staticmethod
    def _org_context(text: str, start: int, end: int) -> bool:
        """Words around a name that make it a company: "an analyst at X", "shares of X",
        "X analyst Jane Doe", "X said in a research note"."""
        if start >= 4 and ord(text[start - 1]) == 32 and ord(text[start - 4]) == 32:
            prep = text[start - 4 : start]
            if prep == " at " or prep == " of " or prep == " in ":
                word = text[max(0, start - 16) : start - 4].rsplit(" ", 1)[-1].lower()
                if (prep == " at " and word in ORG_BEFORE_AT) or (
                    prep != " at " and word in ORG_BEFORE_OF
                ):
                    return True
        # what follows the name, or its possessive: the next word, within 32 characters
        size = len(text)
        if end >= size:
            return False
        o = ord(text[end])
        if o == 32:
            after = end
        elif o == 39 or o == 0x2019:  # ' and ’
            if end + 1 >= size or ord(text[end + 1]) != 115:  # s
                return False
            after = end + 2
        else:
            return False
        first = after + 1
        if first >= size or text[first] not in _ORG_AFTER_FIRST:
            return False
        stop = text.find(" ", first, end + 32)
        if stop < 0:
            stop = end + 32
        if text[first:stop].rstrip(",.;:") in ORG_AFTER:
            return _LOWER_AFTER_HYPHEN_RE.search(text, start, end) is None  # "Left-leaning"
        return text[after : after + _ORG_NOTE_SIZE].startswith(_ORG_NOTES)

    @staticmethod
    def _team_cue(text: str, start: int, end: int) -> bool:
        """A sports team: "X 3 Y 1", "X 195 , Y 429-7", "X beat Y", "X 22 points"."""
        # both a score and a result start with a space; "beat" and the like end with one
        if (
            end + 1 < len(text)
            and ord(text[end]) == 32
            and ((c := text[end + 1]) in _RESULT_START or c.isdecimal())
            and _SCORE_RE.match(text, end) is not None
        ):
            return True
        return (
            start >= 2
            and ord(text[start - 1]) == 32
            and text[start - 2] in _BEAT_TAILS
            and text[max(0, start - 12) : start].endswith(_BEAT_BEFORE)
        )

    @staticmethod
    def _prev_word(text: str, start: int) -> str:
        """The word before a space before start, within 24 characters ("" after two spaces)."""
        if start < 2 or ord(text[start - 1]) != 32:
            return ""
        i = start - 2
        c = text[i]
        if c.isspace():
            if c == " ":
                return ""
            parts = text[max(0, start - 24) : start].rsplit(None, 1)
            return parts[-1] if parts else ""
        low = max(0, start - 24)
        while i > low and not text[i - 1].isspace():
            i -= 1
        return text[i : start - 1]

    @staticmethod
    def _place_cue(text: str, start: int) -> bool:
        return (
            start >= 2
            and ord(text[start - 1]) == 32
            and text[start - 2] in _PLACE_TAILS
            and text[max(0, start - 12) : start].endswith(_PLACE_BEFORE)
        )

    def _cue(self, text: str, start: int, end: int) -> bool:
        """A person cue: "said" before the name, or "said" or an age after it."""
        said_before = self._prev_word(text, start) in ("said", "says", "told")
        return said_before or self._person_cue(text, end)

    @staticmethod
    def _led_by_person(text: str, end: int) -> bool:
        """A word after the name that only a person leads: "administration", "campaign"."""
        after = text[end : end + 20]
        if after[:2] in ("'s", "’s"):
            after = after[2:]
        if after[:1] != " ":
            return False
        return after[1:].split(" ", 1)[0].rstrip(",.;:") in _LED_BY_PERSON

    @staticmethod
    def _person_cue(text: str, end: int) -> bool:
        c = text[end : end + 1]
        if c == " " or c == ",":
            after = text[end : end + 12]
            if after[1:].split(" ", 1)[0].strip(",.") in _PERSON_AFTER:
                return True
            if c == "," and _AGE_RE.match(after):
                return True
        return False

    # ------------------------------------------------------------------ pass 2

    def _resolve(
        self, text: str, items: list[_Item], deferred: list[tuple[list[Tok], int]],
        pairs: bool = False, names: dict[str, set[str]] | None = None,
    ) -> list:
        """Pass 2: mentions, or (type, canonical name) pairs, or with names given, nothing:
        each canonical name is added to the set of its type there instead."""
        person_last: dict[str, list[tuple[int, str]]] = {}
        typed: dict[str, tuple[str, str]] = {}
        self._companies(text, items)
        self._teams(text, items)
        # a surname met after a title ("Mrs Badenoch") makes a name ending in it a
        # person, even with a first name the lists do not know ("Kemi Badenoch")
        titled: set[str] = set()
        for it in items:
            if (
                it.type == PERSON
                and it.strength == 2
                and len(it.toks) == 1
                and it.key not in self.names
            ):
                titled.add(it.key)  # (a name the alias table knows needs no help)
        if titled:
            for it in items:
                if it.type is None and len(it.toks) == 2 and it.toks[1] in titled:
                    if self._first_name_shaped(text, it):
                        it.type, it.strength, it.canon = PERSON, 1, it.key
        for it in items:
            if it.type is not None and it.strength >= 1:
                if it.key not in typed:  # (the first sure or likely type a name gets)
                    typed[it.key] = (it.type, it.canon)
                if it.type == PERSON:
                    ctoks = it.canon.split()
                    if len(ctoks) >= 2:
                        suffixed = ctoks[-1] in ("Jr.", "Sr.", "Jr", "Sr", "II", "III")
                        surname = ctoks[-2] if suffixed else ctoks[-1]
                        person_last.setdefault(surname, []).append((it.start, it.canon))
                        if surname[:1].islower() and surname.startswith(_HYPHEN_PARTICLES):
                            # "al-Assad" is also "Assad"
                            short = surname.split("-", 1)[1]
                            person_last.setdefault(short, []).append((it.start, it.canon))
        # acronyms defined in parentheses after an organisation: "... Agency (EPA)"
        for i in range(1, len(items)):
            it, prev = items[i], items[i - 1]
            if (
                it.strength < 2
                and _is_caps(it.key)
                and prev.type == ORG
                and text[prev.end : it.start] in (" (", " ( ")
            ):
                it.type, it.strength, it.canon = ORG, 2, prev.canon
                typed[it.key] = (ORG, prev.canon)

        for toks, mode in deferred:
            self._headline(text, toks, mode, items, typed, person_last)
        for i in range(1, len(items)):
            if items[i].start < items[i - 1].start:
                items.sort(key=_START)
                break

        out: list = []
        for it in items:
            etype = it.type
            canon = it.canon
            n = len(it.toks)
            if n == 1 and it.key in person_last and (etype in (None, PERSON) or it.strength < 2):
                etype = PERSON
                canon = self._nearest(person_last[it.key], it.start)
            elif etype is None or it.strength == 0:
                hit = typed.get(it.key)
                if hit is not None:
                    etype, canon = hit
                else:
                    etype = self._fallback(text, it)
                    if etype is None:
                        continue
                    if etype == PERSON:
                        canon = person_canon(it.toks)
            elif it.strength == 1:
                hit = typed.get(it.key)
                if hit is not None:
                    etype, canon = hit
            elif etype == PERSON and n == 1 and canon in person_last:
                canon = self._nearest(person_last[canon], it.start)
            if etype == PERSON and " " not in canon and canon in person_last:
                canon = self._nearest(person_last[canon], it.start)
            hit = self.names.get(canon)
            if hit is not None and hit[0] == etype:
                canon = hit[1]
            if self._is_never(it.key) or self._is_never(canon):
                continue
            if names is not None:
                names[etype].add(canon)
            elif pairs:
                out.append((etype, canon))
            else:
                out.append(Mention(text[it.start : it.end], etype, it.start, it.end, canon))
        return out

    def _companies(self, text: str, items: list[_Item]) -> None:
        """Company evidence across the text: the words before a company's suffix name it
        too ("Dean Witter Reynolds Inc" ... "Dean Witter", "Moody's Investors Service Inc"
        ... "Moody's"), and an unknown name listed beside a company is one ("Kidder Peabody
        and Salomon Brothers")."""
        short: dict[str, str] = {}
        for it in items:
            words = it.toks
            if it.type != ORG or len(words) < 2 or words[-1] not in COMPANY_SUFFIXES:
                continue
            for j in range(1, len(words)):
                w = words[j - 1]
                if w in CONNECTORS:
                    continue
                name = " ".join(words[:j])
                if (j == 1 and w in self.first_names) or self._known(name):
                    continue
                short.setdefault(name, name)
                if w.endswith(("'s", "’s")):  # "Moody's" is read as "Moody"
                    short.setdefault(" ".join(words[: j - 1] + [w[:-2]]), name)
        if short:
            for it in items:
                if (it.type is None or (it.type == PERSON and it.strength < 2)) and (
                    it.key in short
                ):
                    it.type, it.strength, it.canon = ORG, 2, short[it.key]
        n = len(items)
        for i in range(n):
            it = items[i]
            if it.type is not None or len(it.toks) != 2 or not self._two_surnames(it.toks):
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < n:
                    other = items[j]
                    gap = text[other.end : it.start] if j < i else text[it.end : other.start]
                    if (
                        other.type == ORG
                        and (other.toks[-1] in COMPANY_SUFFIXES or other.key in self._firms)
                        and gap in _LIST_GAPS
                    ):
                        it.type, it.strength, it.canon = ORG, 1, it.key
                        break

    def _two_surnames(self, words: list[str]) -> bool:
        """Two surnames joined, the way firms are named ("Smith Barney", "Kidder Peabody")."""
        return (
            words[0] in self.surnames
            and words[0] not in self.first_names
            and words[1] in self.surnames
        )

    def _teams(self, text: str, items: list[_Item]) -> None:
        """A town that a score shows to be a team ("Leeds 2 Hull 1") is that team wherever the
        text names it, unless a place word comes before it ("in Leeds")."""
        teams: set[str] = set()
        for it in items:
            if it.type == ORG and it.strength == 1 and self.places.get(it.key) not in (
                None, "country", "continent"
            ):
                teams.add(it.key)
        if teams:
            for it in items:
                if it.type == PLACE and it.key in teams and not self._place_cue(text, it.start):
                    it.type, it.strength, it.canon = ORG, 1, it.key

    def _first_name_shaped(self, text: str, it: _Item) -> bool:
        """Whether the first of two words can be a first name the lists lack ("Kemi
        Badenoch"): shaped like a name, not a place or a known name, not a word met in lower
        case, and mid-sentence or followed by a comma or a person cue."""
        first = it.toks[0]
        if not _name_shaped(first) or "-" in first or first in self.places or first in self.names:
            return False
        if first in COMMON_CAPS or first in self.breakers or self._lower_in_text(text, first):
            return False
        return (
            not self._sentence_start(text, it.start)
            or text[it.end : it.end + 1] == ","
            or self._cue(text, it.start, it.end)
        )

    @staticmethod
    def _nearest(cands: list[tuple[int, str]], pos: int) -> str:
        best = cands[0][1]
        for start, canon in cands:
            if start <= pos:
                best = canon
            else:
                break
        return best

    def _fallback(self, text: str, it: _Item) -> str | None:
        """A type for a run that no rule typed and nothing in the text explains."""
        words = it.toks
        n = len(words)
        if n >= 2:
            if n <= 4 and all(_name_shaped(w) or w in CONNECTORS for w in words):
                if words[-1] in self.surnames or self._cue(text, it.start, it.end):
                    return PERSON
            return None
        w = words[0]
        if not _name_shaped(w):
            return None
        if w in self.surnames:
            return PERSON if self._cue(text, it.start, it.end) else None
        if not self._place_cue(text, it.start):
            return None
        before = text[max(0, it.start - 12) : it.start].lower().split()
        return ORG if len(before) >= 2 and before[-2] in _HOLDING else PLACE

    def _headline(
        self, text: str, toks: list[Tok], mode: int, items: list[_Item],
        typed: dict[str, tuple[str, str]], person_last: dict[str, list[tuple[int, str]]],
    ) -> None:
        """Match a headline or dateline run only against what is already known."""
        words = [t for t in toks if t[0] not in CONNECTORS or t[0] in ("of", "for", "and")]
        i, n = 0, len(words)
        while i < n:
            found = False
            for j in range(min(n, i + 5), i, -1):
                span = words[i:j]
                if span[0][0] in CONNECTORS or span[-1][0] in CONNECTORS:
                    continue
                got = self._headline_match(text, span, mode, typed, person_last)
                if got is not None:
                    etype, canon, key = got
                    if etype:
                        items.append(
                            _Item(span[0][1], span[-1][2], key, key.split(), etype, 2, canon)
                        )
                    i = j
                    found = True
                    break
            if not found:
                i += 1

    def _headline_match(
        self, text: str, span: list[Tok], mode: int, typed: dict[str, tuple[str, str]],
        person_last: dict[str, list[tuple[int, str]]],
    ) -> tuple[str, str, str] | None:
        raw = [t[0] for t in span]
        forms = [raw]
        caps = mode == CAPS_LINE or (mode == TABLE_LINE and raw[0].isupper())
        if caps:
            forms.append(_usual_case(raw).split(" "))
        for k, words in enumerate(forms):
            key = " ".join(words)
            if k == 0 and caps:
                # an acronym as written ("NATO", "U.S."), not a common word in capitals
                if len(words) == 1 and (key.capitalize() in COMMON_CAPS or len(key) < 2):
                    continue
            if key in COMMON_CAPS or key in self.breakers:
                continue
            if self._is_never(key):
                return None
            hit = typed.get(key)
            if hit is not None:
                return hit[0], hit[1], key
            if len(words) == 1 and key in person_last:
                return PERSON, person_last[key][0][1], key
            hit = self.names.get(key)
            kind = self.places.get(key)
            if (hit is None or hit[0] == PLACE) and kind is not None:
                if mode == TABLE_LINE and kind not in ("country", "continent") and _row_label(
                    text, span[0][1], span[-1][2]
                ):
                    return ORG, key, key  # a town labelling a row of numbers: its team
            if hit is not None:
                return hit[0], hit[1], key
            if kind is not None:
                return PLACE, key, key
            if k == 0 and len(words) > 1 and words[-1] in ORG_SUFFIXES and (
                " ".join(words[:-1]) in self.places
            ):  # "Lagos Newsroom", "Warsaw Office": a town's desk or office
                return ORG, key, key
            if k == 0 and mode == TABLE_LINE and len(words) > 1 and (
                words[0] in self.first_names or (len(words[0]) == 2 and words[0][1] == ".")
            ) and all(_name_shaped(w) for w in words[1:]) and not (
                words[-1] in ORG_SUFFIXES or words[-1] in PLACE_SUFFIXES
            ):
                # a person's full name heads a row of scores ("John Carter 70 76 71"); a
                # company's or a place's ("Paris Newsroom +33 1 42", "Trent Bridge") does not
                return PERSON, person_canon(words), key
            if len(words) > 1 and mode == TITLE_LINE:
                # (in capitals or in a table, what is not known is not guessed at)
                if len(words) == 3 and words[0] in ADJECTIVE_TITLES and words[1] in (
                    ORG_SUFFIXES
                ):  # "Major League Baseball", not cut to "Major League"
                    return ORG, key, key
                if words[-1] in ORG_SUFFIXES and words[0] not in COMMON_CAPS:
                    if ("of" in words or "for" in words) and not _org_headed(words):
                        # "Results of Major League", "State of the Union": no name read
                        # from it, nor from its parts
                        return "", "", key
                    return ORG, key, key
                if (
                    len(words) <= 3
                    and words[0] in self.first_names
                    and words[0] not in COMMON_CAPS
                    and words[-1] in self.surnames
                    and words[-1] not in COMMON_CAPS
                ):
                    return PERSON, person_canon(words), key
        return None
