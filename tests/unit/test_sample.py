"""The synthetic sample company: determinism, common random numbers, schema, planted effects."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from openpyxl import load_workbook
from polars.testing import assert_frame_equal

from cxdata import schema
from cxdata.ingest.mapping import name_matches
from cxdata.sample import (
    COMMENT_PHRASES,
    CONFOUNDED_SEGMENT,
    TOUCHPOINTS,
    XLSX_HEADERS,
    SampleData,
    SampleParams,
    generate,
    write_sample_files,
)

SMALL = SampleParams(n_customers=3000, months=12)
MODERATE = SampleParams(n_customers=8000, months=12)
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"

DTYPES: dict[schema.Kind, pl.DataType] = {
    schema.Kind.ID: pl.String(),
    schema.Kind.CATEGORY: pl.String(),
    schema.Kind.TEXT: pl.String(),
    schema.Kind.CHANNEL: pl.String(),
    schema.Kind.DATETIME: pl.Datetime("us"),
    schema.Kind.DATE: pl.Date(),
    schema.Kind.MONTH: pl.Date(),
    schema.Kind.FLOAT: pl.Float64(),
    schema.Kind.INT: pl.Int64(),
    schema.Kind.BOOL: pl.Boolean(),
    schema.Kind.SCORE: pl.Int64(),
}


@pytest.fixture(scope="module")
def small() -> SampleData:
    return generate(SMALL)


@pytest.fixture(scope="module")
def moderate() -> SampleData:
    return generate(MODERATE)


def _tables(data: SampleData) -> dict[str, pl.DataFrame]:
    return {"customers": data.customers, "interactions": data.interactions, "revenue": data.revenue}


def _with_segment(data: SampleData) -> pl.DataFrame:
    return (data.interactions
            .join(data.truth["contacts"], on="interaction_id", maintain_order="left")
            .join(data.customers.select("customer_id", "segment", "plan"), on="customer_id",
                  maintain_order="left"))


def test_same_params_give_identical_frames(small: SampleData) -> None:
    again = generate(SMALL)
    for name, frame in _tables(small).items():
        assert_frame_equal(frame, _tables(again)[name])
    for name, frame in small.truth.items():
        assert_frame_equal(frame, again.truth[name])
    other = generate(replace(SMALL, seed=SMALL.seed + 1))
    assert not other.interactions["wait_seconds"].equals(small.interactions["wait_seconds"])


def test_lever_changes_only_phone_waits_and_their_p_neg(small: SampleData) -> None:
    lever = generate(replace(SMALL, wait_multiplier=(("phone", 0.7),)))
    first = pl.col("started_at") < pl.datetime(2024, 12, 1)
    base_m1, lever_m1 = small.interactions.filter(first), lever.interactions.filter(first)
    assert base_m1["interaction_id"].equals(lever_m1["interaction_id"])
    outcome = ["wait_seconds", "csat", "nps", "ces", "comment"]
    assert_frame_equal(base_m1.drop(outcome), lever_m1.drop(outcome))

    both = (small.interactions.join(small.truth["contacts"], on="interaction_id")
            .join(lever.interactions.join(lever.truth["contacts"], on="interaction_id"),
                  on="interaction_id", suffix="_lever"))
    phone = both.filter(pl.col("channel") == "phone")
    others = both.filter(pl.col("channel") != "phone")
    assert (others["wait_seconds"] == others["wait_seconds_lever"]).all()
    assert (others["p_neg"] == others["p_neg_lever"]).all()
    assert (phone["wait_seconds_lever"] - 0.7 * phone["wait_seconds"]).abs().max() <= 0.1
    waited = phone.filter(pl.col("wait_seconds") > 1)
    assert (waited["p_neg_lever"] < waited["p_neg"]).all()
    # Same uniforms: a lower P(neg) can only switch a negative experience off, never on.
    assert not (phone["neg_lever"] & ~phone["neg"]).any()
    assert (both["surveyed"] == both["surveyed_lever"]).all()
    assert lever.truth["contacts"]["neg"].sum() < small.truth["contacts"]["neg"].sum()
    with pytest.raises(ValueError):
        SampleParams(wait_multiplier=(("fax", 0.5),))


def test_tables_match_the_canonical_schema(small: SampleData) -> None:
    for name, frame in _tables(small).items():
        table = schema.TABLES[name]
        assert set(frame.columns) <= set(table.names), name
        assert set(table.required) <= set(frame.columns), name
        for column in frame.columns:
            field = table.field(column)
            assert frame.schema[column] == DTYPES[field.kind], (name, column)
            if field.minimum is not None:
                assert frame[column].min() >= field.minimum, (name, column)
            if field.maximum is not None:
                assert frame[column].max() <= field.maximum, (name, column)
        assert frame.select(table.key).is_duplicated().sum() == 0, name
    interactions = small.interactions
    assert set(interactions["channel"]) <= set(schema.CHANNELS)
    assert interactions["touchpoint"].n_unique() >= 8
    assert set(interactions["touchpoint"]) == set(TOUCHPOINTS)
    automated = interactions["channel"].is_in(sorted(schema.AUTOMATED_CHANNELS))
    assert (interactions["automated"] == automated).all()
    assert not (interactions["escalated"] & ~interactions["automated"]).any()
    assert set(interactions["customer_id"]) <= set(small.customers["customer_id"])


def test_response_rate_and_csat_bottom_two_box_exactly_when_negative(small: SampleData) -> None:
    rate = small.truth["contacts"]["surveyed"].mean()
    assert 0.10 <= rate <= 0.30
    x = _with_segment(small)
    assert (x["csat"].is_not_null() == x["surveyed"]).all()
    answered = x.filter("surveyed")
    assert ((answered["csat"] <= 2) == answered["neg"]).all()
    assert 0.10 <= x["neg"].mean() <= 0.40


def test_comments_mix_languages_and_need_csv_quoting(small: SampleData) -> None:
    answered = small.interactions.filter(pl.col("csat").is_not_null())
    comments = answered["comment"].drop_nulls()
    assert 0.30 <= comments.len() / answered.height <= 0.50
    italian_phrases = [p for (_, language), bank in COMMENT_PHRASES.items() if language == "it"
                       for p in bank]
    italian = comments.is_in(italian_phrases).mean()
    assert 0.15 <= italian <= 0.45
    assert comments.str.contains(",").any() and comments.str.contains('"').any()
    assert comments.str.contains("è").any() and comments.str.contains("perché").any()
    assert small.interactions.filter(pl.col("csat").is_null())["comment"].null_count() == \
        small.interactions.filter(pl.col("csat").is_null()).height


def test_contacts_only_between_joining_and_churn(small: SampleData) -> None:
    x = small.interactions.join(small.customers, on="customer_id")
    day = pl.col("started_at").dt.date()
    assert x.filter(day < pl.col("joined_at")).height == 0
    assert x.filter(pl.col("churned") & (day > pl.col("churned_at"))).height == 0
    assert (small.customers["churned"] == small.customers["churned_at"].is_not_null()).all()
    churn_months = small.truth["customer_months"].filter("churned_this_month")
    assert churn_months.height == small.customers["churned"].sum()
    last_month = small.revenue.group_by("customer_id").agg(pl.col("month").max())
    churned = small.customers.filter("churned").join(last_month, on="customer_id")
    assert (churned["churned_at"].dt.truncate("1mo") == churned["month"]).all()


def test_monthly_churn_is_plausible(small: SampleData) -> None:
    churn = small.truth["customer_months"]["churned_this_month"].mean()
    assert 0.005 <= churn <= 0.03


def test_n_exp_prev_and_contacts_prev_count_the_previous_month_without_cancellation(small: SampleData) -> None:
    """N and C of month t: Σ P(neg) and the number of the customer's contacts of month t−1, leaving out the
    cancellation touchpoint (the calls to cancel are the churn, not its cause)."""
    per_month = (small.interactions.join(small.truth["contacts"], on="interaction_id")
                 .filter(pl.col("touchpoint") != "cancellation")
                 .with_columns(month=pl.col("started_at").dt.truncate("1mo").dt.date())
                 .group_by("customer_id", "month")
                 .agg(pl.col("p_neg").sum().alias("n_exp"), pl.len().alias("contacts")))
    panel = (small.truth["customer_months"]
             .join(per_month.with_columns(pl.col("month").dt.offset_by("1mo")),
                   on=["customer_id", "month"], how="left")
             .with_columns(pl.col("n_exp", "contacts").fill_null(0)))
    assert np.array_equal(panel["contacts"].to_numpy(), panel["contacts_prev"].to_numpy())
    assert np.allclose(panel["n_exp"].to_numpy(), panel["n_exp_prev"].to_numpy())


def test_confounded_segment_waits_half_as_long_again(small: SampleData) -> None:
    phone = _with_segment(small).filter(pl.col("channel") == "phone")
    means = (phone.group_by(pl.col("segment") == CONFOUNDED_SEGMENT)
             .agg(pl.col("wait_seconds").mean()))
    confounded = means.filter(pl.col("segment"))["wait_seconds"].item()
    others = means.filter(~pl.col("segment"))["wait_seconds"].item()
    assert 1.35 <= confounded / others <= 1.65


def _e_design(x: pl.DataFrame) -> np.ndarray:
    """Intercept, wait minutes, transfers, unresolved, escalated, confounded segment, channel and
    touchpoint dummies: the planted E-model's terms."""
    channels = sorted(set(x["channel"]))[1:]
    touchpoints = sorted(set(x["touchpoint"]))[1:]
    return x.select(
        pl.lit(1.0).alias("const"),
        (pl.col("wait_seconds") / 60).alias("wait_minutes"),
        pl.col("transfers").cast(pl.Float64),
        (~pl.col("resolved")).cast(pl.Float64).alias("unresolved"),
        pl.col("escalated").cast(pl.Float64),
        (pl.col("segment") == CONFOUNDED_SEGMENT).cast(pl.Float64).alias("confounded"),
        *[(pl.col("channel") == c).cast(pl.Float64).alias(f"ch_{c}") for c in channels],
        *[(pl.col("touchpoint") == t).cast(pl.Float64).alias(f"tp_{t}") for t in touchpoints],
    ).to_numpy()


def test_e_model_recovers_planted_b_wait(moderate: SampleData) -> None:
    x = _with_segment(moderate)
    y = x["neg"].cast(pl.Float64).to_numpy()
    fit = sm.GLM(y, _e_design(x), family=sm.families.Binomial()).fit()
    low, high = fit.conf_int()[1]
    assert low <= MODERATE.b_wait <= high
    low, high = fit.conf_int()[2]
    assert low <= MODERATE.b_xfer <= high


def test_h_model_recovers_planted_gamma_and_naive_is_biased_upward(moderate: SampleData) -> None:
    panel = moderate.truth["customer_months"].join(moderate.customers, on="customer_id")
    y = panel["churned_this_month"].cast(pl.Float64).to_numpy()
    design = panel.select(
        pl.lit(1.0).alias("const"),
        pl.col("n_exp_prev"),
        pl.col("contacts_prev"),
        (pl.col("segment") == CONFOUNDED_SEGMENT).cast(pl.Float64).alias("confounded"),
        (pl.col("plan") == "Premium").cast(pl.Float64).alias("premium"),
        ((pl.col("month") - pl.col("joined_at")).dt.total_days() / 365.25)
        .clip(0.0).alias("tenure"),
    ).to_numpy()
    adjusted = sm.GLM(y, design, family=sm.families.Binomial()).fit()
    low, high = adjusted.conf_int()[1]
    assert low <= MODERATE.gamma_neg <= high
    low, high = adjusted.conf_int()[2]
    assert low <= MODERATE.g_contacts <= high
    # Without the contact volume and the segment, the heavy users and the confounded segment bias
    # gamma upward by far more than its noise (about ±0.08, 1 SE).
    naive = sm.GLM(y, design[:, :2], family=sm.families.Binomial()).fit()
    assert naive.params[1] - adjusted.params[1] > 0.2


def test_written_files_read_back_as_the_generated_frames(tmp_path: Path) -> None:
    params = SampleParams(n_customers=600, months=3)
    data = generate(params)
    paths = write_sample_files(tmp_path, params)
    assert [p.name for p in paths] == [
        "customers.csv", "revenue.csv.gz", "interactions.csv.gz", "interactions_2025-01.xlsx"]
    for name, frame in _tables(data).items():
        path = next(p for p in paths if p.name.startswith(name + "."))
        back = pl.read_csv(path, schema=frame.schema)
        assert_frame_equal(back, frame)
    again = tmp_path / "again"
    rewritten = write_sample_files(again, params)
    assert [p.read_bytes() for p in rewritten] == [p.read_bytes() for p in paths]


def _readme_rows(name: str) -> int:
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"\|\s*`{re.escape(name)}`\s*\|\s*([\d,]+)\s*\|", readme)
    assert match, f"README has no row count for {name}"
    return int(match.group(1).replace(",", ""))


def test_committed_sample_files_match_the_readme() -> None:
    files = ["customers.csv", "revenue.csv.gz", "interactions.csv.gz", "interactions_2026-10.xlsx"]
    assert sum((SAMPLE_DIR / f).stat().st_size for f in files) < 25_000_000
    frames = {f: pl.read_csv(SAMPLE_DIR / f, infer_schema=False) for f in files[:3]}
    for f, frame in frames.items():
        assert frame.height == _readme_rows(f), f
    interactions = frames["interactions.csv.gz"]
    assert set(interactions["channel"]) == set(schema.CHANNELS)
    assert interactions["touchpoint"].n_unique() >= 8

    sheet = load_workbook(SAMPLE_DIR / files[3], read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Esportazione contatti") and not any(rows[1])
    header = rows[2]
    assert list(header) == [h for h, _ in XLSX_HEADERS]
    for text, name in XLSX_HEADERS:  # each header names its field by the importer's whole-word rule
        assert name_matches(text, schema.INTERACTIONS)[0].field.name == name, text
    channels = {schema.CHANNEL_SYNONYMS[schema.normalise_name(r[3])] for r in rows[3:]}
    assert channels == set(schema.CHANNELS)
    assert len(rows) - 3 == _readme_rows(files[3])


def test_unresolved_contacts_bring_follow_ups_on_the_same_reason(small: SampleData) -> None:
    """About follow_up_rate of unresolved contacts are followed, within 10 days, by a contact of the
    same customer on the same reason; resolved ones rarely are (only by chance)."""
    x = small.interactions.sort("customer_id", "started_at").with_columns(
        gap=(pl.col("started_at").shift(-1).over("customer_id", "reason") - pl.col("started_at")).dt.total_days()
    )
    last_month = x["started_at"].max() - timedelta(days=12)
    x = x.filter(pl.col("started_at") < last_month)
    followed = (pl.col("gap") <= 10).fill_null(False).mean()
    unresolved = x.filter(~pl.col("resolved")).select(followed).item()
    resolved = x.filter(pl.col("resolved")).select(followed).item()
    assert 0.45 <= unresolved <= 0.70  # 0.6 planted, minus customers who churned before the follow-up
    assert resolved < 0.1


def test_half_the_churners_call_to_cancel_15_to_45_days_before_they_leave(moderate: SampleData) -> None:
    """The leakage trap: calls on the cancellation touchpoint 15–45 days before churned_at, for about
    cancel_call_share of the churners (those who joined early enough to place the call)."""
    churners = moderate.customers.filter(pl.col("churned") & (pl.col("joined_at") < pl.col("churned_at") - timedelta(days=45))
                                         & (pl.col("churned_at") >= MODERATE.first_month + timedelta(days=45)))
    calls = (moderate.interactions.filter(pl.col("touchpoint") == "cancellation")
             .join(churners, on="customer_id")
             .filter(((pl.col("churned_at") - pl.col("started_at").dt.date()).dt.total_days()).is_between(15, 45))
             .get_column("customer_id").n_unique())
    share = calls / churners.height
    regular = MODERATE.touchpoint_mix["cancellation"]  # ordinary contacts on that touchpoint add a few
    assert MODERATE.cancel_call_share <= share <= MODERATE.cancel_call_share + 6 * regular, share


def test_heavy_users_contact_more_than_a_poisson_count(moderate: SampleData) -> None:
    """Activity ~ lognormal(sd 0.6) multiplies the contact rate: counts per customer-month are
    over-dispersed (a Poisson count has variance = mean), and C_t−1 is in the truth."""
    counts = moderate.truth["customer_months"].get_column("contacts_prev")
    assert counts.var() / counts.mean() > 1.3


def test_comments_are_noisy_mixed_tone_and_typos(small: SampleData) -> None:
    """About mixed_tone_share of comments join a phrase of the other tone and typo_share carry a typo:
    together 15–35% of comments are not one phrase of the bank as written."""
    phrases = {p for bank in COMMENT_PHRASES.values() for p in bank}
    comments = small.interactions.get_column("comment").drop_nulls()
    off_bank = (~comments.is_in(list(phrases))).mean()
    assert 0.15 <= off_bank <= 0.35, off_bank
    praise = COMMENT_PHRASES[("praise", "en")] + COMMENT_PHRASES[("praise", "it")]
    unhappy = small.interactions.filter(pl.col("csat") <= 2).get_column("comment").drop_nulls()
    assert unhappy.str.starts_with(praise[0]).any() or unhappy.str.starts_with(praise[1]).any()
