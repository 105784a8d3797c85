"""Score an entity extractor on CoNLL-2003 English (span level, per type).

Reads the data in place (default ``../shared/ner/conll2003/eng.testa``).
Each document is rebuilt as text, one sentence a line and tokens joined by
spaces; the extractor's mentions are mapped back onto tokens. A mention counts
when its exact token span and type match a gold entity. PER, ORG and LOC are
scored (LOC = PLACE); MISC is ignored on both sides.

    python benchmarks/ner_eval.py [--extractor rules|spacy] [--file PATH] [--errors N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from searchtui.config import Config  # noqa: E402
from searchtui.entities import get_extractor  # noqa: E402

TYPES = {"PERSON": "PER", "ORG": "ORG", "PLACE": "LOC"}
DEFAULT = REPO.parent / "shared" / "ner" / "conll2003" / "eng.testa"


def read_docs(path: Path) -> list[list[list[tuple[str, str]]]]:
    """Documents -> sentences -> (token, IOB1 tag)."""
    docs: list[list[list[tuple[str, str]]]] = [[]]
    sent: list[tuple[str, str]] = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if line.startswith("-DOCSTART-"):
            if sent:
                docs[-1].append(sent)
                sent = []
            if docs[-1]:
                docs.append([])
            continue
        if not line:
            if sent:
                docs[-1].append(sent)
                sent = []
            continue
        parts = line.split()
        sent.append((parts[0], parts[-1]))
    if sent:
        docs[-1].append(sent)
    return [d for d in docs if d]


def gold_spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """IOB1 tags -> (first token, last token + 1, type)."""
    spans = set()
    start, cur = None, None
    for i, tag in enumerate(tags + ["O"]):
        kind = tag[2:] if tag != "O" else None
        begins = tag.startswith("B-") or kind != cur
        if cur is not None and (begins or kind is None):
            spans.add((start, i, cur))
            cur = None
        if kind is not None and (cur is None or begins):
            start, cur = i, kind
    return {s for s in spans if s[2] in ("PER", "ORG", "LOC")}


def score(extractor_name: str, path: Path, show_errors: int = 0) -> dict:
    ext = get_extractor(Config(extractor=extractor_name))
    docs = read_docs(path)
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    errors: list[str] = []
    elapsed = 0.0
    for doc in docs:
        tokens, tags, starts, ends = [], [], [], []
        lines = []
        pos = 0
        for sent in doc:
            words = []
            for tok, tag in sent:
                starts.append(pos)
                ends.append(pos + len(tok))
                tokens.append(tok)
                tags.append(tag)
                words.append(tok)
                pos += len(tok) + 1
            lines.append(" ".join(words))
        text = "\n".join(lines)
        by_start = {s: i for i, s in enumerate(starts)}
        by_end = {e: i for i, e in enumerate(ends)}
        t0 = time.perf_counter()
        mentions = ext.extract(text)
        elapsed += time.perf_counter() - t0
        pred = set()
        for m in mentions:
            i, j = by_start.get(m.start), by_end.get(m.end)
            if i is None or j is None:  # not on token boundaries: can only be wrong
                pred.add((-m.start - 1, -m.end - 1, TYPES[m.type], m.text))
                continue
            pred.add((i, j + 1, TYPES[m.type], m.text))
        gold = gold_spans(tags)
        pred3 = {(a, b, t) for a, b, t, _ in pred}
        for span in pred3 & gold:
            tp[span[2]] += 1
        for a, b, t, txt in pred:
            if (a, b, t) not in gold:
                fp[t] += 1
                if show_errors:
                    gtype = next((g[2] for g in gold if g[0] == a and g[1] == b), "-")
                    errors.append(f"FP {t} (gold {gtype}): {txt}")
        for a, b, t in gold - pred3:
            fn[t] += 1
            if show_errors:
                ptype = next((p[2] for p in pred if p[0] == a and p[1] == b), "-")
                errors.append(f"FN {t} (pred {ptype}): {' '.join(tokens[a:b])}")
    result = {}
    for t in ("PER", "ORG", "LOC", "ALL"):
        if t == "ALL":
            a, b, c = sum(tp.values()), sum(fp.values()), sum(fn.values())
        else:
            a, b, c = tp[t], fp[t], fn[t]
        p = a / (a + b) if a + b else 0.0
        r = a / (a + c) if a + c else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        result[t] = (p, r, f, a, b, c)
    result["docs"] = len(docs)
    result["seconds"] = elapsed
    result["errors"] = errors
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extractor", default="rules", choices=("rules", "spacy"))
    ap.add_argument("--file", type=Path, default=DEFAULT)
    ap.add_argument("--errors", type=int, default=0, help="print the N most frequent errors")
    args = ap.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file}: not found")
    res = score(args.extractor, args.file, args.errors)
    print(f"{args.file.name}: {res['docs']} documents, extractor {args.extractor}, "
          f"{res['seconds']:.2f} s")
    print(f"{'type':5} {'P':>6} {'R':>6} {'F1':>6} {'tp':>6} {'fp':>6} {'fn':>6}")
    for t in ("PER", "ORG", "LOC", "ALL"):
        p, r, f, a, b, c = res[t]
        print(f"{t:5} {p:6.3f} {r:6.3f} {f:6.3f} {a:6d} {b:6d} {c:6d}")
    if args.errors:
        for line, count in Counter(res["errors"]).most_common(args.errors):
            print(f"{count:4d}  {line}")


if __name__ == "__main__":
    main()
