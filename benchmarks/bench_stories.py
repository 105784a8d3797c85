"""Grouping copies into stories: pair precision and recall on a synthetic test.

    python benchmarks/bench_stories.py [--shared DIR] [--seed 7] [--sweep] [--sample 20]

The test is made from real articles of the shared corpora. Each chosen
article (an "original") gets one to four copies, each with another outlet's
byline and date, a recased or reworded headline, and an edited body: a
sentence added (an editor's note, a line of another article, at the start or
the end), the last paragraph cut, or both, and in some copies a few words
replaced. They are mixed with unrelated articles on the same topics. An
original and its copies are one family; the pairs of a family are the pairs
to find, any other pair grouped is a mistake.

- The dev split (AllSides articles whose file name hashes even) is the one
  the threshold and shingle size are tuned on (``--sweep`` prints the grid).
- The held-out split (Wikinews, and the AllSides articles whose file name
  hashes odd) is only measured, with the settings of ``searchtui.stories``.

Unrelated articles grouped counts the distractors (and families) put in a
story with an article of another family; distractor pairs grouped with each
other are listed, as they may be real copies already in the corpus (AllSides
has some). Articles with the same title or address as another are left out
of the test, as they are such copies.

Then the real duplicates of AllSides: the groups the same grouping finds in
the whole corpus, their sizes, and a sample to check by hand (each pair with
its exact shingle Jaccard similarity beside the estimate).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchtui import stories  # noqa: E402
from searchtui.articles import read_file  # noqa: E402

SHARED = Path(os.environ.get("SEARCHTUI_SHARED") or Path(__file__).resolve().parents[2] / "shared")

OUTLETS = ["Reuters", "Yahoo News", "AP", "MSN", "Fox News", "The Guardian", "NPR",
           "Boston Globe", "Chicago Tribune", "Seattle Times", "Newsweek", "The Hill"]
NOTES = [
    "This story has been updated to include a statement from the White House.",
    "Editor's note: An earlier version of this article misstated the date of the vote.",
    "The Associated Press contributed to this report.",
    "Reporting by staff writers; editing by the news desk.",
    "Click here to sign up for our daily newsletter.",
    "Correction: a previous version of this story gave the wrong title for the spokesman.",
]
SWAPS = {"said": "stated", "says": "states", "told": "informed", "also": "as well",
         "but": "however", "big": "large", "about": "around", "more": "further",
         "people": "individuals", "after": "following"}


@dataclass
class Doc:
    ident: str
    title: str
    body: str
    publication: str
    date: dt.date | None
    family: int  # the original's number for originals and copies, -1 for distractors
    topic: str = ""
    kind: str = "original"
    url: str = ""


def load(folder: Path) -> list[Doc]:
    rows = [json.loads(line) for line in (folder / "manifest.jsonl").open(encoding="utf-8")]
    docs = []
    for row in rows:
        result = read_file(folder / row["file"])
        for a in result.articles:
            if len(stories.words(a.body)) < 40:
                continue
            docs.append(Doc(row["file"], a.title, a.body, a.publication or "", a.date, -1,
                            row.get("topic") or "", "distractor", row.get("url") or ""))
    return docs


def unique_docs(docs: list[Doc]) -> list[Doc]:
    """Articles whose title is shared with no other (those are copies already)."""
    titles = collections.Counter(d.title.strip().lower() for d in docs)
    urls = collections.Counter(d.url for d in docs)
    return [d for d in docs if titles[d.title.strip().lower()] == 1
            and (not d.url or urls[d.url] == 1)]


def _half(ident: str) -> int:
    return hashlib.sha1(ident.encode()).digest()[0] % 2


def reword(title: str, rng: random.Random) -> str:
    choice = rng.randrange(5)
    if choice == 0:
        return title.upper()
    if choice == 1:
        return title.lower()
    if choice == 2:
        return title.title()
    if choice == 3:
        return rng.choice(["UPDATE: ", "BREAKING: ", "Exclusive: ", "Analysis: "]) + title
    words = title.split()
    if len(words) > 4:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(SWAPS.get(w, w) for w in words)


def edit_body(body: str, other: str, rng: random.Random, light: bool) -> tuple[str, str]:
    paras = [p for p in body.split("\n\n") if p.strip()]
    kind = rng.choice(["add", "cut", "both"])
    if kind in ("cut", "both") and len(paras) > 1:
        paras = paras[:-1]
    if kind in ("add", "both") or len(paras) < 2:
        if rng.random() < 0.5:
            sentence = rng.choice(NOTES)
        else:
            sentences = [s for s in other.replace("\n", " ").split(". ") if len(s) > 40]
            sentence = (rng.choice(sentences) + ".") if sentences else rng.choice(NOTES)
        if rng.random() < 0.5:
            paras.insert(0, sentence)
        else:
            paras.append(sentence)
    text = "\n\n".join(paras)
    if light:
        words = text.split(" ")
        for _ in range(max(1, len(words) // 100)):
            i = rng.randrange(len(words))
            words[i] = SWAPS.get(words[i], words[i])
        text = " ".join(words)
        kind += "+words"
    return text, kind


def make_test(pool: list[Doc], n_originals: int, n_distractors: int, rng: random.Random,
              others: list[Doc]) -> list[Doc]:
    pool = list(pool)
    rng.shuffle(pool)
    originals = pool[:n_originals]
    topics = {d.topic for d in originals}
    rest = [d for d in pool[n_originals:] if d.topic in topics or not d.topic]
    distractors = rest[:n_distractors]
    out: list[Doc] = []
    for fam, o in enumerate(originals):
        out.append(Doc(o.ident, o.title, o.body, o.publication, o.date, fam, o.topic))
        for c in range(rng.randint(1, 4)):
            other = rng.choice(others)
            body, kind = edit_body(o.body, other.body, rng, light=rng.random() < 0.3)
            date = (o.date or dt.date(2019, 1, 1)) + dt.timedelta(days=rng.randint(0, 3))
            outlet = rng.choice([p for p in OUTLETS if p != o.publication])
            out.append(Doc(f"{o.ident}#copy{c}", reword(o.title, rng), body, outlet, date, fam,
                           o.topic, kind))
    out.extend(distractors)
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------------------
# Measuring


def signatures(docs: list[Doc], shingle: int) -> np.ndarray:
    sigs = np.zeros((len(docs), stories.PERMS), np.uint32)
    for i, d in enumerate(docs):
        s = stories.signature(d.body, shingle)
        if s is not None:
            sigs[i] = s
    return sigs


def pairs_of(labels) -> set[tuple[int, int]]:
    by: dict[int, list[int]] = collections.defaultdict(list)
    for i, lab in enumerate(labels):
        if lab is not None and lab >= 0:
            by[int(lab)].append(i)
    return {(a, b) for members in by.values() for i, a in enumerate(members)
            for b in members[i + 1:]}


def measure(docs: list[Doc], story: np.ndarray) -> dict:
    truth = pairs_of([d.family for d in docs])
    found = pairs_of(story)
    right = truth & found
    wrong = found - truth
    crossed = {i for pair in wrong for i in pair
               if not (docs[pair[0]].family == -1 and docs[pair[1]].family == -1)}
    among_distractors = [p for p in wrong if docs[p[0]].family == -1 and docs[p[1]].family == -1]
    missed = truth - found
    missed_kinds = collections.Counter(
        docs[b].kind if docs[b].kind != "original" else docs[a].kind for a, b in missed
    )
    return {
        "articles": len(docs),
        "families": len({d.family for d in docs if d.family >= 0}),
        "true_pairs": len(truth),
        "found_pairs": len(found),
        "precision": len(right) / len(found) if found else 1.0,
        "recall": len(right) / len(truth) if truth else 1.0,
        "unrelated_grouped": len(crossed),
        "distractor_pairs_grouped": among_distractors,
        "missed_by_kind": dict(missed_kinds),
    }


def exact_jaccard(a: str, b: str, k: int = stories.SHINGLE) -> float:
    def sh(t):
        w = stories.words(t)
        return {tuple(w[i:i + k]) for i in range(len(w) - k + 1)}

    x, y = sh(a), sh(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def report(name: str, docs: list[Doc], res: dict, show_pairs: int = 10) -> None:
    print(f"{name}: {res['articles']} articles, {res['families']} families, "
          f"{res['true_pairs']} true pairs; found {res['found_pairs']}")
    print(f"  pair precision {res['precision']:.4f}  recall {res['recall']:.4f}  "
          f"unrelated articles grouped {res['unrelated_grouped']}")
    if res["missed_by_kind"]:
        print(f"  missed pairs by copy kind: {res['missed_by_kind']}")
    dp = res["distractor_pairs_grouped"]
    if dp:
        print(f"  distractor pairs grouped with each other: {len(dp)} (check: copies already?)")
        for a, b in dp[:show_pairs]:
            print(f"    {exact_jaccard(docs[a].body, docs[b].body):.2f}  "
                  f"{docs[a].publication}: {docs[a].title[:60]!r} | "
                  f"{docs[b].publication}: {docs[b].title[:60]!r}")


def real_duplicates(docs: list[Doc], sample: int, rng: random.Random) -> None:
    sigs = signatures(docs, stories.SHINGLE)
    story = stories.group(sigs)
    groups: dict[int, list[int]] = collections.defaultdict(list)
    for i, s in enumerate(story):
        groups[int(s)].append(i)
    multi = [m for m in groups.values() if len(m) > 1]
    sizes = collections.Counter(len(m) for m in multi)
    print(f"\nAllSides, whole corpus: {len(docs)} articles with a body of 40 words or more; "
          f"{len(multi)} stories of two or more ({sum(len(m) for m in multi)} articles); "
          f"sizes {dict(sorted(sizes.items()))}")
    same_title = sum(1 for m in multi if len({docs[i].title.strip().lower() for i in m}) == 1)
    print(f"  stories whose copies all have the same title: {same_title}")
    low = []
    for m in multi:
        for b in m[1:]:
            low.append((exact_jaccard(docs[m[0]].body, docs[b].body), m[0], b))
    low.sort()
    print(f"  pairs (first, other) by exact Jaccard: min {low[0][0]:.2f}, "
          f"below 0.5: {sum(1 for j, _, _ in low if j < 0.5)}, below 0.8: "
          f"{sum(1 for j, _, _ in low if j < 0.8)}" if low else "")
    print(f"\n  a sample of {min(sample, len(multi))} stories (exact Jaccard to the first):")
    for m in rng.sample(multi, min(sample, len(multi))):
        print(f"  - {len(m)} articles")
        for i in m:
            d = docs[i]
            j = exact_jaccard(docs[m[0]].body, d.body)
            print(f"      {j:.2f} {d.publication[:18]:<18} {d.date} {d.title[:70]!r}")
    below = stories.group(sigs, threshold=0.4)
    extra = collections.Counter(int(x) for x in below)
    near = [[i for i in range(len(docs)) if below[i] == s] for s, n in extra.items() if n > 1]
    near = [m for m in near if len({int(story[i]) for i in m}) > 1]
    print(f"\n  grouped at 0.4 but not at {stories.THRESHOLD}: {len(near)} stories")
    for m in near[:10]:
        print("    " + " | ".join(
            f"{exact_jaccard(docs[m[0]].body, docs[i].body):.2f} {docs[i].publication}: "
            f"{docs[i].title[:50]!r}" for i in m))
    print("\n  the 5 least similar pairs grouped:")
    for j, a, b in low[:5]:
        print(f"    {j:.2f} {docs[a].title[:60]!r} ({docs[a].publication}) | "
              f"{docs[b].title[:60]!r} ({docs[b].publication})")


def search_cost_at(ndocs: int, rng: random.Random) -> None:
    """What stories add to a query at ``ndocs`` articles, on arrays shaped like an index's:
    a fifth of the articles in stories of two to six copies, three facet values per
    article; hits of 1%, 10% and all of the articles."""
    from searchtui.facets import FacetIndex

    gen = np.random.default_rng(7)
    story = np.arange(ndocs)
    start = 0
    while start < ndocs // 5:
        size = int(gen.integers(2, 7))
        story[start:start + size] = start
        start += size
    perm = gen.permutation(ndocs)  # copies spread over the index
    story = perm[story][np.argsort(perm)]
    live = np.ones(ndocs, bool)
    groups = stories.Stories(story, live)
    pair_doc = np.repeat(np.arange(ndocs), 3)
    pair_val = gen.integers(0, 5000, len(pair_doc))
    facet = FacetIndex.from_postings(
        "people", {str(v): np.unique(pair_doc[pair_val == v]) for v in range(5000)}, ndocs
    )
    score = gen.random(ndocs).astype(np.float32)

    def keys(docs):  # as the engine ranks by relevance
        return [score[docs].astype(np.float64), -docs.astype(np.int64)]

    print(f"\nsearch cost of stories at {ndocs:,} articles (arrays only), ms:")
    for share in (0.01, 0.1, 1.0):
        mask = gen.random(ndocs) < share
        timings = {"plain facet": [], "collapse + count": [], "facet by story": []}
        for _ in range(20):
            t = time.perf_counter()
            facet.facet(mask, None, 10)
            timings["plain facet"].append(time.perf_counter() - t)
            t = time.perf_counter()
            np.count_nonzero(groups.collapse(mask, keys))
            timings["collapse + count"].append(time.perf_counter() - t)
            t = time.perf_counter()
            facet.facet(mask, None, 10, stories=groups)
            timings["facet by story"].append(time.perf_counter() - t)
        print(f"  hits {share:>4.0%}: " + ", ".join(
            f"{k} {np.median(v) * 1000:.2f}" for k, v in timings.items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sweep", action="store_true", help="print the dev grid of settings")
    ap.add_argument("--sample", type=int, default=20)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    allsides = load(args.shared / "corpora" / "allsides")
    wikinews = load(args.shared / "corpora" / "wikinews")
    print(f"read {len(allsides)} AllSides and {len(wikinews)} Wikinews articles "
          f"in {time.perf_counter() - t0:.1f} s")
    pool = unique_docs(allsides)
    dev_pool = [d for d in pool if _half(d.ident) == 0]
    held_pool = [d for d in pool if _half(d.ident) == 1]
    dev = make_test(dev_pool, 400, 1600, rng, dev_pool)
    held = make_test(held_pool, 250, 1000, rng, held_pool)
    wiki = make_test(unique_docs(wikinews), 150, 140, rng, wikinews)

    # Signature speed (the index-time cost per article).
    bodies = [d.body for d in dev[:2000]]
    t = time.perf_counter()
    for b in bodies:
        stories.sketch(b)
    per = (time.perf_counter() - t) / len(bodies) * 1000
    words = sum(len(stories.words(b)) for b in bodies) / len(bodies)
    print(f"signature: {per:.3f} ms per article ({words:.0f} words on average)")
    try:  # the MinHash of datasketch, for comparison, when it is installed
        from datasketch.minhash import MinHash

        first = MinHash(num_perm=stories.PERMS)
        t = time.perf_counter()
        for b in bodies[:300]:
            w = stories.words(b)
            m = MinHash(num_perm=stories.PERMS, permutations=first.permutations,
                        scheme=first.scheme)
            m.update_batch([b" ".join(w[i:i + 3]) for i in range(len(w) - 2)])
        dper = (time.perf_counter() - t) / 300 * 1000
        print(f"datasketch MinHash, same shingles: {dper:.3f} ms per article")
    except ImportError:
        print("datasketch is not installed: not compared")

    if args.sweep:
        print("\ndev grid (shingle size, threshold): precision recall unrelated")
        for k in (3, 4, 5):
            sigs = signatures(dev, k)
            for thr in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8):
                r = measure(dev, stories.group(sigs, threshold=thr))
                print(f"  k={k} t={thr:.2f}: P {r['precision']:.4f} R {r['recall']:.4f} "
                      f"unrelated {r['unrelated_grouped']} missed {r['missed_by_kind']}")
        sigs = signatures(dev, stories.SHINGLE)
        exact = []
        for fam in {d.family for d in dev if d.family >= 0}:
            members = [d for d in dev if d.family == fam]
            orig = next(d for d in members if d.kind == "original")
            for c in members:
                if c is not orig:
                    exact.append((exact_jaccard(orig.body, c.body), c.kind))
        js = np.array([j for j, _ in exact])
        print(f"\nexact Jaccard of copy to original (dev): min {js.min():.2f}, "
              f"1% {np.quantile(js, 0.01):.2f}, 5% {np.quantile(js, 0.05):.2f}, "
              f"median {np.median(js):.2f}")

    print()
    for name, docs in (("dev (AllSides, even half)", dev),
                       ("held-out (AllSides, odd half)", held),
                       ("held-out (Wikinews)", wiki)):
        t = time.perf_counter()
        sigs = signatures(docs, stories.SHINGLE)
        story = stories.group(sigs)
        res = measure(docs, story)
        report(name, docs, res)
        pairs = stories.candidate_pairs(sigs, np.flatnonzero(sigs.any(axis=1)))
        sim = stories.similarity(sigs, pairs)
        fam = np.array([d.family for d in docs])
        cross = (fam[pairs[:, 0]] != fam[pairs[:, 1]]) | (fam[pairs[:, 0]] < 0)
        same = ~cross
        print(f"  estimated similarity: unrelated candidate pairs at most "
              f"{sim[cross].max() if cross.any() else 0:.2f}; copies of one article at least "
              f"{sim[same].min() if same.any() else 0:.2f}")
        print(f"  ({(time.perf_counter() - t) * 1000:.0f} ms)")

    real_duplicates(allsides, args.sample, rng)
    search_cost_at(100_000, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
