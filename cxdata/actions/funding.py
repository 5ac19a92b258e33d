"""What to fund: for each moment of service that puts revenue at risk, one fix sized to that moment and costed
from its own volume, evaluated by the ROI planner (:meth:`cxdata.actions.roi.PlannerBase.evaluate`) and ranked by
its median (P50) 36-month NPV (docs/method/what-to-fund.md).

A fix is one lever of :data:`FIXES` on the moment's contacts (its channel × touchpoint × segment, plus the other
filters in force that the contacts carry). Its cost scales with what the moment costs to serve:

    H = contacts a month in the fix's scope × the channel's cost per contact (Settings)
    investment = FIXES[kind].investment × H,   running cost a month = FIXES[kind].running × H

These are stated defaults, not measurements: the planner link of every fix opens them for editing. A moment's fix
is the lever with the highest P50 36-month NPV among those that change anything in its scope (a lever on waits
for contacts that do not wait changes nothing and is left out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from cxdata.actions.planner import contacts_in_scope, make_scope, merge_scope
from cxdata.actions.roi import Lever, LeverKind, PlannerBase, Scenario, ScenarioResult
from cxdata.scope import MOMENT_FILTERS, Where
from cxdata.settings import Economics


@dataclass(frozen=True)
class DefaultFix:
    """A lever and its default size, with its cost in months of the moment's handling cost H."""

    kind: LeverKind
    amount: float  # the lever's amount (roi.Lever: a share for wait_cut and transfer_cut, points for fcr_raise)
    name: str
    investment: float  # × H, one-off (hiring, training, routing rules, knowledge base)
    running: float  # × H, a month (the staff or upkeep the fix keeps)
    ramp_months: float = 3.0


#: The fixes tried on every moment (docs/method/what-to-fund.md "Default fixes"). Waits: a queue near capacity
#: answers much faster with a little more staff (Erlang C: one more agent on twenty at 85% occupancy cuts the mean
#: wait by 48%), so a quarter off the waits is priced at a tenth more handling cost a month.
FIXES: tuple[DefaultFix, ...] = (
    DefaultFix("wait_cut", 0.25, "Cut waits by 25%", investment=1.0, running=0.10),
    DefaultFix("transfer_cut", 0.50, "Halve transfers", investment=2.0, running=0.02),
    DefaultFix("fcr_raise", 5.0, "Resolve 5 points more first time", investment=2.0, running=0.02),
)
#: How many fixes "What to fund" lists.
TOP_FIXES = 3


@dataclass(frozen=True)
class Fix:
    """A moment's fix: the moment (channel, touchpoint, segment), the fix it gets, its scenario and result, and
    the moment's handling cost a month H its cost is sized from."""

    moment: Mapping[str, str]
    fix: DefaultFix
    scenario: Scenario
    result: ScenarioResult
    handling_cost: float

    @property
    def net_value(self) -> float:
        """The ranking key: the median (P50) 36-month NPV over the uncertainty draws."""
        return self.result.npv[36].p50


def handling_cost(base: PlannerBase, where: Where, channel: str, economics: Economics) -> float:
    """H: contacts a month in ``where`` (:func:`contacts_in_scope`) × ``channel``'s cost per contact."""
    return contacts_in_scope(base, where) * economics.cost_per_contact.get(channel, 0.0)


def sized_scenario(fix: DefaultFix, where: Where, h: float, economics: Economics) -> Scenario:
    """``fix`` on ``where``, costed from the handling cost ``h`` (see the module docstring)."""
    return Scenario(fix.name, (Lever(fix.kind, fix.amount, where),),
                    replace(economics, investment=round(fix.investment * h, -1),
                            running_cost=round(fix.running * h, -1), ramp_months=fix.ramp_months))


def moment_fix(base: PlannerBase, moment: Mapping[str, str], extra: Where, economics: Economics,
               evaluate: Callable[[Scenario], ScenarioResult] | None = None) -> Fix | None:
    """The best of :data:`FIXES` for one moment of service (highest P50 36-month NPV), None when no fix changes
    anything in its scope. ``extra``: the other filters in force (those the contacts carry narrow the scope)."""
    run = base.evaluate if evaluate is None else evaluate
    chosen = make_scope({k: [str(moment[k])] for k in MOMENT_FILTERS if moment.get(k) is not None})
    where, _ = merge_scope(base, chosen, extra)
    h = handling_cost(base, where, str(moment.get("channel", "")), economics)
    fixes = []
    for fix in FIXES:
        scenario = sized_scenario(fix, where, h, economics)
        result = run(scenario)
        if result.negatives_avoided.base > 0 or result.savings_per_month.base > 0:
            fixes.append(Fix(dict(moment), fix, scenario, result, h))
    return max(fixes, key=lambda f: f.net_value, default=None)


def what_to_fund(base: PlannerBase, moments: Iterable[Mapping[str, str]], extra: Where, economics: Economics,
                 evaluate: Callable[[Scenario], ScenarioResult] | None = None) -> list[Fix]:
    """Each moment's fix (:func:`moment_fix`), best first: highest P50 36-month NPV."""
    fixes = (moment_fix(base, m, extra, economics, evaluate) for m in moments)
    return sorted((f for f in fixes if f is not None), key=lambda f: f.net_value, reverse=True)


def price_every_moment(base: PlannerBase, moments: Iterable[Mapping[str, str]], economics: Economics) -> int:
    """The fixes of every moment (:func:`moment_fix`, no other filter), evaluated once so the planner remembers
    their results (:meth:`PlannerBase.evaluate`): What to fund of any view filtered on the moments' own dimensions
    (channel, touchpoint, segment) then reads them instead of pricing them, since a fix's scope is its moment's.
    What the app does in the background once a version's What to fund is first drawn. Returns the moments priced."""
    priced = 0
    for moment in moments:
        moment_fix(base, moment, (), economics)
        priced += 1
    return priced
