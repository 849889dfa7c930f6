"""Request latency: `/roadmap list`, `/roadmap show`, a check-in reaction and app_home_opened,
signed like Slack's, against `python -m bot serve` holding a large workspace, in the same run
as a minimal Bolt app on the same server configuration. Then again with 10× the data.

    python -m bench.requests [--requests 200] [--sizes 1,10]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
import urllib.request

from bench.common import (
    build_large_workspace,
    databases,
    free_port,
    print_table,
    process,
    python,
    reset_database,
    summary_ms,
    table_sizes,
    wait_http,
    write_results,
)
from bot.fakeslack import FakeSlack
from tests.signing import command_body, event_body, signed_headers

SECRET = "bench-signing-secret"
BASE = {"goals": 2000, "metrics": 50, "readings_per_metric": 100, "checkins": 100_000}


def post(url: str, body: bytes, content_type: str) -> float:
    headers = signed_headers(SECRET, body, content_type)
    request = urllib.request.Request(url, data=body, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        assert response.status == 200, response.status
    return time.perf_counter() - started


def requests_for(fake, team_id: str, user: str, channel: str, prompt: tuple[str, str]):
    """Callables building each kind of request body (fresh ids every time)."""
    ids = itertools.count(1)

    def command(text):
        return lambda: (
            command_body(
                text=text,
                team_id=team_id,
                user_id=user,
                channel_id=channel,
                response_url=fake.response_url(team_id, channel, user),
                trigger_id=fake.trigger_id(team_id, user),
            ),
            "application/x-www-form-urlencoded",
        )

    def event(make):
        return lambda: (
            event_body(make(), team_id=team_id, event_id=f"EvBENCH{next(ids):08d}"),
            "application/json",
        )

    reaction = {
        "type": "reaction_added",
        "user": user,
        "reaction": "large_green_circle",
        "item": {"type": "message", "channel": prompt[0], "ts": prompt[1]},
    }
    return {
        "/roadmap list": command("list"),
        "/roadmap show": command("show G5"),
        "reaction_added": event(lambda: dict(reaction)),
        "app_home_opened": event(lambda: {"type": "app_home_opened", "user": user, "tab": "home"}),
    }


def run_size(name: str, url: str, scale: int, count: int) -> dict:
    reset_database(url)
    with FakeSlack() as fake:
        team = fake.add_team(name="Bench")
        users = [fake.add_user(team["id"], name=f"u{n}", is_admin=n == 0)["id"] for n in range(5)]
        token = fake.install_bot(team["id"])
        channel = fake.add_channel(team["id"], name="bench", members=users)["id"]
        fake.join(channel, fake.bot_user_id(token))
        started = time.perf_counter()
        workspace_id = build_large_workspace(
            url,
            team_id=team["id"],
            goals=BASE["goals"] * scale,
            metrics=BASE["metrics"],
            readings_per_metric=BASE["readings_per_metric"] * scale,
            checkins=BASE["checkins"] * scale,
            owners=users,
        )
        built = time.perf_counter() - started
        prompt = make_prompt(url, workspace_id, fake, token, users[0])
        env = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "WARNING",
        }
        bot_port, base_port = free_port(), free_port()
        kinds = requests_for(fake, team["id"], users[0], channel, prompt)
        results: dict[str, dict] = {}
        with (
            process([python(), "-m", "bot", "serve", "--port", str(bot_port)], env),
            process([python(), "-m", "bench.minimal_app", str(base_port)], env),
        ):
            wait_http(f"http://127.0.0.1:{bot_port}/healthz")
            time.sleep(1.0)  # the baseline has no health check; give its workers a moment
            targets = {
                "bot": f"http://127.0.0.1:{bot_port}/slack/events",
                "minimal": f"http://127.0.0.1:{base_port}/slack/events",
            }
            for kind, build in kinds.items():
                timings = {"bot": [], "minimal": []}
                for i in range(count + 10):  # the first ten warm up and are not counted
                    for target, endpoint in targets.items():  # interleaved: same noise
                        body, content_type = build()
                        elapsed = post(endpoint, body, content_type)
                        if i >= 10:
                            timings[target].append(elapsed)
                    time.sleep(0.01)
                results[kind] = {t: summary_ms(v) for t, v in timings.items()}
        rows = table_sizes(url)
    return {
        "database": name,
        "scale": scale,
        "rows": rows,
        "build_seconds": round(built, 1),
        "results": results,
    }


def make_prompt(url, workspace_id, fake, token, user) -> tuple[str, str]:
    """A real check-in prompt for G5 in the user's DM, so reactions exercise the full path."""
    from slack_sdk import WebClient
    from sqlalchemy import select

    from bot.db import create_db_engine, make_session_factory
    from models import CheckinPrompt, Goal, GoalOwner, utcnow

    client = WebClient(token=token, base_url=fake.api_url)
    posted = client.chat_postMessage(channel=user, text="Check-in for G5")
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        goal = session.scalar(
            select(Goal).where(Goal.workspace_id == workspace_id, Goal.number == 5)
        )
        if user not in [o.owner for o in goal.owners]:
            session.add(
                GoalOwner(workspace_id=workspace_id, goal_id=goal.id, owner=user, position=9)
            )
        session.add(
            CheckinPrompt(
                workspace_id=workspace_id,
                goal_id=goal.id,
                cycle="2099-W01",
                recipient=user,
                channel_id=posted["channel"],
                message_ts=posted["ts"],
                posted_at=utcnow(),
            )
        )
    engine.dispose()
    return posted["channel"], posted["ts"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sizes", default="1,10", help="data sizes as multiples of the base")
    args = parser.parse_args()
    runs = []
    for name, url in databases():
        for scale in (int(s) for s in args.sizes.split(",")):
            print(f"{name} ×{scale}: building the workspace and serving it…", flush=True)
            runs.append(run_size(name, url, scale, args.requests))
    rows = []
    for run in runs:
        for kind, result in run["results"].items():
            bot, base = result["bot"], result["minimal"]
            rows.append(
                [
                    run["database"],
                    f"×{run['scale']}",
                    kind,
                    bot["p50_ms"],
                    bot["p95_ms"],
                    bot["p99_ms"],
                    base["p50_ms"],
                    base["p99_ms"],
                    f"{bot['p50_ms'] / base['p50_ms']:.2f}",
                ]
            )
    print_table(
        "Request latency to the ack (ms): the bot vs a minimal Bolt app, same gunicorn config",
        ["db", "data", "request", "p50", "p95", "p99", "base p50", "base p99", "p50 ratio"],
        rows,
    )
    growth = []
    for name in {r["database"] for r in runs}:
        by_scale = {r["scale"]: r for r in runs if r["database"] == name}
        if 1 in by_scale and 10 in by_scale:
            for kind in by_scale[1]["results"]:
                small = by_scale[1]["results"][kind]["bot"]["p50_ms"]
                large = by_scale[10]["results"][kind]["bot"]["p50_ms"]
                growth.append([name, kind, small, large, f"{large / small:.2f}"])
    if growth:
        print_table(
            "Cost growth with 10× data (p50 ms)", ["db", "request", "×1", "×10", "ratio"], growth
        )
    path = write_results("requests", {"runs": runs})
    print(f"\nwrote {path}")
    print(json.dumps({"runs": len(runs)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
