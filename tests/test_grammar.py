"""Example-based tests for handlers.grammar: the grammar of the /roadmap slash command."""

from __future__ import annotations

from datetime import date

import pytest

from bot.flows.commands import ExplainMetric, TeamCommand
from handlers.grammar import (
    COMMAND_TYPES,
    COMMANDS,
    GOAL_REF,
    GROUPS,
    STATUSES,
    AddGoal,
    AddMetric,
    ArchiveGoal,
    AssignGoal,
    Away,
    Back,
    Checkin,
    CheckinPrompt,
    CommandError,
    CommandSpec,
    Config,
    Digest,
    EditGoal,
    ExportRoadmap,
    Help,
    History,
    ImportRoadmap,
    ListGoals,
    ListMetrics,
    MarkDone,
    ParsedCommand,
    RecordMetric,
    ScheduleCommand,
    SetProgress,
    SetStatus,
    ShowGoal,
    command_spec,
    parse_command,
)
from handlers.grammar.values import parse_date

PROGRESS_HINT = "use a whole percentage like 60%, or a fraction like 3/5."
OUT_OF_RANGE = "progress goes from 0% to 100%."
VALUE_HINT = "give a number like 99.95, 180ms or 87.2%."
ACTIONS = "list, next, add, edit, pause, resume, delete, test, holidays."
KINDS = (
    "weekly_digest, quarterly_digest, checkin_prompt, knowledge_sharing, retrospective, reminder, "
    "metric_sources, pulse, team_metrics."
)
SETTINGS = (
    "timezone, channel, admins, checkins, holidays, reactions, chase, api-token, mentions, "
    "retention, digest, hook, prometheus."
)


def parse(text: str) -> object:
    """The command alone, checking that `share` was not set."""
    parsed = parse_command(text)
    assert isinstance(parsed, ParsedCommand)
    assert parsed.share is False
    return parsed.command


def error_of(text: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    error = caught.value
    assert str(error) == error.message and error.message
    return error


# -- help and unknown commands -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "?", "usage", "share"])
def test_help_without_topic(text: str) -> None:
    assert parse_command(text).command == Help()


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("help list", "list"),
        ("help ls", "list"),
        ("Help Check-In", "checkin"),
        ("help schedules", "schedule"),
        ("? metric", "metric"),
        ("list ?", "list"),
        ("add help", "add"),
        ("config --help", "config"),
        ("help /roadmap status", "status"),
    ],
)
def test_help_on_a_topic(text: str, topic: str) -> None:
    assert parse(text) == Help(topic)


def test_help_on_an_unknown_topic_suggests_the_closest() -> None:
    error = error_of("help lisst")
    assert error.message == "I have no help on `lisst`."
    assert error.suggestion == "Did you mean `/roadmap help list`?"
    assert error.usage == "/roadmap help [command]"
    assert error_of("help zzzzzz").suggestion == "Try `/roadmap help` for the list of commands."


def test_unknown_command_suggests_the_closest_name_or_alias() -> None:
    error = error_of("lsit")
    assert error.message == "I don't know `lsit`."
    assert error.suggestion == "Did you mean `/roadmap list`?"
    assert error.usage == COMMANDS["list"].usage[0]
    assert error_of("chekin G12 done").suggestion == "Did you mean `/roadmap checkin`?"
    assert error_of("schedlues").suggestion == "Did you mean `/roadmap schedule`?"


def test_unknown_command_without_a_close_match_points_to_help() -> None:
    error = error_of("frobnicate the widgets")
    assert error.suggestion == "Try `/roadmap help` to see what I can do."
    assert error.usage == "/roadmap help"
    assert error_of("<@U0123ABCD> hello").message == "I don't know `U0123ABCD`."
    assert error_of('"list"').message == "I don't know `list`."


def test_a_bare_goal_reference_shows_the_goal() -> None:
    assert parse("g12") == ShowGoal("G12")
    error = error_of("G12 60%")
    assert error.suggestion == "Did you mean `/roadmap show G12`?"


def test_a_leading_slash_roadmap_is_ignored() -> None:
    assert parse("/roadmap list") == ListGoals()


# -- share -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("list share", ListGoals()),
        ("list Q2 SHARE", ListGoals(period="Q2")),
        ("show G12 Share", ShowGoal("G12")),
        (
            "status G12 blocked waiting on legal share",
            SetStatus("G12", "blocked", "waiting on legal"),
        ),
        ("metrics share  ", ListMetrics()),
    ],
)
def test_share_as_the_last_word(text: str, command: object) -> None:
    assert parse_command(text) == ParsedCommand(command, share=True)


def test_share_elsewhere_or_quoted_is_just_a_word() -> None:
    assert parse('show "share"') == ShowGoal("share")
    assert parse("show share plan") == ShowGoal("share plan")


# -- tokens: mentions, quotes, escapes, spacing ------------------------------------------------


@pytest.mark.parametrize(
    ("owner_text", "owners"),
    [
        ("<@U0123ABCD|alice>", ("U0123ABCD",)),
        ("<@U0123ABCD>", ("U0123ABCD",)),
        ("<@W0123ABCD>", ("W0123ABCD",)),
        ("@alice", ("@alice",)),
        ("@alice.smith, @bob", ("@alice.smith", "@bob")),
        ("<@U1AAA><@U2BBB>", ("U1AAA", "U2BBB")),
        ("<@U1AAA> and <@U1AAA>", ("U1AAA",)),
        ("<!subteam^S0123|@platform>", ("@platform",)),
        ("me", ("mine",)),
    ],
)
def test_owner_mentions(owner_text: str, owners: tuple[str, ...]) -> None:
    assert parse(f"assign G12 {owner_text}") == AssignGoal("G12", owners)


def test_quotes_of_every_kind_around_titles() -> None:
    for text in ('"Ship it"', "'Ship it'", "“Ship it”", "‘Ship it’", "«Ship it»", "„Ship it“"):
        assert parse(f"add {text} Q2") == AddGoal("Ship it", "Q2"), text


def test_apostrophes_inside_quotes_and_words() -> None:
    assert parse("add 'Bob's plan' Q2") == AddGoal("Bob's plan", "Q2")
    assert parse("add Team’s onboarding Q3") == AddGoal("Team’s onboarding", "Q3")
    assert parse('add “Ship "v2" API” Q2') == AddGoal('Ship "v2" API', "Q2")


def test_an_unbalanced_quote_runs_to_the_end() -> None:
    assert parse('add "Ship the API Q2 @alice') == AddGoal("Ship the API Q2 @alice")
    assert parse("status G12 blocked 'cause of the vendor") == SetStatus(
        "G12", "blocked", "cause of the vendor"
    )


def test_html_escapes_are_undone_in_free_text_after_mentions() -> None:
    command = parse('add "R&amp;D &lt;fast&gt; path" Q2 <@U0123ABCD|alice>')
    assert command == AddGoal("R&D <fast> path", "Q2", owners=("U0123ABCD",))
    assert parse("show a &amp;lt; b") == ShowGoal("a &lt; b")
    # Typed (escaped) angle brackets never become a mention.
    assert parse("assign G1 @bob &lt;@U999&gt;".replace("&lt;@U999&gt;", "@carol")) == AssignGoal(
        "G1", ("@bob", "@carol")
    )
    assert error_of("assign G1 &lt;@U999&gt;").message.startswith("`<@U999>` is not a person")


def test_mentions_in_free_text_are_kept_canonical() -> None:
    command = parse("status G12 blocked waiting on <@U0123ABCD|bob> in <#C0123ABCD|legal>")
    assert command == SetStatus("G12", "blocked", "waiting on <@U0123ABCD> in <#C0123ABCD>")
    assert parse("checkin G1 done <!channel> shipped") == Checkin(
        "G1", "done", None, "@channel shipped"
    )
    assert parse("show <https://example.com|example.com>") == ShowGoal("https://example.com")
    assert parse("show <https://x.io/a|the doc>") == ShowGoal("the doc (https://x.io/a)")


def test_extra_spaces_any_case_and_control_characters() -> None:
    assert parse("   LIST    q2   2025   TECH  ") == ListGoals("Q2 2025", "tech")
    assert parse("list\tq2\nmine") == ListGoals("Q2", owner="mine")
    assert parse("Status\u00a0G12\u3000ON\u200bTRACK") == SetStatus("G12", "on-track")
    assert parse("show api\x00gateway\x7f") == ShowGoal("api gateway")


# -- goals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "period"),
    [
        ("Q2 2025", "Q2 2025"),
        ("q2", "Q2"),
        ("2025 q2", "Q2 2025"),
        ("2025-Q2", "Q2 2025"),
        ("Q2-2025", "Q2 2025"),
        ("Q2'25", "Q2 2025"),
        ("Q3-Q4 2025", "Q3-Q4 2025"),
        ("q3–q4", "Q3-Q4"),
        ("H1 2026", "H1 2026"),
        ("h2", "H2"),
        ("this quarter", "this quarter"),
        ("current", "this quarter"),
        ("now", "this quarter"),
        ("Current Quarter", "this quarter"),
        ("next quarter", "next quarter"),
        ("last quarter", "last quarter"),
        ("previous quarter", "last quarter"),
    ],
)
def test_list_periods(phrase: str, period: str) -> None:
    assert parse(f"list {phrase}") == ListGoals(period=period)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list", ListGoals()),
        ("ls tech", ListGoals(category="tech")),
        ("goals", ListGoals()),
        ("list Team Development", ListGoals(category="team development")),
        ('list "Team  Development"', ListGoals(category="team development")),
        ("list my goals", ListGoals(owner="mine")),
        ("list me", ListGoals(owner="mine")),
        ("list <@U0123ABCD|alice>", ListGoals(owner="U0123ABCD")),
        ("list <@U0123ABCD>", ListGoals(owner="U0123ABCD")),
        ("list @alice", ListGoals(owner="@alice")),
        ("list at risk", ListGoals(status="at-risk")),
        ("list Off_Track", ListGoals(status="off-track")),
        ("list red", ListGoals(status="off-track")),
        ("list page 2", ListGoals(page=2)),
        ("list p3", ListGoals(page=3)),
        (
            "list Q2 2025 process @alice blocked page 2",
            ListGoals("Q2 2025", "process", "@alice", "blocked", 2),
        ),
        (
            "list blocked mine tech next quarter",
            ListGoals("next quarter", "tech", "mine", "blocked"),
        ),
    ],
)
def test_list(text: str, expected: ListGoals) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("list @alice @bob", "Give one owner at a time; `@bob` is a second one."),
        ("list Q2 Q3", "Give one period at a time; `Q3` is a second one."),
        ("list blocked at risk", "Give one status at a time; `at risk` is a second one."),
        ("list page", "Which page? Give its number, e.g. `page 2`."),
        ("list page 0", "There is no page 0; pages start at 1."),
        ("list Q4-Q2", "`Q4-Q2` runs backwards; write the earlier quarter first."),
        ("list <#C0123ABCD|eng>", "`/roadmap list` can't filter by channel (`C0123ABCD`)."),
    ],
)
def test_list_errors(text: str, message: str) -> None:
    error = error_of(text)
    assert error.message == message
    assert error.usage == "/roadmap list [period] [category] [@owner|mine] [status] [page N]"


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("show G12", "G12"),
        ("show g0012", "G12"),
        ("view G12,", "G12"),
        ("show api gateway", "api gateway"),
        ("show   API   Gateway ", "API Gateway"),
        ('show "api gateway"', "api gateway"),
        ("show #12", "#12"),
        ("show G12 rollout", "G12 rollout"),
    ],
)
def test_show(text: str, query: str) -> None:
    assert parse(text) == ShowGoal(query)


def test_show_needs_a_goal() -> None:
    for text in ("show", 'show ""'):
        error = error_of(text)
        assert error.message.startswith("Which goal?")
        assert error.usage == "/roadmap show G12"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add", AddGoal()),
        ("new", AddGoal()),
        (
            'add "Ship the API" Q2 tech @alice @bob due 2025-06-30',
            AddGoal("Ship the API", "Q2", "tech", ("@alice", "@bob"), date(2025, 6, 30)),
        ),
        (
            "add Ship the API Q2 2025 tech <@U0123ABCD|alice> due 30 Jun 2025",
            AddGoal("Ship the API", "Q2 2025", "tech", ("U0123ABCD",), date(2025, 6, 30)),
        ),
        ("add Ship the API", AddGoal("Ship the API")),
        ("add Ship the API @alice", AddGoal("Ship the API", owners=("@alice",))),
        ("add Ship the API due 2025/06/30", AddGoal("Ship the API", due=date(2025, 6, 30))),
        ("add Q2 tech", AddGoal(None, "Q2", "tech")),
        ('add tech "Ship it" me', AddGoal("Ship it", category="tech", owners=("mine",))),
        (
            "add “Hire two engineers” H2 Team Development",
            AddGoal("Hire two engineers", "H2", "Team Development"),
        ),
        ("add Ship R&amp;D next quarter", AddGoal("Ship R&D", "next quarter")),
    ],
)
def test_add(text: str, expected: AddGoal) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('add ""', "The title is empty; write it between the quotes."),
        ('add "x" due', "Which date? Use a date like 2025-06-30 or 30 Jun 2025."),
        (
            'add "x" due 2025-13-01',
            "`2025-13-01` is not a date I understand; use a date like 2025-06-30 or 30 Jun 2025.",
        ),
        (
            'add "x" due soon',
            "`soon` is not a date I understand; use a date like 2025-06-30 or 30 Jun 2025.",
        ),
        (
            'add "x" due 31 June 2025',
            "`31 June 2025` is not a date I understand; use a date like 2025-06-30 or 30 Jun 2025.",
        ),
        (
            'add "x" due June',
            "`June` is not a whole date; use a date like 2025-06-30 or 30 Jun 2025.",
        ),
        ('add "x" Q2 Q3', "Give one period at a time; `Q3` is a second one."),
        (
            'add "x" due 2025-06-30 due 2025-07-01',
            "Give one due date at a time; `due` is a second one.",
        ),
        ('add "x" #eng', "A goal has no channel; quote the title if `#eng` belongs to it."),
    ],
)
def test_add_errors(text: str, message: str) -> None:
    error = error_of(text)
    assert error.message == message
    assert error.usage == COMMANDS["add"].usage[0]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-06-30", date(2025, 6, 30)),
        ("2025/06/30", date(2025, 6, 30)),
        ("30 Jun 2025", date(2025, 6, 30)),
        ("June 30, 2025", date(2025, 6, 30)),
        ("06/30/2025", date(2025, 6, 30)),
        ("Monday, June 30, 2025", date(2025, 6, 30)),
    ],
)
def test_due_dates(text: str, day: date) -> None:
    assert parse(f'add "x" due {text} tech') == AddGoal("x", category="tech", due=day)


def test_a_date_without_a_year_is_the_next_such_day() -> None:
    today = date(2025, 7, 1)
    assert parse_date("June 30", today=today) == date(2026, 6, 30)
    assert parse_date("July 1", today=today) == date(2025, 7, 1)
    assert parse_date("Feb 29", today=today) == date(2028, 2, 29)
    assert parse('add "x" due June 30').due.month == 6


def test_goal_reference_commands() -> None:
    assert parse("edit G12") == EditGoal("G12")
    assert parse("done g7") == MarkDone("G7")
    assert parse("archive G12") == ArchiveGoal("G12")
    assert parse("history G12") == History("G12")
    assert parse("log G3") == History("G3")


@pytest.mark.parametrize("name", ["edit", "done", "archive", "history", "progress", "status"])
def test_a_missing_reference(name: str) -> None:
    error = error_of(name)
    assert error.message == "Which goal? Give its reference, e.g. G12."
    assert error.usage == COMMANDS[name].usage[0]


@pytest.mark.parametrize(
    ("ref", "suggestion"),
    [
        ("G-x", None),
        ("12", "Did you mean `G12`?"),
        ("#12", "Did you mean `G12`?"),
        ("gateway", "To find a goal's reference, try `/roadmap show gateway`."),
        ("<@U0123ABCD>", None),
    ],
)
def test_a_bad_reference(ref: str, suggestion: str | None) -> None:
    error = error_of(f"progress {ref} 60%")
    assert "is not a goal reference; references look like G12." in error.message
    assert error.suggestion == suggestion
    assert error.usage == "/roadmap progress G12 60%"


def test_too_many_arguments_after_a_reference() -> None:
    error = error_of("done G12 G13")
    assert error.message == (
        "`/roadmap done` takes just a goal reference; I don't know what to do with `G13`."
    )
    assert error.usage == "/roadmap done G12"


def test_assign() -> None:
    assert parse("assign G12 to @alice and <@U0123ABCD|bob>") == AssignGoal(
        "G12", ("@alice", "U0123ABCD")
    )
    assert error_of("assign G12").message == "Who should own G12? Mention them, e.g. @alice."
    # Names, e-mail addresses and `me` are kept as typed; the flow resolves them to people.
    assert parse("assign G12 alice") == AssignGoal("G12", ("alice",))
    assert parse("assign G12 Bob Baker, carol@example.com and me") == AssignGoal(
        "G12", ("Bob Baker", "carol@example.com", "mine")
    )
    assert parse('assign G12 "Zoë O\'Brien" @dan') == AssignGoal("G12", ("Zoë O'Brien", "@dan"))
    error = error_of("assign G12 #eng")
    assert error.message == "`#eng` is not a person; mention them, e.g. @alice."
    assert error.usage == "/roadmap assign G12 @owner…"


@pytest.mark.parametrize(
    ("value", "percent"),
    [
        ("60%", 60),
        ("60", 60),
        ("60 %", 60),
        ("0", 0),
        ("100%", 100),
        ("007%", 7),
        ("3/5", 60),
        ("1/3", 33),
        ("2/3", 67),
        ("1/8", 13),  # 12.5 rounds half up
        ("5/5", 100),
        ('"45%"', 45),
    ],
)
def test_progress(value: str, percent: int) -> None:
    assert parse(f"progress G12 {value}") == SetProgress("G12", percent)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("150%", "`150%` is out of range: " + OUT_OF_RANGE),
        ("-5%", "`-5%` is out of range: " + OUT_OF_RANGE),
        ("6/5", "`6/5` is out of range: " + OUT_OF_RANGE),
        ("99999999999999999999", "`99999999999999999999` is out of range: " + OUT_OF_RANGE),
        ("3/0", "`3/0` divides by zero; " + PROGRESS_HINT),
        ("0.6", "`0.6` is not a progress value; " + PROGRESS_HINT),
        ("60.5%", "`60.5%` is not a progress value; " + PROGRESS_HINT),
        ("lots", "`lots` is not a progress value; " + PROGRESS_HINT),
        ("60 70", "`60 70` is not a progress value; " + PROGRESS_HINT),
    ],
)
def test_progress_errors(value: str, message: str) -> None:
    error = error_of(f"progress G12 {value}")
    assert error.message == message
    assert error.usage == "/roadmap progress G12 60%"


def test_progress_needs_a_value() -> None:
    assert error_of("progress G12").message == "How far along is G12? Give a percentage, e.g. 60%."


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("at risk", "at-risk"),
        ("at-risk", "at-risk"),
        ("atrisk", "at-risk"),
        ("At_Risk", "at-risk"),
        ("AT RISK", "at-risk"),
        ("yellow", "at-risk"),
        ("amber", "at-risk"),
        ("on track", "on-track"),
        ("ontrack", "on-track"),
        ("green", "on-track"),
        ("off track", "off-track"),
        ("red", "off-track"),
        ("not started", "not-started"),
        ("todo", "not-started"),
        ("to do", "not-started"),
        ("blocked", "blocked"),
        ("done", "done"),
        ("complete", "done"),
        ("completed", "done"),
        ("Finished", "done"),
        ('"at risk"', "at-risk"),
    ],
)
def test_status_words(words: str, status: str) -> None:
    assert parse(f"status G12 {words}") == SetStatus("G12", status)
    assert parse(f"list {words}") == ListGoals(status=status)


def test_status_reason() -> None:
    assert parse("status G12 at-risk waiting on vendor") == SetStatus(
        "G12", "at-risk", "waiting on vendor"
    )
    assert parse('status G12 blocked "waiting on vendor"') == SetStatus(
        "G12", "blocked", "waiting on vendor"
    )
    assert parse("status G12 blocked by “legal”") == SetStatus("G12", "blocked", "by “legal”")


def test_status_errors() -> None:
    error = error_of("status G12 atrsk")
    assert error.message == (
        "`atrsk` is not a status. Use one of: not-started, on-track, at-risk, off-track, "
        "blocked, done."
    )
    assert error.suggestion == "Did you mean `at-risk`?"
    assert error.usage == "/roadmap status G12 <status> [reason]"
    assert error_of("status G12 bloked").suggestion == "Did you mean `blocked`?"
    assert error_of("status G12 zzzz").suggestion is None
    assert error_of("status G12").message.startswith("Which status? Use one of: not-started")


def test_statuses_agree_with_the_roadmap_document() -> None:
    from bot.services.roadmap_document import STATUSES as DOCUMENT_STATUSES

    assert STATUSES == DOCUMENT_STATUSES


def test_goal_ref_regex() -> None:
    assert GOAL_REF.fullmatch("G12") and GOAL_REF.fullmatch("g12")
    for text in ("12", "#12", "G-12", "G", "G1a"):
        assert not GOAL_REF.fullmatch(text)


# -- metrics -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metric uptime 99.95", RecordMetric("uptime", 99.95)),
        ("metric uptime 99,95", RecordMetric("uptime", 99.95)),
        ("metric latency 180ms", RecordMetric("latency", 180, "ms")),
        ("metric latency 180 ms", RecordMetric("latency", 180, "ms")),
        ("metric mttr 45m", RecordMetric("mttr", 45, "minutes")),
        ("metric mttr 45 minutes", RecordMetric("mttr", 45, "minutes")),
        ("metric mttr 1.5h", RecordMetric("mttr", 1.5, "hours")),
        ("metric coverage 87.2%", RecordMetric("coverage", 87.2, "%")),
        ("metric coverage 87,2 %", RecordMetric("coverage", 87.2, "%")),
        ("metric satisfaction 4.6/5", RecordMetric("satisfaction", 4.6, "/5")),
        ("metric deploys 3/day", RecordMetric("deploys", 3, "/day")),
        ("metric deploys 3 per day", RecordMetric("deploys", 3, "/day")),
        ("metric api response time 180ms", RecordMetric("api response time", 180, "ms")),
        ('metric "p95 latency" 180ms', RecordMetric("p95 latency", 180, "ms")),
        ("metric signups: 1,200", RecordMetric("signups", 1200)),
        ("metric error budget = -0.5%", RecordMetric("error budget", -0.5, "%")),
        ("KPI nps 45 points", RecordMetric("nps", 45, "points")),
    ],
)
def test_record_metric(text: str, expected: RecordMetric) -> None:
    assert parse(text) == expected


def test_metric_forms() -> None:
    assert parse("metrics") == ListMetrics()
    assert parse("metric add") == AddMetric()
    assert parse("metric NEW") == AddMetric()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metric", "Which metric, and what value? E.g. `/roadmap metric uptime 99.95`."),
        ("metric 99.95", "Which metric is `99.95` for? E.g. `/roadmap metric uptime 99.95`."),
    ],
)
def test_metric_errors(text: str, message: str) -> None:
    error = error_of(text)
    assert error.message == message
    assert error.usage == "/roadmap metric <name> <value>[unit]"


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (
            "metric uptime",
            "uptime",
            "What is the value of `uptime`? E.g. `/roadmap metric uptime 42`.",
        ),
        ("metric uptime high", "uptime high", "`high` is not a metric value; " + VALUE_HINT),
        ("metric uptime 1e5", "uptime 1e5", "`1e5` is not a metric value; " + VALUE_HINT),
    ],
)
def test_metric_without_a_value_is_explained(text: str, name: str, message: str) -> None:
    """A name alone asks where the number comes from; the complaint is kept for when no
    metric has that name (bot.flows.team.explain_metric)."""
    assert parse(text) == ExplainMetric(name, message)


def test_metrics_takes_nothing_more() -> None:
    error = error_of("metrics uptime 99.9")
    assert error.suggestion == "To record a value, try `/roadmap metric uptime 99.9`."
    assert error.usage == "/roadmap metrics"


# -- check-ins, away, back ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "checkin G12 at-risk 60% blocked by vendor",
            Checkin("G12", "at-risk", 60, "blocked by vendor"),
        ),
        ("check-in G12 on track", Checkin("G12", "on-track")),
        ("CHECKIN g12 60% at risk", Checkin("G12", "at-risk", 60)),
        ("checkin G12 done 3/3 shipped!", Checkin("G12", "done", 100, "shipped!")),
        ("checkin G12 on-track 60 more tests", Checkin("G12", "on-track", None, "60 more tests")),
        ('checkin G12 blocked "legal review"', Checkin("G12", "blocked", None, "legal review")),
        ("checkin prompt", CheckinPrompt()),
        ("check_in prompt", CheckinPrompt()),
    ],
)
def test_checkin(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_checkin_errors() -> None:
    error = error_of("checkin")
    assert error.message == "Which goal? Give its reference, e.g. G12."
    assert (
        error.suggestion
        == "For the check-in form for all your goals, use `/roadmap checkin prompt`."
    )
    assert error.usage == "/roadmap checkin G12 <status> [60%] [note]"
    assert error_of("checkin G12 xyzzy").suggestion is None
    assert error_of("checkin G12 ontrak").suggestion == "Did you mean `on-track`?"
    assert error_of("checkin G12 60%").message.startswith("Which status?")
    assert error_of("checkin G12 on-track 120%").message.startswith("`120%` is out of range")


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("away", None),
        ("away until 2025-03-10", date(2025, 3, 10)),
        ("away 2025-03-10", date(2025, 3, 10)),
        ("away till 10 Mar 2025", date(2025, 3, 10)),
        ("OOO until March 10, 2025", date(2025, 3, 10)),
    ],
)
def test_away(text: str, until: date | None) -> None:
    assert parse(text) == Away(until)


def test_away_errors_and_back() -> None:
    assert error_of("away until").message == "Until when? E.g. `/roadmap away until 2025-03-10`."
    assert error_of("away until tomorrow").message.startswith("`tomorrow` is not a date")
    error = error_of("away 2025-03-10 skiing")
    assert error.message.endswith("I don't know what to do with `skiing`.")
    assert error.usage == "/roadmap away [until DATE]"
    assert parse("back") == Back()
    assert error_of("back now").usage == "/roadmap back"


# -- schedules and digests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schedule", ScheduleCommand()),
        ("schedules", ScheduleCommand()),
        ("schedule list", ScheduleCommand("list")),
        ("schedule next", ScheduleCommand("next")),
        (
            'schedule add reminder "every monday 09:00" #eng Update your goals',
            ScheduleCommand(
                "add", None, "reminder", "every monday 09:00", "#eng", "Update your goals"
            ),
        ),
        (
            'schedule add weekly-digest "every friday 16:00" <#C0123ABCD|eng-roadmap>',
            ScheduleCommand("add", None, "weekly_digest", "every friday 16:00", "C0123ABCD"),
        ),
        (
            "schedule add Knowledge_Sharing every other thursday 15:00 #eng Demo time",
            ScheduleCommand(
                "add", None, "knowledge_sharing", "every other thursday 15:00", "#eng", "Demo time"
            ),
        ),
        (
            'schedule add retrospective #eng "last friday of the quarter"',
            ScheduleCommand("add", None, "retrospective", "last friday of the quarter", "#eng"),
        ),
        (
            'schedule edit 3 "every tuesday 10:00"',
            ScheduleCommand("edit", 3, rule="every tuesday 10:00"),
        ),
        ("schedule edit #3 <#C0123ABCD>", ScheduleCommand("edit", 3, channel="C0123ABCD")),
        ("schedule edit 3 New text here", ScheduleCommand("edit", 3, text="New text here")),
        ("schedule pause 3", ScheduleCommand("pause", 3)),
        ("schedule resume 3", ScheduleCommand("resume", 3)),
        ("schedule delete 3", ScheduleCommand("delete", 3)),
        ("schedule rm 3", ScheduleCommand("delete", 3)),
        ("schedule test 3", ScheduleCommand("test", 3)),
    ],
)
def test_schedule(text: str, expected: ScheduleCommand) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "suggestion", "usage"),
    [
        (
            "schedule pause",
            "Which schedule? Give its number from `/roadmap schedules`.",
            None,
            "/roadmap schedule pause <id>",
        ),
        (
            "schedule pause three",
            "`three` is not a schedule number; `/roadmap schedules` lists them with their numbers.",
            None,
            "/roadmap schedule pause <id>",
        ),
        (
            "schedule paus 3",
            "I can't `paus` a schedule; try one of: " + ACTIONS,
            "Did you mean `/roadmap schedule pause`?",
            "/roadmap schedule [list|next]",
        ),
        (
            "schedule weekly_digest",
            "I can't `weekly_digest` a schedule; try one of: " + ACTIONS,
            "Did you mean `/roadmap schedule add weekly_digest …`?",
            "/roadmap schedule [list|next]",
        ),
        (
            "schedule add weekly-digets",
            "`weekly-digets` is not a kind of schedule; use one of: " + KINDS,
            "Did you mean `weekly_digest`?",
            '/roadmap schedule add <kind> "<rule>" [#channel] [text]',
        ),
        (
            "schedule add reminder",
            'When? Give the rule in quotes, e.g. "every monday 09:00".',
            None,
            '/roadmap schedule add <kind> "<rule>" [#channel] [text]',
        ),
        (
            "schedule edit 3",
            "What should change in schedule 3? Give a rule in quotes, a channel or a text.",
            None,
            '/roadmap schedule edit <id> ["<rule>"] [#channel] [text]',
        ),
        (
            "schedule delete 3 4",
            "`/roadmap schedule delete` takes just a schedule number; "
            "I don't know what to do with `4`.",
            None,
            "/roadmap schedule delete <id>",
        ),
    ],
)
def test_schedule_errors(text: str, message: str, suggestion: str | None, usage: str) -> None:
    error = error_of(text)
    assert (error.message, error.suggestion, error.usage) == (message, suggestion, usage)


def test_digest() -> None:
    assert parse("digest weekly") == Digest("weekly")
    assert parse("digest Quarterly preview") == Digest("quarterly", True)
    assert parse("digest preview weekly") == Digest("weekly", True)
    assert error_of("digest").message == "Which digest? Say weekly or quarterly."
    error = error_of("digest weekyl")
    assert error.suggestion == "Did you mean `weekly`?"
    assert error.usage == "/roadmap digest weekly|quarterly [preview]"
    assert error_of("digest weekly quarterly").message.startswith("`quarterly` is not a digest")


# -- roadmap documents -------------------------------------------------------------------------


def test_import_and_export() -> None:
    assert parse("import") == ImportRoadmap()
    assert error_of("import # Roadmap 2025").usage == "/roadmap import"
    assert parse("export") == ExportRoadmap("md")
    for word, fmt in (("md", "md"), ("markdown", "md"), ("JSON", "json"), ("csv", "csv")):
        assert parse(f"export {word}") == ExportRoadmap(fmt)
    error = error_of("export jsno")
    assert error.message == "I can't export as `jsno`; use md, json or csv."
    assert error.suggestion == "Did you mean `/roadmap export json`?"
    assert error.usage == "/roadmap export [md|json|csv]"


# -- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("config", Config()),
        ("settings", Config()),
        ("config timezone", Config("timezone")),
        ("config timezone Europe/Berlin", Config("timezone", ("Europe/Berlin",))),
        ("config tz america/new_york", Config("timezone", ("America/New_York",))),
        ("config timezone utc", Config("timezone", ("UTC",))),
        ("config channel <#C0123ABCD|eng-roadmap>", Config("channel", ("C0123ABCD",))),
        ("config channel <#C0123ABCD>", Config("channel", ("C0123ABCD",))),
        ("config channel #eng-roadmap", Config("channel", ("#eng-roadmap",))),
        ("config admins @a <@U0123ABCD|b>", Config("admins", ("@a", "U0123ABCD"))),
        ("config checkins DM", Config("checkins", ("dm",))),
        ("config check-ins channel", Config("checkins", ("channel",))),
        ("config holidays de", Config("holidays", ("DE",))),
        ("config holidays us-ca", Config("holidays", ("US-CA",))),
        ("config holidays off", Config("holidays", ("off",))),
        ("config reactions", Config("reactions")),
        ("config reactions :rocket: done", Config("reactions", ("rocket", "done"))),
        ("config emoji :+1::skin-tone-3: at risk", Config("reactions", ("+1", "at-risk"))),
        ("config reactions :rocket: off", Config("reactions", ("rocket", "off"))),
        ("config reactions reset", Config("reactions", ("reset",))),
        ("config chase 48", Config("chase", ("48",))),
        ("config reminders 12h", Config("chase", ("12",))),
        ("config chase off", Config("chase", ("off",))),
        ("config api-token", Config("api-token")),
        ("config api-token create", Config("api-token", ("create",))),
        ("config api-token create ci-bot", Config("api-token", ("create", "ci-bot"))),
        ("config token revoke ci-bot", Config("api-token", ("revoke", "ci-bot"))),
        ("config mentions on", Config("mentions", ("on",))),
        ("config mentions disable", Config("mentions", ("off",))),
        ("config retention 30", Config("retention", ("30",))),
        ("config retention 90 days", Config("retention", ("90",))),
        ("config retention 7d", Config("retention", ("7",))),
    ],
)
def test_config(text: str, expected: Config) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "suggestion", "usage"),
    [
        (
            "config timezon Europe/Berlin",
            "There is no setting `timezon`; the settings are " + SETTINGS,
            "Did you mean `/roadmap config timezone`?",
            "/roadmap config [setting] [value]",
        ),
        (
            "config timezone Europe/Berlim",
            "`Europe/Berlim` is not a time zone I know; use a name like Europe/Berlin.",
            "Did you mean `/roadmap config timezone Europe/Berlin`?",
            "/roadmap config timezone Europe/Berlin",
        ),
        (
            "config channel eng",
            "`eng` is not a channel; mention it, e.g. #eng-roadmap.",
            None,
            "/roadmap config channel #channel",
        ),
        (
            "config checkins email",
            "`email` is not a choice for checkins; use dm or channel.",
            None,
            "/roadmap config checkins dm|channel",
        ),
        (
            "config mentions of",
            "`of` is not a choice for mentions; use on or off.",
            "Did you mean `/roadmap config mentions off`?",
            "/roadmap config mentions on|off",
        ),
        (
            "config holidays Germany",
            "`Germany` is not a country code; use two letters like DE or US, or off.",
            None,
            "/roadmap config holidays <country code>|off",
        ),
        (
            "config retention 0",
            "`0` is not a number of days; keep history for 1 to 3650 days, "
            "e.g. `/roadmap config retention 30`.",
            None,
            "/roadmap config retention <days>",
        ),
        (
            "config api-token revoke",
            "Which token? Give its name, e.g. `revoke ci-bot`.",
            None,
            "/roadmap config api-token create [name] | revoke <name>",
        ),
        (
            "config api-token creat x",
            "I can't `creat` an API token; use create, revoke or list.",
            "Did you mean `/roadmap config api-token create`?",
            "/roadmap config api-token create [name] | revoke <name>",
        ),
        (
            "config reactions :rocket: shipped",
            "`shipped` is not a status. Use one of: "
            "not-started, on-track, at-risk, off-track, blocked, done.",
            None,
            "/roadmap config reactions [:emoji: <status>|off | reset]",
        ),
        (
            "config reactions rocket",
            "What should :rocket: mean? Give a status, or off.",
            None,
            "/roadmap config reactions [:emoji: <status>|off | reset]",
        ),
        (
            "config chase 500",
            "`500` is not a number of hours; remind after 1 to 168 hours, e.g. "
            "`/roadmap config chase 24`, or `off`.",
            None,
            "/roadmap config chase <hours>|off",
        ),
        (
            "config admins 42",
            "`42` is not a person; mention them, e.g. @alice.",
            None,
            "/roadmap config admins @person…",
        ),
    ],
)
def test_config_errors(text: str, message: str, suggestion: str | None, usage: str) -> None:
    error = error_of(text)
    assert (error.message, error.suggestion, error.usage) == (message, suggestion, usage)


# -- the registry: help and parser never disagree ----------------------------------------------


ALL_EXAMPLES = [(spec.name, example) for spec in COMMANDS.values() for example in spec.examples]


@pytest.mark.parametrize(("name", "example"), ALL_EXAMPLES)
def test_every_example_parses(name: str, example: str) -> None:
    assert example.startswith("/roadmap")
    parsed = parse_command(example.removeprefix("/roadmap"))
    assert isinstance(parsed.command, COMMAND_TYPES)


def test_every_command_type_has_a_spec_whose_examples_produce_it() -> None:
    produced: dict[type, set[str]] = {}
    for name, example in ALL_EXAMPLES:
        command = parse_command(example.removeprefix("/roadmap")).command
        produced.setdefault(type(command), set()).add(name)
    assert set(produced) == set(COMMAND_TYPES)


def test_specs_are_complete_and_in_help_order() -> None:
    groups = [spec.group for spec in COMMANDS.values()]
    assert groups == sorted(groups, key=GROUPS.index)
    assert set(groups) == set(GROUPS)
    words: list[str] = []
    for name, spec in COMMANDS.items():
        assert isinstance(spec, CommandSpec) and spec.name == name
        assert spec.usage and all(line.startswith("/roadmap") for line in spec.usage)
        assert spec.examples and spec.summary and spec.help
        assert "\n" not in spec.summary and "\n" not in spec.help
        words += [name, *spec.aliases]
    assert len(words) == len(set(words))


def test_command_spec_by_name_or_alias() -> None:
    assert command_spec("list") is COMMANDS["list"]
    assert command_spec("LS") is COMMANDS["list"]
    assert command_spec("check-in") is COMMANDS["checkin"]
    assert command_spec("/roadmap schedules") is COMMANDS["schedule"]
    assert command_spec("nope") is None
    assert command_spec("") is None


def test_command_error_explains_itself() -> None:
    error = CommandError("Oops.", usage="/roadmap list", suggestion="Did you mean `x`?")
    assert isinstance(error, ValueError)
    assert str(error) == "Oops."
    assert error.explain() == "Oops.\nDid you mean `x`?\nUsage: `/roadmap list`"


def test_user_text_in_messages_is_short_and_backtick_free() -> None:
    error = error_of("frobnicate" + "x" * 500)
    assert len(error.message) < 80
    assert error_of("status G12 `rm`").message.startswith("`'rm'` is not a status")


def test_very_long_input_is_refused_politely() -> None:
    error = error_of("show " + "a" * 20_000)
    assert error.message.startswith("That is too long for me")


@pytest.mark.parametrize(
    "body",
    ['"' * 9000, '"a ' * 3000, "<@" * 4500, "<@U1|a " * 1280, "&amp;" * 1800, "a " * 4500],
    ids=["quotes", "open-quotes", "broken-mentions", "mentions", "escapes", "words"],
)
def test_long_pathological_input_parses_or_is_refused_clearly(body: str) -> None:
    """How long these take is measured by bench/grammar.py, not here."""
    for name in ("", "list ", "add ", "status G1 blocked ", "schedule add reminder "):
        try:
            parse_command(name + body)
        except CommandError as error:
            assert error.message and len(error.message) < 300


def test_config_admins_takes_names_for_the_flow_to_resolve() -> None:
    assert parse("config admins Ada Lindqvist, @omar") == Config(
        "admins", ("Ada Lindqvist", "@omar")
    )


# -- the team roster's joining dates -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("team add @x", TeamCommand("add", ("@x",))),
        (
            "team add @x joined 2024-05-13",
            TeamCommand("add", ("@x",), joined=date(2024, 5, 13)),
        ),
        (
            "team add <@U0123ABCD> @y joined 13 May 2024",
            TeamCommand("add", ("U0123ABCD", "@y"), joined=date(2024, 5, 13)),
        ),
        (
            "team role @x senior engineer joined 2024-05-13",
            TeamCommand("role", ("@x",), role="senior engineer", joined=date(2024, 5, 13)),
        ),
        ("team role @x joined 2024-05-13", TeamCommand("role", ("@x",), joined=date(2024, 5, 13))),
    ],
)
def test_team_add_and_role_take_a_joining_date(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("team add @x joined", "Which date? Use a date like 2025-06-30 or 30 Jun 2025."),
        (
            "team add @x joined 2024-13-05",
            "`2024-13-05` is not a date I understand; use a date like 2025-06-30 or 30 Jun 2025.",
        ),
        ("team add joined 2024-05-13", "Who? E.g. `/roadmap team add @alice joined 2024-05-13`."),
        (
            "team add @x joined 2024-05-13 lead",
            "After the joining date, nothing more: `/roadmap team add @alice joined 2024-05-13`.",
        ),
    ],
)
def test_a_bad_joining_date_is_refused_clearly(text: str, message: str) -> None:
    assert error_of(text).message == message


def test_a_bad_joining_date_shows_the_joined_form() -> None:
    assert error_of("team add @x joined soon").usage == "/roadmap team add @person … joined DATE"
    assert error_of("team add").usage == "/roadmap team add|remove @person …"
    assert error_of("team role @x lead joined June").usage == (
        "/roadmap team role @person [<role>] [joined DATE]"
    )
