"""The Overview's "What to fund": the top fixes of the moments of service in scope, each with its median 36-month
net value, its chance of paying, both paybacks and a verdict that does not contradict them — or one honest
sentence when nothing can be recommended (docs/method/what-to-fund.md).

Where each number comes from: the moments, :func:`cxdata.screens.dashboard.moments_in_scope` (the Overview's
ranking); each moment's fix, :func:`cxdata.actions.funding.moment_fix` (a default lever sized and costed from the
moment's own volume, evaluated by the ROI planner); the verdict, :meth:`cxdata.actions.roi.ScenarioResult.verdict`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cxdata import format as fmt
from cxdata.actions.funding import FIXES, TOP_FIXES, Fix, what_to_fund
from cxdata.actions.roi import PlannerBase, Scenario, ScenarioResult, Spread
from cxdata.models.analysis import Analysis
from cxdata.scope import MOMENT_FILTERS, Where
from cxdata.screens.dashboard import moments_in_scope, unranked_moments
from cxdata.screens.overview import TOP_MOMENTS
from cxdata.screens.roi import Alert, Tile
from cxdata.settings import Settings


@dataclass(frozen=True)
class FundingRow:
    """One recommended fix as the Overview shows it.

    ``title``: ``Cut waits by 25% · phone · support · Enterprise``; ``verdict``: its sentence (both paybacks, the
    half-effect row, the chance that ROI > 0) and colour; ``net_value``: the median 36-month net value with its P10
    to P90; ``cost``: what the fix is assumed to cost; ``scenario``: what its planner link opens."""

    title: str
    moment: Mapping[str, str]
    verdict: Alert
    net_value: Tile
    cost: str
    scenario: Scenario


@dataclass(frozen=True)
class FundingScreen:
    """``rows``: up to three fixes that pay, best first; ``finding``: why none is listed (None when some are);
    ``fixes``: every moment's fix by (channel, touchpoint, segment), so each moment's "Plan a fix" opens the
    planner sized to it; ``note``: how fixes are chosen and costed."""

    rows: tuple[FundingRow, ...]
    finding: str | None
    fixes: Mapping[tuple[str, ...], Scenario]
    note: str


#: The label of a fix's median 36-month net value.
NET_VALUE = "Net value over 36 months"
NOTE = ("Each moment of service gets the best of three default fixes ({fixes}), costed from what the moment costs "
        "to serve: contacts a month × cost per contact. Ranked by the median net value over 36 months; the verdict "
        "also weighs the cash payback and a churn effect half as strong. Open one in the planner to change its costs.")


def moment_key(moment: Mapping[str, str]) -> tuple[str, ...]:
    """A moment's (channel, touchpoint, segment), as :attr:`FundingScreen.fixes` is keyed."""
    return tuple(str(moment.get(k)) for k in MOMENT_FILTERS)


def _row(fix: Fix, symbol: str) -> FundingRow:
    r = fix.result
    npv: Spread = r.npv[36]
    verdict = r.verdict(symbol)
    economics = fix.scenario.economics
    net_value = Tile("net_value", NET_VALUE, fmt.money(npv.p50, symbol),
                     fmt.span(fmt.money(npv.p10, symbol), fmt.money(npv.p90, symbol)),
                     "The median, over the uncertainty draws (models and business inputs), of the net present value "
                     "after 36 months: benefit minus running costs, minus the investment. Under it, the P10 to P90 "
                     "range: 8 in 10 outcomes fall inside it.")
    return FundingRow(
        title=" · ".join([fix.fix.name, *moment_key(fix.moment)]), moment=fix.moment,
        verdict=Alert(verdict.kind, verdict.text), net_value=net_value,
        cost=(f"Assumed cost: {fmt.money(economics.investment, symbol)} up front and "
              f"{fmt.money(economics.running_cost, symbol)} a month, for a moment that costs "
              f"{fmt.money(fix.handling_cost, symbol)} a month to serve."),
        scenario=fix.scenario)


def funding_screen(a: Analysis, base: PlannerBase, where: Where, settings: Settings,
                   evaluate: Callable[[Scenario], ScenarioResult] | None = None,
                   restricted: Sequence[str] = ()) -> FundingScreen:
    """What to fund under a Scope's dimension filters ``where`` (its period does not apply: moments of service are
    ranked on the customers active at the end of the data, and fixes are planned on the last 3 months): the fixes
    of the Overview's top moments of service (:data:`TOP_MOMENTS`), the first :data:`TOP_FIXES` that pay listed;
    ``evaluate`` as in :func:`cxdata.screens.roi.roi_screen`; ``restricted``: the dimensions of ``where`` that are
    the user's restrictions (:attr:`cxdata.scope.Scope.restricted`): none is funded when the moments cannot be
    limited to them."""
    note = NOTE.format(fixes=", ".join(f.name.lower() for f in FIXES))
    moments = moments_in_scope(a, where, TOP_MOMENTS, restricted)
    if not moments.height:
        return FundingScreen((), unranked_moments(a, restricted), {}, note)
    fixes = what_to_fund(base, moments.iter_rows(named=True), where, settings.economics(), evaluate)
    paying = [f for f in fixes if f.result.pays][:TOP_FIXES]
    finding = None
    if not paying:
        best = (f" The best, {fixes[0].fix.name.lower()} on {' · '.join(moment_key(fixes[0].moment))}, has a median "
                f"36-month net value of {fmt.money(fixes[0].net_value, settings.symbol)}." if fixes else "")
        finding = "No fix pays at these costs." + best
    return FundingScreen(tuple(_row(f, settings.symbol) for f in paying), finding,
                         {moment_key(f.moment): f.scenario for f in fixes}, note)


def evaluations(a: Analysis, where: Where, restricted: Sequence[str] = ()) -> int:
    """How many scenarios :func:`funding_screen` evaluates under ``where``: each listed moment's fixes."""
    return moments_in_scope(a, where, TOP_MOMENTS, restricted).height * len(FIXES)


def funding_of(a: Analysis, where: Where, settings: Settings, restricted: Sequence[str] = ()) -> FundingScreen | None:
    """:func:`funding_screen` with the version's planner built here (the meeting pack and the command line; the app
    keeps one per version): None when the data cannot support the planner (no churn model)."""
    if a.risk is None:
        return None
    try:
        base = PlannerBase.build(a, window_days=settings.repeat_window_days)
    except ValueError:
        return None
    return funding_screen(a, base, where, settings, restricted=restricted)
