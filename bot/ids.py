"""Block, action and callback ids shared by builders and handlers."""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    GOALS_PAGE = "goals_page"  # value: JSON of the list filters and the page to show
    GOAL_SHOW = "goal_show"  # value: goal ref
    GOAL_EDIT = "goal_edit"  # value: goal ref
    GOAL_CHECKIN = "goal_checkin"  # value: "<ref> <status>"
    GOAL_NOTE = "goal_note"  # value: goal ref ("Add note" on a check-in prompt)
    HOME_REFRESH = "home_refresh"
    IMPORT_CONFIRM = "import_confirm"  # value: file id of a shared roadmap file
    IMPORT_CANCEL = "import_cancel"
    OWNERS_FIX = "owners_fix"  # opens the modal mapping unresolved owner names to people
    CHECKIN_WHICH = "checkin_which"  # value: JSON {prompt, reply ts}: a reply's goal, chosen
    IMPORT_NEXT = "import_next"  # "Import the next roadmap": opens the import form
    # The setup checklist on an admin's Home tab.
    SETUP_CHANNEL = "setup_channel"  # conversations_select
    SETUP_TIMEZONE = "setup_timezone"  # value: the time zone
    SETUP_HOLIDAYS = "setup_holidays"  # value: a country code, or "no"
    SETUP_ADMINS = "setup_admins"  # multi_users_select
    # Knowledge-sharing reminders; the actions block's id names the occurrence (see blocks.rituals).
    OCCURRENCE_VOLUNTEER = "ks_volunteer"
    OCCURRENCE_SWAP = "ks_swap"  # users_select: hand the session to someone else
    OCCURRENCE_SKIP = "ks_skip"
    OCCURRENCE_TOPIC = "ks_topic"  # opens the topic modal
    OCCURRENCE_HELD = "ks_held"
    # Retrospective reminders; the block id names the retrospective (see blocks.rituals).
    RETRO_ADD = "retro_add"  # action id "retro_add:<kind>": opens the item modal
    RETRO_PROMOTE = "retro_promote"  # action id "retro_promote:<item id>"; value: item id
    RETRO_CARRY = "retro_carry"
    # Team metrics (bot.blocks.team): the pulse DM and the check-in's innovation question.
    PULSE_SCORE = "pulse_score"  # action id "pulse_score:<n>"; value: "<round id>:<score>"
    PULSE_COMMENT = "pulse_comment"  # opens the comment modal; value: round id
    # In a check-in message (its actions block's id too): action id "innovation:<percent>";
    # value: the percent. The message names the round, so the person and the week.
    INNOVATION = "innovation"


class Callback(enum.StrEnum):
    GOAL_ADD = "goal_add"
    GOAL_EDIT = "goal_edit"  # private_metadata: goal ref
    METRIC_ADD = "metric_add"
    IMPORT = "roadmap_import"
    OWNERS_FIX = "owners_fix"  # private_metadata: JSON list of the names, in block order
    CHECKIN_NOTE = "checkin_note"  # private_metadata: JSON {ref, prompt}
    OCCURRENCE_TOPIC = "ks_topic"  # private_metadata: JSON {block, channel, ts}
    RETRO_ITEM = "retro_item"  # private_metadata: JSON {block, channel, ts}
    PULSE_COMMENT = "pulse_comment"  # private_metadata: JSON {round, channel, ts}


class Field(enum.StrEnum):
    """Block ids (and action ids) of modal inputs: the keys of view.state.values."""

    TITLE = "title"
    PERIOD = "period"
    CATEGORY = "category"
    OWNERS = "owners"
    DUE = "due"
    METRIC_NAME = "metric_name"
    METRIC_KIND = "metric_kind"
    METRIC_COMPARATOR = "metric_comparator"
    METRIC_TARGET = "metric_target"
    METRIC_UNIT = "metric_unit"
    DOCUMENT = "document"
    DRY_RUN = "dry_run"
    STATUS = "status"
    PROGRESS = "progress"
    NOTE = "note"
    TOPIC = "topic"
    RETRO_KIND = "retro_kind"
    RETRO_TEXT = "retro_text"
    PULSE_SCORE = "pulse_score"
    PULSE_COMMENT = "pulse_comment"
    PARTNERS = "partners"
