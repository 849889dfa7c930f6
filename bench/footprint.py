"""Footprint: resident memory of the web (gunicorn master + workers) and clock processes,
idle and under load.

    python -m bench.footprint
"""

from __future__ import annotations

import time
import urllib.request

from bench.common import (
    databases,
    free_port,
    print_table,
    process,
    python,
    reset_database,
    rss_kb,
    wait_http,
    write_results,
)
from bench.requests import SECRET
from bot.fakeslack import FakeSlack
from tests.signing import event_body, signed_headers


def main() -> int:
    name, url = databases()[0]  # memory does not depend much on the database
    reset_database(url)
    rows = []
    with FakeSlack() as fake:
        team = fake.add_team(name="Bench")
        user = fake.add_user(team["id"], name="u")["id"]
        token = fake.install_bot(team["id"])
        env = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "WARNING",
        }
        port = free_port()
        with (
            process([python(), "-m", "bot", "serve", "--port", str(port)], env) as web,
            process([python(), "-m", "bot", "clock"], env) as clock,
        ):
            wait_http(f"http://127.0.0.1:{port}/healthz")
            time.sleep(3)
            rows.append(["web (master + 2 workers)", "idle", rss_kb(web.pid) // 1024])
            rows.append(["clock", "idle", rss_kb(clock.pid) // 1024])
            for n in range(500):
                body = event_body(
                    {"type": "app_home_opened", "user": user, "tab": "home"},
                    team_id=team["id"],
                    event_id=f"EvFOOT{n:08d}",
                )
                headers = signed_headers(SECRET, body, "application/json")
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
            time.sleep(1)
            rows.append(["web (master + 2 workers)", "after 500 requests", rss_kb(web.pid) // 1024])
            rows.append(["clock", "after 1 min", rss_kb(clock.pid) // 1024])
    print_table(f"Resident memory (MiB, {name})", ["process", "state", "RSS MiB"], rows)
    print(f"\nwrote {write_results('footprint', {'rows': rows})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
