"""`make bench`: every benchmark in turn (each also runs alone: python -m bench.<name>)."""

from __future__ import annotations

import sys

from bench import (
    charts,
    compose,
    fanout,
    footprint,
    grammar,
    http_transport,
    idle_tick,
    import_roadmap,
    requests,
    statements,
)


def main() -> int:
    status = 0
    for module in (
        import_roadmap,
        charts,
        compose,
        grammar,
        requests,
        http_transport,
        fanout,
        statements,
        idle_tick,
        footprint,
    ):
        print(f"\n=== {module.__name__} ===", flush=True)
        sys.argv = [module.__name__]
        status |= module.main()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
