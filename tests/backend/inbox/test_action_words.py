"""Every audit action the backend records by name has words in the caseworkers' audit log (an action
without them reads "other activity" and cannot be chosen in the log's filter)."""

from __future__ import annotations

import ast
from pathlib import Path

from backend.inbox.i18n import ACTION_WORDS

BACKEND = Path(__file__).resolve().parents[3] / "backend"


def recorded_actions() -> set[str]:
    """The action names written as literals: `action="…"` in a call, and the default of a parameter
    named `action`."""
    names: set[str] = set()
    for path in BACKEND.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"
            ):
                for keyword in node.keywords:
                    if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                        names.add(keyword.value.value)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args.kwonlyargs
                for argument, default in zip(arguments, node.args.kw_defaults, strict=True):
                    if argument.arg == "action" and isinstance(default, ast.Constant):
                        names.add(default.value)
    return {name for name in names if isinstance(name, str)}


def test_every_recorded_action_has_words_in_the_audit_log() -> None:
    actions = recorded_actions()
    assert len(actions) > 50  # the scan finds the backend's audit calls
    assert sorted(actions - set(ACTION_WORDS)) == []
