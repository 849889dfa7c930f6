"""Reading a file someone shared with the bot: Slack I/O with the bot's token.

A handler hands `shared_file_fetcher(client)` to the flow inside its request, so the flow
reads the document without calling Slack itself (tests pass a function returning bytes).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

MAX_DOCUMENT_BYTES = 512 * 1024


class FileUnavailable(ValueError):
    """The file could not be read: Slack refused, or it is too large."""


def shared_file_fetcher(
    client: WebClient, limit: int = MAX_DOCUMENT_BYTES
) -> Callable[[str], bytes]:
    """file id → its content; raises FileUnavailable (a ValueError) saying why not."""

    def fetch(file_id: str) -> bytes:
        try:
            file = client.files_info(file=file_id)["file"]
        except SlackApiError as error:
            raise FileUnavailable(str(error)) from error
        url = file.get("url_private_download") or file.get("url_private")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            data = response.read(limit + 1)
        if len(data) > limit:
            raise FileUnavailable(f"the file is larger than {limit // 1024} KB")
        return data

    return fetch
