"""Property tests for the forgiving reader: period headings with anything after them, status
marks and their reasons, lead-ins, rituals, and documents assembled from the shapes teams use."""

from __future__ import annotations

import string
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.roadmap_document import parse_roadmap
from bot.services.roadmap_document.items import split_goal_item
from bot.services.roadmap_document.marks import STATUS_EMOJI, split_theme
from bot.services.roadmap_document.periods import heading_period
from bot.services.schedule_rules import parse_rule

SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
THEME_WORDS = st.sampled_from(
    ["Production", "Hardening", "Wave", "High", "Priority", "Stage", "Scale", "Foundations"]
)
themes = st.lists(THEME_WORDS, min_size=1, max_size=4).map(" ".join)
SEPARATORS = st.sampled_from([": ", " - ", " — ", " (", " | "])
TITLE_WORDS = st.text(string.ascii_lowercase, min_size=3, max_size=8).filter(
    lambda w: w not in {"done", "planned", "blocked", "shipped", "delivered", "backlog", "todo"}
)
titles = st.lists(TITLE_WORDS, min_size=2, max_size=5).map(lambda ws: "Build " + " ".join(ws))
STATUS_SPELLINGS = {
    "done": ["**Delivered**", "✅", "**Done**", "<mark>Shipped</mark>"],
    "on-track": ["🔄", "**In progress**", '<mark style="color:purple;">In Progress</mark>'],
    "at-risk": ["⚠️", "**At risk**"],
    "blocked": ["⛔", "**Blocked**"],
    "not-started": ["📋", "**Planned**"],
}


@SETTINGS
@given(st.integers(1, 4), st.integers(2000, 2099), SEPARATORS, themes)
def test_a_quarter_heading_keeps_whatever_follows_as_its_theme(quarter, year, separator, theme):
    closing = ")" if separator == " (" else ""
    found = heading_period(f"Q{quarter} {year}{separator}{theme}{closing}")
    assert found is not None
    assert (found.spec.kind, found.spec.first, found.spec.year) == ("quarter", quarter, year)
    assert split_theme(found.rest) == (theme, None)


@SETTINGS
@given(st.sampled_from(sorted(STATUS_SPELLINGS)), st.data(), st.booleans())
def test_status_marks_after_a_title_are_read_and_removed(status, data, heading):
    title = data.draw(titles)
    mark = data.draw(st.sampled_from(STATUS_SPELLINGS[status]))
    item = split_goal_item(f"{title} {mark}")
    assert (item.title, item.status) == (title, status)
    if mark in STATUS_EMOJI or mark.rstrip("\ufe0f") in STATUS_EMOJI:
        assert split_goal_item(f"{mark} {title}").status == status


STATUS_WORDS_WITH_REASONS = {
    "on-track": ["In progress", "Ongoing"],
    "at-risk": ["At risk", "at-risk"],
    "off-track": ["Delayed", "Behind"],
    "blocked": ["Blocked", "On hold", "Stuck"],
}
REASONS = st.tuples(
    st.sampled_from([" on", " by", " until", ":", " waiting for", " pending"]),
    st.lists(TITLE_WORDS, min_size=1, max_size=4).map(" ".join),
).map(lambda parts: f"{parts[0]} {parts[1]}")


@SETTINGS
@given(st.sampled_from(sorted(STATUS_WORDS_WITH_REASONS)), st.data())
def test_a_status_with_its_reason_after_a_title_becomes_the_status_and_its_note(status, data):
    title = data.draw(titles)
    word = data.draw(st.sampled_from(STATUS_WORDS_WITH_REASONS[status]))
    reason = data.draw(REASONS)
    emoji = next(mark for mark, said in STATUS_EMOJI.items() if said == status)
    shape = data.draw(
        st.sampled_from(["{e} {w}{r}", " — {e} {w}{r}", " — {w}{r}", " ({w}{r})", " [{w}{r}]"])
    )
    line = title + " " * (not shape.startswith(" ")) + shape.format(e=emoji, w=word, r=reason)
    item = split_goal_item(line)
    assert (item.title, item.status, item.note) == (title, status, f"{word}{reason}"), line
    # The status alone, after an emoji, is the status without a note.
    assert split_goal_item(f"{title} — {emoji} {word}").note is None


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),
            st.sampled_from(["heading", "bold", "themed"]),
            st.lists(
                st.tuples(titles, st.sampled_from([None, *sorted(STATUS_SPELLINGS)])),
                min_size=1, max_size=4, unique_by=lambda t: t[0],
            ),
        ),
        min_size=1, max_size=4, unique_by=lambda p: p[0],
    ),
    st.sampled_from(["items", "subheadings"]),
)  # fmt: skip
def test_assembled_documents_read_every_goal_with_its_status(periods, goal_shape):
    lines = ["# Roadmap 2026", ""]
    expected = Counter()
    for quarter, style, goals in periods:
        if style == "heading":
            lines.append(f"## Q{quarter} 2026")
        elif style == "bold":
            lines.append(f"**Q{quarter} 2026**")
        else:
            lines.append(f"## Q{quarter} 2026: Theme {quarter} 🚀")
        lines.append("")
        for title, status in goals:
            mark = f" {STATUS_SPELLINGS[status][0]}" if status else ""
            if goal_shape == "items" or style == "bold":
                lines.append(f"- {title}{mark}")
            else:
                lines += [f"### {title}{mark}", "", "Some words about it.", ""]
            expected[(f"Q{quarter} 2026", title, status)] += 1
        lines.append("")
    roadmap = parse_roadmap("\n".join(lines))
    found = Counter((p.label, g.title, g.status) for p, _, g in roadmap.goals())
    assert found == expected, "\n".join(lines)


RITUAL_NAMES = {
    "knowledge_sharing": ["Knowledge sharing", "Tech talks", "Lunch & learn"],
    "retrospective": ["Retrospective", "Team retro", "Retros"],
}
USUAL_TIME = {"knowledge_sharing": "15:00", "retrospective": "14:00"}
FORTNIGHTLY = [
    "every 2 weeks on {d}", "every two weeks on {d}", "biweekly on {d}", "bi-weekly on {d}",
    "every other {d}", "every second {d}", "fortnightly on {d}", "{d} every other week",
]  # fmt: skip


@SETTINGS
@given(
    st.sampled_from(sorted(RITUAL_NAMES)),
    st.data(),
    st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday"]),
    st.sampled_from([None, "9:30", "at 16:00", "3pm"]),
    st.sampled_from([" ", ": ", " — ", ", "]),
)
def test_a_fortnightly_ritual_line_reads_as_the_rule_schedule_add_takes(
    kind, data, day, at, separator
):
    name = data.draw(st.sampled_from(RITUAL_NAMES[kind]))
    when = data.draw(st.sampled_from(FORTNIGHTLY)).format(
        d=data.draw(st.sampled_from([day, day[:3].title(), f"{day.title()}s"]))
    )
    line = f"{name}{separator}{when}" + (f" {at}" if at else "")
    roadmap = parse_roadmap(f"## Q1 2026\n\n- Ship it\n\n## Rituals\n\n- {line}\n")
    (ritual,) = roadmap.rituals
    expected = parse_rule(f"every 2 weeks on {day} {at or USUAL_TIME[kind]}")
    assert (ritual.kind, ritual.cadence, ritual.rule) == (kind, "biweekly", expected.text), line
