"""Scheduled deliveries (cxdata/delivery, cxdata/links.py): when a schedule is due across time-zone changes, a saved
view's parameters read back as its scope, and ``python -m cxdata deliver`` end to end against a local SMTP server
(aiosmtpd), a folder and local webhook receivers, one answering HTTP 500 and one that is not listening."""

from __future__ import annotations

import email
import email.policy
import html
import io
import json
import mimetypes
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import inspect

from cxdata import format as fmt
from cxdata.__main__ import main
from cxdata.access import LOCAL
from cxdata.catalog.store import Store, VersionInfo
from cxdata.catalog.tables import Schedule
from cxdata.catalog.views import delete_view, save_view
from cxdata.delivery import deliver as deliver_module
from cxdata.delivery.deliver import attempt, due_targets
from cxdata.delivery.schedules import (
    add_schedule,
    delete_schedule,
    due,
    last_outcomes,
    latest_slot,
    list_schedules,
    new_schedule,
    next_run,
    recent_deliveries,
    set_enabled,
)
from cxdata.delivery.senders import DeliveryError, Outgoing, send_email
from cxdata.links import dimension_key, scope_of
from cxdata.measures.metrics import REGISTRY, Filters, estimate
from cxdata.screens.pack import PACK_FORMATS
from cxdata.settings import load_settings

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROME = "Europe/Rome"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def schedule(cadence: str = "daily", at: time = time(2, 30), day: int | None = None,
             created: datetime | None = None) -> Schedule:
    return Schedule(name="s", view_id="v", formats_json="[]", targets_json="[]", cadence=cadence, day=day, at=at,
                    timezone=ROME, created_at=created or utc(2026, 1, 1))


# ---------------------------------------------------------------- when a schedule is due

def test_a_daily_slot_keeps_its_local_time_across_both_dst_changes():
    """Rome: CET (UTC+1) until 29 March 2026 02:00, CEST (UTC+2) until 25 October 2026 03:00. 02:30 does not exist on
    29 March (it runs at 03:30 CEST, an hour of real time later) and happens twice on 25 October (the first)."""
    daily = schedule()
    assert [next_run(daily, utc(2026, 3, d, 12)) for d in (27, 28, 29)] == [
        utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    assert [next_run(daily, utc(2026, 10, d, 12)) for d in (23, 24, 25)] == [
        utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    assert latest_slot(daily, utc(2026, 3, 29, 1, 29)) == utc(2026, 3, 28, 1, 30)
    assert latest_slot(daily, utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 1, 30)


def test_monthly_and_weekly_slots_and_the_shorter_month():
    monthly = schedule("monthly", time(7, 0), day=1)
    assert next_run(monthly, utc(2026, 3, 15)) == utc(2026, 4, 1, 5)  # 07:00 CEST
    assert next_run(monthly, utc(2026, 10, 15)) == utc(2026, 11, 1, 6)  # 07:00 CET, after the change
    assert latest_slot(monthly, utc(2026, 11, 1, 5, 59)) == utc(2026, 10, 1, 5)
    end = schedule("monthly", time(7, 0), day=31)
    assert [next_run(end, utc(2026, m, 1)) for m in (2, 4, 12)] == [
        utc(2026, 2, 28, 6), utc(2026, 4, 30, 5), utc(2026, 12, 31, 6)]
    friday = schedule("weekly", time(18, 0), day=4)
    assert next_run(friday, utc(2026, 11, 2)) == utc(2026, 11, 6, 17)  # Friday 6 November, 18:00 CET
    assert next_run(friday, utc(2026, 11, 6, 17)) == utc(2026, 11, 13, 17)  # strictly after


def test_due_means_a_slot_since_the_last_success_and_since_the_schedule_was_made():
    monthly = schedule("monthly", time(7, 0), day=1, created=utc(2026, 10, 10))
    assert not due(monthly, None, utc(2026, 10, 31, 23))  # made after October's slot: waits for November's
    assert due(monthly, None, utc(2026, 11, 1, 6))  # 07:00 CET
    assert not due(monthly, None, utc(2026, 11, 1, 5, 59))
    assert not due(monthly, utc(2026, 11, 1, 6, 2), utc(2026, 11, 20))  # delivered since
    assert due(monthly, utc(2026, 11, 1, 6, 2), utc(2026, 12, 1, 6))
    assert due(monthly, utc(2026, 10, 1, 5, 1), utc(2026, 11, 15))  # a missed run is sent late, once


@pytest.mark.parametrize(("fields", "expected"), [
    ({"timezone": "Mars/Olympus"}, "'Mars/Olympus' is not an IANA time zone"),
    ({"formats": ["docx"]}, f"The meeting pack is written as {', '.join(PACK_FORMATS)}, not docx."),
    ({"formats": []}, "Choose at least one format"),
    ({"targets": ["ana at example"]}, "'ana at example' is not a target"),
    ({"targets": [" "]}, "Give at least one target"),
    ({"cadence": "weekly"}, "A weekly schedule needs a weekday"),
    ({"cadence": "monthly", "day": 0}, "A monthly schedule needs a day of the month"),
    ({"cadence": "hourly"}, "The cadence is one of daily, weekly, monthly"),
    ({"view_id": "nothere2"}, "There is no saved view 'nothere2'"),
])
def test_a_schedule_that_cannot_be_sent_is_refused_in_one_sentence(store, fields, expected):
    view = save_view(store, "Phone", "drilldown", {"channel": ["phone"]}, actor=LOCAL)
    good = {"view_id": view, "formats": ["xlsx"], "targets": ["ana@example.com"], "cadence": "daily",
            "at": time(7), "timezone": ROME}
    assert new_schedule(store, **good).targets == ["ana@example.com"]
    with pytest.raises(ValueError) as refused:
        new_schedule(store, **(good | fields))
    assert str(refused.value).startswith(expected)


# ---------------------------------------------------------------- a view's parameters → scope

VERSION = VersionInfo("shop", 1, 3, datetime(2026, 11, 2), "", True, {})
SPAN = (date(2025, 11, 3), date(2026, 10, 30))
DIMENSIONS = {dimension_key(c): c for c in ("channel", "segment", "Area Manager", "trend")}


def test_a_views_parameters_are_the_scope_its_page_showed():
    assert dimension_key("Area Manager") == "x_area_manager" and dimension_key("trend") == "x_trend"
    default = scope_of({"channel": ["phone", "chat"], "trend": ["nps"]}, VERSION, SPAN, DIMENSIONS)
    assert (default.start, default.end, default.comparison, default.period_name) == (
        date(2026, 8, 1), date(2026, 10, 31), (date(2026, 5, 1), date(2026, 7, 31)), "Last 3 months")
    assert default.where == (("channel", ("phone", "chat")),)  # "trend" is the page's KPI, not the column's filter
    custom = scope_of({"period": ["Custom"], "dates": ["2026-03-31", "2026-02-01"], "compare_to": ["Same period last year"],
                       "x_area_manager": ["Ana"], "x_trend": ["up"]}, VERSION, SPAN, DIMENSIONS)
    assert (custom.start, custom.end, custom.comparison) == (
        date(2026, 2, 1), date(2026, 3, 31), (date(2025, 2, 1), date(2025, 3, 31)))
    assert custom.where == (("Area Manager", ("Ana",)), ("trend", ("up",)))
    last = scope_of({"period": ["Last month"], "compare_to": ["No comparison"]}, VERSION, SPAN, DIMENSIONS)
    assert (last.start, last.end, last.comparison) == (date(2026, 10, 1), date(2026, 10, 31), None)
    assert scope_of({"segment": ["SMB"]}, VERSION, (None, None), DIMENSIONS).start is None


@pytest.mark.parametrize(("params", "expected"), [
    ({"period": ["Last week"]}, "The view's period 'Last week' is not one of Last month,"),
    ({"period": ["Custom"]}, "The view's custom period has no dates."),
    ({"period": ["Custom"], "dates": ["2026-02-30"]}, "The view's dates are not dates (YYYY-MM-DD): 2026-02-30."),
    ({"compare_to": ["Last decade"]}, "The view's comparison 'Last decade' is not one of Previous period,"),
])
def test_a_view_the_sidebar_would_not_offer_is_refused_in_one_sentence(params, expected):
    with pytest.raises(ValueError) as refused:
        scope_of(params, VERSION, SPAN, DIMENSIONS)
    assert str(refused.value).startswith(expected)


# ---------------------------------------------------------------- the catalog

def test_a_catalog_from_before_migrations_gains_schedules_and_keeps_its_view(data_dir):
    shutil.copytree(FIXTURES / "catalog-v1", data_dir)
    shutil.copy(FIXTURES / "catalog-v1.sqlite", data_dir / "catalog.sqlite")
    store = Store(data_dir)
    assert {"schedule", "delivery"} <= set(inspect(store.engine).get_table_names())
    made = add_schedule(store, view_id="bfbimasn", formats=["xlsx"], targets=["/srv/packs", "ana@example.com"],
                        cadence="weekly", day=0, at=time(8, 15), timezone=ROME, actor=LOCAL)
    [saved] = list_schedules(store)
    assert (saved.id, saved.name, saved.targets, saved.day, saved.at, saved.enabled) == (
        made, "Phone in March", ["/srv/packs", "ana@example.com"], 0, time(8, 15), True)
    set_enabled(store, made, False, actor=LOCAL)
    assert not list_schedules(store)[0].enabled
    assert due_targets(store, datetime.now(UTC) + timedelta(days=8)) == []  # disabled
    delete_schedule(store, made, actor=LOCAL)
    assert list_schedules(store) == []


def test_every_try_is_made_and_the_last_reason_is_kept_but_missing_settings_are_not_tried_again(tmp_path):
    waits: list[float] = []
    message = Outgoing("s", "t", (("a.xlsx", b"x"),), date(2026, 11, 1))
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    error, tries = attempt(str(blocked), message, sleep=waits.append, backoff=(1.0, 5.0), attempts=4)
    assert (error.startswith(f"Could not write into the folder {blocked}/2026-11-01:"), tries) == (True, 4)
    assert waits == [1.0, 5.0, 5.0]
    assert attempt("ana@example.com", message, sleep=waits.append, env={"MOMENTO_SMTP_HOST": " "}) == (
        "No mail server: set MOMENTO_SMTP_HOST (and MOMENTO_SMTP_PORT, MOMENTO_SMTP_USER, MOMENTO_SMTP_PASSWORD, "
        "MOMENTO_SMTP_FROM) to send e-mail.", 1)
    assert attempt("ana@example.com", message, sleep=waits.append,
                   env={"MOMENTO_SMTP_HOST": "mail.example.com", "MOMENTO_SMTP_PORT": "smtp"}) == (
        "MOMENTO_SMTP_PORT is 'smtp': give a port number, e.g. 587.", 1)
    assert waits == [1.0, 5.0, 5.0]


# ---------------------------------------------------------------- end to end

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 — aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def webhooks() -> Iterator[tuple[str, list[tuple[str, dict]]]]:
    """A receiver on a free port: ``/ok`` answers 200, anything else 500; yields its address and what it got."""
    received: list[tuple[str, dict]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 — http.server's hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, {"type": self.headers["Content-Type"], **json.loads(body)}))
            self.send_response(200 if self.path == "/ok" else 500)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_the_mail_server_signs_in_and_never_sends_a_password_in_clear_unless_told():
    """A server that takes any login without TLS: with STARTTLS switched off the user signs in and the message
    arrives; by default a user means STARTTLS, which this server lacks, so nothing is sent."""
    box, port, logins = Mailbox(), free_port(), []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=True)

    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        env = {"MOMENTO_SMTP_HOST": "127.0.0.1", "MOMENTO_SMTP_PORT": str(port), "MOMENTO_SMTP_USER": "momento",
               "MOMENTO_SMTP_PASSWORD": "s3cret"}
        message = Outgoing("Board pack · Oct 2026", "NPS: 31", (("p.html", b"<p>x</p>"),), date(2026, 11, 1))
        send_email("ana@example.com", message, env | {"MOMENTO_SMTP_STARTTLS": "no"})
        assert [(m["From"], m["Subject"]) for m in box.messages] == [("momento", "Board pack · Oct 2026")]
        assert [p.get_content() for p in box.messages[0].iter_attachments()] == ["<p>x</p>"]
        assert [(login, password) for _, login, password in logins] == [(b"momento", b"s3cret")]
        with pytest.raises(DeliveryError, match=f"^The mail server 127.0.0.1:{port} refused the message to "
                                                "ana@example.com: STARTTLS extension not supported by server"):
            send_email("ana@example.com", message, env)
        assert len(box.messages) == 1 and len(logins) == 1
    finally:
        controller.stop()


def xlsx_text(content: bytes) -> str:
    """The workbook's cover, one cell a line."""
    book = load_workbook(io.BytesIO(content))
    return "\n".join(c for row in book["Cover"].iter_rows(values_only=True) for c in row if isinstance(c, str))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pptx_text(content: bytes) -> str:
    deck = Presentation(io.BytesIO(content))
    return "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)


#: How each format of the pack is read back as text.
READERS = {"xlsx": xlsx_text, "pdf": pdf_text, "pptx": pptx_text,
           "html": lambda content: html.unescape(re.sub(r"<[^>]+>", "\n", content.decode("utf-8")))}


def test_a_monthly_pack_arrives_by_mail_in_a_folder_and_on_a_webhook_and_failures_are_retried_and_reported(
        sample_store, sample_analysis, mailbox, webhooks, tmp_path, monkeypatch, capsys):
    box, smtp_port = mailbox
    hook, received = webhooks
    closed = f"http://127.0.0.1:{free_port()}/hook"
    folder = tmp_path / "packs"
    for name, value in (("MOMENTO_DATA_DIR", str(sample_store.data_dir)), ("MOMENTO_SMTP_HOST", "127.0.0.1"),
                        ("MOMENTO_SMTP_PORT", str(smtp_port)), ("MOMENTO_SMTP_FROM", "momento@example.com"),
                        ("MOMENTO_PUBLIC_URL", "https://momento.example.com/")):
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_URL", "MOMENTO_SMTP_USER", "MOMENTO_SMTP_PASSWORD", "MOMENTO_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    waits: list[float] = []
    monkeypatch.setattr(deliver_module, "time", SimpleNamespace(sleep=waits.append))
    view = save_view(sample_store, "Enterprise phone", "drilldown",
                     {"dataset": ["sample"], "period": ["Last month"], "channel": ["phone"], "segment": ["Enterprise"],
                      "metric": ["NPS"]}, actor=LOCAL)
    targets = ["ana@example.com", str(folder), f"{hook}/ok", f"{hook}/broken", closed]
    made = add_schedule(sample_store, view_id=view, formats=list(PACK_FORMATS), targets=targets, cadence="monthly",
                        day=1, at=time(7, 0), timezone=ROME, name="Board pack", actor=LOCAL)
    try:
        [monthly] = [s for s in list_schedules(sample_store) if s.id == made]
        first = next_run(monthly, monthly.created_at.replace(tzinfo=UTC))
        assert main(["deliver", "--now", (first - timedelta(minutes=1)).isoformat()]) == 0
        assert capsys.readouterr().out == "Nothing is due.\n"

        now = first + timedelta(minutes=5)
        assert main(["deliver", "--now", now.isoformat()]) == 4
        out, err = capsys.readouterr()
        period = "Oct 2026 vs Sep 2026"  # the data's last month, against the month before
        stem = f"momento-pack-sample-v{sample_store.active_version('sample').number}-2026-10-01-2026-10-31"
        names = [f"{stem}.{kind}" for kind in PACK_FORMATS]

        [mail] = box.messages
        assert (mail["Subject"], mail["To"], mail["From"]) == (
            f"Enterprise phone · {period}", "ana@example.com", "momento@example.com")
        attachments = {part.get_filename(): part for part in mail.iter_attachments()}
        assert list(attachments) == names
        assert [part.get_content_type() for part in attachments.values()] == [mimetypes.guess_type(n)[0] for n in names]
        for kind in PACK_FORMATS:  # every format carries the saved view's filters
            content = attachments[f"{stem}.{kind}"].get_content()
            assert "Channel: phone · Segment: Enterprise" in READERS[kind](
                content if isinstance(content, bytes) else content.encode("utf-8")), kind
        workbook = attachments[f"{stem}.xlsx"].get_content()
        assert "Oct 2026 (2026-10-01 to 2026-10-31)" in xlsx_text(workbook).splitlines()
        body = mail.get_body(("plain",)).get_content()
        assert "Filters: Channel: phone · Segment: Enterprise" in body
        assert f"Open the view: https://momento.example.com/?view={view}" in body

        dated = folder / now.astimezone(ZoneInfo(ROME)).date().isoformat()
        assert sorted(p.name for p in dated.iterdir()) == sorted(names)  # no temporary file left
        assert (dated / f"{stem}.xlsx").read_bytes() == workbook

        ok = [payload for path, payload in received if path == "/ok"]
        assert len(ok) == 1 and ok[0]["type"] == "application/json; charset=utf-8"
        assert f"https://momento.example.com/?view={view}" in ok[0]["text"] and period in ok[0]["text"]
        nps = next(line for line in ok[0]["text"].splitlines() if line.startswith("NPS: "))
        settings = load_settings(sample_store)
        october = estimate("nps", sample_analysis.frames.for_metric(REGISTRY["nps"]), params=settings.params(),
                           filters=Filters.of(date(2026, 10, 1), date(2026, 10, 31), channel=("phone",),
                                              segment=("Enterprise",)))
        assert nps.startswith(f"NPS: {fmt.number(october.value, REGISTRY['nps'].unit, settings.symbol)} (")
        assert nps in body and nps.endswith(" vs Sep 2026)")
        assert [path for path, _ in received].count("/broken") == 3
        assert waits == [10.0, 60.0, 10.0, 60.0]  # the two failing targets, three tries each

        assert err.splitlines() == [
            f"error: #{made} Board pack → {hook}/broken failed after 3 attempts: The webhook answered HTTP 500 "
            "Internal Server Error.",
            f"error: #{made} Board pack → {closed} failed after 3 attempts: Could not reach the webhook: "
            "Connection refused."]
        assert [line.split(" (")[0] for line in out.splitlines()] == [
            f"sent    #{made} Board pack → {t}" for t in targets[:3]]
        log = {d.target: d for d in recent_deliveries(sample_store) if d.schedule_id == made}
        assert {t: (d.outcome, d.attempts) for t, d in log.items()} == {
            targets[0]: ("ok", 1), targets[1]: ("ok", 1), targets[2]: ("ok", 1), targets[3]: ("failed", 3),
            targets[4]: ("failed", 3)}
        assert (log[targets[0]].files, log[targets[0]].bytes) == (names, sum((dated / n).stat().st_size for n in names))
        assert log[targets[3]].error == "The webhook answered HTTP 500 Internal Server Error."
        assert last_outcomes(sample_store)[made].outcome == "failed"

        # The next run retries the failing targets alone; the others are not sent twice.
        assert [d.target for d in due_targets(sample_store, now + timedelta(hours=1))] == targets[3:]
        assert main(["deliver", "--dry-run", "--now", (now + timedelta(hours=1)).isoformat()]) == 0
        assert [line.split(" (")[0] for line in capsys.readouterr().out.splitlines()] == [
            f"due     #{made} Board pack → {t}" for t in targets[3:]]
    finally:
        delete_schedule(sample_store, made, actor=LOCAL)
        delete_view(sample_store, view, actor=LOCAL)


def test_a_view_that_cannot_be_made_fails_every_target_with_its_reason(sample_store, sample_analysis, monkeypatch,
                                                                       capsys):
    monkeypatch.setenv("MOMENTO_DATA_DIR", str(sample_store.data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    view = save_view(sample_store, "Fax", "overview", {"channel": ["fax"]}, actor=LOCAL)
    made = add_schedule(sample_store, view_id=view, formats=["xlsx"], targets=["/srv/x", "bo@example.com"],
                        cadence="daily", at=time(6), timezone="UTC", actor=LOCAL)
    try:
        now = next_run(list_schedules(sample_store)[-1], datetime.now(UTC)) + timedelta(minutes=1)
        assert main(["deliver", "--now", now.isoformat()]) == 4
        err = capsys.readouterr().err.splitlines()
        assert err[0].startswith(f"error: #{made} Fax → /srv/x failed after 1 attempt: channel has no value 'fax' in "
                                 "'sample'; its values: app, chat,")
        assert len(err) == 2 and not Path("/srv/x").exists()
    finally:
        delete_schedule(sample_store, made, actor=LOCAL)
        delete_view(sample_store, view, actor=LOCAL)
