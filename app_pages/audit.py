"""Audit log (admins only; docs/access.md "The audit log"): every change — who, when, with which role, what, on
what, and with what (old → new for settings and users) — newest first, filtered by user, change and day, and
downloadable as CSV and Excel (the filtered entries, as shown).

Everything: cxdata.catalog.audit.audit_log, made readable by its ``readable``.
"""

from datetime import UTC, datetime, time

import streamlit as st

from cxdata.access import ACTIONS
from cxdata.catalog.audit import audit_log, readable
from ui.auth import page_for
from ui.downloads import download_buttons
from ui.store import get_store
from ui.text import NO_VALUE

actor = page_for("audit.read")
store = get_store()
st.title("Audit log")
st.caption("Every change made in Momento, in the app or on the command line, with who made it and when: imports, "
           "deletions, settings (old → new), views, initiatives, alerts, deliveries and users. Newest first; times "
           "in UTC.")

everything = audit_log(store, actor)
users = dict(everything.select("user_id", "user").unique("user_id", keep="first").sort("user_id").iter_rows())
row = st.columns([2, 2, 1.2])
user = row[0].selectbox("User", [None, *users], key="_audit_user", placeholder="Everyone",
                        format_func=lambda u: "Everyone" if u is None else f"{users[u]} ({u})")
action = row[1].selectbox("Change", [None, *ACTIONS], key="_audit_action",
                          format_func=lambda a: "Every change" if a is None else ACTIONS[a][1].capitalize())
since = row[2].date_input("Since", value=None, key="_audit_since", format="YYYY-MM-DD",
                          help="Only the changes on or after this day (UTC); empty: since the start.")

log = readable(audit_log(store, actor, user=user, action=action,
                         since=None if since is None else datetime.combine(since, time(), UTC)))
if log.is_empty():
    st.info("No change recorded" + (" matches these filters." if user or action or since else " yet."),
            icon=":material/history:")
    st.stop()
st.caption(f"{log.height:,} change{'s' * (log.height != 1)}.")
st.dataframe(log, hide_index=True, placeholder=NO_VALUE, width="stretch",
             column_config={"When (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss"),
                            "Detail": st.column_config.TextColumn(width="large")})
download_buttons(lambda: log, "momento-audit-log", key="audit")
