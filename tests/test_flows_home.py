"""App Home flows, in-process."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.flows.home import OpenHome, open_home
from bot.flows.outcome import PublishHome
from tests.flows import run

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)


def test_opening_the_home_tab_publishes_that_persons_dashboard(session_factory, roadmap, slack):
    result = run(
        session_factory,
        open_home,
        OpenHome(slack.alice),
        team_id=slack.team_id,
        user_id=slack.alice,
        now=NOW,
    )
    (published,) = result.effects.of_type(PublishHome)
    assert published.user_id == slack.alice
    view = published.view.to_dict()
    assert view["type"] == "home"
    assert "Q1 2025" in str(view["blocks"])
    assert result.commits == 1


def test_a_home_is_published_for_user_ids_only(session_factory, roadmap, slack):
    from bot.flows.context import open_context
    from bot.flows.home import home_effects

    with session_factory() as session:
        ctx = open_context(
            session=session,
            team_id=slack.team_id,
            enterprise_id=None,
            user_id=slack.alice,
            now=NOW,
        )
        effects = home_effects(ctx, [slack.bob, "@alice", "mine", slack.bob, slack.alice])
    assert [e.user_id for e in effects] == sorted([slack.alice, slack.bob])
