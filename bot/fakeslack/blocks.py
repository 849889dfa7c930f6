"""Block Kit validation with Slack's limits and json-pointer error messages."""

from __future__ import annotations

from typing import Any

from .state import MAX_HEADER_TEXT, MAX_SECTION_TEXT

KNOWN_BLOCKS = {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "file",
    "header",
    "rich_text",
    "video",
    "markdown",
    "call",
    "table",
    "context_actions",
}
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_MARKDOWN_TEXT = 12000


def _too_long(limit: int, where: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{where}]"


def text_errors(
    obj: Any,
    where: str,
    limit: int,
    *,
    plain_only: bool = False,
    required: bool = True,
) -> list[str]:
    """Errors of a text composition object ({"type": "plain_text"|"mrkdwn", "text": ...})."""
    if obj is None:
        return [f"missing required field: text [json-pointer:{where}]"] if required else []
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in allowed:
        return [f"must be a valid text object of type {'|'.join(allowed)} [json-pointer:{where}]"]
    text = obj.get("text")
    if not isinstance(text, str):
        return [f"missing required field: text [json-pointer:{where}]"]
    if not text:
        return [f"must be more than 0 characters [json-pointer:{where}/text]"]
    if len(text) > limit:
        return [_too_long(limit, f"{where}/text")]
    return []


def _element_errors(el: Any, where: str) -> list[str]:
    if not isinstance(el, dict) or not isinstance(el.get("type"), str):
        return [f"missing required field: type [json-pointer:{where}]"]
    errors: list[str] = []
    action_id = el.get("action_id")
    if isinstance(action_id, str) and len(action_id) > MAX_ACTION_ID:
        errors.append(_too_long(MAX_ACTION_ID, f"{where}/action_id"))
    if el["type"] == "button":
        errors += text_errors(el.get("text"), f"{where}/text", MAX_BUTTON_TEXT, plain_only=True)
        value = el.get("value")
        if isinstance(value, str) and len(value) > 2000:
            errors.append(_too_long(2000, f"{where}/value"))
        url = el.get("url")
        if isinstance(url, str) and len(url) > 3000:
            errors.append(_too_long(3000, f"{where}/url"))
    return errors


def _block_errors(block: dict[str, Any], where: str) -> list[str]:
    kind = block["type"]
    errors: list[str] = []
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            return [f"must provide either text or fields [json-pointer:{where}]"]
        errors += text_errors(block.get("text"), f"{where}/text", MAX_SECTION_TEXT, required=False)
        fields = block.get("fields") or []
        if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
            errors.append(f"no more than {MAX_FIELDS} items allowed [json-pointer:{where}/fields]")
        else:
            for i, field in enumerate(fields):
                errors += text_errors(field, f"{where}/fields/{i}", MAX_FIELD_TEXT)
        if block.get("accessory") is not None:
            errors += _element_errors(block["accessory"], f"{where}/accessory")
    elif kind == "header":
        errors += text_errors(block.get("text"), f"{where}/text", MAX_HEADER_TEXT, plain_only=True)
    elif kind in ("context", "actions"):
        limit = MAX_CONTEXT_ELEMENTS if kind == "context" else MAX_ACTIONS_ELEMENTS
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            return [f"missing required field: elements [json-pointer:{where}]"]
        if len(elements) > limit:
            errors.append(f"no more than {limit} items allowed [json-pointer:{where}/elements]")
        for i, el in enumerate(elements):
            path = f"{where}/elements/{i}"
            if kind == "context" and isinstance(el, dict) and el.get("type") != "image":
                errors += text_errors(el, path, MAX_SECTION_TEXT)
            else:
                errors += _element_errors(el, path)
    elif kind == "image":
        if not block.get("image_url") and not block.get("slack_file"):
            errors.append(f"missing required field: image_url [json-pointer:{where}]")
        if not isinstance(block.get("alt_text"), str):
            errors.append(f"missing required field: alt_text [json-pointer:{where}]")
        errors += text_errors(
            block.get("title"), f"{where}/title", 2000, plain_only=True, required=False
        )
    elif kind == "input":
        errors += text_errors(block.get("label"), f"{where}/label", 2000, plain_only=True)
        errors += _element_errors(block.get("element"), f"{where}/element")
        errors += text_errors(
            block.get("hint"), f"{where}/hint", 2000, plain_only=True, required=False
        )
    elif kind == "markdown":
        text = block.get("text")
        if not isinstance(text, str):
            errors.append(f"missing required field: text [json-pointer:{where}]")
        elif len(text) > MAX_MARKDOWN_TEXT:
            errors.append(_too_long(MAX_MARKDOWN_TEXT, f"{where}/text"))
    elif kind == "rich_text" and not isinstance(block.get("elements"), list):
        errors.append(f"missing required field: elements [json-pointer:{where}]")
    return errors


def blocks_errors(blocks: list[Any], pointer: str, max_blocks: int) -> list[str]:
    """All errors of a blocks array (messages without the "[ERROR] " prefix)."""
    if len(blocks) > max_blocks:
        return [f"no more than {max_blocks} items allowed [json-pointer:{pointer}]"]
    errors: list[str] = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type [json-pointer:{where}]")
            continue
        if block["type"] not in KNOWN_BLOCKS:
            errors.append(f"failed to match all allowed schemas [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > MAX_BLOCK_ID:
                errors.append(_too_long(MAX_BLOCK_ID, f"{where}/block_id"))
            elif block_id in seen:
                errors.append(f"duplicate block_id {block_id} [json-pointer:{where}/block_id]")
            else:
                seen.add(block_id)
        errors += _block_errors(block, where)
    return errors


def has_input(blocks: list[Any]) -> bool:
    """Whether any block is an input block (modals then need a submit button)."""
    return any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
