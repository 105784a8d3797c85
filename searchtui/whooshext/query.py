"""Questions about Whoosh query objects that its public API answers only indirectly."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.matching import NullMatcher, WrappingMatcher
from whoosh.qparser import PhrasePlugin
from whoosh.qparser.common import attach
from whoosh.reading import IndexReader

from searchtui.schema import NewsText

#: Whoosh's query that matches nothing is a single instance of a private class.
_NULL_TYPE = type(wq.NullQuery)


def is_null_query(q: wq.Query) -> bool:
    """True for Whoosh's query that matches nothing (what a query of stop words normalises to)."""
    return isinstance(q, _NULL_TYPE)


def expanded_texts(q: wq.Query, reader: IndexReader) -> list[bytes]:
    """The terms (as bytes) of the query's own field that a multi-term query (prefix,
    wildcard, fuzzy, range...) stands for in ``reader``."""
    return [text for _field, text in q.expanded_terms(reader)]


class OffsetPhrase(wq.Phrase):
    """A phrase whose words stand at given distances from its first word.

    ``offsets[i]`` is the position of ``words[i]`` less that of ``words[0]``,
    as the analyzer numbers them: a stop word or a sentence end inside the
    phrase leaves the gap it leaves in the text, so "bank of america" matches
    "Bank of America" and not "bank america". With ``slop`` above 1 each word
    may stand anywhere from just after the word before it to ``slop - 1``
    positions past its gap.
    """

    def __init__(
        self, fieldname, words, slop=1, boost=1.0, char_ranges=None, offsets=None
    ) -> None:
        super().__init__(fieldname, words, slop=slop, boost=boost, char_ranges=char_ranges)
        self.offsets = list(range(len(words))) if offsets is None else list(offsets)

    def __eq__(self, other):
        return super().__eq__(other) and self.offsets == other.offsets

    def __hash__(self):
        return super().__hash__() ^ hash(tuple(self.offsets))

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.fieldname!r}, {self.words!r}, offsets={self.offsets!r},"
            f" slop={self.slop}, boost={self.boost:f})"
        )

    def normalize(self):
        kept = [(w, o) for w, o in zip(self.words, self.offsets, strict=True) if w is not None]
        if len(kept) < 2:
            return super().normalize()
        first = kept[0][1]
        return type(self)(
            self.fieldname, [w for w, _ in kept], slop=self.slop, boost=self.boost,
            char_ranges=self.char_ranges, offsets=[o - first for _, o in kept],
        )

    def matcher(self, searcher, context=None):
        """Whoosh's matcher for the phrase, with each word's gap (used for sloppy phrases)."""
        field = searcher.schema[self.fieldname] if self.fieldname in searcher.schema else None
        if field is None:
            return NullMatcher()
        if not field.format or not field.format.supports("positions"):
            raise wq.QueryError(f"Phrase search: {self.fieldname!r} field has no positions")
        reader = searcher.reader()
        spans = None
        for word, gap in zip(self.words, _gaps(self.offsets), strict=True):
            try:
                tbytes = field.to_bytes(word)
            except ValueError:
                return NullMatcher()
            if (self.fieldname, tbytes) not in reader:
                return NullMatcher()
            term = wq.Term(self.fieldname, tbytes)
            if spans is None:
                spans = term
            else:
                exact = self.slop == 1
                spans = wq.SpanNear2(
                    [spans, term], slop=gap + self.slop - 1, ordered=True,
                    mindist=gap if exact else 1,
                )
        if spans is None:
            return NullMatcher()
        m = spans.matcher(searcher, context)
        if self.boost != 1.0:
            m = WrappingMatcher(m, boost=self.boost)
        return m


def _gaps(offsets: list[int]) -> list[int]:
    """Each word's distance from the word before it (0 for the first)."""
    return [0] + [b - a for a, b in zip(offsets, offsets[1:], strict=False)]


class PhrasePositionsPlugin(PhrasePlugin):
    """Quoted phrases as :class:`OffsetPhrase`, their words placed by the field's analyzer.

    Whoosh's own plugin keeps the words and drops their positions, so a phrase
    with a stop word in it would ask for its other words side by side.
    """

    class PhraseNode(PhrasePlugin.PhraseNode):
        def query(self, parser):
            fieldname = self.fieldname or parser.fieldname
            schema = parser.schema
            if (
                not schema
                or fieldname not in schema
                or not schema[fieldname].analyzer
                or not (
                    schema[fieldname].format.supports("positions")
                    or isinstance(schema[fieldname], NewsText)  # kept beside the segments
                )
            ):
                # no positions (a field of exact values): the parser's own phrase class
                return super().query(parser)
            start = self.textstartchar
            words, char_ranges, offsets = [], [], []
            tokens = schema[fieldname].tokenize(self.text, mode="query", chars=True, positions=True)
            for i, t in enumerate(tokens):
                words.append(t.text)
                char_ranges.append((start + t.startchar, start + t.endchar))
                offsets.append(getattr(t, "pos", i))
            q = OffsetPhrase(
                fieldname, words, slop=self.slop, boost=self.boost, char_ranges=char_ranges,
                offsets=[o - offsets[0] for o in offsets] if offsets else [],
            )
            return attach(q, self)

    class PhraseTagger(PhrasePlugin.PhraseTagger):
        def create(self, parser, match):
            slop = match.group("slop")
            return PhrasePositionsPlugin.PhraseNode(
                match.group("text"), match.start("text"), int(slop) if slop else 1
            )
