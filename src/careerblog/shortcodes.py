"""Shortcodes `{{< name args >}}` in Markdown: found outside code, swapped for placeholders, expanded later."""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass

_SHORTCODE = re.compile(r"\{\{<\s*(/\*)?\s*(.*?)\s*(\*/)?\s*>\}\}")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


@dataclass(frozen=True, slots=True)
class ShortcodeCall:
    """One use of a shortcode in a document."""

    name: str
    args: tuple[str, ...]
    kwargs: tuple[tuple[str, str], ...]
    line: int  # 1-based line in the document's body
    block: bool  # alone on its line: rendered as a block, never inside <p>
    token: str


@dataclass(frozen=True, slots=True)
class ShortcodeProblem:
    line: int
    message: str


def _parse_call(inner: str) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]] | str:
    try:
        words = shlex.split(inner)
    except ValueError as exc:
        return f"cannot read shortcode arguments: {exc}"
    if not words or not _NAME.match(words[0]):
        return f"shortcode has no valid name: {{{{< {inner} >}}}}"
    args: list[str] = []
    kwargs: list[tuple[str, str]] = []
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if sep and _NAME.match(key):
            kwargs.append((key, value))
        else:
            args.append(word)
    return words[0], tuple(args), tuple(kwargs)


def _outside_code_spans(line: str) -> list[tuple[int, int]]:
    """Ranges of `line` that are not inside inline code spans."""
    ranges, start = [], 0
    for match in _CODE_SPAN.finditer(line):
        ranges.append((start, match.start()))
        start = match.end()
    ranges.append((start, len(line)))
    return ranges


class _IndentedCode:
    """Tells, line by line, which lines Markdown reads as an indented code block, where shortcodes stay text.

    A line indented by four spaces is code after a blank line, unless it continues a list item.
    """

    def __init__(self) -> None:
        self.after_blank = True
        self.in_code = False
        self.in_list = False

    def is_code(self, line: str) -> bool:
        if not line.strip():
            self.after_blank = True
            return False
        expanded = line.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        after_blank, self.after_blank = self.after_blank, False
        if indent >= 4 and not self.in_list and (after_blank or self.in_code):
            self.in_code = True
            return True
        self.in_code = False
        if indent < 4:
            if _LIST_ITEM.match(expanded):
                self.in_list = True
            elif after_blank:
                self.in_list = False
        return False


def extract_shortcodes(body: str) -> tuple[str, tuple[ShortcodeCall, ...], tuple[ShortcodeProblem, ...]]:
    """Replace shortcodes outside code with placeholder tokens; `{{</* x */>}}` becomes literal text."""
    if "{{<" not in body:
        return body, (), ()
    salt = hashlib.sha1(body.encode("utf-8")).hexdigest()[:8]
    calls: list[ShortcodeCall] = []
    problems: list[ShortcodeProblem] = []
    out_lines: list[str] = []
    fence: str | None = None
    indented = _IndentedCode()
    for number, line in enumerate(body.split("\n"), start=1):
        opener = _FENCE_OPEN.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence) \
                    and not line.strip()[len(opener.group(1)):].strip():
                fence = None
            out_lines.append(line)
            continue
        if opener:
            fence = opener.group(1)
            out_lines.append(line)
            continue
        if indented.is_code(line):
            out_lines.append(line)
            continue
        if "{{<" not in line:
            out_lines.append(line)
            continue
        whole = _SHORTCODE.fullmatch(line.strip())
        if whole and not (whole.group(1) and whole.group(3)):
            parsed = _parse_call(whole.group(2))
            if isinstance(parsed, str):
                problems.append(ShortcodeProblem(number, parsed))
                out_lines.append("")
                continue
            token = f"cbshortcode{salt}x{len(calls)}z"
            calls.append(ShortcodeCall(*parsed, number, True, token))
            # Indented, it continues a list item; elsewhere an indent would turn it into a code block.
            indent = line[: len(line) - len(line.lstrip())] if indented.in_list else ""
            out_lines.extend(("", indent + token, ""))
            continue
        pieces: list[str] = []
        for start, end in _outside_code_spans(line):
            segment = line[start:end]
            pos = 0
            for match in _SHORTCODE.finditer(segment):
                pieces.append(segment[pos : match.start()])
                pos = match.end()
                if match.group(1) and match.group(3):
                    pieces.append("{{< " + match.group(2) + " >}}")
                    continue
                parsed = _parse_call(match.group(2))
                if isinstance(parsed, str):
                    problems.append(ShortcodeProblem(number, parsed))
                    continue
                token = f"cbshortcode{salt}x{len(calls)}z"
                calls.append(ShortcodeCall(*parsed, number, False, token))
                pieces.append(token)
            pieces.append(segment[pos:])
            if end < len(line):
                nxt = next((m for m in _CODE_SPAN.finditer(line, end) if m.start() == end), None)
                if nxt:
                    pieces.append(nxt.group(0))
        out_lines.append("".join(pieces))
    return "\n".join(out_lines), tuple(calls), tuple(problems)


def expand_shortcodes(html: str, rendered: dict[str, str]) -> str:
    """Put each shortcode's HTML where its token stands; block ones replace their whole paragraph."""
    for token, fragment in rendered.items():
        paragraph = f"<p>{token}</p>"
        html = html.replace(paragraph, fragment) if paragraph in html else html.replace(token, fragment)
    return html
