"""Send claimed deliveries to Slack, once: paced, 429-aware, and careful after timeouts."""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
from collections.abc import Callable, Collection
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import kinds
from bot.blocks.schedules import schedule_paused_notice
from bot.kinds import Sending
from bot.kinds.posting import NotInChannel
from bot.scheduling.claims import (
    Claimed,
    claim_batch,
    refresh,
    release,
    settle_unchanged,
    stale_claims,
)
from bot.scheduling.dispatch import Call, Dispatcher, Job
from bot.scheduling.pacing import Pacer
from bot.scheduling.planner import parse_occurrence_key
from bot.services.installations import TOKEN_REFUSED, mark_inactive, park_pending
from models import AuditEntry, Delivery, Member, Schedule, Workspace
from models import DeliveryState as State

log = logging.getLogger(__name__)

# Errors that no retry will fix: the delivery fails with its reason. (A refused token is not
# one of them: the workspace is marked inactive and its deliveries wait, parked.)
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "missing_scope",
    "no_permission",
    "restricted_action",
    "team_access_not_granted",
    "msg_too_long",
    "invalid_blocks",
}
FAILURES_BEFORE_PAUSE = 3
MAX_ATTEMPTS = 5
METADATA_TYPE = "roadmap_delivery"


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)  # their workspace's token was refused


# A digest's summary is out: its ts, written before the thread (prebuilt: once per digest).
_RECORD_TS = (
    update(Delivery)
    .where(Delivery.id == bindparam("delivery"))
    .values(message_ts=bindparam("ts"))
    .execution_options(synchronize_session=False)
)


class Uncertain(Exception):
    """The request may have reached Slack: we cannot tell whether it posted."""


def _metadata(delivery_id: int) -> dict:
    return {"event_type": METADATA_TYPE, "event_payload": {"delivery_id": delivery_id}}


@contextmanager
def timeouts_are_uncertain():
    """A timed-out request may have been carried out by Slack: say so instead of failing."""
    try:
        yield
    except TimeoutError as error:
        raise Uncertain(str(error)) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise Uncertain(str(error)) from error
        raise


def slack_error(code: str, message: str, method: str = "chat.postMessage") -> SlackApiError:
    """The SlackApiError Slack would have sent for `code` (a real response object)."""
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=method,
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=200,
    )
    return SlackApiError(message, response)


def not_in_channel(error: NotInChannel) -> SlackApiError:
    """NotInChannel as the SlackApiError Slack would have sent."""
    return slack_error("not_in_channel", str(error))


def _ts(ts: str | None) -> dict:
    """The main post's ts to record with an outcome, when it is out (else nothing: a ts
    recorded earlier stays)."""
    return {} if ts is None else {"message_ts": ts}


def find_posted(client: WebClient, channel: str, delivery_id: int, since: datetime) -> str | None:
    """The ts of the message a delivery posted, found by its metadata, or None."""
    response = client.conversations_history(
        channel=channel,
        oldest=f"{since.timestamp() - 120:.6f}",
        include_all_metadata=True,
        limit=200,
    )
    for message in response.get("messages", []):
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if (
            meta.get("event_type") == METADATA_TYPE
            and payload.get("delivery_id") == delivery_id
            and "part" not in payload  # a digest's thread part, not the delivery's own post
        ):
            return message["ts"]
    return None


class Sender:
    """Claims due deliveries and sends them concurrently: a few threads, many channels paced
    side by side, each delivery a generator of Slack calls (see bot.scheduling.dispatch)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        client_for: Callable[[Workspace], WebClient],
        worker: str,
        pacer: Pacer | None = None,
        *,
        threads: int = 8,
        in_flight: int = 1000,
        stopping: threading.Event | None = None,
    ):
        self.factory = factory
        self.client_for = client_for
        self.worker = worker
        self.pacer = pacer or Pacer()
        self.threads = threads
        # A delivery in hand costs a generator and its composed messages: a thousand let
        # a clock keep a 1,000-workspace fan-out's channels all going at once.
        self.in_flight = in_flight
        self.stopping = stopping or threading.Event()
        # Workspaces whose token Slack refused during this run (→ the error code): no more
        # calls there, from any delivery of the run, even one a kind would carry on with.
        self.refused: dict[int, str] = {}
        self._refused_lock = threading.Lock()
        # Deliveries sent and not yet recorded as sent (row values, schedule id).
        self._done: list[tuple[dict, int]] = []
        self._outcomes_lock = threading.Lock()

    def _client(self, workspace: Workspace) -> WebClient:
        """The workspace's client, guarded: once Slack refuses its token, every later call
        of this run fails here, at once, with the same error, and never reaches Slack."""
        client = self.client_for(workspace)
        call_slack = client.api_call

        def api_call(api_method: str, **kwargs):
            code = self.refused.get(workspace.id)
            if code is not None:
                raise slack_error(code, f"not called: the token was refused ({code})", api_method)
            try:
                return call_slack(api_method, **kwargs)
            except SlackApiError as error:
                code = error.response.get("error")
                if code in TOKEN_REFUSED:
                    with self._refused_lock:
                        self.refused.setdefault(workspace.id, code)
                raise

        client.api_call = api_call  # every WebClient method goes through api_call
        return client

    def run(
        self, now: datetime, *, limit: int | None = None, only: Collection[int] | None = None
    ) -> SendReport:
        """Recover abandoned deliveries, then claim and send due ones until none are left.
        `only`: claim and send these deliveries alone (a manual post), recovering nothing."""
        report = SendReport()
        with self.factory() as session, session.begin():
            # Planned while their token was refused: they wait with the others, unsent.
            park_pending(session=session)
        if only is None:
            self.recover(now, report)
        started = time.monotonic()
        claimed = 0

        def jobs(room: int) -> list[Job]:
            nonlocal claimed
            if limit is not None:
                room = min(room, limit - claimed)
            if room <= 0 or self.stopping.is_set():
                return []  # shutting down: finish what is in hand, leave the rest pending
            # Claimed at the tick's time plus what has elapsed: a long fan-out's late claims
            # must not look abandoned to the next tick.
            claimed_at = now + timedelta(seconds=time.monotonic() - started)
            batch = claim_batch(
                self.factory,
                self.worker,
                now,
                room,
                claimed_at=claimed_at,
                ids=only,
                channel_for=self._channel_for,
                before=lambda session: self._settle_sent(session, report),
            )
            claimed += len(batch)
            return [self.send(delivery, now, report) for delivery in batch]

        def refresh_claims() -> None:
            # A fan-out can outlast STALE_CLAIM: show the other clocks we are still at it.
            at = now + timedelta(seconds=time.monotonic() - started)
            with self.factory() as session, session.begin():
                self._settle_sent(session, report)
                refresh(session, self.worker, at)

        try:
            Dispatcher(
                self.pacer,
                threads=self.threads,
                in_flight=self.in_flight,
                heartbeat=refresh_claims,
            ).run(jobs)
        finally:
            self.flush(report)
        return report

    def _channel_for(self, delivery: Delivery, schedule: Schedule, workspace: Workspace):
        """Where a claimed delivery goes, and whether to record it with the claim (before the
        first post, so recovery looks there): a manual post names its channel; a retry keeps
        the channel it started in."""
        channel = delivery.channel_id or schedule.channel_id or workspace.roadmap_channel_id
        spec = kinds.get(schedule.kind)
        sending_here = (
            workspace.uninstalled_at is None
            and workspace.inactive_since is None
            and workspace.id not in self.refused
            and spec is not None
        )
        return channel, bool(sending_here and spec.needs_channel)

    def _sent(self, delivery_id: int, schedule_id: int, sent, now: datetime) -> None:
        """A delivery Slack took: settled with the next claim (or heartbeat, or the run's
        end) in one statement for the lot, not a transaction of its own. Until then it
        stays claimed: a clock killed meanwhile leaves it to recovery, which finds the post
        by the ts recorded before any thread, or by its metadata."""
        row = {"id": delivery_id, "message_ts": sent.ts, "sent_at": now, "error": sent.note}
        with self._outcomes_lock:
            self._done.append((row, schedule_id))

    def _settle_sent(self, session: Session, report: SendReport) -> None:
        with self._outcomes_lock:
            done, self._done = self._done, []
        if not done:
            return
        try:
            session.execute(
                update(Delivery),
                [{**row, "state": State.SENT} for row, _ in done],
            )
            session.execute(  # no SELECT, and a write only after failures
                update(Schedule)
                .where(
                    Schedule.id.in_({schedule_id for _, schedule_id in done}),
                    Schedule.consecutive_failures != 0,
                )
                .values(consecutive_failures=0)
                .execution_options(synchronize_session=False)
            )
        except BaseException:
            with self._outcomes_lock:  # not written: the next settle tries them again
                self._done[:0] = done
            raise
        report.sent.extend(row["id"] for row, _ in done)

    def flush(self, report: SendReport) -> None:
        """Settle what was sent and not yet recorded (at the end of a run)."""
        for attempt in range(2):  # a connection lost since the last claim: once more
            try:
                with self.factory() as session, session.begin():
                    self._settle_sent(session, report)
                return
            except Exception:
                if attempt:
                    log.exception("recording sent deliveries failed; recovery settles them")

    def recover(self, now: datetime, report: SendReport) -> None:
        """Settle deliveries whose sender died or timed out: posted ones are found by their
        metadata; a digest found posted goes back to the queue to finish its thread."""
        with self.factory() as session:
            abandoned = [
                (d.id, d.state, d.channel_id, d.claimed_at, d.message_ts, d.attempts)
                for d in stale_claims(session, now)
            ]
        for delivery_id, seen, channel, claimed_at, known_ts, attempts in abandoned:
            with self.factory() as session:
                delivery = session.get(Delivery, delivery_id)
                workspace = session.get(Workspace, delivery.workspace_id)
                kind = session.get(Schedule, delivery.schedule_id).kind
            if workspace.id in self.refused:
                continue
            # Before the write transaction: a token refresh must not wait on our own lock.
            client = self._client(workspace)
            ts = known_ts
            if channel and ts is None:
                try:
                    ts = find_posted(client, channel, delivery_id, claimed_at or now)
                except SlackApiError as error:
                    code = error.response.get("error")
                    if code in TOKEN_REFUSED:
                        self._token_refused(workspace, code, now)
                    else:
                        log.warning("cannot check delivery %s: %s", delivery_id, error)
                    continue
            spec = kinds.get(kind)
            if ts and not (spec and spec.resumes_thread):
                settled = {"state": State.SENT, "message_ts": ts, "sent_at": now}
            elif attempts >= MAX_ATTEMPTS:  # its sender keeps dying on it: stop trying
                reason = f"gave up after {attempts} tries: the sender stopped mid-delivery"
                settled = {"state": State.FAILED, "message_ts": ts, "error": reason}
            else:  # not posted: send it again (once more); a digest resumes its thread
                settled = {"state": State.PENDING, "message_ts": ts, "next_attempt_at": None}
            with self.factory() as session, session.begin():
                # Only if nobody settled it meanwhile: two clocks may recover at once.
                if settle_unchanged(session, delivery_id, seen, claimed_at, **settled):
                    report.recovered.append(delivery_id)

    def send(self, claimed: Claimed, now: datetime, report: SendReport) -> Job:
        """The job of one claimed delivery: its kind's Slack calls, then its outcome recorded.
        The claim read the delivery with its schedule and workspace and recorded its channel,
        so nothing is read or written here before the first post."""
        delivery_id, workspace, channel = claimed.id, claimed.workspace, claimed.channel
        kind, schedule_id = claimed.kind, claimed.schedule_id
        event_at, days_before = parse_occurrence_key(claimed.occurrence_key)
        spec = kinds.get(kind)
        if workspace.uninstalled_at is not None:
            with self.factory() as session, session.begin():
                release(session, delivery_id, state=State.MISSED, error="the app was uninstalled")
            return
        if workspace.inactive_since is not None or workspace.id in self.refused:
            # Another delivery of this run met the refusal first: not one more call.
            self._park(delivery_id, workspace.inactive_reason or "token refused", report)
            return
        if spec is None:
            yield from self._fail(delivery_id, f"no kind {kind!r} is installed", now, report)
            return
        client = self._client(workspace)
        if spec.needs_channel and not channel:
            reason = "no channel: set one with /roadmap config channel"
            yield from self._fail(delivery_id, reason, now, report)
            return

        posted = {"ts": claimed.posted_ts}  # the main post, once out (also kept in hand)

        def record_ts(ts: str) -> None:  # before a thread: a crash then resumes, not reposts
            posted["ts"] = ts  # a failure below still knows it, even if this write fails
            with self.factory.kw["bind"].begin() as connection:  # one per digest: no ORM
                connection.execute(_RECORD_TS, {"delivery": delivery_id, "ts": ts})

        sending = Sending(
            factory=self.factory,
            client=client,
            workspace_id=workspace.id,
            team_id=workspace.team_id,
            schedule_id=schedule_id,
            delivery_id=delivery_id,
            channel=channel,
            event_at=event_at,
            days_before=days_before,
            now=now,
            metadata=_metadata(delivery_id),
            posted_ts=claimed.posted_ts,
            record_ts=record_ts,
            workspace=workspace,
        )
        try:
            with timeouts_are_uncertain():
                try:
                    sent = yield from spec.send(sending)
                except NotInChannel as error:  # a private channel nobody invited the bot to
                    raise not_in_channel(error) from error
        except Uncertain as error:
            with self.factory() as session, session.begin():
                release(
                    session,
                    delivery_id,
                    state=State.UNCERTAIN,
                    error=f"timed out; checking before any retry ({error})",
                    next_attempt_at=now + timedelta(minutes=1),
                    **_ts(posted["ts"]),
                )
            report.uncertain.append(delivery_id)
            return
        except SlackApiError as error:
            yield from self._slack_error(
                delivery_id, workspace, error, now, report, ts=posted["ts"]
            )
            return
        except (urllib.error.URLError, ConnectionError) as error:
            self._retry_later(delivery_id, f"connection: {error}", now, report, ts=posted["ts"])
            return
        except Exception as error:  # our bug composing or sending it: say so, never go silent
            log.exception("delivery %s (%s) failed", delivery_id, kind)
            reason = f"{type(error).__name__}: {error}"
            yield from self._crashed(delivery_id, reason, now, report, ts=posted["ts"])
            return
        if workspace.id in self.refused:  # the kind carried on past a refusal: not done
            code = self.refused[workspace.id]
            self._token_refused(workspace, code, now)
            self._park(delivery_id, code, report, ts=posted["ts"])
            return
        self._sent(delivery_id, schedule_id, sent, now)

    def _crashed(
        self, delivery_id: int, reason: str, now: datetime, report: SendReport, ts=None
    ) -> Job:
        """An unexpected error: tried again later (it may pass), then failed with its reason,
        counted towards pausing the schedule and told to the admins like any failure."""
        with self.factory() as session:
            attempts = session.get(Delivery, delivery_id).attempts
        if attempts < MAX_ATTEMPTS:
            self._retry_later(delivery_id, f"error: {reason}", now, report, ts=ts)
            return
        yield from self._fail(delivery_id, f"gave up after {attempts} tries: {reason}", now, report)

    def _retry_later(
        self, delivery_id: int, reason: str, now: datetime, report: SendReport, ts=None
    ):
        with self.factory() as session, session.begin():
            delivery = session.get(Delivery, delivery_id)
            if ts is not None:  # its main post is out: a retry resumes, never reposts
                delivery.message_ts = ts
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.state, delivery.error = (
                    State.FAILED,
                    f"gave up after {delivery.attempts} tries: {reason}",
                )
                report.failed.append((delivery_id, reason))
                return
            delivery.state = State.PENDING
            delivery.error = reason
            delivery.next_attempt_at = now + timedelta(seconds=30 * 2 ** (delivery.attempts - 1))
        report.retrying.append(delivery_id)

    def _slack_error(self, delivery_id, workspace, error, now, report, ts=None) -> Job:
        code = error.response.get("error") or f"http {error.response.status_code}"
        if error.response.status_code == 429:  # still limited after the dispatcher's retries
            retry_after = int(error.response.headers.get("Retry-After", 1) or 1)
            with self.factory() as session, session.begin():
                release(
                    session,
                    delivery_id,
                    state=State.PENDING,
                    error="ratelimited",
                    next_attempt_at=now + timedelta(seconds=retry_after),
                    **_ts(ts),
                )
            report.retrying.append(delivery_id)
            return
        if code in TOKEN_REFUSED or workspace.id in self.refused:
            code = self.refused.get(workspace.id, code)
            self._token_refused(workspace, code, now)
            self._park(delivery_id, code, report, ts=ts)
            return
        if code in PERMANENT_ERRORS:
            yield from self._fail(delivery_id, code, now, report)
            return
        self._retry_later(delivery_id, code, now, report, ts=ts)

    def _token_refused(self, workspace: Workspace, code: str, now: datetime) -> None:
        """Slack will not take this workspace's token any more: mark the workspace inactive
        and park its pending deliveries (once; the operator is told once)."""
        with self._refused_lock:
            self.refused.setdefault(workspace.id, code)
        with self.factory() as session, session.begin():
            first = mark_inactive(session=session, workspace_id=workspace.id, reason=code, now=now)
        if first:
            log.warning(
                "Slack refused the bot token of workspace %s (%s): nothing more is sent there "
                "until the app is installed again or restarted with a working SLACK_BOT_TOKEN; "
                "its pending deliveries are parked",
                workspace.team_id,
                code,
            )

    def _park(self, delivery_id: int, reason: str, report: SendReport, ts=None) -> None:
        """Back to wait, unsent and unfailed, keeping how far it got (a digest's thread)."""
        with self.factory() as session, session.begin():
            release(
                session,
                delivery_id,
                state=State.PARKED,
                claimed_by=None,
                error=f"waiting for a working token ({reason})",
                **_ts(ts),
            )
        report.parked.append(delivery_id)

    def _fail(self, delivery_id: int, reason: str, now: datetime, report: SendReport) -> Job:
        """A delivery that cannot succeed: record why; pause its schedule if this keeps up
        (and tell the admins, in paced calls)."""
        with self.factory() as session, session.begin():
            delivery = session.get(Delivery, delivery_id)
            delivery.state, delivery.error = State.FAILED, reason
            schedule = session.get(Schedule, delivery.schedule_id)
            schedule.consecutive_failures += 1
            pause = schedule.enabled and schedule.consecutive_failures >= FAILURES_BEFORE_PAUSE
            if pause:
                schedule.enabled = False
                schedule.paused_reason = (
                    f"paused after {schedule.consecutive_failures} failures: {reason}"
                )
                session.add(
                    AuditEntry(
                        workspace_id=schedule.workspace_id,
                        action="schedule.paused",
                        target=str(schedule.id),
                        details={"reason": reason},
                    )
                )
            workspace = session.get(Workspace, delivery.workspace_id)
            admins = list(workspace.admin_user_ids or []) or list(
                session.scalars(
                    select(Member.user_id).where(
                        Member.workspace_id == workspace.id, Member.is_slack_admin.is_(True)
                    )
                )
            )
            what = f"{kinds.label(schedule.kind)} (schedule {schedule.id})"
        report.failed.append((delivery_id, reason))
        if pause:
            yield from self._tell_admins(workspace, admins, what, reason)

    def _tell_admins(self, workspace, admins, what, reason) -> Job:
        message = schedule_paused_notice(what, reason)
        client = self.client_for(workspace)
        for admin in admins:
            try:
                yield Call(
                    admin,
                    workspace.team_id,
                    lambda a=admin: client.chat_postMessage(channel=a, **message.to_dict()),
                )
            except SlackApiError as error:
                log.warning("could not tell %s about a paused schedule: %s", admin, error)
