"""Rules of a flow's configuration that read no rows: patterns that are safe to run, time
zones, overlapping hours, loops in the step graph. The admin refuses what breaks them,
with the reason; the engine relies on them."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from datetime import time
from itertools import pairwise

from django.utils.translation import gettext

from waproject.zones import is_time_zone

#: A pattern longer than this is refused (the admin's field has this length).
PATTERN_MAX = 200
#: An answer is cut to this before a pattern runs on it. Python's ``re`` has no timeout, so
#: the bound comes from the inputs: a short pattern without the shapes that backtrack
#: exponentially (read from its parsed structure, below) on a bounded answer.
ANSWER_MAX = 1000

#: The standard library's regular expression parser (``sre_parse`` before Python 3.11): the
#: pattern's structure, where the shapes that backtrack catastrophically are found.
_sre_parser = importlib.import_module("re._parser")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT")


def _has_branch(items: object) -> bool:
    """An alternation at this level of a parsed pattern, or in a group of it."""
    pairs = items  # (opcode, argument) pairs
    return any(
        str(op) == "BRANCH" or (str(op) == "SUBPATTERN" and _has_branch(arg[-1]))
        for op, arg in pairs  # type: ignore[attr-defined]  # a parsed pattern is iterable
    )


def _shape_problem(items: object, *, in_repeat: bool) -> str:
    """Why the parsed pattern ``items`` could run away: a variable repeat inside a repeat
    (``(a+)+``, ``((a*)b)*``), a repeated alternation (``(a|ab)*``), a backreference."""
    for op, arg in items:  # type: ignore[attr-defined]  # a parsed pattern: (opcode, argument) pairs
        name = str(op)
        if name in _REPEATS:
            low, high, sub = arg
            repeats = high > 1
            if in_repeat and low != high:
                return gettext(
                    "the pattern repeats a group that repeats itself (like (a+)+): it could run away"
                )
            if repeats and _has_branch(sub):
                return gettext(
                    "the pattern repeats a group of alternatives (like (a|b)*): it could run away; "
                    "list the characters instead ([ab]*)"
                )
            problem = _shape_problem(sub, in_repeat=in_repeat or (repeats and low != high))
        elif name == "SUBPATTERN":
            problem = _shape_problem(arg[-1], in_repeat=in_repeat)
        elif name == "BRANCH":
            problem = next((p for p in (_shape_problem(b, in_repeat=in_repeat) for b in arg[1]) if p), "")
        elif name in ("ASSERT", "ASSERT_NOT"):
            problem = _shape_problem(arg[1], in_repeat=in_repeat)
        elif name == "ATOMIC_GROUP":
            problem = _shape_problem(arg, in_repeat=in_repeat)
        elif name in ("GROUPREF", "GROUPREF_EXISTS"):
            problem = gettext("the pattern uses a backreference: it could run away")
        else:
            problem = ""
        if problem:
            return problem
    return ""


def pattern_problem(pattern: str) -> str:
    """Why ``pattern`` may not be used to check answers ('' when it may)."""
    if not pattern:
        return gettext("write the pattern the answer must match")
    if len(pattern) > PATTERN_MAX:
        return gettext("the pattern is longer than %(max)d characters") % {"max": PATTERN_MAX}
    try:
        re.compile(pattern)
    except re.error as exc:
        return gettext("the pattern does not compile: %(error)s") % {"error": exc}
    return _shape_problem(_sre_parser.parse(pattern), in_repeat=False)


def answer_matches(pattern: str, answer: str) -> bool:
    """The whole (bounded) answer matches a pattern that passed :func:`pattern_problem`."""
    return re.fullmatch(pattern, answer[:ANSWER_MAX]) is not None


def split_answers(allowed: str) -> list[str]:
    return [a.strip() for a in allowed.split(",") if a.strip()]


def time_zone_valid(name: str) -> bool:
    """An IANA zone name, not one of the host's extras (``localtime``, ``Factory``…)."""
    return is_time_zone(name)


def hours_overlap(ranges: Iterable[tuple[int, time, time]]) -> tuple[int, time, time, time, time] | None:
    """The first two ranges of one weekday that overlap (weekday, opens₁, closes₁, opens₂,
    closes₂), or None. Ranges that only touch (12:00-14:00 and 14:00-18:00) do not."""
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in ranges:
        by_day.setdefault(weekday, []).append((opens, closes))
    for weekday, day in sorted(by_day.items()):
        day.sort()
        for (o1, c1), (o2, c2) in pairwise(day):
            if o2 < c1:
                return weekday, o1, c1, o2, c2
    return None


def find_loop(edges: Mapping[int, Iterable[int]]) -> list[int] | None:
    """A cycle in the step graph (step id → the steps it leads to), as the list of step ids
    around it, or None. A flow with a cycle could keep a customer in it for ever."""
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    path: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in list(edges):
        if state.get(start) is None:
            found = visit(start)
            if found:
                return found
    return None
