"""A fast path for plain Markdown: documents in a safe subset are parsed by pyromark (pulldown-cmark)
and rendered here into exactly the HTML Python-Markdown makes of them.

Python-Markdown is not CommonMark, and the two disagree on many corners (nested lists, a list right
after a paragraph, escapes, entities, raw HTML). `eligible` admits only what both read alike: ATX
headings, paragraphs with emphasis, strong, code spans, links and images, fenced code, flat lists and
tables, each block between blank lines. Anything else, and any event the renderer does not expect,
goes to Python-Markdown (markup.MarkdownRenderer), so a document renders the same either way;
tests/test_fastmark.py checks the two against each other.
"""

from __future__ import annotations

import re
from typing import Any

from careerblog.urls import slugify

# ---------------------------------------------------------------- the gate

_FENCE_OPEN = re.compile(r"```[A-Za-z0-9+-]*")
_HEADING = re.compile(r"#{1,6} (\S.*)")
_BULLET = re.compile(r"([-*]) (\S.*)")
_NUMBERED = re.compile(r"(\d{1,9})\. (\S.*)")
_TABLE_ROW = re.compile(r"\|.*\|")
_DELIMITER_CELL = re.compile(r" *:?-+:? *")
_CODE_SPAN = re.compile(r"`([^`\\]+)`")
_IMAGE = re.compile(r"!\[([A-Za-z0-9 .,'-]*)\]\(([A-Za-z0-9._~:/?#@!$'+,;=%-]+)\)")
_LINK = re.compile(r"\[([^\[\]]+)\]\(([A-Za-z0-9._~:/?#@!$'+,;=%-]+)\)")
_STRONG = re.compile(r"(?<![\w*])\*\*(?=[^\s*])([^*]*?)(?<=[^\s*])\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]*?)(?<=[^\s*])\*(?![\w*])")
_FORBIDDEN = re.compile(r"[<>&\\~^{}_|\t`\[\]*]")
_PARAGRAPH_START = re.compile(r"[^\W_]|[\"'(*\[`]|!\[")
# What may open a block inside a paragraph or a list item, in one parser or the other.
_BLOCK_MARK = re.compile(r"\d+[.)]|[-*+](?: |$)|#|!!!")


def _inline_ok(text: str) -> bool:
    """Whether a line of prose holds only inline Markdown both parsers read alike."""
    # Each pattern only where its first character is (most lines of prose hold no markup at all).
    if "`" in text:
        for span in _CODE_SPAN.finditer(text):
            if span.group(1) != span.group(1).strip():
                return False  # CommonMark trims one space at each end, Python-Markdown all of them
            if "[" in span.group(1) or "]" in span.group(1):
                return False  # Python-Markdown may close a link's text at a bracket inside code
        text = _CODE_SPAN.sub("x", text)
    if "[" in text:
        text = _IMAGE.sub("x", text)
        text = _LINK.sub(lambda m: f"x{m.group(1)}x", text)
    if "*" in text:
        text = _STRONG.sub(lambda m: f"x{m.group(1)}x", text)
        text = _EMPHASIS.sub(lambda m: f"x{m.group(1)}x", text)
    # isprintable() also refuses every space but " " (no-break spaces, tabs), which the parsers treat apart.
    return text.isprintable() and not _FORBIDDEN.search(text)


def _table_ok(rows: list[str]) -> bool:
    if len(rows) < 3:
        return False
    cells = [row[1:-1].split("|") for row in rows]
    width = len(cells[0])
    if any(len(row) != width for row in cells):
        return False
    if not all(_DELIMITER_CELL.fullmatch(cell) for cell in cells[1]):
        return False
    return all(cell.strip() and cell == f" {cell.strip()} " and _inline_ok(cell.strip())
               for i, row in enumerate(cells) if i != 1 for cell in row)


def eligible(text: str) -> bool:
    """Whether `text` stays inside the subset that pyromark and Python-Markdown render alike."""
    lines = text.split("\n")
    blocks: list[tuple[str, list[str]]] = []  # (kind, lines), blank lines between them
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        if blocks and lines[i - 1]:
            return False  # every block starts after a blank line
        if line.startswith("```"):
            if not _FENCE_OPEN.fullmatch(line):
                return False
            end = next((j for j in range(i + 1, len(lines)) if lines[j] == "```"), None)
            if end is None or end == i + 1:
                return False
            body = lines[i + 1:end]
            if any(row.startswith("```") or (row and not row.strip()) or not row.isprintable() for row in body):
                return False  # Python-Markdown empties whitespace-only lines and expands tabs, even in code
            blocks.append(("code", lines[i:end + 1]))
            i = end + 1
            if i < len(lines) and lines[i]:
                return False
            continue
        j = i
        while j < len(lines) and lines[j]:
            j += 1
        group = lines[i:j]
        if any(row != row.rstrip() or row != row.lstrip() for row in group):
            return False  # no indentation, no trailing spaces (hard breaks)
        first = group[0]
        if first.startswith("#"):
            match = _HEADING.fullmatch(first)
            if len(group) != 1 or match is None or first.endswith("#") or not _inline_ok(match.group(1)):
                return False
            blocks.append(("heading", group))
        elif first.startswith("|"):
            if not all(_TABLE_ROW.fullmatch(row) for row in group) or not _table_ok(group):
                return False
            blocks.append(("table", group))
        elif _BULLET.fullmatch(first) or _NUMBERED.fullmatch(first):
            kind = "ul" if _BULLET.fullmatch(first) else "ol"
            items = [(_BULLET if kind == "ul" else _NUMBERED).fullmatch(row) for row in group]
            if not all(items):
                return False
            if kind == "ul" and len({m.group(1) for m in items if m}) != 1:
                return False  # a new bullet character starts a new list in CommonMark
            if kind == "ol" and items[0] and items[0].group(1) != "1":
                return False
            if not all(m and _PARAGRAPH_START.match(m.group(2)) and not _BLOCK_MARK.match(m.group(2))
                       and _inline_ok(m.group(2)) for m in items):
                return False
            if blocks and blocks[-1][0] in ("ul", "ol"):
                return False  # two lists a blank line apart make one loose list
            blocks.append((kind, group))
        else:
            for row in group:
                if not _PARAGRAPH_START.match(row) or _BLOCK_MARK.match(row) or row.startswith("|") \
                        or not _inline_ok(row):
                    return False
            blocks.append(("p", group))
        i = j
    return True


# ---------------------------------------------------------------- the renderer

class Unsupported(Exception):
    """An event this renderer does not render as Python-Markdown would: convert the document there."""


_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_ALIGN = {"None": "", "Left": ' style="text-align: left;"', "Center": ' style="text-align: center;"',
          "Right": ' style="text-align: right;"'}
_ID_COUNT = re.compile(r"^(.*)_([0-9]+)$")
# Tags that open and close as they are, with nothing to remember in between.
_OPEN = {"Paragraph": "<p>", "Emphasis": "<em>", "Strong": "<strong>", "Item": "<li>"}
_CLOSE = {"Emphasis": "</em>", "Strong": "</strong>", "Item": "</li>\n", "TableRow": "</tr>\n", "Link": "</a>"}


def _unique(value: str, used: set[str]) -> str:
    """`value`, or `value_1`, `value_2`... : the first not used yet in this document."""
    while value in used or not value:
        match = _ID_COUNT.match(value)
        value = f"{match.group(1)}_{int(match.group(2)) + 1}" if match else f"{value}_1"
    used.add(value)
    return value


class Heading:
    """One heading of the table of contents, with the ones nested under it."""

    __slots__ = ("children", "id", "level", "name")

    def __init__(self, level: int, id_: str, name: str) -> None:
        self.level, self.id, self.name = level, id_, name
        self.children: list[Heading] = []


def toc_html(headings: list[Heading]) -> str:
    """Python-Markdown's table of contents: each heading nested under the nearest shallower one before it."""
    top: list[Heading] = []
    open_: list[Heading] = []
    for heading in headings:
        while open_ and open_[-1].level >= heading.level:
            open_.pop()
        (open_[-1].children if open_ else top).append(heading)
        open_.append(heading)

    def items(level: list[Heading]) -> str:
        return "<ul>\n" + "".join(f'<li><a href="#{h.id}">{h.name}</a>'
                                  + (items(h.children) if h.children else "") + "</li>\n" for h in level) + "</ul>\n"

    return f'<div class="toc">\n{items(top)}</div>\n'


class FastRenderer:
    """pyromark's events rendered into Python-Markdown's HTML, with careerblog's heading anchors and links."""

    def __init__(self, base_path: str, highlight: Any) -> None:
        import pyromark

        from careerblog.markup import resolve_target  # here: markup imports this module

        self.base_path = base_path
        self._resolve = resolve_target  # the link rules Python-Markdown's pass applies too
        self._parser = pyromark.Markdown(options=pyromark.Options.ENABLE_TABLES)
        self._highlight = highlight  # (code, language) -> HTML, as codehilite writes it

    def render(self, text: str, page_url: str | None) -> tuple[str, list[Heading], list[tuple[str, str]]]:
        """The document's HTML, its headings of levels 2-4 and the internal links and images it holds."""
        resolve_target = self._resolve
        blocks: list[str] = []
        out: list[str] = []
        found: list[tuple[str, str]] = []
        used: set[str] = set()
        headings: list[Heading] = []
        plain: list[str] = []  # the current heading's text, for its id and its name in the contents
        level = 0
        language: str | None = None
        aligns: tuple[str, ...] = ()
        in_head = False
        cell = 0
        image: list[str] | None = None
        image_src: str | None = None
        depth = 0  # open block containers (lists, tables)
        events: Any = self._parser.events(text)  # dicts and strings, as pyromark documents them
        for event in events:
            if isinstance(event, str):
                if event == "SoftBreak" and image is None and not level:
                    out.append("\n")
                    continue
                raise Unsupported(event)
            ((kind, payload),) = event.items()
            if kind == "Text":
                if image is not None:
                    image.append(payload)
                elif language is not None:
                    out.append(payload)
                else:
                    out.append(payload.translate(_TEXT))
                    if level:
                        plain.append(payload)
            elif kind == "Code":
                if image is not None:
                    raise Unsupported("code in an image's text")
                out.append(f"<code>{payload.translate(_TEXT)}</code>")
                if level:
                    plain.append(payload)
            elif kind == "Start":
                if image is not None:
                    raise Unsupported("markup in an image's text")
                if isinstance(payload, str):
                    if payload in _OPEN:
                        out.append(_OPEN[payload])
                    elif payload == "TableHead":
                        in_head, cell = True, 0
                        out.append("<thead>\n<tr>\n")
                    elif payload == "TableRow":
                        cell = 0
                        out.append("<tr>\n")
                    elif payload == "TableCell":
                        tag = "th" if in_head else "td"
                        out.append(f"<{tag}{_ALIGN[aligns[cell]] if cell < len(aligns) else ''}>")
                    else:
                        raise Unsupported(payload)
                    continue
                ((tag, data),) = payload.items()
                if tag == "Heading":
                    if data["id"] or data["classes"] or data["attrs"]:
                        raise Unsupported("heading attributes")
                    level = int(data["level"][1:])
                    plain = []
                elif tag == "Link":
                    if data["link_type"] != "Inline" or data["title"]:
                        raise Unsupported(f"link {data['link_type']}")
                    href = resolve_target(data["dest_url"], "link", found, page_url, self.base_path)
                    out.append(f'<a href="{href.translate(_ATTRIBUTE)}">' if href is not None else "<a>")
                elif tag == "Image":
                    if data["link_type"] != "Inline" or data["title"]:
                        raise Unsupported(f"image {data['link_type']}")
                    image, image_src = [], resolve_target(data["dest_url"], "image", found, page_url, self.base_path)
                elif tag == "CodeBlock":
                    if not isinstance(data, dict) or "Fenced" not in data:
                        raise Unsupported("indented code")
                    language = data["Fenced"]
                elif tag == "List":
                    if data not in (None, 1):
                        raise Unsupported("a list numbered from elsewhere than 1")
                    depth += 1
                    out.append("<ul>\n" if data is None else "<ol>\n")
                elif tag == "Table":
                    depth += 1
                    aligns = tuple(data)
                    out.append("<table>\n")
                else:
                    raise Unsupported(tag)
            elif kind == "End":
                if image is not None:
                    if payload != "Image":
                        raise Unsupported("markup in an image's text")
                    alt = "".join(image).translate(_ATTRIBUTE)
                    if image_src is None:  # a script URL, dropped with the lazy-loading hints
                        out.append(f'<img alt="{alt}">')
                    else:
                        out.append(f'<img alt="{alt}" decoding="async" loading="lazy" '
                                   f'src="{image_src.translate(_ATTRIBUTE)}">')
                    image = image_src = None
                    continue
                if isinstance(payload, str):
                    if payload in _CLOSE:
                        out.append(_CLOSE[payload])
                    elif payload == "Paragraph":
                        out.append("</p>")
                        if not depth:
                            blocks.append("".join(out))
                            out = []
                    elif payload == "TableHead":
                        out.append("</tr>\n</thead>\n<tbody>\n")
                        in_head = False
                    elif payload == "TableCell":
                        out.append("</th>\n" if in_head else "</td>\n")
                        cell += 1
                    elif payload == "Table":
                        out.append("</tbody>\n</table>")
                        depth -= 1
                        blocks.append("".join(out))
                        out = []
                    elif payload == "CodeBlock":
                        blocks.append(self._highlight("".join(out), language or ""))
                        out = []
                        language = None
                    else:
                        raise Unsupported(payload)
                    continue
                ((tag, data),) = payload.items()
                if tag == "Heading":
                    name = "".join(plain)
                    ident = _unique(slugify(name), used)
                    inner = "".join(out)
                    blocks.append(f'<h{level} id="{ident}">{inner}<a class="anchor" href="#{ident}" '
                                  f'title="Link to this section">#</a></h{level}>')
                    out = []
                    if 2 <= level <= 4:
                        headings.append(Heading(level, ident, name.translate(_TEXT)))
                    level = 0
                elif tag == "List":
                    out.append("</ol>" if data else "</ul>")
                    depth -= 1
                    blocks.append("".join(out))
                    out = []
                else:
                    raise Unsupported(tag)
            else:
                raise Unsupported(kind)
        if out or image is not None or depth or level:
            raise Unsupported("an unfinished block")
        return "\n".join(blocks).strip(), headings, found
