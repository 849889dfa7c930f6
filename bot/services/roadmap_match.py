"""Pair a re-imported document's new titles with vanished ones: renames, found safely.

Titles first match exactly (normalized, within their period and category); what is left is
paired here through a token index, so each new title is compared with a few old titles that
share a distinctive word, never with every one. A pair needs a high similarity, and each title
pairs at most once (best pairs first), so unrelated titles never pair.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

# How alike two titles must be to count as a rename (difflib ratio of the normalized titles),
# and how many of their words they must share (Jaccard).
RENAME_SIMILARITY = 0.8
SHARED_WORDS = 0.5
# A word in more than this many old titles of a group says nothing about which one it is.
COMMON_WORD = 50
CANDIDATES = 8  # old titles compared per new title, the ones sharing most words


@dataclass(frozen=True)
class Title:
    group: Hashable  # (period, category): renames stay within it
    text: str  # normalized


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text))


def pair_renames(new: Sequence[Title], old: Sequence[Title]) -> list[tuple[int, int, float]]:
    """(index in ``new``, index in ``old``, similarity) for each rename, one-to-one."""
    index: dict[tuple[Hashable, str], list[int]] = defaultdict(list)
    old_words = [_words(title.text) for title in old]
    for position, (title, words) in enumerate(zip(old, old_words, strict=True)):
        for word in words:
            index[(title.group, word)].append(position)
    pairs: list[tuple[float, int, int]] = []
    for new_position, title in enumerate(new if old else ()):
        words = _words(title.text)
        if not words:
            continue
        shared: Counter[int] = Counter()
        for word in words:
            posting = index.get((title.group, word), ())
            if len(posting) <= COMMON_WORD:
                shared.update(posting)
        if not shared:
            continue
        matcher = difflib.SequenceMatcher(None, "", title.text, autojunk=False)
        for old_position, count in shared.most_common(CANDIDATES):
            union = len(words | old_words[old_position])
            if count / union < SHARED_WORDS:
                continue
            matcher.set_seq1(old[old_position].text)
            if matcher.real_quick_ratio() < RENAME_SIMILARITY:
                continue
            if matcher.quick_ratio() < RENAME_SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio >= RENAME_SIMILARITY:
                pairs.append((ratio, new_position, old_position))
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    result: list[tuple[int, int, float]] = []
    for ratio, new_position, old_position in pairs:
        if new_position in taken_new or old_position in taken_old:
            continue
        taken_new.add(new_position)
        taken_old.add(old_position)
        result.append((new_position, old_position, ratio))
    return result
