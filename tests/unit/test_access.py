"""Roles enforced in the engine, and the audit log (docs/access.md): every change of :data:`cxdata.access.ACTIONS`
is refused, with its sentence and without a trace, to a role below the one it needs, and made by that role and
those above it with exactly one audit entry; the command line reads the log back."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from sqlmodel import Session, SQLModel, col, select

from cxdata.__main__ import main
from cxdata.access import ACTIONS, LOCAL, Actor, Forbidden, Role
from cxdata.actions import alerts, initiatives
from cxdata.catalog.audit import audit_log
from cxdata.catalog.store import Store
from cxdata.catalog.tables import (
    Alert,
    AuditEntry,
    ColumnMapping,
    Dataset,
    DatasetVersion,
    Initiative,
    SavedView,
    Schedule,
    Setting,
    UserAccount,
)
from cxdata.catalog.users import delete_user, set_user
from cxdata.catalog.views import delete_view, list_views, save_view
from cxdata.delivery import schedules
from cxdata.ingest import import_file
from cxdata.settings import Settings, save_settings
from nasty_files import csv_bytes, import_fails, import_ok, interactions_rows, parquet_files

ACTORS = {role: Actor(f"{role.label}@example.com", f"{role.label.title()} User", role) for role in Role}
CONTACTS = csv_bytes(interactions_rows(3))
START = date(2026, 7, 1)


def _version(store: Store, dataset: str = "d") -> None:
    """A new version of ``dataset`` straight through the store (no file to read)."""
    frame = pl.DataFrame({"interaction_id": ["I1"]})
    store.commit_table(dataset, "interactions", frame, frame.clear(), actor=LOCAL, source_name="a.csv",
                       source_sha256="0" * 64, audit={"rows_in": 1, "accepted": 1, "rejected": 0})


def _view(store: Store) -> str:
    return save_view(store, "Phones", "drilldown", {"channel": ["phone"]}, actor=LOCAL)


def _alert(store: Store) -> int:
    return alerts.create_alert(store, actor=LOCAL, dataset="d", metric="csat", rule="above", threshold=80)


def _initiative(store: Store) -> int:
    return initiatives.create_initiative(store, actor=LOCAL, dataset="d", title="Billing fix", metric="csat",
                                         start=START)


def _schedule(store: Store) -> int:
    return schedules.add_schedule(store, actor=LOCAL, view_id=_view(store), formats=["xlsx"], targets=["/srv/packs"],
                                  cadence="daily", at=time(7), timezone="UTC")


def _user(store: Store) -> str:
    set_user(store, LOCAL, "ana@example.com", role="viewer")
    return "ana@example.com"


@dataclass(frozen=True)
class Case:
    """One action: what must exist first (made by :data:`LOCAL`; its result is ``made``), the change made by
    ``actor``, the table it writes and the audit entry's target."""

    table: type[SQLModel]
    act: Callable[[Store, Actor, object], object]
    target: Callable[[Store, object], str]
    setup: Callable[[Store], object] = lambda store: None


CASES: dict[str, Case] = {
    "view.save": Case(SavedView, lambda s, a, _: save_view(s, "Mine", "overview", {}, actor=a),
                      lambda s, _: f"view {list_views(s)[0].id}"),
    "view.delete": Case(SavedView, lambda s, a, v: delete_view(s, v, actor=a), lambda s, v: f"view {v}", _view),
    "data.import": Case(DatasetVersion, lambda s, a, _: import_file(s, csv_bytes(interactions_rows(4)), "b.csv",
                                                                   "interactions", dataset="d", actor=a),
                        lambda s, _: "d v2", lambda s: import_ok(s, CONTACTS, dataset="d")),
    "mapping.save": Case(ColumnMapping, lambda s, a, _: s.save_mapping("sig", "interactions", {"Quando": "started_at"},
                                                                       actor=a), lambda s, _: "interactions"),
    "initiative.create": Case(Initiative, lambda s, a, _: initiatives.create_initiative(
        s, actor=a, dataset="d", title="Phone fix", metric="csat", start=START), lambda s, _: "initiative 1"),
    "initiative.update": Case(Initiative, lambda s, a, i: initiatives.update_initiative(s, i, status="done", actor=a),
                              lambda s, i: f"initiative {i}", _initiative),
    "initiative.delete": Case(Initiative, lambda s, a, i: initiatives.delete_initiative(s, i, actor=a),
                              lambda s, i: f"initiative {i}", _initiative),
    "alert.create": Case(Alert, lambda s, a, _: alerts.create_alert(s, actor=a, dataset="d", metric="nps",
                                                                    rule="below", threshold=10),
                         lambda s, _: "alert 1"),
    "alert.update": Case(Alert, lambda s, a, i: alerts.set_enabled(s, i, False, actor=a), lambda s, i: f"alert {i}",
                         _alert),
    "alert.delete": Case(Alert, lambda s, a, i: alerts.delete_alert(s, i, actor=a), lambda s, i: f"alert {i}",
                         _alert),
    "schedule.create": Case(Schedule, lambda s, a, v: schedules.add_schedule(
        s, actor=a, view_id=v, formats=["xlsx"], targets=["/srv/packs"], cadence="daily", at=time(7),
        timezone="UTC"), lambda s, _: "schedule 1", _view),
    "schedule.update": Case(Schedule, lambda s, a, i: schedules.set_enabled(s, i, False, actor=a),
                            lambda s, i: f"schedule {i}", _schedule),
    "schedule.delete": Case(Schedule, lambda s, a, i: schedules.delete_schedule(s, i, actor=a),
                            lambda s, i: f"schedule {i}", _schedule),
    "version.activate": Case(Dataset, lambda s, a, _: s.activate("d", 1, actor=a), lambda s, _: "d v1",
                             lambda s: (_version(s), _version(s))),
    "version.delete": Case(DatasetVersion, lambda s, a, _: s.delete_version("d", 1, actor=a), lambda s, _: "d v1",
                           lambda s: (_version(s), _version(s))),
    "dataset.delete": Case(DatasetVersion, lambda s, a, _: s.delete_version("d", 1, actor=a), lambda s, _: "d",
                           _version),
    "settings.change": Case(Setting, lambda s, a, _: save_settings(s, Settings(currency="USD"), actor=a),
                            lambda s, _: "settings"),
    "user.create": Case(UserAccount, lambda s, a, _: set_user(s, a, "bo@example.com", role="analyst"),
                        lambda s, _: "bo@example.com"),
    "user.update": Case(UserAccount, lambda s, a, e: set_user(s, a, e, role="analyst"), lambda s, e: e, _user),
    "user.delete": Case(UserAccount, lambda s, a, e: delete_user(s, a, e), lambda s, e: e, _user),
    "audit.read": Case(AuditEntry, lambda s, a, _: audit_log(s, a), lambda s, _: ""),
}


def test_every_action_has_a_case():
    assert set(CASES) == set(ACTIONS)


def rows(store: Store, table: type[SQLModel]) -> list[dict]:
    """Every row of ``table``, as values."""
    with Session(store.engine) as s:
        return [r.model_dump() for r in s.exec(select(table))]


def entries(store: Store) -> list[AuditEntry]:
    with Session(store.engine) as s:
        return list(s.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


REFUSALS = [(key, role) for key, (needed, _) in ACTIONS.items() for role in Role if role < needed]
ALLOWED = [(key, role) for key, (needed, _) in ACTIONS.items() for role in Role if role >= needed]


@pytest.mark.parametrize("key, role", REFUSALS, ids=[f"{k}-{r.label}" for k, r in REFUSALS])
def test_a_role_below_the_action_is_refused_with_a_sentence_and_nothing_is_written(store, key, role):
    case = CASES[key]
    made = case.setup(store)
    before = rows(store, case.table), len(entries(store)), parquet_files(store)
    with pytest.raises(Forbidden) as refused:
        case.act(store, ACTORS[role], made)
    needed, words = ACTIONS[key]
    assert str(refused.value) == (f"{role.label.title()} User is a {role.label} and cannot {words}: ask an admin "
                                  f"for the {needed.label} role.")
    assert (rows(store, case.table), len(entries(store)), parquet_files(store)) == before


@pytest.mark.parametrize("key, role", ALLOWED, ids=[f"{k}-{r.label}" for k, r in ALLOWED])
def test_the_role_of_the_action_and_those_above_make_it_with_one_audit_entry(store, key, role):
    case = CASES[key]
    made = case.setup(store)
    before, logged = rows(store, case.table), len(entries(store))
    case.act(store, ACTORS[role], made)
    new = entries(store)[logged:]
    if key == "audit.read":  # reading changes nothing
        assert new == []
        return
    assert rows(store, case.table) != before
    assert [(e.actor_id, e.actor_name, e.role, e.action, e.target) for e in new] == [
        (f"{role.label}@example.com", f"{role.label.title()} User", role.label, key, case.target(store, made))]


def test_the_refusal_comes_before_the_file_is_read(store):
    """A viewer's import of a file that is not one is refused for the role, not for the file."""
    with pytest.raises(Forbidden, match="^Viewer User is a viewer and cannot import data: ask an admin for the "
                                        "analyst role.$"):
        import_file(store, b"\x00\x01 not a table", "x.csv", "interactions", actor=ACTORS[Role.VIEWER])


def test_an_import_is_audited_with_its_rows_and_a_failed_one_not_at_all(store):
    bad = csv_bytes([["id", "date", "channel"], ["I1", "not a date", "phone"]])
    import_fails(store, bad, actor=ACTORS[Role.ANALYST])
    assert entries(store) == []
    data = csv_bytes([*interactions_rows(3), ["I9", "never", "phone"]])
    import_ok(store, data, "march.csv", dataset="d", actor=ACTORS[Role.ANALYST])
    assert [(e.action, e.target, e.detail) for e in entries(store)] == [
        ("data.import", "d v1", {"table": "interactions", "source": "march.csv", "rows_in": 4, "accepted": 3,
                                 "rejected": 1}),
        ("mapping.save", "interactions", {"columns": 3})]
    import_ok(store, CONTACTS, "again.csv", dataset="d", force=True, actor=ACTORS[Role.ANALYST])
    assert [e.action for e in entries(store)][2:] == ["data.import"], "the same mapping is not saved again"


def test_a_settings_change_is_audited_old_to_new_for_the_changed_fields_only(store):
    admin = ACTORS[Role.ADMIN]
    save_settings(store, Settings(currency="USD"), actor=admin)
    save_settings(store, Settings(currency="USD", gross_margin=0.45, repeat_window_days=14), actor=admin)
    assert [(e.target, e.detail) for e in entries(store)] == [
        ("settings", {"currency": {"old": "EUR", "new": "USD"}}),
        ("settings", {"gross_margin": {"old": 0.6, "new": 0.45}, "repeat_window_days": {"old": 7, "new": 14}})]


def test_an_update_is_audited_old_to_new(store):
    alert_id = _alert(store)
    alerts.set_enabled(store, alert_id, False, actor=LOCAL)
    initiative_id = _initiative(store)
    initiatives.update_initiative(store, initiative_id, status="active", owner="Ada", actor=LOCAL)
    assert [(e.action, e.detail) for e in entries(store)][1::2] == [
        ("alert.update", {"enabled": {"old": True, "new": False}}),
        ("initiative.update", {"status": {"old": "planned", "new": "active"}, "owner": {"old": "", "new": "Ada"}})]


# ---------------------------------------------------------------- the command line


def test_the_cli_prints_and_writes_the_audit_log(data_dir: Path, tmp_path: Path, capsys):
    store = Store(data_dir)
    analyst = ACTORS[Role.ANALYST]
    view = save_view(store, "=HYPERLINK(\"x\")", "overview", {}, actor=analyst)
    save_settings(store, Settings(currency="GBP"), actor=LOCAL)
    delete_view(store, view, actor=analyst)

    assert main(["audit", "--user", "analyst@example.com"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [re.sub(r"^\S+ \S+ UTC  ", "", line) for line in printed] == [
        f"Analyst User (analyst)  delete a saved view  view {view}",
        f"Analyst User (analyst)  save a shared view  view {view}  (name: =HYPERLINK(\"x\"); page: overview)"]

    assert main(["audit", "--action", "settings.change", "--json"]) == 0
    (logged,) = json.loads(capsys.readouterr().out)
    assert (logged["user_id"], logged["detail"]) == ("local", {"currency": {"old": "EUR", "new": "GBP"}})

    out = tmp_path / "audit.csv"
    assert main(["audit", "--out", str(out)]) == 0
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r["user_id"], r["action"], r["target"]) for r in table] == [
        ("analyst@example.com", "view.delete", f"view {view}"), ("local", "settings.change", "settings"),
        ("analyst@example.com", "view.save", f"view {view}")]
    assert json.loads(table[2]["detail"])["name"] == "=HYPERLINK(\"x\")"

    book = tmp_path / "audit.xlsx"
    assert main(["audit", "--limit", "1", "--out", str(book)]) == 0
    sheet = openpyxl.load_workbook(book)["Audit log"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = cells.index(["at (UTC)", "user", "user_id", "role", "action", "what", "target", "detail"])
    assert [row[2:7] for row in cells[header + 1:]] == [
        ["analyst@example.com", "analyst", "view.delete", "delete a saved view", f"view {view}"]]


@pytest.mark.parametrize("args, sentence", [
    (["audit", "--since", "yesterday"], "--since 'yesterday' is not a date: write it as YYYY-MM-DD."),
    (["audit", "--action", "data.eat"], "--action 'data.eat' is not an action"),
    (["audit", "--out", "log.pdf"], "the audit log is written as FILE.csv or FILE.xlsx."),
    (["user-set", "ana@example.com", "--role", "boss"], "--role 'boss': choose viewer, analyst, admin or claims"),
    (["user-set", "ana", "--role", "viewer"], "“ana” is not an e-mail address."),
    (["user-set", "ana@example.com", "--role", "viewer", "--restrict", "region"], "--restrict expects"),
    (["user-delete", "nobody@example.com"], "There is no user nobody@example.com"),
])
def test_bad_cli_input_is_one_sentence_and_exit_2(data_dir: Path, capsys, args, sentence):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and sentence in err and err.count("\n") == 1


def test_the_cli_manages_users(data_dir: Path, capsys):
    assert main(["user-set", "Ana@Example.com", "--role", "analyst", "--name", "Ana Rossi",
                 "--restrict", "region=North,South", "channel=phone"]) == 0
    assert main(["user-set", "ana@example.com", "--role", "claims", "--restrict", "channel="]) == 0
    capsys.readouterr()
    assert main(["users"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ana@example.com  Ana Rossi  from sign-in  region = North, South  never signed in"]
    assert main(["user-delete", "ana@example.com"]) == 0
    assert [(e.action, e.actor_id, e.target) for e in entries(Store(data_dir))] == [
        ("user.create", "local", "ana@example.com"), ("user.update", "local", "ana@example.com"),
        ("user.delete", "local", "ana@example.com")]


def test_the_roles_table_of_the_docs_is_the_engines() -> None:
    """docs/access.md's table of who may make which change says what :data:`cxdata.access.ACTIONS` enforces."""
    text = (Path(__file__).parents[2] / "docs" / "access.md").read_text(encoding="utf-8")
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()
            if re.match(r"\| .+ \| `[a-z]+\.[a-z]+` \|", line)]
    yes = {True: "yes", False: "—"}
    assert rows == [[words[0].upper() + words[1:], f"`{key}`", least.label,
                     *(yes[role >= least] for role in (Role.VIEWER, Role.ANALYST, Role.ADMIN))]
                    for key, (least, words) in ACTIONS.items()]
