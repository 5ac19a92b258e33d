"""Command line: ``python -m cxdata sample | import | info | report | roi | alerts | alert-add | export | deliver |
schedule-add | schedules | schedule-delete | users | user-set | user-delete | audit``.

The command line acts as :data:`cxdata.access.LOCAL`, an admin: whoever can run it can read and write the data
directory anyway. Its changes are in the audit log under "Local user".

Exit codes: 0 done, 1 the file or request cannot be used (one sentence on stderr), 2 bad arguments
(for ``import`` also a new dataset name that cannot be used, :mod:`cxdata.ingest.names`; for ``export`` also a
filter on a field the data does not have, or filters that leave no data), 3 ``alerts --exit-code``
found an alert that fired, 4 ``deliver`` could not deliver to a target after its retries. Every ``--json`` output
is strict JSON (:func:`json_text`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cxdata.access import ACTIONS, LOCAL
from cxdata.bootstrap import SAMPLE_DIR
from cxdata.catalog.housekeeping import sweep
from cxdata.catalog.store import Store, VersionInfo
from cxdata.ingest import UnusableFile, import_file
from cxdata.ingest.choices import parse_cli
from cxdata.ingest.names import dataset_name_problem
from cxdata.schema import TABLES


def strict(value: object) -> object:
    """``value`` with every number JSON can hold: NaN and ±infinity become None (``null``: no estimate,
    e.g. the interval of a KPI with one answer), numpy scalars and arrays become Python numbers and
    lists, tuples become lists; mappings and lists are converted all the way down."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: strict(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def json_text(data: object) -> str:
    """The ``--json`` output of every command: strict JSON (RFC 8259, no ``NaN`` or ``Infinity`` that
    strict parsers refuse; :func:`strict`), indented, non-ASCII kept; dates and other values as text."""
    return json.dumps(strict(data), indent=2, default=str, ensure_ascii=False, allow_nan=False)


def _parse_map(items: list[str]) -> dict[str, str | None]:
    """``SOURCE=field`` pairs; ``SOURCE=`` ignores the column."""
    overrides: dict[str, str | None] = {}
    for item in items:
        if "=" not in item:
            raise UnusableFile(f"--map expects SOURCE_COLUMN=field, got '{item}'.")
        source, field = item.split("=", 1)
        overrides[source] = field.strip() or None
    return overrides


def cmd_sample(args: argparse.Namespace) -> int:
    from cxdata.sample import write_sample_files

    for path in write_sample_files(Path(args.out)):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from cxdata.actions.alerts import after_import, fired_sentence

    store = Store()
    sweep(store)  # what an interrupted import left behind (cxdata.catalog.housekeeping)
    dataset = args.dataset.strip()
    if dataset not in store.datasets() and (problem := dataset_name_problem(dataset)):
        raise BadInput(f"--dataset: {problem}")
    path = Path(args.file)
    if not path.is_file():
        raise UnusableFile(f"There is no file at '{path}': check the path.")
    result = import_file(
        store, path.read_bytes(), path.name, args.table, actor=LOCAL,
        dataset=dataset, sheet=args.sheet, overrides=_parse_map(args.map),
        choices=parse_cli(args.values, args.unit, args.scale, args.dates),
        mode=args.mode, force=args.force,
    )
    fired = after_import(store, result.version) if result.status == "imported" else ()
    message = result.message + fired_sentence(fired)
    if args.json:
        out = {"status": result.status, "dataset": result.version.dataset, "version": result.version.number,
               "message": message, "alerts_fired": list(fired)}
        if result.report is not None:
            out |= result.report.to_dict()
        print(json_text(out))
        return 0
    print(message)
    for alert in fired:
        print(f"  alert      {alert}")
    report = result.report
    if report is None:
        return 0
    for line in report.notes:
        print(f"  {line}")
    for column, why in report.mapping_reasons.items():
        print(f"  mapped     '{column}' → {report.mapping[column]}: {why}")
    for s in report.suggestions:
        print(f"  suggested  '{s['column']}' → {s['field']}? {s['reason']} (not mapped: --map \"{s['column']}={s['field']}\")")
    for note in report.conversions:
        print(f"  converted  {note.field}: {note.message} ({note.count:,})")
    for note in report.warnings():
        print(f"  cleared    {note.field}: {note.message} ({note.count:,})")
    rejected = report.rejected_rows()
    for row, reason in rejected.head(20).iter_rows():
        print(f"  rejected   row {row}: {reason}")
    if rejected.height > 20:
        print(f"  … and {rejected.height - 20:,} more rejected rows (use --json for the list)")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    store = Store()
    info: list[dict[str, Any]] = [
        {"dataset": v.dataset, "version": v.number, "active": v.active, "created_at": v.created_at.isoformat(),
         "note": v.note, "tables": v.tables}
        for name in store.datasets() for v in store.versions(name)
    ]
    if args.json:
        print(json_text({"data_dir": str(store.data_dir), "datasets": info}))
        return 0
    if not info:
        print(f"No datasets in {store.data_dir}. Import one with: python -m cxdata import FILE --table interactions")
    for v in info:
        tables = ", ".join(f"{t} {n:,}" for t, n in v["tables"].items())
        print(f"{v['dataset']:<20} v{v['version']:<3} {'active' if v['active'] else '      '}  {tables}  ({v['note']})")
    return 0


def _parse_where(items: list[str]) -> dict[str, list[str]]:
    """``field=value`` pairs; a field given several times keeps every value."""
    where: dict[str, list[str]] = {}
    for item in items:
        if "=" not in item:
            raise UnusableFile(f"--where expects field=value, got '{item}'.")
        key, value = item.split("=", 1)
        where.setdefault(key.strip(), []).append(value.strip())
    return where


def cmd_report(args: argparse.Namespace) -> int:
    from cxdata import format as fmt
    from cxdata.models.analysis import load_or_analyse
    from cxdata.scope import Scope, where_of
    from cxdata.screens.summary import report_dict
    from cxdata.settings import load_settings

    store = Store()
    dataset = _dataset_name(store, args.dataset)
    version = _active_version(store, dataset)
    scope = Scope(dataset, version, args.start, args.end, None, where_of(_parse_where(args.where).items()))
    settings = load_settings(store)
    analysis = load_or_analyse(store, version.version_id, settings.params(), settings.churn_horizon_months)
    report = report_dict(analysis, scope, settings)
    report["dataset"], report["version"] = dataset, version.number
    if args.json:
        print(json_text(report))
        return 0
    symbol = settings.symbol
    print(f"{dataset} v{version.number}")
    for k in report["kpis"]:
        ci = fmt.interval(k["low"], k["high"], k["unit"], symbol) if k["value"] is not None else k["status"]
        print(f"  {k['label']:<30} {fmt.number(k['value'], k['unit'], symbol):>12}  {ci:<30} n={fmt.count(k['n'])}")
    left = report["customer_churn"]
    if left:
        print(f"Customers who left: {fmt.number(left['rate_pct'], '%')} "
              f"({fmt.interval(left['low_pct'], left['high_pct'], '%')}) of {fmt.count(left['customers'])} customers "
              f"({fmt.count(left['churned'])} left)")
        if left["lost_monthly_revenue"] is not None:
            print(f"  monthly revenue they took: {fmt.money(left['lost_monthly_revenue'], symbol)} of "
                  f"{fmt.money(left['monthly_revenue'], symbol)} ({fmt.number(left['lost_revenue_share_pct'], '%')})")
    churn = report["churn_model"]
    if churn:
        print(report["churn_evidence"])
        g, ng = churn["odds_ratio"], churn["naive_odds_ratio"]
        controls = fmt.fields_in_words(churn["controls"])
        times = [fmt.decimal(x, 2, "×") for x in (*g, *ng)]
        print(f"  odds of leaving per bad experience last month (odds ratio), comparing customers alike in {controls}: "
              f"{times[0]} ({fmt.ci(*times[1:3])}); before comparing like with like {times[3]} ({fmt.ci(*times[4:])}); "
              f"{fmt.decimal(churn['ame_pp'][0], 2, ' pts', plus=True)} of monthly churn each; could something else "
              f"explain it? only a factor linked to both by a risk ratio of {fmt.decimal(churn['e_value'], 2)} "
              f"({fmt.decimal(churn['e_value_ci'], 2)} for the interval's limit; E-value)")
        for label, key in (("without the volume control", "gamma_without_volume"),
                           ("counting every contact", "gamma_without_exclusions")):
            if churn[key]:
                o = [math.exp(v) for v in churn[key]]
                print(f"  {label}: {fmt.decimal(o[0], 2, '×')} ({fmt.ci(*(fmt.decimal(x, 2, '×') for x in o[1:]))})")
        excluded = ", ".join(f"{fmt.count(n)} {why}" for why, n in sorted(churn["excluded"].items())) or "none"
        print(f"  contacts left out of the exposures: {excluded}")
    for d in report["key_drivers"] or []:
        print(f"  driver {d['driver']:<14} {fmt.number(d['share'], '%'):>6} of explained variance "
              f"({fmt.interval(d['low'], d['high'], '%')})")
    risk = report["revenue_at_risk"]
    if risk:
        r, c = risk["at_risk"], risk["attributable"]
        print(f"Revenue at risk over {risk['horizon']} months: {fmt.money(r[0], symbol)} "
              f"({fmt.interval(r[1], r[2], 'money', symbol)}); CX-attributable {fmt.money(c[0], symbol)} "
              f"({fmt.interval(c[1], c[2], 'money', symbol)})"
              + ("" if risk["distinguishable"] else " — not distinguishable from zero"))
    if report["moments_of_service"] == []:
        print(report["moments_note"])
    for m in report["moments_of_service"] or []:
        print(f"  {m['channel']:<10} {m['touchpoint']:<13} {m['segment']:<15} "
              f"{fmt.money(m['revenue_at_risk'], symbol):>8} ({fmt.interval(m['low'], m['high'], 'money', symbol)})  "
              f"{fmt.count(m['contacts_per_month'])} contacts/month, {fmt.number(m['negative_rate'], '%')} negative")
    for note in report["notes"]:
        print(f"note: {note}")
    return 0


def cmd_roi(args: argparse.Namespace) -> int:
    from cxdata import format as fmt
    from cxdata.actions.roi import PlannerBase, result_dict, scenario_from_dict
    from cxdata.models.analysis import load_or_analyse
    from cxdata.screens.export import scenario_workbook
    from cxdata.settings import load_settings

    store = Store()
    path = Path(args.scenario)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnusableFile(f"There is no scenario file at '{path}'.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnusableFile(f"'{path}' is not valid JSON ({exc}); see README \"Scenario files\".") from None
    settings = load_settings(store)
    try:
        scenario = scenario_from_dict(data, settings.economics())
    except ValueError as exc:
        raise UnusableFile(str(exc)) from None
    dataset = _dataset_name(store, args.dataset)
    version = _active_version(store, dataset)
    try:
        base = PlannerBase.build(load_or_analyse(store, version.version_id, settings.params(),
                                                 settings.churn_horizon_months), window_days=settings.repeat_window_days)
    except ValueError as exc:
        raise UnusableFile(str(exc)) from None
    result = base.evaluate(scenario)
    if args.xlsx:
        Path(args.xlsx).write_bytes(scenario_workbook(result, currency=settings.symbol, dataset=dataset,
                                                      version=version.number))
    if args.json:
        print(json_text(result_dict(result) | {"dataset": dataset, "version": version.number}))
        return 0
    cur = settings.symbol
    print(f"{scenario.name} — {dataset} v{version.number}")
    print(f"  {result.verdict(cur).text}")
    for label, s, unit in (("negative experiences avoided / month", result.negatives_avoided, ""),
                           ("customers retained / month", result.churners_avoided, ""),
                           ("value retained / month", result.value_per_month, cur),
                           ("cost-to-serve savings / month", result.savings_per_month, cur),
                           ("NPV 12 months", result.npv[12], cur), ("NPV 36 months", result.npv[36], cur)):
        shown = [fmt.money(x, unit) if unit else fmt.quantity(x) for x in (s.base, s.p10, s.p90)]
        print(f"  {label:<38} {shown[0]}  (P10 to P90 {fmt.span(*shown[1:])})")
    for h in (12, 36):
        roi = result.roi[h]
        print(f"  ROI {h} months undefined (no investment and no running cost)" if roi is None else
              f"  ROI {h} months {fmt.signed_percent(roi.base)} (P10 to P90 "
              f"{fmt.span(fmt.signed_percent(roi.p10), fmt.signed_percent(roi.p90))}); "
              f"chance that ROI > 0: {fmt.share(result.p_roi_positive[h])}")
    if result.guardrail is not None:
        print(f"  {result.guardrail.sentence()}")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    """Evaluate the alerts of a dataset on its active version (stored per version) and list them."""
    from cxdata.actions.alerts import evaluate, triggered
    from cxdata.settings import load_settings

    store = Store()
    dataset = _dataset_name(store, args.dataset)
    settings = load_settings(store)
    outcomes = evaluate(store, dataset, params=settings.params(), horizon=settings.churn_horizon_months,
                        force=args.force)
    version = _active_version(store, dataset)
    fired = triggered(outcomes)
    if args.json:
        print(json_text({"dataset": dataset, "version": version.number, "fired": len(fired),
                         "alerts": [o.as_dict() for o in outcomes]}))
    else:
        print(f"{dataset} v{version.number}: {len(outcomes)} alert{'s' * (len(outcomes) != 1)}, {len(fired)} fired")
        for o in outcomes:
            print(f"  {o.check.status.upper() if o.fired else o.check.status:<16} #{o.alert.id} {o.check.message}")
    return 3 if fired and args.exit_code else 0


def cmd_alert_add(args: argparse.Namespace) -> int:
    from cxdata.actions.alerts import create_alert

    store = Store()
    dataset = _dataset_name(store, args.dataset)
    try:
        alert_id = create_alert(store, actor=LOCAL, dataset=dataset, metric=args.metric, rule=args.rule,
                                threshold=args.threshold,
                                where=_parse_where(args.where), name=args.name, min_n=args.min_n,
                                significant_only=False if args.any_change else None)
    except ValueError as exc:
        raise UnusableFile(str(exc)) from exc
    print(f"Alert #{alert_id} added to '{dataset}'; `python -m cxdata alerts` evaluates it.")
    return 0


class BadInput(Exception):
    """Arguments that cannot make a result (exit code 2, one sentence on stderr)."""


def cmd_export(args: argparse.Namespace) -> int:
    from cxdata.delivery.packs import scope_analysis, scope_pack
    from cxdata.format import period_text, where_text
    from cxdata.measures.metrics import REGISTRY
    from cxdata.measures.periods import PREVIOUS, comparison_of, data_span, default_period
    from cxdata.scope import Scope, where_of
    from cxdata.screens.pack import PACK_FORMATS, pack_file
    from cxdata.settings import load_settings

    outputs: dict[str, Path] = {}
    for path in [*args.out, *([args.html] if args.html else [])]:
        kind = Path(path).suffix.lower().lstrip(".")
        if kind not in PACK_FORMATS:
            *others, final = ("." + k for k in PACK_FORMATS)
            raise BadInput(f"'{path}': the meeting pack is written as {', '.join(others)} or {final}.")
        outputs[kind] = Path(path)
    if (args.start is None) != (args.end is None):
        raise BadInput("Give both --start and --end, or neither (the default is the last 3 whole months of the data).")
    if args.start is not None and args.start > args.end:
        raise BadInput(f"--start {args.start} is after --end {args.end}.")
    if args.metric is not None and args.metric not in REGISTRY:
        raise BadInput(f"Unknown KPI '{args.metric}' for --metric: use a key of `report --json`, e.g. csat, nps.")
    store = Store()
    try:
        where = _parse_where(args.where)
        dataset = _dataset_name(store, args.dataset)
    except UnusableFile as exc:
        raise BadInput(str(exc)) from None
    version = _active_version(store, dataset)
    settings = load_settings(store)
    if args.start is not None:
        period, comparison = (args.start, args.end), comparison_of(args.start, args.end, PREVIOUS)
    else:  # a customers table alone has no dates: its pack covers all of it
        first, last = data_span(store, version.version_id)
        period, comparison = default_period(first, last) if first is not None and last is not None else \
            ((None, None), None)
    scope = Scope(dataset, version, *period, comparison, where_of(where.items()))
    try:
        a = scope_analysis(store, scope, settings)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    pack = scope_pack(store, a, scope, settings, drill_metric=args.metric)
    for kind, path in outputs.items():
        path.write_bytes(pack_file(pack, kind))
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    print(f"{dataset} v{version.number} · {period_text(*period, comparison)} · {where_text(scope.filters.where)}")
    return 0


def _moment(text: str) -> datetime:
    """``--now``: an ISO time; without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO time, e.g. 2026-11-01T07:30+01:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _clock(text: str) -> time:
    """``--at``: ``HH:MM``."""
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a time of day, e.g. 07:30") from None


def cmd_deliver(args: argparse.Namespace) -> int:
    """Send the due schedules' packs (exit 4 when a target failed after its retries)."""
    from cxdata.delivery.deliver import deliver_due, due_targets
    from cxdata.delivery.schedules import size_text

    store = Store()
    now = args.now or datetime.now(UTC)
    if args.dry_run:
        due = due_targets(store, now)
        if args.json:
            print(json_text([{"schedule": d.schedule.id, "name": d.schedule.name, "target": d.target,
                              "due_at": d.slot.isoformat()} for d in due]))
        for d in due if not args.json else ():
            print(f"due     #{d.schedule.id} {d.schedule.name} → {d.target} (scheduled {d.slot:%Y-%m-%d %H:%M} UTC)")
        if not due and not args.json:
            print("Nothing is due.")
        return 0
    outcomes = deliver_due(store, now)
    failed = [o for o in outcomes if not o.ok]
    if args.json:
        print(json_text([{"schedule": o.due.schedule.id, "name": o.due.schedule.name, "target": o.due.target,
                          "due_at": o.due.slot.isoformat(), "outcome": "ok" if o.ok else "failed", "error": o.error,
                          "attempts": o.attempts, "files": list(o.files), "bytes": o.size} for o in outcomes]))
    else:
        for o in outcomes:
            if o.ok:
                files = f"{len(o.files)} file{'s' * (len(o.files) != 1)}, " if o.files else ""
                print(f"sent    #{o.due.schedule.id} {o.due.schedule.name} → {o.due.target} ({files}{size_text(o.size)})")
        if not outcomes:
            print("Nothing is due.")
    for o in failed:
        tries = f"{o.attempts} attempt{'s' * (o.attempts != 1)}"
        print(f"error: #{o.due.schedule.id} {o.due.schedule.name} → {o.due.target} failed after {tries}: {o.error}",
              file=sys.stderr)
    return 4 if failed else 0


def _weekday(text: str | None, cadence: str) -> int | None:
    """``--day``: a weekday (name, or 0 Monday … 6 Sunday) for weekly, a day of the month for monthly."""
    from cxdata.delivery.schedules import WEEKDAYS

    if text is None:
        return None
    names = [w.lower() for w in WEEKDAYS]
    if cadence == "weekly" and len(text) >= 3 and any(n.startswith(text.lower()) for n in names):
        return next(i for i, n in enumerate(names) if n.startswith(text.lower()))
    if not text.isdigit():
        raise BadInput(f"--day '{text}': give a weekday (monday…sunday) for weekly, a day 1–31 for monthly.")
    return int(text)


def cmd_schedule_add(args: argparse.Namespace) -> int:
    from cxdata.delivery.schedules import add_schedule, cadence_text, list_schedules, next_run

    store = Store()
    try:
        schedule_id = add_schedule(store, actor=LOCAL, view_id=args.view, formats=args.format or ["xlsx"],
                                   targets=args.to,
                                   cadence=args.cadence, day=_weekday(args.day, args.cadence), at=args.at,
                                   timezone=args.timezone, name=args.name)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    schedule = next(s for s in list_schedules(store) if s.id == schedule_id)
    print(f"Schedule #{schedule_id} “{schedule.name}”: {cadence_text(schedule)}, first run "
          f"{next_run(schedule, datetime.now(UTC)):%Y-%m-%d %H:%M} UTC; `python -m cxdata deliver` sends it when due.")
    return 0


def cmd_schedules(args: argparse.Namespace) -> int:
    from cxdata.delivery.schedules import cadence_text, last_outcomes, list_schedules, next_run

    store = Store()
    now = datetime.now(UTC)
    last = last_outcomes(store)
    rows: list[dict[str, Any]] = [{"id": s.id, "name": s.name, "view": s.view_id, "formats": s.formats, "targets": s.targets,
             "cadence": cadence_text(s), "enabled": s.enabled, "next_run": next_run(s, now),
             "last_outcome": last[s.id].outcome if s.id in last else None,
             "last_error": last[s.id].error if s.id in last else None} for s in list_schedules(store)]
    if args.json:
        print(json_text(rows))
        return 0
    if not rows:
        print("No schedules. Add one with: python -m cxdata schedule-add --view ID --to ana@example.com --cadence monthly --day 1")
    for r in rows:
        state = "" if r["enabled"] else " (disabled)"
        print(f"#{r['id']} {r['name']}{state}: view {r['view']}, {', '.join(r['formats'])} → {', '.join(r['targets'])}; "
              f"{r['cadence']}; next {r['next_run']:%Y-%m-%d %H:%M} UTC; last {r['last_outcome'] or 'never sent'}"
              + (f" ({r['last_error']})" if r["last_error"] else ""))
    return 0


def cmd_schedule_delete(args: argparse.Namespace) -> int:
    from cxdata.delivery.schedules import delete_schedule, list_schedules

    store = Store()
    if args.id not in {s.id for s in list_schedules(store)}:
        raise BadInput(f"There is no schedule #{args.id}: `python -m cxdata schedules` lists them.")
    delete_schedule(store, args.id, actor=LOCAL)
    print(f"Schedule #{args.id} and its delivery log deleted.")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """The accounts: who signed in or was added, their role, restrictions and when they were last seen."""
    from cxdata.catalog.users import list_users

    accounts = list_users(Store())
    if not accounts:
        print("No users yet. Add one with: python -m cxdata user-set ana@example.com --role analyst")
    for a in accounts:
        limits = "; ".join(f"{column} = {', '.join(values)}" for column, values in a.restrictions.items())
        seen = f"last seen {a.last_seen:%Y-%m-%d %H:%M} UTC" if a.last_seen else "never signed in"
        print(f"{a.email}  {a.name or a.email}  {a.role or 'from sign-in'}  "
              f"{limits or 'every row'}  {seen}")
    return 0


def _restrictions(items: list[str]) -> dict[str, list[str]]:
    """``--restrict dimension=v1,v2`` pairs (``dimension=`` lifts that dimension's restriction)."""
    out: dict[str, list[str]] = {}
    for item in items:
        column, sep, values = item.partition("=")
        if not sep or not column.strip():
            raise BadInput(f"--restrict expects dimension=value1,value2, got '{item}'.")
        out[column.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    return out


def cmd_user_set(args: argparse.Namespace) -> int:
    """Add a user or change one's role, name or restrictions (those not given are kept)."""
    from cxdata.catalog.users import list_users, set_user

    role = args.role.strip().lower()
    if role not in ("viewer", "analyst", "admin", "claims"):
        raise BadInput(f"--role '{args.role}': choose viewer, analyst, admin or claims (the role the sign-in gives).")
    store = Store()
    email = args.email.strip().lower()
    current = next((a.restrictions for a in list_users(store) if a.email == email), {})
    try:
        set_user(store, LOCAL, email, role="" if role == "claims" else role, name=args.name,
                 restrictions=current | _restrictions(args.restrict))
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    print(f"{email} is now {'a ' + role if role != 'claims' else 'given the role of the sign-in claims'}.")
    return 0


def cmd_user_delete(args: argparse.Namespace) -> int:
    from cxdata.catalog.users import delete_user, list_users

    store = Store()
    email = args.email.strip().lower()
    if email not in {a.email for a in list_users(store)}:
        raise BadInput(f"There is no user {email}: `python -m cxdata users` lists them.")
    delete_user(store, LOCAL, email)
    print(f"{email} removed; a next sign-in gets the role the sign-in claims give, if any.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """The audit log, newest first: printed, as JSON, or written to a CSV or Excel file."""
    from cxdata.catalog.audit import audit_log, detail_words

    try:
        since = None if args.since is None else datetime.combine(date.fromisoformat(args.since), time(), UTC)
    except ValueError:
        raise BadInput(f"--since '{args.since}' is not a date: write it as YYYY-MM-DD.") from None
    if args.action is not None and args.action not in ACTIONS:
        raise BadInput(f"--action '{args.action}' is not an action: use one of {', '.join(ACTIONS)}.")
    if args.limit is not None and args.limit < 1:
        raise BadInput("--limit must be a whole number of at least 1.")
    kind = None if args.out is None else Path(args.out).suffix.lower()
    if kind not in (None, ".csv", ".xlsx"):
        raise BadInput(f"--out '{args.out}': the audit log is written as FILE.csv or FILE.xlsx.")
    log = audit_log(Store(), LOCAL, since=since, user=args.user.strip().lower() if args.user else None,
                    action=args.action, limit=args.limit)
    if args.out is not None:
        Path(args.out).write_bytes(_audit_file(log, kind == ".xlsx"))
        print(f"{args.out}  {log.height:,} entr{'ies' if log.height != 1 else 'y'}")
    elif args.json:
        print(json_text([row | {"at": row["at"].isoformat(), "detail": json.loads(row["detail"])}
                         for row in log.iter_rows(named=True)]))
    else:
        if log.is_empty():
            print("No changes recorded" + (" that match." if since or args.user or args.action else " yet."))
        for row in log.iter_rows(named=True):
            said = detail_words(row["detail"])
            print(f"{row['at']:%Y-%m-%d %H:%M} UTC  {row['user']} ({row['role']})  {row['what']}  {row['target']}"
                  + (f"  ({said})" if said else ""))
    return 0


def _audit_file(log: pl.DataFrame, excel: bool) -> bytes:
    """The audit log as a CSV or an Excel workbook (:mod:`cxdata.screens.export`: no cell runs as a formula), its
    times in UTC."""
    from cxdata.screens.export import Sheet, csv_bytes, workbook

    plain = log.with_columns(pl.col("at").dt.replace_time_zone(None)).rename({"at": "at (UTC)"})
    if not excel:
        return csv_bytes(plain)
    return workbook("Audit log", [("Entries", plain.height)], [Sheet("Audit log", plain)])


def _dataset_name(store: Store, requested: str | None) -> str:
    """The requested dataset, or the only one, or 'sample'; UnusableFile when none fits."""
    names = store.datasets()
    dataset = requested or (names[0] if len(names) == 1 else "sample" if "sample" in names else None)
    if dataset is None or dataset not in names:
        raise UnusableFile(f"No dataset named '{requested or ''}'; the datasets are: {', '.join(names) or 'none'}.")
    return dataset


def _active_version(store: Store, dataset: str) -> VersionInfo:
    """The active version of a dataset :func:`_dataset_name` found (a dataset keeps one while it has versions)."""
    version = store.active_version(dataset)
    if version is None:
        raise UnusableFile(f"Dataset '{dataset}' has no version to use; import its data again.")
    return version


def _dataset_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", help="dataset name (default: the only one, or 'sample')")


def _where_option(p: argparse.ArgumentParser, help: str = "filter (repeatable; the same field twice keeps both values)"
                  ) -> None:
    p.add_argument("--where", action="append", default=[], metavar="field=value", help=help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cxdata", description="Momento's data engine.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="generate the sample company's files")
    p.add_argument("--out", default=str(SAMPLE_DIR), help="folder to write (default: sample_data/)")
    p.set_defaults(run=cmd_sample)

    p = sub.add_parser("import", help="import a CSV or XLSX file as a new dataset version")
    p.add_argument("file")
    p.add_argument("--table", required=True, choices=list(TABLES))
    p.add_argument("--dataset", default="default",
                   help="dataset to import into; a new one is created (a name of letters, digits, spaces and - _ ., "
                        "up to 64 characters)")
    p.add_argument("--sheet", help="sheet of a workbook (default: the first with data)")
    p.add_argument("--map", action="append", default=[], metavar="SOURCE=field",
                   help="map a column to a field (repeatable); SOURCE= ignores the column")
    p.add_argument("--values", action="append", default=[], metavar="FIELD:VALUE=TARGET",
                   help="read a source value as TARGET, e.g. resolved:Pending=no or channel:Voce=phone (repeatable)")
    p.add_argument("--unit", action="append", default=[], metavar="FIELD=UNIT",
                   help="the unit a duration column is written in: seconds, minutes, hours or ms")
    p.add_argument("--scale", action="append", default=[], metavar="FIELD=SCALE",
                   help="the one scale of a score column, e.g. csat=1-5, csat=0-10, csat=0-100")
    p.add_argument("--dates", action="append", default=[], metavar="FIELD=ORDER",
                   help="the order of a date column that reads two ways: dmy, mdy or ymd")
    p.add_argument("--mode", choices=["replace", "append"], default="replace",
                   help="replace the table (default) or append rows to the active version's table")
    p.add_argument("--force", action="store_true", help="import even if the identical file was imported before")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("info", help="list datasets, versions and row counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_info)

    p = sub.add_parser("report", help="every KPI, the churn model, key drivers and the top moments of service")
    _dataset_option(p)
    _where_option(p)
    p.add_argument("--start", type=date.fromisoformat, help="first day of the period (YYYY-MM-DD)")
    p.add_argument("--end", type=date.fromisoformat, help="last day of the period (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("roi", help="evaluate an ROI scenario file (README \"Scenario files\")")
    p.add_argument("--scenario", required=True, help="scenario JSON file")
    _dataset_option(p)
    p.add_argument("--xlsx", help="also write the scenario's inputs, assumptions and results to this workbook")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_roi)

    p = sub.add_parser("alerts", help="evaluate the alerts on the active data version and list them")
    _dataset_option(p)
    p.add_argument("--force", action="store_true", help="evaluate again even if this version was evaluated")
    p.add_argument("--exit-code", action="store_true", help="exit with 3 when an alert fired (for schedulers)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_alerts)

    p = sub.add_parser("alert-add", help="add a threshold alert on a KPI and scope")
    p.add_argument("--metric", required=True, help="KPI key, e.g. escalation_rate, nps, csat (the keys of `report --json`)")
    p.add_argument("--rule", required=True, choices=["above", "below", "rises_by", "falls_by"])
    p.add_argument("--threshold", required=True, type=float, help="in the KPI's unit (percent, points, seconds…)")
    _where_option(p, "scope (repeatable)")
    p.add_argument("--name", default="", help="default: the rule in words")
    p.add_argument("--min-n", type=int, default=30, help="fewer answers than this never fire (default 30)")
    p.add_argument("--any-change", action="store_true",
                   help="rises_by/falls_by: fire on a change of the threshold's size even when its 95%% interval "
                        "includes 0 (default: only significant changes)")
    _dataset_option(p)
    p.set_defaults(run=cmd_alert_add)

    p = sub.add_parser("export", help="write the meeting pack: Excel workbook, PDF report, PowerPoint deck and/or "
                                      "standalone HTML report")
    p.add_argument("--out", required=True, action="append", help="file to write, its extension the format: "
                   "FILE.xlsx, FILE.pdf (paper size from the settings), FILE.pptx or FILE.html; repeatable")
    p.add_argument("--html", help="also write the HTML report to this file")
    _dataset_option(p)
    _where_option(p)
    p.add_argument("--start", type=date.fromisoformat, help="first day of the period (YYYY-MM-DD); default: the "
                   "last 3 whole months of the data, compared with the 3 months before")
    p.add_argument("--end", type=date.fromisoformat, help="last day of the period (YYYY-MM-DD)")
    p.add_argument("--metric", help="KPI of the drill-down sheet (channel × touchpoint), e.g. nps (default: csat)")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("deliver", help="send the scheduled meeting packs that are due (run it from cron or a timer)")
    p.add_argument("--now", type=_moment, help="act as if it were this ISO time (default: now; without an offset, UTC)")
    p.add_argument("--dry-run", action="store_true", help="list what is due without making or sending anything")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_deliver)

    p = sub.add_parser("schedule-add", help="send a saved view's meeting pack on a cadence")
    p.add_argument("--view", required=True, help="the saved view's id (the Share control's short link: ?view=ID)")
    p.add_argument("--format", action="append", help="a format of the meeting pack: xlsx, html… (repeatable; default "
                   "xlsx)")
    p.add_argument("--to", action="append", required=True, metavar="TARGET",
                   help="an e-mail address, an absolute folder path or a webhook URL (repeatable)")
    p.add_argument("--cadence", required=True, choices=["daily", "weekly", "monthly"])
    p.add_argument("--day", help="weekly: a weekday (monday…sunday); monthly: a day 1–31 (a shorter month: its last)")
    p.add_argument("--at", type=_clock, default=time(7, 0), help="local time of day, HH:MM (default 07:00)")
    p.add_argument("--timezone", default="UTC", help="IANA time zone of --at, e.g. Europe/Rome (default UTC)")
    p.add_argument("--name", default="", help="default: the view's name")
    p.set_defaults(run=cmd_schedule_add)

    p = sub.add_parser("schedules", help="list the delivery schedules with their next run and last outcome")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_schedules)

    p = sub.add_parser("schedule-delete", help="delete a delivery schedule and its log")
    p.add_argument("id", type=int)
    p.set_defaults(run=cmd_schedule_delete)

    p = sub.add_parser("users", help="list the users: role, restrictions, last sign-in")
    p.set_defaults(run=cmd_users)

    p = sub.add_parser("user-set", help="add a user or change a user's role, name or restrictions")
    p.add_argument("email")
    p.add_argument("--role", required=True, help="viewer, analyst, admin, or claims (the role the sign-in gives)")
    p.add_argument("--name", default="", help="the name shown (default: the one the sign-in gives)")
    p.add_argument("--restrict", action="extend", nargs="+", default=[], metavar="dimension=v1,v2",
                   help="show the user only these values of a dimension, e.g. region=North,South (repeatable; "
                        "dimension= lifts it; dimensions not given keep their restriction)")
    p.set_defaults(run=cmd_user_set)

    p = sub.add_parser("user-delete", help="remove a user (a next sign-in gets the role the claims give)")
    p.add_argument("email")
    p.set_defaults(run=cmd_user_delete)

    p = sub.add_parser("audit", help="the audit log: who changed what, and when")
    p.add_argument("--since", help="only changes on or after this day (YYYY-MM-DD, UTC)")
    p.add_argument("--user", help="only changes by this user (e-mail; local for the command line)")
    p.add_argument("--action", help="only this action, e.g. settings.change, data.import")
    p.add_argument("--limit", type=int, help="at most this many entries, the newest")
    p.add_argument("--out", help="write the entries to FILE.csv or FILE.xlsx")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UnusableFile as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
