"""The Jinja2 environment: site templates before theme templates, strict, autoescaped, with our filters."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from careerblog import __version__, urls
from careerblog.config import SiteConfig
from careerblog.diagnostics import Diagnostic
from careerblog.fields import PartialDate
from careerblog.markup import MarkdownRenderer

THEME_DIR = Path(__file__).parent / "theme"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def format_date(value: dt.datetime | dt.date, fmt: str, tz: dt.tzinfo) -> str:
    """strftime with English month names whatever the machine's locale, so output never varies."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz)
    month = MONTHS[value.month - 1]
    fmt = fmt.replace("%B", month).replace("%b", month[:3]).replace("%-d", str(value.day))
    fmt = fmt.replace("%A", "").replace("%a", "")
    return value.strftime(fmt).strip()


def format_partial(value: PartialDate | None, present: str = "Present") -> str:
    if value is None:
        return present
    if value.month:
        return f"{MONTHS[value.month - 1][:3]} {value.year}"
    return str(value.year)


def make_environment(site_root: Path, config: SiteConfig, theme_dir: Path = THEME_DIR) -> jinja2.Environment:
    """A site's own `templates/` file wins over the theme's file of the same name."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(site_root / "templates")),
        jinja2.FileSystemLoader(str(theme_dir / "templates")),
    ])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    base_path, base_url, tz = config.base_path, config.base_url, config.tzinfo
    # Every page links the same few hundred URLs; quoting them once per environment saves a tenth of rendering.
    env.filters["url"] = functools.lru_cache(maxsize=65536)(lambda value: urls.link(str(value), base_path))
    env.filters["absolute_url"] = lambda value: urls.absolute(str(value), base_url, base_path)
    # And each post's date is shown on its page, the home, archive and tag pages: formatted once.
    env.filters["date"] = _once_per_value(lambda value, fmt=None: format_date(value, fmt or config.date_format, tz))
    env.filters["isodate"] = _once_per_value(lambda value: (
        value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if isinstance(value, dt.datetime)
        else value.isoformat()
    ))
    env.filters["partial_date"] = format_partial
    env.filters["slugify"] = urls.slugify
    env.filters["markdown"] = lambda text: markdown_inline(str(text), base_path)
    env.globals["careerblog_version"] = __version__
    return env


def _once_per_value(func: Callable[..., str]) -> Callable[..., str]:
    """A filter that works out each value once; a value that cannot be a key (a template passing a list)
    goes straight to `func`, so its error is the filter's own, not "unhashable type"."""
    remembered = functools.lru_cache(maxsize=65536)(func)

    def apply(*args: Any, **kwargs: Any) -> str:
        try:
            return remembered(*args, **kwargs)
        except TypeError:
            return func(*args, **kwargs)

    return apply


def compile_templates(env: jinja2.Environment) -> None:
    """Compile the page templates in this process, before the workers that render pages fork from it;
    otherwise each of them compiles them again. One that fails is left to fail where it is used, with
    its message."""
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")
                                   and not name.startswith("shortcodes/")):
        # Any failure (syntax, an unreadable file, bad UTF-8) comes again where the template is used, and is
        # reported there with the page it broke.
        with contextlib.suppress(Exception):
            env.get_template(name)


def template_origin(env: jinja2.Environment, name: str, site_root: Path) -> str:
    """Where a template comes from, as shown in messages: the site's path, or the theme's."""
    site_file = site_root / "templates" / name
    if site_file.is_file():
        return f"templates/{name}"
    return f"careerblog/theme/templates/{name}"


class ShortcodeArgumentError(Exception):
    """Raised from a shortcode template (through `fail`) for arguments it cannot use."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def fail(message: str, hint: str = "") -> None:
    """Template global: stop a shortcode with a message located at the shortcode's line."""
    raise ShortcodeArgumentError(message, hint)


def template_error(exc: BaseException, site_root: Path, doing: str) -> Diagnostic:
    """Turn an exception raised while loading or rendering a template into a located message."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = _display_path(exc.filename or exc.name or "template", site_root)
        return Diagnostic(path, exc.lineno, None, "error", f"template syntax error: {exc.message} ({doing})",
                          "fix the template syntax")
    if isinstance(exc, jinja2.TemplateNotFound):
        return Diagnostic(str(exc.name), None, None, "error", f"template {exc.name!r} not found ({doing})",
                          "add it under templates/, or correct the name")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".xml", ".j2"))]
    if frames:
        frame = frames[-1]
        path = _display_path(frame.filename, site_root)
        if isinstance(exc, ShortcodeArgumentError):
            return Diagnostic(path, frame.lineno, None, "error", f"{exc} ({doing})", exc.hint)
        message = str(exc) if isinstance(exc, jinja2.UndefinedError) else f"{type(exc).__name__}: {exc}"
        return Diagnostic(path, frame.lineno, None, "error", f"{message} ({doing})",
                          "check the variable names against the template context in the README")
    return Diagnostic("template", None, None, "error", f"{type(exc).__name__}: {exc} ({doing})")


def _display_path(filename: str, site_root: Path) -> str:
    path = Path(filename)
    try:
        return path.resolve().relative_to(site_root.resolve()).as_posix()
    except ValueError:
        pass
    try:
        return "careerblog/theme/" + path.resolve().relative_to(THEME_DIR.resolve()).as_posix()
    except ValueError:
        return filename


def markdown_inline(text: str, base_path: str) -> Markup:
    """Filter for short Markdown in data files (a project's description), links under the base path.

    Data files hold text, not HTML (RELIABILITY.md): raw tags are escaped before Markdown sees them.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return Markup(MarkdownRenderer(base_path).convert(text).html)


def safe(html: str) -> Markup:
    """HTML that careerblog produced itself (rendered Markdown, expanded shortcodes)."""
    return Markup(html)


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    return env.get_template(name).render(context)
