"""The Jinja2 environment: site templates before theme templates, strict, autoescaped, with our filters."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import marshal
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
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
    env.bytecode_cache = _PrecompiledTheme.load(theme_dir, env)
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


def _compile_settings(env: jinja2.Environment) -> str:
    """Everything besides a template's name, file and source that shapes the code Jinja compiles it to:
    Jinja's version, the syntax, escaping, and how each filter and test is called (pass_context and kin)."""
    syntax = (env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
              env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
              env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline)
    calls = sorted((kind, name, repr(getattr(func, "jinja_pass_arg", None)))
                   for kind, table in (("filter", env.filters), ("test", env.tests)) for name, func in table.items())
    return repr((jinja2.__version__, syntax, env.autoescape, env.optimized, env.is_async, sorted(env.extensions),
                 repr(getattr(env.finalize, "jinja_pass_arg", env.finalize is None)), calls))


class _PrecompiledTheme(jinja2.BytecodeCache):
    """A theme's templates compiled ahead of time (`precompile_theme`), as Python keeps its modules' bytecode
    in __pycache__: a cold build loads them instead of parsing and compiling every template again (40 ms
    for the built-in theme, which every build compiles in full).

    The file is used only when it was made for this environment's compile settings. Each template in it
    is keyed by its name and file, and Jinja itself compiles a template afresh when its source no longer
    matches (a checksum) or the Python version differs. A build never writes the file: it compiles what
    is missing as usual (RELIABILITY.md P4)."""

    def __init__(self, compiled: dict[str, bytes]) -> None:
        self.compiled = compiled
        self.made: dict[str, bytes] = {}

    @staticmethod
    def path(theme_dir: Path) -> Path:
        return theme_dir / "__pycache__" / f"templates.{sys.implementation.cache_tag}.jinja"

    @classmethod
    def load(cls, theme_dir: Path, env: jinja2.Environment) -> _PrecompiledTheme | None:
        try:
            settings, compiled = marshal.loads(cls.path(theme_dir).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):  # none made, unreadable or damaged: compile as usual
            return None
        if settings != _compile_settings(env) or not isinstance(compiled, dict) or \
                not all(isinstance(k, str) and isinstance(v, bytes) for k, v in compiled.items()):
            return None
        return cls(compiled)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.compiled.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)  # ignored by Jinja unless made from this very source

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.made[bucket.key] = bucket.bytecode_to_string()


def _not_while_compiling(func: Callable[..., Any]) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("depends on the site: called when the template renders")

    if hasattr(func, "jinja_pass_arg"):  # called the same way, so the compiled code is the same
        refuse.jinja_pass_arg = func.jinja_pass_arg  # type: ignore[attr-defined]
    return refuse


def precompile_theme(theme_dir: Path = THEME_DIR) -> Path:
    """Compile every template of the theme at `theme_dir` into its __pycache__ folder, for builds to load
    (`make` does it for the built-in theme, as pip compiles an installed package's modules). Returns the file."""
    config = SiteConfig(title="", base_url="https://example.org/")
    env = make_environment(theme_dir / "templates" / "<no site>", config, theme_dir)
    env.bytecode_cache = made = _PrecompiledTheme({})
    # Jinja calls a filter while compiling when its arguments are constants, and writes the result into
    # the code: `'/css/site.css' | url` would become this placeholder site's link. careerblog's filters
    # depend on the site's settings, so here they refuse, and the code calls them when it renders.
    jinja = jinja2.Environment()  # Jinja's own filters and tests depend on nothing but their arguments
    for table, defaults in ((env.filters, jinja.filters), (env.tests, jinja.tests)):
        for name, func in list(table.items()):
            if defaults.get(name) is not func:
                table[name] = _not_while_compiling(func)
    for name in env.list_templates(filter_func=lambda name: name.endswith((".html", ".xml"))):
        # One that fails is left out: a build compiles it again and reports it with the page it broke.
        with contextlib.suppress(Exception):
            env.get_template(name)
    target = _PrecompiledTheme.path(theme_dir)
    target.parent.mkdir(exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".templates-", suffix=".tmp", dir=target.parent)
    with os.fdopen(fd, "wb") as file:
        file.write(marshal.dumps((_compile_settings(env), made.made)))
    os.replace(temporary, target)
    return target


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


def template_origin(env: jinja2.Environment, name: str, site_root: Path, loaded: jinja2.Template | None = None) -> str:
    """Where a template comes from, as shown in messages: the site's path, or the theme's. A `loaded`
    template tells by the file it was read from; else the site's folder is looked at."""
    if loaded is not None and loaded.filename:  # the site's loader reads from site_root/templates/
        from_site = loaded.filename.startswith(os.path.normpath(site_root / "templates") + os.sep)
    else:
        from_site = (site_root / "templates" / name).is_file()
    return f"templates/{name}" if from_site else f"careerblog/theme/templates/{name}"


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
