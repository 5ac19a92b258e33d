"""Voice of the customer (issue 6): comment sentiment learned from the dataset's own scores, and
the themes that set negative comments apart.

**Sentiment** works in whatever languages the customers write in, because it is learned from the
dataset's comments that carry a score: TF-IDF of words and word pairs (sublinear tf, words in at
least 3 comments), then an L2-regularised logistic regression of "negative" (CSAT 1–2) fitted by
L-BFGS on 80% of the scored comments; its AUC on the held-back 20% is the validation shown.
**Fallback**: with fewer than 200 scored comments or 30 negative ones, a small English + Italian
lexicon scores each comment as (negative words − positive words) / words, mapped to (0, 1) by a
logistic; its AUC is reported when at least 20 scored comments exist, else "not validated".

**Themes**: the weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn
2008). For term w with counts yᵢ (negative comments) and yⱼ (positive comments), totals nᵢ, nⱼ, and a
prior α_w = α₀ × (share of w in all comments), α₀ = 500:
δ_w = log[(yᵢ + α_w)/(nᵢ + α₀ − yᵢ − α_w)] − log[(yⱼ + α_w)/(nⱼ + α₀ − yⱼ − α_w)],
σ²_w ≈ 1/(yᵢ + α_w) + 1/(yⱼ + α_w), z_w = δ_w/σ_w. The themes of negative comments are the largest z.
A comment is negative when its CSAT is 1–2 and positive when 4–5; comments without a score take the
sentiment model's label (P ≥ 0.5 negative, < 0.2 positive).

Comments are data, never markup: nothing here formats them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import optimize, sparse

from cxdata import stats

MIN_SCORED, MIN_NEGATIVE, MIN_DF = 200, 30, 3
NONE = "(none)"  # label of comments without a touchpoint or channel
PRIOR_STRENGTH = 500.0
STOPWORDS = frozenset("""
a an the and or but of to in on at for with from by is are was were be been it this that i me my we our you your
they them their he she his her not no so as if then than too very just can could would should will have has had do
does did am its there here what which who when where how all any some more most about into over after before up out
il lo la i gli le un una uno di da in con su per tra fra e ed o ma che non si mi ti ci vi ha ho hanno sono era è
del della dei degli delle al alla ai agli alle dal dalla nel nella sul sulla come anche piu più molto poi gia già
""".split())
NEGATIVE_WORDS = frozenset("""
bad terrible awful worst slow slowly waited waiting wait long hours never again useless rude angry unresolved
problem problems issue broken failed fail repeat repeated transferred transfer bounced cancel cancelled disappointed
poor horrible annoying frustrated frustrating nobody ignored loop
pessimo pessima terribile lento lenta attesa atteso ore mai inutile scortese arrabbiato problema problemi rotto
ripetere ripetuto trasferito trasferita rimbalzato disdetta deluso deluse delusa vergogna nessuno ignorato
""".split())
POSITIVE_WORDS = frozenset("""
great good excellent fast quick quickly helpful friendly kind resolved solved easy thanks thank perfect love
happy clear efficient professional
ottimo ottima buono buona eccellente veloce veloci rapido rapida gentile gentili disponibile risolto risolta
facile grazie perfetto perfetta contento contenta chiaro efficiente professionale
""".split())


def tokens(text: str) -> list[str]:
    """Lower-case words without accents (``perché`` → ``perche``); stopwords, numbers and 1-letter words dropped."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))
    return [w for w in re.findall(r"[a-z0-9']+", plain)
            if len(w) > 1 and w.strip("'") not in STOPWORDS and not w.isdigit()]


def terms(text: str) -> list[str]:
    """Words and adjacent word pairs of a comment."""
    words = tokens(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve by the rank (Mann–Whitney) formula, ties averaged."""
    pos = labels.astype(bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if not n1 or not n0:
        return float("nan")
    ranks = pl.Series(scores).rank("average").to_numpy()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


@dataclass
class Vectoriser:
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, docs: list[list[str]]) -> Vectoriser:
        df: dict[str, int] = {}
        for doc in docs:
            for t in set(doc):
                df[t] = df.get(t, 0) + 1
        vocab = sorted(t for t, n in df.items() if n >= MIN_DF)
        idf = np.array([math.log((1 + len(docs)) / (1 + df[t])) + 1 for t in vocab])
        return cls({t: i for i, t in enumerate(vocab)}, idf)

    def transform(self, docs: list[list[str]]) -> sparse.csr_matrix:
        """Rows: l2-normalised (1 + log tf) × idf."""
        rows, cols, vals = [], [], []
        for r, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for t in doc:
                j = self.vocabulary.get(t)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                rows.append(r)
                cols.append(j)
                vals.append((1 + math.log(c)) * self.idf[j])
        x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(self.vocabulary)))
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
        return sparse.diags(1 / np.where(norms > 0, norms, 1)) @ x


def fit_logistic(x: sparse.csr_matrix, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """L2-regularised logistic regression (intercept unpenalised) by L-BFGS; returns [intercept, w…]."""
    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + x @ theta[1:]
        p = 1 / (1 + np.exp(-z))
        ll = np.logaddexp(0, z) - y * z
        grad = np.concatenate([[np.sum(p - y)], x.T @ (p - y) + l2 * theta[1:]])
        return float(ll.sum() + 0.5 * l2 * theta[1:] @ theta[1:]), grad

    res = optimize.minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return res.x


@dataclass
class Sentiment:
    method: str  # "learned" or "lexicon"
    auc: float | None  # on held-back scored comments
    n_train: int
    n_test: int
    scores: pl.DataFrame  # interaction_id, p_negative_text

    @property
    def description(self) -> str:
        if self.auc is None:
            check = "not validated (fewer than 20 scored comments)"
        elif self.method == "learned":
            check = f"AUC {self.auc:.2f} on {self.n_test:,} held-back scored comments"
        else:
            check = f"AUC {self.auc:.2f} against the {self.n_test:,} scored comments (nothing learned from them)"
        how = ("learned from this dataset's scored comments (TF-IDF + regularised logistic regression)"
               if self.method == "learned" else "a small English + Italian word list (too few scored comments to learn)")
        return f"Sentiment {how}; {check}."


def comment_frame(contacts: pl.DataFrame) -> pl.DataFrame:
    """Contacts with a non-empty comment."""
    return contacts.filter(pl.col("comment").is_not_null() & (pl.col("comment").str.strip_chars() != ""))


def fit_sentiment(contacts: pl.DataFrame, seed: int = 7) -> Sentiment:
    """See the module docstring: learned when enough scored comments, lexicon otherwise."""
    comments = comment_frame(contacts)
    docs = [terms(c) for c in comments.get_column("comment").to_list()]
    has_csat = "csat" in comments.columns
    scored = comments.get_column("csat").is_not_null().to_numpy() if has_csat else np.zeros(len(docs), bool)
    negative = (comments.get_column("csat") <= 2).fill_null(False).to_numpy() if has_csat else np.zeros(len(docs), bool)
    idx = np.flatnonzero(scored)
    if len(idx) >= MIN_SCORED and negative[idx].sum() >= MIN_NEGATIVE:
        rng = np.random.default_rng(seed)
        test = rng.random(len(idx)) < 0.2
        train_idx, test_idx = idx[~test], idx[test]
        vec = Vectoriser.fit([docs[i] for i in train_idx])
        x = vec.transform(docs)
        theta = fit_logistic(x[train_idx], negative[train_idx].astype(float))
        p = 1 / (1 + np.exp(-(theta[0] + x @ theta[1:])))
        return Sentiment("learned", auc(p[test_idx], negative[test_idx]), len(train_idx), len(test_idx),
                         comments.select("interaction_id").with_columns(p_negative_text=pl.Series(p)))
    p = np.array([_lexicon(d) for d in docs]) if docs else np.zeros(0)
    validated = auc(p[idx], negative[idx]) if len(idx) >= 20 else None
    return Sentiment("lexicon", None if validated is None or math.isnan(validated) else validated, 0, len(idx),
                     comments.select("interaction_id").with_columns(p_negative_text=pl.Series(p, dtype=pl.Float64)))


def _lexicon(doc: list[str]) -> float:
    words = [t for t in doc if " " not in t]
    if not words:
        return 0.5
    score = (sum(w in NEGATIVE_WORDS for w in words) - sum(w in POSITIVE_WORDS for w in words)) / len(words)
    return 1 / (1 + math.exp(-6 * score))


def labelled_comments(contacts: pl.DataFrame, sentiment: Sentiment) -> pl.DataFrame:
    """Comments with ``tone``: "negative" / "positive" from the score, else from the model; others "neutral"."""
    comments = comment_frame(contacts).join(sentiment.scores, on="interaction_id", how="left")
    csat = pl.col("csat") if "csat" in comments.columns else pl.lit(None, pl.Int64)
    p = pl.col("p_negative_text")
    tone = (pl.when(csat <= 2).then(pl.lit("negative")).when(csat >= 4).then(pl.lit("positive"))
            .when(csat.is_null() & (p >= 0.5)).then(pl.lit("negative"))
            .when(csat.is_null() & (p < 0.2)).then(pl.lit("positive")).otherwise(pl.lit("neutral")))
    return comments.with_columns(tone=tone)


def themes(labelled: pl.DataFrame, top: int = 15, min_count: int = 5) -> pl.DataFrame:
    """Terms that distinguish negative from positive comments (module docstring).

    Columns: term, negative (comments mentioning it), positive, log_odds (δ), z. Only terms leaning
    negative (z > 0), largest z first.
    """
    neg = labelled.filter(pl.col("tone") == "negative").get_column("comment").to_list()
    pos = labelled.filter(pl.col("tone") == "positive").get_column("comment").to_list()
    if not neg or not pos:
        return pl.DataFrame(schema={"term": pl.String, "negative": pl.Int64, "positive": pl.Int64,
                                    "log_odds": pl.Float64, "z": pl.Float64})

    docs_of: dict[str, list[int]] = {}  # term → the comments (negative first, then positive) it is in
    for k, d in enumerate(neg + pos):
        for t in set(terms(d)):
            docs_of.setdefault(t, []).append(k)
    yi = {t: sum(k < len(neg) for k in ks) for t, ks in docs_of.items()}
    yj = {t: len(ks) - yi[t] for t, ks in docs_of.items()}
    vocab = [t for t in set(yi) | set(yj) if yi.get(t, 0) + yj.get(t, 0) >= min_count]
    if not vocab:
        return themes(labelled.head(0))
    ci = np.array([yi.get(t, 0) for t in vocab], float)
    cj = np.array([yj.get(t, 0) for t in vocab], float)
    background = (ci + cj) / (ci + cj).sum()
    alpha = PRIOR_STRENGTH * background
    ni, nj, a0 = ci.sum(), cj.sum(), PRIOR_STRENGTH
    delta = np.log((ci + alpha) / (ni + a0 - ci - alpha)) - np.log((cj + alpha) / (nj + a0 - cj - alpha))
    z = delta / np.sqrt(1 / (ci + alpha) + 1 / (cj + alpha))
    ranked = pl.DataFrame({
        "term": vocab, "negative": ci.astype(int), "positive": cj.astype(int), "log_odds": delta, "z": z,
        "_docs": [hash(tuple(docs_of[t])) for t in vocab], "_len": [len(t) for t in vocab],
    })
    # terms found in exactly the same comments are one theme (words of one stock phrase): keep the longest
    one_each = ranked.sort("_len", "term", descending=[True, False]).unique("_docs", keep="first")
    negative_leaning = one_each.filter(pl.col("z") > 0)
    return negative_leaning.sort("z", "term", descending=[True, False]).drop("_docs", "_len").head(top)


def negative_share(labelled: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    """Share (%) of comments whose tone is negative, per value of ``by`` (or overall), with the 95% Wilson
    interval. Columns: ``by`` (when given), n (comments), negative, value, low, high; highest share first."""
    counts = [pl.len().alias("n"), (pl.col("tone") == "negative").sum().alias("negative")]
    if by is None:
        table = labelled.select(*counts)
    else:
        table = labelled.group_by(pl.col(by).fill_null(NONE)).agg(*counts).sort(
            "n", by, descending=[True, False])
    lo, hi = stats.wilson(pl.col("negative"), pl.col("n").cast(pl.Float64))
    return table.with_columns(value=pl.col("negative") / pl.col("n") * 100, low=lo * 100, high=hi * 100)


def comments_with(labelled: pl.DataFrame, term: str, limit: int = 50) -> pl.DataFrame:
    """The comments behind a theme: those whose terms include ``term``, negative first, newest first."""
    mask = [term in terms(c) for c in labelled.get_column("comment").to_list()]
    hits = labelled.filter(pl.Series(mask, dtype=pl.Boolean))
    return hits.sort(pl.col("tone") != "negative", pl.col("started_at"), descending=[False, True]).head(limit)


def theme_trend(labelled: pl.DataFrame, term: str) -> pl.DataFrame:
    """By month: negative comments, those mentioning ``term``, and the share (%) with a Wilson interval."""
    neg = labelled.filter(pl.col("tone") == "negative").with_columns(
        hit=pl.Series([term in terms(c) for c in labelled.filter(pl.col("tone") == "negative").get_column("comment").to_list()],
                      dtype=pl.Boolean))
    agg = neg.group_by(pl.col("started_at").dt.truncate("1mo").dt.date().alias("month")).agg(
        negative=pl.len(), mentioning=pl.col("hit").sum()).sort("month")
    lo, hi = stats.wilson(pl.col("mentioning"), pl.col("negative").cast(pl.Float64))
    return agg.with_columns(share=pl.col("mentioning") / pl.col("negative") * 100, low=lo * 100, high=hi * 100)
