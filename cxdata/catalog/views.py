"""Saved views (docs/architecture.md "Links"): a page and its URL parameters stored in the catalog under a short id,
so ``?view=abc123`` reopens exactly that view. Only the parameters the URL would carry are stored
(strings), never session state.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from cxdata.access import Actor
from cxdata.catalog.store import Store
from cxdata.catalog.tables import SavedView

_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l
_ID = re.compile(r"^[a-z2-9]{6,16}$")


@dataclass(frozen=True)
class View:
    id: str
    name: str
    page: str
    params: dict[str, list[str]]
    created_at: datetime


def _view(row: SavedView) -> View:
    return View(row.id, row.name, row.page, json.loads(row.params_json), row.created_at)


def save_view(store: Store, name: str, page: str, params: dict[str, list[str]], *, actor: Actor) -> str:
    """Store a view and return its new short id (8 characters, unambiguous letters and digits): the change
    "view.save" by ``actor``, target "view <id>"."""
    clean = {str(k): [str(v) for v in vs] for k, vs in params.items() if k != "view"}
    with store.change(actor, "view.save", page=page) as change:
        while True:
            view_id = "".join(secrets.choice(_ALPHABET) for _ in range(8))
            if change.session.get(SavedView, view_id) is None:
                break
        view = SavedView(id=view_id, name=name.strip() or "Untitled view", page=page, params_json=json.dumps(clean))
        change.session.add(view)
        change.target, change.detail["name"] = f"view {view_id}", view.name
    return view_id


def load_view(store: Store, view_id: str) -> View | None:
    """The view with this id, or None (also for ids that could not be one)."""
    if not _ID.match(view_id or ""):
        return None
    with Session(store.engine) as s:
        row = s.get(SavedView, view_id)
        return None if row is None else _view(row)


def list_views(store: Store) -> list[View]:
    """Saved views, newest first."""
    with Session(store.engine) as s:
        return [_view(r) for r in s.exec(select(SavedView).order_by(col(SavedView.created_at).desc()))]


def delete_view(store: Store, view_id: str, *, actor: Actor) -> None:
    """Delete a saved view: the change "view.delete" by ``actor``."""
    store.delete_row(SavedView, view_id, actor=actor, action="view.delete", target=f"view {view_id}")
