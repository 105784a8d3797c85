"""The Whoosh schema and analyzer of a searchtui index.

Whoosh pickles the schema into the index, so the classes and functions
defined here that the schema holds (``NewsText``, ``Counts``, ``ExactSet``,
``NewsTokenizer``, ``stem_word``) must keep this import path and these names;
a change that alters what is indexed bumps SCHEMA_VERSION, and indexes of a
version not in READABLE_VERSIONS are then refused with an instruction to
rebuild.

The body and title use one analyzer, built from Whoosh's own parts (so the
query parser sees exactly what the index holds), and a fast path that
produces the same terms and positions in one pass when indexing (Whoosh's
token-by-token generator chain is the larger part of the cost of an index
run).

What the analyzer does:

- Words are runs of letters and digits, joined across a dot between word
  characters ("U.S", "e.g", "3.5", "yahoo.com", "J.R.R") except where the dot
  ends a sentence with no space after it: two lower-case letters (or two
  digits) before it and an upper-case letter starting a word after it
  ("status.Immigration", "said.The", "in 2016.The"; not "Amazon.Com", whose
  second part is a domain ending). Text all in capitals ("STATUS.IMMIGRATION",
  "NASA.GOV") cannot be told from an acronym or a domain and stays one word;
  so does "St.Louis" (one letter of lower case before the dot).
- Words are lower-cased, accents folded, stop words and one-letter words
  dropped, and the rest stemmed with Snowball's English stemmer (words with a
  dot in them, abbreviations, numbers and domains, are kept as they are).
- Positions count every word, kept or dropped, and a sentence end (".", "!",
  "?", ";" or ":" before white space, a glued sentence end as above, or a
  blank line) adds SENTENCE_GAP more: a phrase matches consecutive words of
  one sentence, its own stop words standing for any word. A dot after one
  letter ("U.S.", "J. Smith") or after a title such as "Mr", "Dr", "St",
  "Gen" or "Jan" ends no sentence.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import struct
import threading
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterator

import Stemmer
from whoosh import fields, formats
from whoosh.analysis import (
    STOP_WORDS,
    CharsetFilter,
    LowercaseFilter,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.support.charset import accent_map

from searchtui import kernels

SCHEMA_VERSION = 5
#: Versions this searchtui reads. Version 3 differs in the body's postings, which
#: keep each count twice (Whoosh's ``Frequency``: a weight and a value); versions 3
#: and 4 index and store every article's path, also where it is the article's key
#: (``PathOfRows``), and keep wider story signatures (``SKETCH_BYTES_V4``, ``_V3``).
READABLE_VERSIONS = (3, 4, 5)

STOPWORDS = frozenset(STOP_WORDS)
MIN_TOKEN = 2
#: The positions a sentence end takes, as if so many words stood there: more
#: than the stop words of any phrase, so that a phrase never reaches from one
#: sentence into the next (and a loose one, "a b"~N, only for N above it).
SENTENCE_GAP = 10
SENTENCE_STEP = SENTENCE_GAP + 1

#: Bytes of the body's signature kept for each article (see ``stories``): 8 bits of
#: each minimum. Indexes of schema version 4 keep 16 (``SKETCH_BYTES_V4``), of
#: version 3 all 32 (``SKETCH_BYTES_V3``).
SKETCH_BYTES = 128
SKETCH_BYTES_V4 = 256
SKETCH_BYTES_V3 = 512
#: The field holding it.
SKETCH_FIELD = "sketch"


def sketch_bytes(schema) -> int:
    """The width of the signature column of an index of ``schema`` (its version's)."""
    if SKETCH_FIELD in schema.names():
        width = getattr(schema[SKETCH_FIELD].column_type, "_fixedlen", None)
        if width in (SKETCH_BYTES, SKETCH_BYTES_V4, SKETCH_BYTES_V3):
            return width
    return SKETCH_BYTES

#: Title terms weigh this much more than body terms in ranking.
TITLE_BOOST = 2.5


def _char_class(chars) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


#: Accent folding by character, with the capitals of folded small letters
#: that Whoosh's map leaves out ("Ð" for "ð"), as words are lower-cased first.
_FOLDS = {chr(k): v for k, v in accent_map.items()}
_FOLDS.update({
    c.upper(): v for c, v in list(_FOLDS.items())
    if len(c.upper()) == 1 and c.upper() not in _FOLDS
})
# The letters whose case the glued-word rule reads: ASCII, Latin-1 and every
# letter accent folding knows, so that a word reads the same folded or not.
_FOLDABLE = list(_FOLDS) + [chr(i) for i in range(0xC0, 0x100)]
_LOWER_SET = set("abcdefghijklmnopqrstuvwxyz") | {c for c in _FOLDABLE if c.islower()}
_UPPER_SET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") | {
    c for c in _FOLDABLE if c.isupper() or c.istitle()
}
_LOWER = _char_class(_LOWER_SET)
_UPPER = _char_class(_UPPER_SET)
#: Domain endings: "Amazon.Com" is one word.
_DOMAINS = "com|org|net|gov|edu|mil|info|biz|io|co|uk"
#: Just after a dot between word characters: the dot ends a sentence written
#: with no space after it. Case-sensitive even inside a case-blind pattern.
_GLUED_DOT = (
    rf"(?-i:(?<=[{_LOWER}][{_LOWER}]\.|\d\d\.)(?=[{_UPPER}][^\W\d_])(?!(?i:{_DOMAINS})\b))"
)
TOKEN_PATTERN = rf"\w+(?:(?:\.(?!{_GLUED_DOT}))?\w+)*"
#: Words before a dot that ends no sentence (besides single letters).
_TITLES = (
    r"(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|Mt|Lt|vs)\.)"
    r"(?<!\b(?:Mrs|Gen|Sen|Rep|Gov|Col|Sgt|Rev|Maj|Adm|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.)"
    r"(?<!\b(?:Prof|Capt|Cmdr|Sept)\.)"
)
_SENTENCE_END = (
    rf"(?:[!?;:]|\.(?<!\b[^\W\d_]\.){_TITLES})[\"'\u201d\u2019\u00bb)\]]*(?=\s)"
    rf"|\.{_GLUED_DOT}"
    r"|\n\s*\n"
)
#: Words (group 1) and sentence ends (an empty group 1), in order.
_scan_re = re.compile(rf"({TOKEN_PATTERN})|{_SENTENCE_END}")
_token_re = re.compile(TOKEN_PATTERN)


def scan(text: str) -> list[str]:
    """The words of ``text`` in order, with an empty string for each sentence end.

    Compiled where the counting loops are (``_kernels.scan_words``, which leaves to the
    pattern what only the pattern can tell): reading the words was most of analysing
    a text, and a good part of indexing an article.
    """
    loops = kernels.loops
    if loops is not None:
        return loops.scan_words(text, _scan_re.match)
    return _scan_re.findall(text)


class NewsTokenizer(Tokenizer):
    """Whoosh's side of :func:`scan`: the words, numbered with a gap at each sentence end."""

    def __call__(
        self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
        start_pos=0, start_char=0, tokenize=True, mode="", **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos - 1
        brk = False
        for m in _scan_re.finditer(value):
            word = m.group(1)
            if not word:
                brk = pos >= start_pos
                continue
            pos += SENTENCE_STEP if brk else 1
            brk = False
            t.text = word
            t.boost = 1.0
            if keeporiginal:
                t.original = word
            t.stopped = False
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + m.start()
                t.endchar = start_char + m.end()
            yield t


_stemmers = threading.local()  # a Stemmer object is not safe to share between threads


def stem_word(word: str) -> str:
    """Snowball's English stem of a lower-case word; a word with a dot is kept as it is."""
    if "." in word:
        return word
    try:
        stemmer = _stemmers.stemmer
    except AttributeError:
        stemmer = _stemmers.stemmer = Stemmer.Stemmer("english", 0)
    return stemmer.stemWord(word)


def make_analyzer():
    """The text analyzer: words, lower case, accents folded, stop words out, stemmed."""
    return (
        NewsTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOPWORDS, minsize=MIN_TOKEN, renumber=False)
        | StemFilter(stemfn=stem_word, cachesize=-1)
    )


_stem_cache: dict[str, str | None] = {}
#: Not in the cache: a string no word of the tokenizer can be.
_MISSING = "\x00"


def _term_of(lower: str) -> str | None:
    """What the analyzer turns a lower-case word into (None: dropped), not remembered."""
    w = lower if lower.isascii() else lower.translate(accent_map)
    if w in STOPWORDS or len(w) < MIN_TOKEN:
        return None
    return stem_word(w)


def normalise_word(word: str) -> str | None:
    """What the analyzer turns one tokenizer word into (None: dropped)."""
    found = _stem_cache.get(word)
    if found is not None or word in _stem_cache:
        return found
    result = _term_of(word.lower())
    if len(_stem_cache) < 2_000_000:
        _stem_cache[word] = result
    return result


#: English endings that stemming takes off (with the letters it may leave), for
#: :func:`stems_of_words_starting`.
_ENDINGS = tuple(sorted(set("""
    s es ed ing ings e y ies ied ier iest ly er ers or ors ee ees
    ion ions ation ations ition itions ication ications ization izations isation isations
    al als ally ial ially ic ics ical ically ism isms ist ists istic istics
    ity ities ive ives ively iveness ize ized izes izing ise ised ises ising
    ment ments mental mentally ness nesses ful fully fulness less lessly lessness
    ous ously ousness ance ances ence ences ancy ency ant ants ent ents ently
    able ably ability abilities ible ibly ibility ate ated ates ating ator ators ative
    atives ary aries ery eries ory ories ian ians ship ships hood hoods ward wards
""".split())))


@functools.lru_cache(maxsize=1024)
def stems_of_words_starting(prefix: str) -> frozenset[str]:
    """The stems of the words that ``prefix`` (lower case, as typed) is the start of,
    where the prefix runs past the stem: "electio" is the start of "election", whose
    stem is "elect", which no word starting "electio" has as its stem's start. Each
    candidate word is the prefix finished by an English ending ("dropp" + "ed"), or by
    the rest of one it has begun ("immigra" + "tion"); what the analyzer makes of it is
    given when that does not begin with the prefix (those words are found by their
    start), without remembering the candidates (``_term_of``, not ``normalise_word``).
    Some are no word at all: the caller keeps the stems the index has."""
    found: set[str] = set()
    if not prefix or "." in prefix:
        return frozenset()
    for ending in _ENDINGS:
        for begun in range(len(ending)):
            if begun and not prefix.endswith(ending[:begun]):
                continue
            stem = _term_of(prefix + ending[begun:])
            if stem is not None and not stem.startswith(prefix):
                found.add(stem)
    return frozenset(found)


def analyse_positions(text: str) -> dict[str, list[int]]:
    """Terms of ``text`` with their token positions, as the analyzer gives them.

    The loop over the words is compiled where the counting loops are (see
    ``kernels``): it is a good part of indexing an article.
    """
    loops = kernels.loops
    if loops is not None:
        return loops.term_positions(
            scan(text), _stem_cache, _MISSING, normalise_word, SENTENCE_STEP
        )
    poses: dict[str, list[int]] = defaultdict(list)
    cache = _stem_cache
    missing = _MISSING
    pos = -1
    brk = False
    # Every word counts, kept or not; a sentence end counts SENTENCE_GAP more.
    for word in scan(text):
        if not word:
            brk = pos >= 0
            continue
        pos += SENTENCE_STEP if brk else 1
        brk = False
        term = cache.get(word, missing)
        if term is missing:
            term = normalise_word(word)
        if term is not None:
            poses[term].append(pos)
    return poses


def iter_term_spans(text: str):
    """(term, start, end) for each indexed word of ``text``, for highlighting."""
    norm = normalise_word
    for m in _token_re.finditer(text):
        term = norm(m.group())
        if term is not None:
            yield term, m.start(), m.end()


_finders: dict[frozenset, _Finder] = {}
#: A run of the letters accent folding changes.
_accented = re.compile(
    "[" + "".join(f"\\U{ord(c):08x}" for c in sorted(_FOLDS) if ord(c) > 127) + "]+"
)


def _blocks_of(codes: list[int], size: int = 128) -> re.Pattern:
    """A character of the blocks of ``size`` code points that hold any of ``codes``
    (from the first of them): a class of a few ranges, which a pattern tests
    several times faster than one of hundreds of single characters."""
    ranges: list[list[int]] = []
    first = min(codes)
    for code in sorted(codes):
        lo, hi = max(code // size * size, first), code // size * size + size - 1
        if ranges and lo <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], hi)
        else:
            ranges.append([lo, hi])
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")


#: Where an accented letter may be: text with none of these has none (most text).
_accent_blocks = _blocks_of([ord(c) for c in _FOLDS if ord(c) > 127])
#: Accent folding that keeps case and what is a word character, so the
#: tokenizer's pattern splits the folded text where it splits the text.
_case_kept_fold = {
    ord(c): (v.upper() if c in _UPPER_SET and len(v.upper()) == 1 else v)
    if re.match(r"\w", c) else c
    for c, v in _FOLDS.items()
}


def _fold_case_kept(text: str) -> str:
    """``text`` with ``_case_kept_fold`` applied: only its accented runs are
    translated (a few in most texts; translating all of a text costs a dictionary
    look-up a character)."""
    near = _accent_blocks.search(text)
    if near is None:
        return text
    parts: list[str] = []
    last = 0
    for m in _accented.finditer(text, near.start()):
        s, e = m.span()
        parts.append(text[last:s])
        parts.append(m.group().translate(_case_kept_fold))
        last = e
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


#: The last letters of a stem that its words may spell otherwise.
_CHANGED = set("eily")


#: A word as the tokenizer reads it from where it starts (after the lookbehind).
_WORD_REST = rf"(?:(?<!\w\.)|{_GLUED_DOT})" + TOKEN_PATTERN
#: A word as the tokenizer reads it, where one starts (whatever its letters).
_WORD_AT = re.compile(r"(?<!\w)" + _WORD_REST, re.IGNORECASE)


class _Finder:
    """The words that may analyse to some terms: where they start, and a pattern."""

    __slots__ = ("prefixes", "ascii", "ascii_prefixes", "_pattern")

    def __init__(self, prefixes: tuple[str, ...]):
        self.prefixes = prefixes  #: what such a word starts with (lower case)
        self.ascii = all(p.isascii() for p in prefixes)  #: whether they are all ASCII
        #: the prefixes as ASCII bytes, when they are
        self.ascii_prefixes = tuple(p.encode("ascii") for p in prefixes) if self.ascii else ()
        self._pattern: re.Pattern | None = None

    @property
    def pattern(self) -> re.Pattern:
        """The pattern of such words anywhere in a text (compiled when first asked for:
        text searched for its prefixes as plain substrings does not need it)."""
        if self._pattern is None:
            alternation = "|".join(
                re.escape(p) for p in sorted(self.prefixes, key=len, reverse=True)
            )
            self._pattern = re.compile(
                r"(?<!\w)(?=" + alternation + ")" + _WORD_REST, re.IGNORECASE
            )
        return self._pattern


def _finder(terms: frozenset) -> _Finder:
    """The tokenizer's words that may analyse to one of ``terms``.

    A Snowball stem is a prefix of its words but for its last letter, when
    that is an "e" the stemmer added ("hide" for "hiding"), an "i" for a "y"
    ("happi" for "happy"), the "l" of "-bility" ("possibl") or the "y" of "sky"
    for "skies"; a stem ending in "-le" may have both of its last letters so
    ("-ble" for "-bility"). So a word is a candidate when it starts with the stem,
    less that letter or two; the stems Snowball gives "dying", "lying" and "tying"
    ("die" and so on) look for the "-y" too. Candidates are then checked one by
    one. Cutting no more than that keeps the candidates few: "war" looks at
    "war..." words only, not at every "was".
    """
    found = _finders.get(terms)
    if found is None:
        prefixes = set()
        for t in terms:
            cut = len(t) - 2 if t.endswith("le") else len(t) - 1 if t[-1:] in _CHANGED else len(t)
            # "İ" lower-cases to two characters; the folded text holds "I"
            prefixes.add(t[: max(cut, 1)].replace("i\u0307", "i"))
            if t.endswith("ie"):
                prefixes.add(t[:-2] + "y")
        found = _Finder(tuple(sorted(prefixes)))
        if len(_finders) > 512:
            _finders.clear()
        _finders[terms] = found
    return found


#: Up to this many prefixes, candidates are found by plain substring search.
_FIND_PREFIXES = 12
#: The letters other than ASCII that a pattern ignoring case takes for ASCII
#: ones: "İ" and "ı" for "i", the long "ſ" for "s", the Kelvin sign for "k".
_ASCII_LOOKALIKES = ("\u0130", "\u0131", "\u017f", "\u212a")


def _candidates(folded: str, finder: _Finder) -> Iterator[re.Match]:
    """The matches of ``finder.pattern`` in ``folded``, one after the other.

    A regular expression that ignores case tries every position of the text in
    turn. When the prefixes are few and plain ASCII, the lower-cased text is
    searched for each of them instead (str.find), and the pattern is tried only
    where one starts: the same matches, as lower-casing then keeps the length of
    the text and compares ASCII letters as the pattern does (but for the few
    other letters the pattern takes for ASCII ones: such text takes its way)."""
    if (
        len(finder.prefixes) > _FIND_PREFIXES or not finder.ascii
        or any(c in folded for c in _ASCII_LOOKALIKES)
    ):
        yield from finder.pattern.finditer(folded)
        return
    # Lower-cased as bytes, one to a character: any other than ASCII is a "?",
    # which no prefix holds (ASCII only, as checked), so the prefixes are found
    # where they are in the text, several times faster than with str.lower.
    low = folded.encode("ascii", "replace").lower()
    starts = set()
    for p in finder.ascii_prefixes:
        i = low.find(p)
        while i >= 0:
            starts.add(i)
            i = low.find(p, i + 1)
    end = 0
    match = _WORD_AT.match  # a word starts there: no need to look for a prefix again
    for s in sorted(starts):
        if s < end:
            continue  # inside the word found last
        m = match(folded, s)
        if m is not None:
            end = m.end()
            yield m


def find_terms(text: str, terms) -> list[tuple[int, int, str]]:
    """(start, end, term) for the words of ``text`` that the analyzer turns into one of ``terms``.

    The same answer as filtering ``iter_term_spans``, without analysing every word.
    """
    if not terms:
        return []
    terms = frozenset(terms)
    # Accent folding keeps the length of the text, so spans stay valid.
    folded = text if text.isascii() else _fold_case_kept(text)
    norm = normalise_word
    out = []
    for m in _candidates(folded, _finder(terms)):
        s, e = m.span()
        term = norm(text[s:e])
        if term is not None and term in terms:
            out.append((s, e, term))
    return out


def fold(text: str) -> str:
    """Lower case with accents removed: how facet values are matched by typed text."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.translate(accent_map) if not text.isascii() else text


#: The words of a name, as names are compared (and values are matched by their words).
NAME_WORD = re.compile(r"\w+")


def fold_name(text: str) -> str:
    """A name as typed or stored, as names are compared: its folded words, one space
    apart ("U.S." is "u s", "Hillary Rodham-Clinton" is "hillary rodham clinton")."""
    return " ".join(NAME_WORD.findall(fold(text)))


#: A count as Whoosh's ``Frequency`` format keeps it.
_pack_count = struct.Struct("!I").pack


class Counts(formats.Format):
    """Each posting's count as its weight, and no value: Whoosh's ``Frequency``
    without the four bytes a posting that repeat its weight.

    Whoosh keeps a weight with every posting whatever the format, and scores
    with it; ``Frequency`` also keeps the count as the posting's value, which for
    the body (boost 1) is the weight again, and was a third of its posting blocks.
    Whoosh searches a field of this format as it searches one of ``Frequency``
    (``matcher.weight()`` is the count); only ``value_as("frequency")``, which
    its searching does not use, is not offered.
    """

    posting_size = 0
    __inittypes__ = dict(field_boost=float)

    def __init__(self, field_boost: float = 1.0, **options) -> None:
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value, analyzer, **kwargs):
        # Frequency's terms, counts and weights (it reads only ``field_boost``), no value
        counted = formats.Frequency.word_values(self, value, analyzer, **kwargs)
        return ((w, freq, weight, b"") for w, freq, weight, _value in counted)

    def encode(self, value) -> bytes:
        return b""

    def combine(self, vs) -> bytes:
        return b""


class NewsText(fields.TEXT):
    """A TEXT field whose indexing takes the one-pass fast path for plain strings."""

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        if not self.format.supports("positions"):
            # positions kept beside the segment (see ``whooshext.docfile``): a count
            # each, as the weight (``Counts``) or as the weight and the value
            counted = self.format.fixed_value_size() != 0
            for term, poslist in analyse_positions(value).items():
                n = len(poslist)
                yield term.encode("utf-8"), n, n * boost, _pack_count(n) if counted else b""
            return
        encode = self.format.encode
        for term, poslist in analyse_positions(value).items():
            yield term.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)


class ExactSet(fields.KEYWORD):
    """Exact, case-kept values (authors, publication, entity names), several per article.

    Indexed from a list of strings, one term per value; stored as the list.
    """

    def __init__(self):
        super().__init__(stored=True, lowercase=False, commas=True, scorable=False)


class Evidence(fields.KEYWORD):
    """Exact terms that are not shown, only counted over the corpus (see ``canonical``)."""

    def __init__(self):
        super().__init__(stored=False, lowercase=False, commas=True, scorable=False)


class PathOfRows(fields.ID):
    """The file an article came from, indexed and stored only where it is not the
    article's key: the rows of a table share their file, and an article that is a
    file of its own has its path as its key already (keeping it twice was about a
    tenth of the term tables). ``stored_path`` reads it back either way."""


def path_once(schema) -> bool:
    """Whether an index of ``schema`` keeps a path only where it is not the key (an
    index of version 3 or 4 keeps every article's)."""
    return "path" in schema.names() and isinstance(schema["path"], PathOfRows)


def stored_path(stored: dict) -> str:
    """The path of the file of the article whose stored fields are ``stored``."""
    return stored.get("path") or stored.get("key") or ""


def make_schema(body_positions: bool = True) -> fields.Schema:
    """The index's fields. ``body_positions`` False: the body's postings in Whoosh's
    blocks keep each word's count (``Counts``), not its positions, which the word lists
    beside each segment keep instead (see ``whooshext.docfile``): the body's positions
    are most of the blocks' bytes, and written twice otherwise. Whoosh itself still
    searches such an index, except for phrases in the body."""
    from searchtui.whooshext.columns import fixed_bytes

    analyzer = make_analyzer()
    body = NewsText(analyzer=analyzer, stored=True, phrase=body_positions)
    if not body_positions:
        body.format = Counts(field_boost=body.format.field_boost)
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        path=PathOfRows(stored=True),
        hash=fields.STORED(),  # a file's SHA-1: read back, never searched for
        title=NewsText(analyzer=analyzer, stored=True, phrase=True, field_boost=TITLE_BOOST),
        body=body,
        authors=ExactSet(),
        publication=ExactSet(),
        date=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        people=ExactSet(),
        organisations=ExactSet(),
        places=ExactSet(),
        acronyms=Evidence(),
        first_indexed=fields.ID(stored=True),  # see FIRST_INDEXED
        # the body's near-duplicate signature (see ``stories``), one fixed-width value
        # per document, neither indexed nor stored
        sketch=fields.COLUMN(fixed_bytes(SKETCH_BYTES)),
    )


def compress_body(text: str) -> bytes:
    """The body as stored: the whole text, compressed (bodies are most of an index's size)."""
    return zlib.compress(text.encode("utf-8"), 1)


def stored_body(value) -> str:
    """The stored body back as text."""
    if isinstance(value, bytes):
        return zlib.decompress(value).decode("utf-8")
    return value or ""


#: Fields holding exact facet values.
FACET_INDEX_FIELDS = ("authors", "publication", "people", "organisations", "places")
TEXT_FIELDS = ("title", "body")
#: The acronyms each article spells out, as ``canonical.evidence_terms`` writes them.
EVIDENCE_FIELD = "acronyms"


#: When an article was first indexed: a UTC time to the
#: microsecond in one fixed-width form, so that stamps sort as text in time order. A
#: file indexed again keeps its articles' stamps; a rebuild keeps them too.
FIRST_INDEXED = "first_indexed"
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def make_stamp(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).strftime(STAMP_FORMAT)


def stamp_micros(stamp: str | None) -> int:
    """A stamp as microseconds since 1970 (0 for none, or one that does not read)."""
    if not stamp:
        return 0
    try:
        moment = _dt.datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        return 0
    return (moment - _EPOCH) // _dt.timedelta(microseconds=1)


def micros_stamp(micros: int) -> str:
    return make_stamp(_EPOCH + _dt.timedelta(microseconds=micros))


def next_stamp(after: str | None = None) -> str:
    """The stamp of an index run starting now: later than ``after`` (the newest stamp in
    the index) even if the clock went back, so that runs' stamps always grow."""
    now = stamp_micros(make_stamp(_dt.datetime.now(_dt.timezone.utc)))
    return micros_stamp(max(now, stamp_micros(after) + 1))
