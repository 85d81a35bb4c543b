"""The pybabel extraction method of the caseworker texts (babel-inbox.cfg).

Babel's own Python extractor does not look inside f-strings on Python 3.11, where the inbox pages mark
most of their texts (`f"<h2>{e(_('Facts'))}</h2>"`). This one reads the syntax tree instead: every call
of a keyword (`_`, `N_`, `ngettext`) whose first argument is a string literal, wherever it is, with the
`# NOTE:` comment block directly above its line as the translator comment. The positional arguments go
to Babel as a tuple, so `ngettext("{count} page", "{count} pages", n)` becomes one entry with a plural.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[tuple[int, str, tuple[str | None, ...], list[str]]]:
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in keywords
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            messages = tuple(
                arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
                for arg in node.args
            )
            found.append((node.lineno, node.func.id, messages, _comments(lines, node.lineno, comment_tags)))
    yield from sorted(found, key=lambda item: item[0])


def _comments(lines: list[str], lineno: int, tags: Collection[str]) -> list[str]:
    """The tagged comment block ending on the line above `lineno` (1-based), one entry per line."""
    block: list[str] = []
    index = lineno - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        block.insert(0, lines[index].strip().lstrip("#").strip())
        index -= 1
    for start, text in enumerate(block):
        if any(text.startswith(tag) for tag in tags):
            return [" ".join(block[start:])]
    return []
