"""What one Slack call costs the calling thread, by transport: slack_sdk's own WebClient (urllib,
a new connection a call), the same WebClient on a urllib3 PoolManager (kept-alive, what
bot.slack_http used until 2026-12-03), and bot.slack_http.PooledWebClient (kept-alive
http.client connections). Each posts a digest-sized message (a dozen sections, metadata) to
the fake Slack, rounds alternating so that the machine's drift hits all three alike; the
figure is the calling thread's CPU (time.thread_time), so the fake's own work is left out.

    .venv/bin/python -m bench.http_transport
"""

from __future__ import annotations

import io
import statistics
import time
import urllib.error

import urllib3
from slack_sdk import WebClient

from bench.common import print_table, write_results
from bot.fakeslack import FakeSlack
from bot.slack_http import PooledWebClient, clear_pools

CALLS = 1000
ROUNDS = 5


class Urllib3WebClient(WebClient):
    """The previous transport, for comparison: a urllib3 PoolManager under WebClient."""

    pool = urllib3.PoolManager(maxsize=16, retries=False)

    def _perform_urllib_http_request_internal(self, url, req):
        resp = self.pool.request(
            "POST", url, body=req.data, headers=dict(req.header_items()), preload_content=True
        )
        if resp.status >= 400:
            raise urllib.error.HTTPError(url, resp.status, "", None, io.BytesIO(resp.data))
        return {"status": resp.status, "headers": resp.headers, "body": resp.data.decode()}


def digest_sized_message() -> dict:
    sections = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*Goal {n}*: p99 latency 212 ms → 180 ms, on track",
            },
        }
        for n in range(12)
    ]
    metadata = {"event_type": "roadmap_delivery", "event_payload": {"delivery_id": 1}}
    return {"text": "Weekly digest", "blocks": sections, "metadata": metadata}


def cpu_ms_per_call(client: WebClient, channels: list[str], message: dict) -> float:
    started = time.thread_time()
    for n in range(CALLS):
        client.chat_postMessage(channel=channels[n % len(channels)], **message)
    return (time.thread_time() - started) / CALLS * 1000


def main() -> int:
    message = digest_sized_message()
    with FakeSlack() as fake:
        team = fake.add_team(name="Bench")["id"]
        token = fake.install_bot(team)
        channels = []
        for n in range(20):
            channel = fake.add_channel(team, name=f"digest-{n}", members=[])["id"]
            fake.join(channel, fake.bot_user_id(token))
            channels.append(channel)
        transports = {
            "slack_sdk WebClient (urllib, new connection a call)": WebClient,
            "WebClient on a urllib3 PoolManager (until 2026-12-03)": Urllib3WebClient,
            "PooledWebClient (kept http.client connections)": PooledWebClient,
        }
        figures: dict[str, list[float]] = {name: [] for name in transports}
        connections: dict[str, int] = dict.fromkeys(transports, 0)
        for make in transports.values():  # warm: imports, first connections
            cpu_ms_per_call(make(token=token, base_url=fake.api_url), channels[:1], message)
        for _ in range(ROUNDS):
            for name, make in transports.items():
                client = make(token=token, base_url=fake.api_url)
                before = fake.connections_opened
                figures[name].append(cpu_ms_per_call(client, channels, message))
                connections[name] += fake.connections_opened - before
        clear_pools()
    ours = statistics.median(figures["PooledWebClient (kept http.client connections)"])
    rows, results = [], []
    for name, values in figures.items():
        median = statistics.median(values)
        per_call = connections[name] / (CALLS * ROUNDS)
        rows.append(
            [name, f"{median:.3f}", f"{min(values):.3f}", f"{median / ours:.2f}", f"{per_call:.4f}"]
        )
        results.append(
            {
                "transport": name,
                "cpu_ms_per_call_median": round(median, 4),
                "cpu_ms_per_call_min": round(min(values), 4),
                "ratio_to_pooled": round(median / ours, 3),
                "new_connections_per_call": round(per_call, 5),
                "rounds": [round(v, 4) for v in values],
            }
        )
    print_table(
        f"One chat.postMessage (digest-sized), calling thread's CPU: {ROUNDS} rounds of {CALLS}",
        ["transport", "ms/call (median)", "min", "× ours", "new conns/call"],
        rows,
    )
    path = write_results("http_transport", {"calls_per_round": CALLS, "runs": results})
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
