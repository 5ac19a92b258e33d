"""Voice of the customer (issues 6 and 12): comment sentiment learned from the dataset's own scores,
and the themes that set negative comments apart. How-to for analysts: ``docs/method/text.md``.

**Words.** A comment is lower-cased, accents removed (``perché`` → ``perche``, ``ß`` → ``ss``) and cut
at every punctuation mark into clauses; French and Italian elisions are split (``n'aime`` → ``n``,
``aime``). Stopwords, numbers and 1-letter words are dropped. **Negation** is kept by marking: a word
that follows a negator (``not``, ``don't``, ``non``, ``não``, ``no``, ``pas``, ``nicht``, ``kein``, …) in
the same clause, up to ``NEGATION_SCOPE`` = 3 words and before a contrast word (``but``, ``ma``,
``pero``, ``mais``, ``aber``, …), becomes ``not_<word>`` (Das & Chen 2001; Pang, Lee & Vaithyanathan
2002). A negator with no word after it in its clause marks the word before it (German ``funktioniert
nicht``). French ``ne``/``n'`` negates only when ``pas``, ``jamais``, ``rien``, ``plus``, … follows in the
clause, because Italian ``ne`` means "of it". Negators and contrast words are not words of the comment.

**Sentiment** works in whatever languages the customers write in, because it is learned from the
dataset's comments that carry a score: TF-IDF of words and word pairs (sublinear tf, words in at
least 3 training comments), then an L2-regularised logistic regression of "negative" (CSAT 1–2)
fitted by L-BFGS. **Validation without leakage**: scored comments with the same words (the list
above, so case, accents, punctuation, numbers and stopwords aside) are one *text*; the distinct texts
are split 80/20 at random, every copy of a text goes to its text's side, the model learns from the
80% and its AUC is measured on the comments of the held-back 20%, texts it never saw. The result
states both counts (comments and distinct texts held back).
**Fallback**: with fewer than 200 scored comments or 30 negative ones, small word lists in English,
Italian, Portuguese, Spanish, French and German (``LEXICONS``) score each comment as
s = (negative − positive) / words, P(negative) = 1 / (1 + e^(−6s)); ``not_<positive word>`` counts as
negative, ``not_<negative word>`` counts as neither. Its AUC against all scored comments is reported
when at least 20 exist, else "not validated".

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

from cxdata.measures import stats

MIN_SCORED, MIN_NEGATIVE, MIN_DF = 200, 30, 3
NONE = "(none)"  # label of comments without a touchpoint or channel
PRIOR_STRENGTH = 500.0
HELD_OUT_SHARE = 0.2  # of the distinct scored texts, for the learned model's AUC
NEGATION_SCOPE = 3  # words marked after a negator
NOT = "not_"  # prefix of a word within a negation's scope


@dataclass(frozen=True)
class Lexicon:
    """Word lists of one language, spelt as :func:`normalise` leaves them (lower case, no accents)."""

    negative: frozenset[str]
    positive: frozenset[str]
    negators: frozenset[str]  # words whose following words are negated
    contrasts: frozenset[str]  # words that end a negation's scope ("not fast but friendly")
    stopwords: frozenset[str]  # left out of the words, hence of the model and the themes

    @classmethod
    def of(cls, negative: str, positive: str, negators: str, contrasts: str, stopwords: str) -> Lexicon:
        return cls(*(frozenset(words.split()) for words in (negative, positive, negators, contrasts, stopwords)))


LEXICONS: dict[str, Lexicon] = {
    "en": Lexicon.of(
        negative="""bad terrible awful worst worse slow slowly waited waiting wait long hours again useless rude angry
            unresolved problem problems issue broken failed fail repeat repeated transferred transfer bounced cancel
            cancelled disappointed poor horrible annoying frustrated frustrating nobody ignored loop unhappy delay
            delayed late wrong error unacceptable""",
        positive="""great good excellent fast quick quickly helpful friendly kind resolved solved easy thanks thank
            perfect love liked happy clear efficient professional satisfied recommend amazing pleased fixed works
            working""",
        negators="""not no never nothing none nor neither without cannot dont doesnt didnt isnt wasnt arent werent
            cant couldnt wont wouldnt shouldnt havent hasnt hadnt aint""",  # and every word ending in n't
        contrasts="but however although though",
        stopwords="""a an the and or of to in on at for with from by is are was were be been it this that i me my we
            our you your they them their he she his her so as if then than too very just can could would should will
            have has had do does did am its there here what which who when where how all any some more most about
            into over after before up out i'm it's i've"""),
    "it": Lexicon.of(
        negative="""pessimo pessima terribile lento lenta attesa atteso ore inutile scortese arrabbiato problema
            problemi rotto ripetere ripetuto trasferito trasferita rimbalzato disdetta deluso deluse delusa vergogna
            nessuno ignorato male peggio peggiore ritardo errore sbagliato insoddisfatto insoddisfatta reclamo
            assurdo guasto""",
        positive="""ottimo ottima buono buona eccellente veloce veloci rapido rapida gentile gentili disponibile
            risolto risolta facile grazie perfetto perfetta contento contenta chiaro efficiente professionale bene
            soddisfatto soddisfatta cortese competente bravo brava bravi consiglio funziona""",
        negators="non mai niente nulla nessun nessuna senza neanche nemmeno neppure",
        contrasts="ma pero tuttavia",
        stopwords="""il lo la gli le un una uno di da in con su per tra fra ed ma che si mi ti ci vi ha ho hanno sono
            era del della dei degli delle al alla ai agli alle dal dalla nel nella sul sulla come anche piu molto
            poi gia ne dell all dall nell sull quest quell stato stata essere questo questa perche tutto"""),
    "pt": Lexicon.of(
        negative="""ruim pessimo pessima horrivel terrivel demora demorou demorado demorada lento lenta espera
            esperei esperando atraso atrasado atrasou problema problemas defeito quebrado quebrou cancelar cancelei
            reclamacao insatisfeito insatisfeita decepcionado decepcionada decepcao ninguem absurdo descaso pior
            errado mal""",
        positive="""bom boa otimo otima excelente rapido rapida rapidamente atencioso atenciosa resolvido resolvida
            resolveu obrigado obrigada gostei adorei perfeito perfeita facil satisfeito satisfeita eficiente educado
            educada recomendo funciona parabens""",
        negators="nao nem nunca jamais nada nenhum nenhuma sem",
        contrasts="mas porem mais",
        stopwords="""os as um uma uns umas de do da dos das em na nas nos num numa por pelo pela para pra com que ou
            se me eu meu minha voce ele ela eles foi ser sou estou esta estava era sao tem tinha ter ao aos ja muito
            mais mas isso esse essa este como quando onde porque tambem ainda"""),
    "es": Lexicon.of(
        negative="""malo mala mal pesimo pesima terrible horrible lento lenta espera esperando espere horas problema
            problemas roto rota fallo falla averia cancelar decepcionado decepcionada nadie peor queja inutil
            retraso molesto enfadado insatisfecho insatisfecha error""",
        positive="""bueno buena buen excelente rapido rapida rapidamente amable amables resuelto resuelta solucionado
            solucionada gracias perfecto perfecta facil contento contenta satisfecho satisfecha eficiente gusto
            gusta encanto encanta recomiendo genial bien atento atenta funciona""",
        negators="no nunca jamas nada ni ningun ninguna ninguno sin tampoco",
        contrasts="pero sino mas",
        stopwords="""el la los las un una unos unas de del al en que es son fue era estaba estoy esta este esto ese
            esa por para con su sus mi mis me te se lo le les nos muy mas pero ya como cuando donde porque he ha han
            hay tengo tiene tenia todo otro otra hasta sobre tambien solo"""),
    "fr": Lexicon.of(
        negative="""mauvais mauvaise nul nulle lent lente lenteur attente attendu attendre heures probleme problemes
            panne casse annuler annule decu decue decevant inadmissible inacceptable pire horrible catastrophique
            catastrophe retard impoli insatisfait insatisfaite honte erreur plainte""",
        positive="""bon bonne bien excellent excellente rapide rapidement aimable sympathique sympa resolu resolue
            regle merci parfait parfaite facile content contente satisfait satisfaite efficace professionnel super
            genial recommande ravi ravie aime fonctionne marche""",
        negators="pas jamais rien aucun aucune sans ni",  # and "ne"/"n'" before one of FRENCH_NE_PARTNERS
        contrasts="mais cependant pourtant",
        stopwords="""le la les un une des du de au aux et ou ce cet cette ces je tu il elle nous vous ils elles on me
            te se mon ma mes ton ta tes son sa ses leur leurs qui que qu quoi pour par avec dans sur en ai as
            avons avez ont suis es est sommes etes sont etait ete etre avoir fait tres trop tout tous toute toutes
            plus moins encore deja mais donc car si comme ca cela aussi meme ne"""),
    "de": Lexicon.of(
        negative="""schlecht schlechte schlechter schlechten langsam warten wartezeit gewartet stunden problem
            probleme kaputt defekt enttauscht enttauschend unfreundlich unzufrieden katastrophe katastrophal
            schrecklich arger argerlich niemand nutzlos frech verspatung fehler beschwerde""",
        positive="""gut gute guter gutes guten super toll schnell freundlich hilfsbereit gelost geklart danke perfekt
            einfach zufrieden kompetent prima klasse hervorragend empfehlen empfehle empfehlenswert funktioniert""",
        negators="nicht kein keine keinen keinem keiner keines nie niemals nichts ohne weder",
        contrasts="aber sondern jedoch",
        stopwords="""der die das den dem des ein eine einen einem einer eines und oder ich du er sie es wir ihr mein
            meine meinen mir mich ist sind war waren bin bist hat haben habe hatte hatten wird werden wurde wurden zu
            zum zur im in an am auf fur mit von vom bei nach aus um auch sehr noch schon so wie dass da dann nur als
            immer wieder man wenn aber sondern uber"""),
}
NEGATIVE_WORDS = frozenset().union(*(lexicon.negative for lexicon in LEXICONS.values()))
POSITIVE_WORDS = frozenset().union(*(lexicon.positive for lexicon in LEXICONS.values()))
NEGATORS = frozenset().union(*(lexicon.negators for lexicon in LEXICONS.values()))
CONTRASTS = frozenset().union(*(lexicon.contrasts for lexicon in LEXICONS.values()))
STOPWORDS = frozenset().union(*(lexicon.stopwords for lexicon in LEXICONS.values()))
#: French "ne"/"n'" negates only with one of these later in the clause (Italian "ne" means "of it").
FRENCH_NE = frozenset({"ne", "n"})
FRENCH_NE_PARTNERS = frozenset("pas jamais rien plus aucun aucune personne guere".split())
#: Elided articles and particles split off a word ("l'attente" → "l", "attente"; "dell'ordine" → "dell", "ordine").
ELISIONS = frozenset("l d j n s c m t qu un dell all dall nell sull quest quell".split())
_FOLD = str.maketrans({"’": "'", "‘": "'", "ß": "ss", "œ": "oe", "æ": "ae"})


def normalise(text: str) -> str:
    """Lower case without accents (``Perché`` → ``perche``, ``Größe`` → ``grosse``), apostrophes straightened."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def _clauses(text: str) -> list[list[str]]:
    """The words of each stretch between punctuation marks, elisions split, edge apostrophes stripped."""
    clauses = []
    for stretch in re.split(r"[^\sa-z0-9']+", normalise(text)):
        words = []
        for word in re.findall(r"[a-z0-9']+", stretch):
            head, _, tail = word.partition("'")
            words.extend([head, tail] if head in ELISIONS and tail else [word])
        clauses.append([w.strip("'") for w in words if w.strip("'")])
    return clauses


def _negates(word: str, rest: list[str]) -> bool:
    """Whether ``word`` is a negator, given the words after it in its clause."""
    return (word in NEGATORS or word.endswith("n't")
            or (word in FRENCH_NE and not FRENCH_NE_PARTNERS.isdisjoint(rest)))


def tokens(text: str) -> list[str]:
    """The words of a comment (module docstring): normalised, stopwords, numbers and 1-letter words dropped,
    a word in a negation's scope written ``not_<word>``; the negators themselves are left out."""
    out: list[str] = []
    for clause in _clauses(text):
        scope, pending, last = 0, False, None  # words still to mark; a negator that marked nothing yet; out[last]
        for k, word in enumerate(clause):
            if _negates(word, clause[k + 1:]):
                scope, pending = NEGATION_SCOPE, True
            elif word in CONTRASTS:
                scope, pending, last = 0, False, None
            elif len(word) > 1 and word not in STOPWORDS and not word.isdigit():
                out.append(NOT + word if scope else word)
                scope, pending, last = max(scope - 1, 0), False, len(out) - 1
        if pending and last is not None and not out[last].startswith(NOT):
            out[last] = NOT + out[last]  # "funktioniert nicht"
    return out


def _with_pairs(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def terms(text: str) -> list[str]:
    """Words and adjacent word pairs of a comment."""
    return _with_pairs(tokens(text))


def _distinct(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts, in order of first appearance, and which of them each text is: comments are worked out
    once per distinct text (exports repeat stock phrases)."""
    index: dict[str, int] = {}
    which = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64, count=len(texts))
    return list(index), which


def with_terms(comments: pl.DataFrame) -> pl.DataFrame:
    """``comments`` with ``terms``: the :func:`terms` of each comment as a list (what :func:`themes`,
    :func:`comments_with` and :func:`theme_trend` read)."""
    distinct, which = _distinct(comments.get_column("comment").to_list())
    found = pl.Series([terms(t) for t in distinct], dtype=pl.List(pl.String))
    return comments.with_columns(terms=found.gather(which))


def _mentions(term: str) -> pl.Expr:
    return pl.col("terms").list.contains(term)


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
    auc: float | None  # on held-back scored comments (lexicon: on all of them)
    n_train: int  # scored comments learned from
    n_test: int  # scored comments the AUC is measured on
    n_test_texts: int  # distinct texts among them (none of them among the training comments)
    scores: pl.DataFrame  # interaction_id, p_negative_text, held_out (True: in the AUC, False: learned from)

    def describe(self, counts: bool = True) -> str:
        """How sure we are of the tones, in a plain sentence: the AUC read as "ranks a negative comment above a
        positive one N times in 100" (the probability it estimates); without the numbers of comments when not
        ``counts`` (they count every row: not for a user restricted to part of them)."""
        how = ("learned from this dataset's scored comments" if self.method == "learned" else
               "a small word list (too few scored comments to learn from)")
        if self.auc is None:
            check = ("not checked yet: fewer than 20 scored comments" if self.method == "lexicon" else
                     "not checked: too few distinct comments to hold back both negative and positive ones")
        else:
            tested = ("tested on scored comments it never saw" if self.method == "learned" and not counts else
                      f"tested on {self.n_test:,} scored comments it never saw ({self.n_test_texts:,} distinct texts)"
                      if self.method == "learned" else
                      f"tested on the {self.n_test:,} scored comments" if counts else "tested on the scored comments")
            check = (f"{tested}, it ranks a negative comment above a positive one "
                     f"{round(100 * self.auc)} times in 100")
        return f"Tone of comments: {how}; {check}."

    def describe_technically(self, counts: bool = True) -> str:
        """The method and its validation in technical terms (the help behind :meth:`describe`), the same ``counts``."""
        how = ("TF-IDF of words and word pairs + L2-regularised logistic regression, trained on 80% of the distinct "
               "scored texts" if self.method == "learned" else
               "a lexicon in English, Italian, Portuguese, Spanish, French and German, with negation")
        on = f" on {self.n_test:,} comments" if counts else " on scored comments"
        check = ("not validated" if self.auc is None else
                 f"AUC {self.auc:.2f}{on}" + (" held back (texts never seen in training)"
                                              if self.method == "learned" else ""))
        return (f"{how}; {check}. A comment with a CSAT keeps the tone of its score (1–2 negative, 4–5 positive); "
                "the model labels the others.")


def comment_frame(contacts: pl.DataFrame) -> pl.DataFrame:
    """Contacts with a non-empty comment."""
    return contacts.filter(pl.col("comment").is_not_null() & (pl.col("comment").str.strip_chars() != ""))


def fit_sentiment(contacts: pl.DataFrame, seed: int = 7) -> Sentiment:
    """See the module docstring: learned when enough scored comments, lexicon otherwise. The held-back
    share is drawn over distinct texts (" ".join of :func:`tokens`), so no text is on both sides."""
    comments = comment_frame(contacts)
    distinct, which = _distinct(comments.get_column("comment").to_list())
    distinct_words = [tokens(t) for t in distinct]
    words = [distinct_words[k] for k in which]
    has_csat = "csat" in comments.columns
    scored = comments.get_column("csat").is_not_null().to_numpy() if has_csat else np.zeros(len(words), bool)
    negative = (comments.get_column("csat") <= 2).fill_null(False).to_numpy() if has_csat else np.zeros(len(words), bool)
    idx = np.flatnonzero(scored)
    texts, text_of = np.unique(np.array([" ".join(words[i]) for i in idx], dtype=str), return_inverse=True)
    held_out = np.full(len(words), None, dtype=object)
    if len(idx) >= MIN_SCORED and negative[idx].sum() >= MIN_NEGATIVE:
        held_texts = np.random.default_rng(seed).random(len(texts)) < HELD_OUT_SHARE
        test = held_texts[text_of]
        train_idx, test_idx = idx[~test], idx[test]
        distinct_docs = [_with_pairs(w) for w in distinct_words]
        vec = Vectoriser.fit([distinct_docs[which[i]] for i in train_idx])
        x = vec.transform(distinct_docs)[which]
        theta = fit_logistic(x[train_idx], negative[train_idx].astype(float))
        p = 1 / (1 + np.exp(-(theta[0] + x @ theta[1:])))
        held_out[train_idx], held_out[test_idx] = False, True
        return Sentiment("learned", _finite(auc(p[test_idx], negative[test_idx])), len(train_idx), len(test_idx),
                         int(held_texts.sum()), _scores(comments, p, held_out))
    p = np.array([lexicon_score(w) for w in words], dtype=float)
    held_out[idx] = True
    return Sentiment("lexicon", _finite(auc(p[idx], negative[idx])) if len(idx) >= 20 else None, 0, len(idx),
                     len(texts), _scores(comments, p, held_out))


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


def _scores(comments: pl.DataFrame, p: np.ndarray, held_out: np.ndarray) -> pl.DataFrame:
    return comments.select("interaction_id").with_columns(
        p_negative_text=pl.Series(p, dtype=pl.Float64), held_out=pl.Series(held_out.tolist(), dtype=pl.Boolean))


def lexicon_score(words: list[str]) -> float:
    """P(negative) of a comment's :func:`tokens` by the word lists: s = (negative − positive) / words,
    1 / (1 + e^(−6s)); ``not_<positive>`` is negative, ``not_<negative>`` neither; no word: 0.5."""
    if not words:
        return 0.5
    negative = sum(w in NEGATIVE_WORDS or (w.startswith(NOT) and w.removeprefix(NOT) in POSITIVE_WORDS)
                   for w in words)
    score = (negative - sum(w in POSITIVE_WORDS for w in words)) / len(words)
    return 1 / (1 + math.exp(-6 * score))


def labelled_comments(contacts: pl.DataFrame, sentiment: Sentiment) -> pl.DataFrame:
    """Comments with ``tone``: "negative" / "positive" from the score, else from the model; others "neutral";
    and their ``terms`` (:func:`with_terms`)."""
    comments = with_terms(comment_frame(contacts).join(sentiment.scores, on="interaction_id", how="left",
                                                       maintain_order="left"))
    csat = pl.col("csat") if "csat" in comments.columns else pl.lit(None, pl.Int64)
    p = pl.col("p_negative_text")
    tone = (pl.when(csat <= 2).then(pl.lit("negative")).when(csat >= 4).then(pl.lit("positive"))
            .when(csat.is_null() & (p >= 0.5)).then(pl.lit("negative"))
            .when(csat.is_null() & (p < 0.2)).then(pl.lit("positive")).otherwise(pl.lit("neutral")))
    return comments.with_columns(tone=tone)


def themes(labelled: pl.DataFrame, top: int = 15, min_count: int = 5) -> pl.DataFrame:
    """Terms that distinguish negative from positive comments (module docstring), from the ``terms`` of
    :func:`labelled_comments`.

    Columns: term, negative (comments mentioning it), positive, log_odds (δ), z. Only terms leaning
    negative (z > 0), largest z first.
    """
    empty = pl.DataFrame(schema={"term": pl.String, "negative": pl.Int64, "positive": pl.Int64,
                                 "log_odds": pl.Float64, "z": pl.Float64})
    toned = labelled.filter(pl.col("tone").is_in(["negative", "positive"])).with_row_index("_row")
    if toned.get_column("tone").n_unique() < 2:
        return empty
    counts = (toned.select("_row", "tone", term=pl.col("terms").list.unique()).explode("term").drop_nulls("term")
              .group_by("term").agg(negative=(pl.col("tone") == "negative").sum().cast(pl.Int64),
                                    positive=(pl.col("tone") == "positive").sum().cast(pl.Int64),
                                    _docs=pl.col("_row").sort())
              .filter(pl.col("negative") + pl.col("positive") >= min_count))
    if not counts.height:
        return empty
    ci, cj = (counts.get_column(c).to_numpy().astype(float) for c in ("negative", "positive"))
    background = (ci + cj) / (ci + cj).sum()
    alpha = PRIOR_STRENGTH * background
    ni, nj, a0 = ci.sum(), cj.sum(), PRIOR_STRENGTH
    delta = np.log((ci + alpha) / (ni + a0 - ci - alpha)) - np.log((cj + alpha) / (nj + a0 - cj - alpha))
    z = delta / np.sqrt(1 / (ci + alpha) + 1 / (cj + alpha))
    ranked = counts.with_columns(log_odds=pl.Series(delta), z=pl.Series(z), _len=pl.col("term").str.len_chars())
    # terms found in exactly the same comments are one theme (words of one stock phrase): keep the longest
    one_each = ranked.sort("_len", "term", descending=[True, False]).unique("_docs", keep="first", maintain_order=True)
    negative_leaning = one_each.filter(pl.col("z") > 0)
    return (negative_leaning.sort("z", "term", descending=[True, False])
            .select("term", "negative", "positive", "log_odds", "z").head(top))


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
    hits = labelled.filter(_mentions(term))
    return hits.sort(pl.col("tone") != "negative", pl.col("started_at"), descending=[False, True]).head(limit)


def theme_trend(labelled: pl.DataFrame, term: str) -> pl.DataFrame:
    """By month: negative comments, those mentioning ``term``, and the share (%) with a Wilson interval."""
    neg = labelled.filter(pl.col("tone") == "negative").with_columns(hit=_mentions(term))
    agg = neg.group_by(pl.col("started_at").dt.truncate("1mo").dt.date().alias("month")).agg(
        negative=pl.len(), mentioning=pl.col("hit").sum()).sort("month")
    lo, hi = stats.wilson(pl.col("mentioning"), pl.col("negative").cast(pl.Float64))
    return agg.with_columns(share=pl.col("mentioning") / pl.col("negative") * 100, low=lo * 100, high=hi * 100)
