"""The App Home dashboard."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.services.dashboard import HomeSummary


def home_view(summary: HomeSummary) -> View:
    if summary.goal_count == 0:
        body = (
            "No roadmap yet. Import one with `/roadmap import`, or add a goal with `/roadmap add`."
        )
    else:
        body = f"*{summary.goal_count}* goals on the roadmap."
    return View(
        type="home",
        blocks=[
            HeaderBlock(text="Roadmap"),
            SectionBlock(text=MarkdownTextObject(text=body)),
            ContextBlock(elements=[MarkdownTextObject(text="Type `/roadmap help` for commands.")]),
        ],
    )
