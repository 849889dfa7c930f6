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
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import kinds
from bot.blocks.schedules import schedule_paused_notice
from bot.kinds import Sending
from bot.kinds.posting import NotInChannel
from bot.scheduling.claims import claim_due, refresh, release, settle_unchanged, stale_claims
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
        in_flight: int = 200,
        stopping: threading.Event | None = None,
    ):
        self.factory = factory
        self.client_for = client_for
        self.worker = worker
        self.pacer = pacer or Pacer()
        self.threads = threads
        self.in_flight = in_flight
        self.stopping = stopping or threading.Event()
        # Workspaces whose token Slack refused during this run (→ the error code): no more
        # calls there, from any delivery of the run, even one a kind would carry on with.
        self.refused: dict[int, str] = {}
        self._refused_lock = threading.Lock()

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
            ids = claim_due(self.factory, self.worker, now, room, claimed_at=claimed_at, ids=only)
            claimed += len(ids)
            return [self.send(delivery_id, now, report) for delivery_id in ids]

        def refresh_claims() -> None:
            # A fan-out can outlast STALE_CLAIM: show the other clocks we are still at it.
            at = now + timedelta(seconds=time.monotonic() - started)
            with self.factory() as session, session.begin():
                refresh(session, self.worker, at)

        Dispatcher(
            self.pacer,
            threads=self.threads,
            in_flight=self.in_flight,
            heartbeat=refresh_claims,
        ).run(jobs)
        return report

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

    def send(self, delivery_id: int, now: datetime, report: SendReport) -> Job:
        """The job of one claimed delivery: its kind's Slack calls, then its outcome recorded.
        One transaction reads the delivery with its schedule and workspace (one statement) and
        records the channel it goes to, before the first post: recovery looks there."""
        with self.factory() as session, session.begin():
            delivery, schedule, workspace = session.execute(
                select(Delivery, Schedule, Workspace)
                .join(Schedule, Schedule.id == Delivery.schedule_id)
                .join(Workspace, Workspace.id == Delivery.workspace_id)
                .where(Delivery.id == delivery_id)
            ).one()
            # A manual post names its channel; a retry keeps the channel it started in.
            channel = delivery.channel_id or schedule.channel_id or workspace.roadmap_channel_id
            kind, schedule_id, posted_ts = schedule.kind, schedule.id, delivery.message_ts
            event_at, days_before = parse_occurrence_key(delivery.occurrence_key)
            spec = kinds.get(kind)
            sending_here = (
                workspace.uninstalled_at is None
                and workspace.inactive_since is None
                and workspace.id not in self.refused
                and spec is not None
            )
            if sending_here and spec.needs_channel and channel and delivery.channel_id != channel:
                release(session, delivery_id, state=State.CLAIMED, channel_id=channel)
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

        def record_ts(ts: str) -> None:  # before a thread: a crash then resumes, not reposts
            with self.factory() as session, session.begin():
                release(session, delivery_id, state=State.CLAIMED, message_ts=ts)

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
            posted_ts=posted_ts,
            record_ts=record_ts,
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
                )
            report.uncertain.append(delivery_id)
            return
        except SlackApiError as error:
            yield from self._slack_error(delivery_id, channel, workspace, error, now, report)
            return
        except (urllib.error.URLError, ConnectionError) as error:
            self._retry_later(delivery_id, f"connection: {error}", now, report)
            return
        except Exception as error:  # our bug composing or sending it: say so, never go silent
            log.exception("delivery %s (%s) failed", delivery_id, kind)
            yield from self._crashed(delivery_id, f"{type(error).__name__}: {error}", now, report)
            return
        if workspace.id in self.refused:  # the kind carried on past a refusal: not done
            code = self.refused[workspace.id]
            self._token_refused(workspace, code, now)
            self._park(delivery_id, code, report)
            return
        with self.factory() as session, session.begin():
            release(
                session,
                delivery_id,
                state=State.SENT,
                message_ts=sent.ts,
                sent_at=now,
                error=sent.note,
            )
            session.execute(  # no SELECT, and a write only after failures
                update(Schedule)
                .where(Schedule.id == schedule_id, Schedule.consecutive_failures != 0)
                .values(consecutive_failures=0)
                .execution_options(synchronize_session=False)
            )
        report.sent.append(delivery_id)

    def _crashed(self, delivery_id: int, reason: str, now: datetime, report: SendReport) -> Job:
        """An unexpected error: tried again later (it may pass), then failed with its reason,
        counted towards pausing the schedule and told to the admins like any failure."""
        with self.factory() as session:
            attempts = session.get(Delivery, delivery_id).attempts
        if attempts < MAX_ATTEMPTS:
            self._retry_later(delivery_id, f"error: {reason}", now, report)
            return
        yield from self._fail(delivery_id, f"gave up after {attempts} tries: {reason}", now, report)

    def _retry_later(self, delivery_id: int, reason: str, now: datetime, report: SendReport):
        with self.factory() as session, session.begin():
            delivery = session.get(Delivery, delivery_id)
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

    def _slack_error(self, delivery_id, channel, workspace, error, now, report) -> Job:
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
                )
            report.retrying.append(delivery_id)
            return
        if code in TOKEN_REFUSED or workspace.id in self.refused:
            code = self.refused.get(workspace.id, code)
            self._token_refused(workspace, code, now)
            self._park(delivery_id, code, report)
            return
        if code in PERMANENT_ERRORS:
            yield from self._fail(delivery_id, code, now, report)
            return
        self._retry_later(delivery_id, code, now, report)

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

    def _park(self, delivery_id: int, reason: str, report: SendReport) -> None:
        """Back to wait, unsent and unfailed, keeping how far it got (a digest's thread)."""
        with self.factory() as session, session.begin():
            release(
                session,
                delivery_id,
                state=State.PARKED,
                claimed_by=None,
                error=f"waiting for a working token ({reason})",
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
