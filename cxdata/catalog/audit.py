"""The audit log (docs/access.md): every state change written by :meth:`cxdata.catalog.store.Store.change`, read
back by an admin (the Audit log page, ``python -m cxdata audit``)."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
from sqlmodel import Session, col, select

from cxdata.access import ACTIONS, Actor, require
from cxdata.catalog.store import Store
from cxdata.catalog.tables import AuditEntry

#: The log's columns, in order, and their types.
SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"at": pl.Datetime("us", "UTC"), "user": pl.String, "user_id": pl.String, "role": pl.String,
          "action": pl.String, "what": pl.String, "target": pl.String, "detail": pl.String}


def audit_log(store: Store, actor: Actor, *, since: datetime | None = None, user: str | None = None,
              action: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """The state changes, newest first (``since``: at or after; ``user``: by this user id; ``action``: this key of
    :data:`cxdata.access.ACTIONS`), with the action in words (``what``) and the detail as JSON text. Only an admin
    may read it (:class:`cxdata.access.Forbidden` otherwise)."""
    require(actor, "audit.read")
    q = select(AuditEntry).order_by(col(AuditEntry.id).desc())
    if since is not None:
        q = q.where(col(AuditEntry.at) >= since)
    if user is not None:
        q = q.where(AuditEntry.actor_id == user)
    if action is not None:
        q = q.where(AuditEntry.action == action)
    if limit is not None:
        q = q.limit(limit)
    with Session(store.engine) as s:
        rows = [{"at": e.at, "user": e.actor_name, "user_id": e.actor_id, "role": e.role, "action": e.action,
                 "what": ACTIONS[e.action][1] if e.action in ACTIONS else e.action, "target": e.target,
                 "detail": e.detail_json} for e in s.exec(q)]
    return pl.DataFrame(rows, schema=SCHEMA)


def _value(value: object) -> str:
    """A detail's value in words: text as it is, yes or no, a whole number with its thousands separated
    (``343,862``), a list as its items, a mapping as ``key = value`` pairs, anything else as JSON (a fraction);
    "–" for nothing (an empty text, list or mapping, null)."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(map(_value, value))
    if isinstance(value, dict):
        return " · ".join(f"{key} = {_value(v)}" for key, v in value.items())
    return json.dumps(value, ensure_ascii=False)


def detail_words(detail_json: str) -> str:
    """An entry's detail in a line, by key: ``gross margin: 0.6 → 0.5; source: crm.csv`` (a change recorded as
    ``{"old": …, "new": …}`` by :meth:`cxdata.catalog.store.Change.changed` reads old → new)."""
    detail = json.loads(detail_json or "{}")
    return "; ".join(f"{key.replace('_', ' ')}: " + (f"{_value(v['old'])} → {_value(v['new'])}"
                                                      if isinstance(v, dict) and v.keys() == {"old", "new"}
                                                      else _value(v))
                     for key, v in detail.items())


def readable(log: pl.DataFrame) -> pl.DataFrame:
    """The log (:func:`audit_log`) as the Audit log page shows and downloads it: when (UTC, without a zone: Excel
    has none), who, their role, the action in words, on what, and the detail in words."""
    return pl.DataFrame({
        "When (UTC)": log["at"].dt.replace_time_zone(None),
        "User": log["user"],
        "E-mail or id": log["user_id"],
        "Role": log["role"],
        "Change": log["what"].str.slice(0, 1).str.to_uppercase() + log["what"].str.slice(1),
        "On": log["target"],
        "Detail": [detail_words(d) for d in log["detail"]],
    }, schema_overrides={"Detail": pl.String})
