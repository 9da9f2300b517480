"""The authoring loop's commands: `careerblog init`, `careerblog new post|page` and `careerblog serve`."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from careerblog.diagnostics import BuildError
from careerblog.scaffold import DocumentKind

F = TypeVar("F", bound=Callable[..., Any])


def _run(debug: bool, action: Callable[[], int]) -> None:
    from careerblog.cli import run_reporting  # cli adds these commands, so import it only when one runs

    run_reporting(debug, action)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(path)


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty, replacing files of the same names.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors.")
def init(directory: Path, force: bool, debug: bool) -> None:
    """Start a new site in DIRECTORY (default: here): the demo content, .gitignore, requirements.txt and a
    GitHub Pages workflow. Refuses a folder that is not empty unless --force."""

    def action() -> int:
        from careerblog.scaffold import create_site

        site = create_site(directory, force=force)
        where = _shown(directory)
        click.echo(f"created a careerblog site in {where} ({len(site.files)} files)")
        go = "" if where == "." else f"cd {where} && "
        click.echo(f"next: {go}careerblog serve    (then write: careerblog new post \"My first post\")")
        return 0

    _run(debug, action)


def _root_option(func: F) -> F:
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Site folder (default: the nearest folder above holding content/site.yml).")(func)


def _today(root: Path) -> dt.date:
    from careerblog.config import current_time, load_config
    from careerblog.diagnostics import Diagnostics

    diags = Diagnostics()
    config = load_config(root, diags)
    diags.raise_if_errors()
    return current_time().astimezone(config.tzinfo).date()


def _new_document(kind: DocumentKind, title: str, root: Path | None, tags: str, draft: bool, debug: bool) -> None:
    def action() -> int:
        from careerblog.cli import resolve_root
        from careerblog.scaffold import create_document

        site_root = resolve_root(root)
        tag_list = tuple(t.strip() for t in tags.split(",") if t.strip())
        relative = create_document(site_root, kind, title, _today(site_root), tag_list, draft)
        click.echo(_shown(site_root / relative))
        return 0

    _run(debug, action)


@click.group()
def new() -> None:
    """Start a new post or page from a title; prints the new file's path."""


@new.command("post")
@click.argument("title")
@click.option("--tags", default="", help="Comma-separated tags, e.g. --tags python,data.")
@click.option("--draft", is_flag=True, help="Mark the post as a draft (shown by serve, left out of build).")
@_root_option
@click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors.")
def new_post(title: str, tags: str, draft: bool, root: Path | None, debug: bool) -> None:
    """Write content/posts/YYYY-MM-DD-slug.md (today in the site's time zone); never overwrites a file."""
    _new_document("post", title, root, tags, draft, debug)


@new.command("page")
@click.argument("title")
@click.option("--draft", is_flag=True, help="Mark the page as a draft.")
@_root_option
@click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors.")
def new_page(title: str, draft: bool, root: Path | None, debug: bool) -> None:
    """Write content/pages/slug.md; never overwrites a file."""
    _new_document("page", title, root, "", draft, debug)


@click.command()
@_root_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 shows your drafts to other machines.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one.")
@click.option("--drafts/--no-drafts", default=True, show_default=True, help="Show posts and pages marked draft.")
@click.option("--future", is_flag=True, help="Include posts dated after now.")
@click.option("--base-url", default=None, help="Override base_url; its path is where the site is served.")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open the site in a web browser once it is built.")
@click.option("--livereload/--no-livereload", default=True, show_default=True,
              help="Reload the browser after each rebuild and show build errors in the page.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors.")
def serve(root: Path | None, host: str, port: int, drafts: bool, future: bool, base_url: str | None,
          open_browser: bool, livereload: bool, debug: bool) -> None:
    """Preview the site with live reload: builds into a temporary folder (never _site/), serves it under
    base_url's path, and rebuilds when content/, templates/ or static/ change. Stop with Ctrl-C."""

    def action() -> int:
        from careerblog.cli import resolve_root
        from careerblog.config import BuildOptions
        from careerblog.incremental import IncrementalRebuild
        from careerblog.serve import DevServer, rare_full_collections
        from careerblog.watch import watch_sources

        rare_full_collections()  # this process keeps the site in memory until Ctrl-C
        site_root = resolve_root(root)
        folder = Path(tempfile.mkdtemp(prefix="careerblog-serve-"))
        options = BuildOptions(root=site_root, output=folder, base_url=base_url, drafts=drafts, future=future)
        server = DevServer(rebuild=IncrementalRebuild(options), folder=folder,
                           base_path=_base_path(site_root, base_url), host=host, port=port, livereload=livereload,
                           log=lambda line: click.echo(line, err=True), debug=debug, root=site_root)
        try:
            server.start()
            if server.is_public:
                click.echo(f"warning: listening on {host}: other machines can see this preview, drafts "
                           "included; the default --host 127.0.0.1 serves this machine only", err=True)
            server.apply(frozenset())
            click.echo(f"serving {_shown(site_root)} at {server.url}  (Ctrl-C to stop)")
            if open_browser:
                import webbrowser

                webbrowser.open(server.url)
            server.run(watch_sources(site_root))
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
        finally:
            server.close()
            shutil.rmtree(folder, ignore_errors=True)
        return 0

    _run(debug, action)


def _base_path(root: Path, base_url: str | None) -> str:
    """The path the site is served under: base_url's path, or / while site.yml cannot be read."""
    from careerblog.config import load_config
    from careerblog.diagnostics import Diagnostics

    try:
        return load_config(root, Diagnostics(), base_url).base_path
    except BuildError:
        return "/"
