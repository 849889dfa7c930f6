"""Block Kit to readable terminal text: messages, modals and Home tabs, with numbered controls."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RULE = "─" * 48
_PRESSABLE = ("button", "overflow", "checkboxes", "radio_buttons")
_PICKERS = ("datepicker", "timepicker", "datetimepicker")
_CONTROL = re.compile(r"<([^<>\n]+)>")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def is_pressable(element: dict[str, Any]) -> bool:
    """Whether an element sends block_actions when used: buttons, menus, pickers, boxes."""
    kind = str(element.get("type", ""))
    return kind in _PRESSABLE or kind in _PICKERS or kind.endswith("select")


@dataclass(frozen=True)
class Control:
    """A pressable element as rendered: its number is its index in `Renderer.controls` + 1."""

    element: dict[str, Any]
    block_id: str | None


@dataclass
class Renderer:
    """Turns Block Kit into text; `user_name` resolves user ids to names (None when unknown)."""

    user_name: Callable[[str], str | None] = lambda _uid: None
    color: bool = False
    width: int = 100
    controls: list[Control] = field(default_factory=list)

    # --- styles --------------------------------------------------------------------------------

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color and text else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color and text else text

    def heading(self, text: str) -> list[str]:
        if self.color:
            return [f"\x1b[1;4m{text}\x1b[0m"]
        return [text, "═" * min(len(text), 60)]

    # --- text ----------------------------------------------------------------------------------

    def mrkdwn(self, text: str) -> str:
        """Slack mrkdwn as plain text: mentions named, links spelled out, entities unescaped."""
        text = _CONTROL.sub(self._control, text)
        if self.color:
            text = _BOLD.sub(lambda m: self.bold(m.group(1)), text)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def _control(self, match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or self.user_name(target[1:]) or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!subteam^"):
            return label or "@" + target[len("!subteam^") :]
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:]
        if label:
            shown = target[len("mailto:") :] if target.startswith("mailto:") else target
            return f"{label} ({shown})"
        return target

    def text(self, obj: Any) -> str:
        """A text object (plain_text or mrkdwn), or a bare string, as terminal text."""
        if obj is None:
            return ""
        if isinstance(obj, str):
            return self.mrkdwn(obj)
        if obj.get("type") == "plain_text":
            return str(obj.get("text", ""))
        return self.mrkdwn(str(obj.get("text", "")))

    # --- elements ------------------------------------------------------------------------------

    def _number(self, element: dict[str, Any], block_id: str | None, numbered: bool) -> str:
        if not numbered or not is_pressable(element):
            return ""
        self.controls.append(Control(element=element, block_id=block_id))
        return f"({len(self.controls)})"

    def element(
        self, element: dict[str, Any], block_id: str | None = None, *, numbered: bool = True
    ) -> str:
        """One interactive or context element, inline; pressable ones get their number."""
        kind = element.get("type", "")
        number = self._number(element, block_id, numbered)
        if kind == "button":
            return f"[ {self.text(element.get('text'))} ]{number}"
        if kind in ("plain_text", "mrkdwn"):
            return self.text(element)
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind == "overflow":
            options = ", ".join(self.text(o.get("text")) for o in element.get("options", []))
            return f"[⋯ {options}]{number}"
        if kind in ("checkboxes", "radio_buttons"):
            chosen = {o.get("value") for o in element.get("initial_options") or []}
            if element.get("initial_option"):
                chosen.add(element["initial_option"].get("value"))
            marks = ("◉", "○") if kind == "radio_buttons" else ("☑", "☐")
            boxes = [
                f"{marks[0] if o.get('value') in chosen else marks[1]} {self.text(o.get('text'))}"
                for o in element.get("options", [])
            ]
            return "  ".join(boxes) + number
        label = self._choice_label(element)
        if kind.endswith("select"):
            return f"[{label or 'choose'} ▾]{number}"
        if kind in ("datepicker", "timepicker", "datetimepicker"):
            return f"[📅 {label or kind.removesuffix('picker')}]{number}"
        if kind.endswith("input"):
            return f"[{label or '…'}]"
        return f"[{kind}]{number}"

    def _choice_label(self, element: dict[str, Any]) -> str:
        if element.get("initial_option"):
            return self.text(element["initial_option"].get("text"))
        initial = [self.text(o.get("text")) for o in element.get("initial_options") or []]
        for key in ("initial_users", "initial_conversations", "initial_channels"):
            initial += [self._person(u) for u in element.get(key) or []]
        if element.get("initial_user"):
            initial.append(self._person(element["initial_user"]))
        if initial:
            return ", ".join(initial)
        for key in ("initial_value", "initial_date", "initial_time", "initial_date_time"):
            if element.get(key):
                return str(element[key])
        return self.text(element.get("placeholder"))

    def _person(self, uid: str) -> str:
        return "@" + (self.user_name(uid) or uid)

    # --- blocks --------------------------------------------------------------------------------

    def blocks(self, blocks: list[dict[str, Any]]) -> list[str]:
        lines: list[str] = []
        for block in blocks:
            lines += self.block(block)
        return lines

    def block(self, block: dict[str, Any]) -> list[str]:
        kind = block.get("type")
        block_id = block.get("block_id")
        if kind == "header":
            return self.heading(self.text(block.get("text")))
        if kind == "divider":
            return [self.dim(RULE)]
        if kind == "section":
            return self._section(block)
        if kind == "context":
            return [self.dim("  ".join(self.element(e, block_id) for e in block["elements"]))]
        if kind == "actions":
            return self._row([self.element(e, block_id) for e in block.get("elements", [])])
        if kind == "input":
            return self._input(block)
        if kind == "image":
            title = self.text(block.get("title"))
            return [f"[image: {block.get('alt_text', '')}]" + (f" {title}" if title else "")]
        if kind == "rich_text":
            return self._rich_text(block.get("elements", []))
        if kind in ("video", "file"):
            return [f"[{kind}: {self.text(block.get('title')) or block.get('external_id', '')}]"]
        if kind == "markdown":
            return str(block.get("text", "")).splitlines()
        return [self.dim(f"[{kind} block]")]

    def _row(self, items: list[str]) -> list[str]:
        """Items side by side, two spaces apart, starting a new line before `width` is passed."""
        lines: list[str] = []
        for item in items:
            if lines and visible_len(lines[-1]) + 2 + visible_len(item) <= self.width:
                lines[-1] += "  " + item
            else:
                lines.append(item)
        return lines

    def _section(self, block: dict[str, Any]) -> list[str]:
        lines = self.text(block.get("text")).splitlines() if block.get("text") else []
        fields = [" ".join(self.text(f).split("\n")) for f in block.get("fields") or []]
        while fields:
            pair, fields = fields[:2], fields[2:]
            widths = [visible_len(p) for p in pair]
            if len(pair) == 2 and max(widths) <= 36:
                lines.append(f"  {pair[0]}{' ' * (38 - widths[0])}{pair[1]}")
            else:
                lines += [f"  {f}" for f in pair]
        accessory = block.get("accessory")
        if accessory:
            shown = self.element(accessory, block.get("block_id"))
            if lines:
                lines[0] = f"{lines[0]}  {shown}"
            else:
                lines = [shown]
        return lines

    def _input(self, block: dict[str, Any]) -> list[str]:
        element = block.get("element", {})
        label = self.bold(self.text(block.get("label")))
        optional = " (optional)" if block.get("optional") else ""
        key = block.get("block_id") or element.get("action_id") or "?"
        options = [o.get("value", "") for o in element.get("options") or []]
        for group in element.get("option_groups") or []:
            options += [o.get("value", "") for o in group.get("options", [])]
        shown = self.element(element, numbered=False)
        lines = [f"{label}{optional}: {shown}  " + self.dim(f"key={key}")]
        if options:
            lines.append(self.dim("    choices: " + ", ".join(options[:12])))
        hint = self.text(block.get("hint"))
        if hint:
            lines.append(self.dim(f"    {hint}"))
        return lines

    def _rich_text(self, elements: list[dict[str, Any]], depth: int = 0) -> list[str]:
        lines: list[str] = []
        for element in elements:
            kind = element.get("type")
            if kind == "rich_text_list":
                bullet_numbered = element.get("style") == "ordered"
                indent = "  " * (element.get("indent", 0) + depth)
                for n, item in enumerate(element.get("elements", []), start=1):
                    bullet = f"{n}." if bullet_numbered else "•"
                    lines.append(f"{indent}{bullet} {self._inline(item.get('elements', []))}")
            elif kind == "rich_text_preformatted":
                lines += ["    " + line for line in self._inline(element["elements"]).split("\n")]
            elif kind == "rich_text_quote":
                lines += ["> " + line for line in self._inline(element["elements"]).split("\n")]
            else:
                lines += self._inline(element.get("elements", [])).split("\n")
        return lines

    def _inline(self, elements: list[dict[str, Any]]) -> str:
        parts = []
        for e in elements:
            kind = e.get("type")
            if kind == "text":
                text = e.get("text", "")
                parts.append(self.bold(text) if (e.get("style") or {}).get("bold") else text)
            elif kind == "link":
                text = e.get("text")
                parts.append(f"{text} ({e['url']})" if text else e.get("url", ""))
            elif kind == "user":
                parts.append(self._person(e.get("user_id", "")))
            elif kind == "channel":
                parts.append("#" + e.get("channel_id", ""))
            elif kind == "emoji":
                parts.append(f":{e.get('name', '')}:")
            elif kind == "broadcast":
                parts.append("@" + e.get("range", "here"))
            elif kind == "usergroup":
                parts.append("@" + e.get("usergroup_id", ""))
            elif kind == "date":
                parts.append(e.get("fallback") or str(e.get("timestamp", "")))
            elif "elements" in e:
                parts.append(self._inline(e["elements"]))
        return "".join(parts)

    # --- surfaces ------------------------------------------------------------------------------

    def message(self, message: dict[str, Any]) -> list[str]:
        """A message: its blocks, or its text when it has none, then any attachments."""
        blocks = message.get("blocks") or []
        if blocks:
            lines = self.blocks(blocks)
        elif message.get("mrkdwn") is False:
            lines = str(message.get("text") or "").splitlines()
        else:
            lines = self.mrkdwn(str(message.get("text") or "")).splitlines()
        for attachment in message.get("attachments") or []:
            lines += ["│ " + line for line in self._attachment(attachment)]
        return lines

    def _attachment(self, attachment: dict[str, Any]) -> list[str]:
        lines: list[str] = []
        if attachment.get("pretext"):
            lines += self.mrkdwn(attachment["pretext"]).splitlines()
        if attachment.get("title"):
            lines.append(self.bold(self.mrkdwn(attachment["title"])))
        if attachment.get("blocks"):
            lines += self.blocks(attachment["blocks"])
        elif attachment.get("text"):
            lines += self.mrkdwn(attachment["text"]).splitlines()
        for f in attachment.get("fields") or []:
            lines.append(f"{self.bold(f.get('title', ''))}: {self.mrkdwn(f.get('value', ''))}")
        if attachment.get("footer"):
            lines.append(self.dim(self.mrkdwn(attachment["footer"])))
        return lines or ([attachment["fallback"]] if attachment.get("fallback") else [])

    def view(self, view: dict[str, Any]) -> list[str]:
        """A modal or Home tab: title, blocks, then the submit/close buttons."""
        title = self.text(view.get("title"))
        lines = self.heading(title) if title else []
        lines += self.blocks(view.get("blocks") or [])
        buttons = []
        if view.get("submit"):
            buttons.append(f"[ {self.text(view['submit'])} ] (:submit key=value …)")
        if view.get("type") == "modal":
            buttons.append(f"[ {self.text(view.get('close')) or 'Cancel'} ] (:close)")
        if buttons:
            lines.append("  ".join(buttons))
        return lines


def visible_len(text: str) -> int:
    """Length as shown on a terminal: ANSI styling takes no room."""
    return len(_ANSI.sub("", text))


def wrap(lines: list[str], width: int = 100) -> str:
    """Join rendered lines, wrapping very long ones (ANSI-free lines only) for the terminal."""
    out: list[str] = []
    for line in lines:
        if len(line) <= width or "\x1b[" in line:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out += textwrap.wrap(line, width=width, subsequent_indent=indent + "  ") or [""]
    return "\n".join(out)
