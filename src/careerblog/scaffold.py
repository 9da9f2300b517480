"""New sources from nothing: a whole site for `careerblog init`, one post or page for `careerblog new`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from careerblog import __version__, urls
from careerblog.diagnostics import BuildError

STARTER_DIR = Path(__file__).parent / "starter"
DEMO_FOLDERS = ("content", "templates", "static")
# A wheel carries the demo here (hatch_build.py); a checkout or editable install has it at the repository root.
PACKAGED_DEMO = STARTER_DIR / "site"
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]
_SKIPPED_NAMES = (".DS_Store", "Thumbs.db", "__pycache__", "4913")

DocumentKind = Literal["post", "page"]


@dataclass(frozen=True, slots=True)
class NewSite:
    folder: Path
    files: tuple[str, ...]  # relative paths written, forward slashes, sorted
    demo: Path  # where the demo content came from


def find_demo() -> Path:
    """The folder holding the demo's content/, templates/ and static/: packaged copy first, then the checkout."""
    if (PACKAGED_DEMO / "content" / "site.yml").is_file():
        return PACKAGED_DEMO
    if (CHECKOUT_ROOT / "content" / "site.yml").is_file() and (CHECKOUT_ROOT / "src" / "careerblog").is_dir():
        return CHECKOUT_ROOT
    raise BuildError.single(str(PACKAGED_DEMO), None, "the demo site is missing from this careerblog installation",
                            "reinstall careerblog from PyPI or from a checkout of its repository")


def _is_junk(name: str) -> bool:
    return name in _SKIPPED_NAMES or name.endswith(("~", ".swp", ".swo", ".pyc")) or name.startswith((".#", "#"))


def _demo_files(demo: Path) -> list[tuple[str, Path]]:
    files = []
    for name in DEMO_FOLDERS:
        folder = demo / name
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(demo)
            if path.is_file() and not any(_is_junk(part) for part in relative.parts):
                files.append((relative.as_posix(), path))
    return files


def requirements_text(version: str = __version__) -> str:
    return (
        "# The careerblog that wrote this site, as published on PyPI. To build with another one, replace the\n"
        "# line, for example with: careerblog @ git+https://github.com/USER/careerblog@main\n"
        f"careerblog=={version}\n"
    )


def create_site(folder: Path, *, force: bool = False) -> NewSite:
    """Write a complete new site into `folder`: the demo, .gitignore, requirements.txt, Pages workflow."""
    if folder.exists() and not folder.is_dir():
        raise BuildError.single(str(folder), None, "exists and is not a folder", "choose a new folder name")
    # A fresh `git clone` of an empty repository holds only .git: that is an empty folder to start in.
    if folder.is_dir() and any(p.name != ".git" for p in folder.iterdir()) and not force:
        raise BuildError.single(str(folder), None, "folder is not empty; careerblog init starts a site in an "
                                "empty folder", "choose a new folder, or pass --force to write the site "
                                "into it, replacing files of the same names")
    demo = find_demo()
    generated = {
        ".gitignore": (STARTER_DIR / "gitignore").read_bytes(),
        "requirements.txt": requirements_text().encode("utf-8"),
        ".github/workflows/pages.yml": (STARTER_DIR / "pages.yml").read_bytes(),
    }
    written = []
    try:
        for relative, source in _demo_files(demo):
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(relative)
        for relative, content in generated.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(relative)
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(folder)
        raise BuildError.single(where, None, f"cannot write the new site: {exc.strerror or exc}",
                                "check the folder's permissions and free space") from None
    return NewSite(folder, tuple(sorted(written)), demo)


def _yaml_string(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: quotes, colons and backslashes stay safe.
    return json.dumps(text, ensure_ascii=False)


def document_text(kind: DocumentKind, title: str, day: dt.date, tags: tuple[str, ...], draft: bool) -> str:
    """The front matter and a placeholder body of a new post or page."""
    lines = ["---", f"title: {_yaml_string(title)}"]
    if kind == "post":
        lines.append(f"date: {day.isoformat()}")
        if tags:
            lines.append("tags: [" + ", ".join(_yaml_string(t) for t in tags) + "]")
    if draft:
        lines.append("draft: true")
    lines += ["---", "", f"Write your {kind} here, in Markdown.", ""]
    return "\n".join(lines)


def document_path(kind: DocumentKind, title: str, day: dt.date) -> str:
    """Where `careerblog new` puts a post or page, relative to the site root."""
    slug = urls.slugify(title)
    if kind == "post":
        return f"content/posts/{day.isoformat()}-{slug}.md"
    return f"content/pages/{slug}.md"


def create_document(root: Path, kind: DocumentKind, title: str, day: dt.date, tags: tuple[str, ...] = (),
                    draft: bool = False) -> str:
    """Write a new post or page under `root`, never over an existing file; returns its relative path."""
    if not title.strip():
        raise BuildError.single("TITLE", None, f"the {kind} needs a title", f'careerblog new {kind} "My title"')
    relative = document_path(kind, title.strip(), day)
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as file:
            file.write(document_text(kind, title.strip(), day, tags, draft))
    except FileExistsError:
        raise BuildError.single(relative, None, f"a {kind} already exists at this path; careerblog new never "
                                "overwrites a file", "edit that file, or choose another title") from None
    return relative
