"""The `careerblog` command: turns BuildErrors into located messages and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from careerblog import __version__
from careerblog.diagnostics import BuildError, Diagnostic

F = TypeVar("F", bound=Callable[..., Any])


def echo_diagnostic(diagnostic: Diagnostic) -> None:
    click.echo(diagnostic.format(), err=True)


def site_options(func: F) -> F:
    """The options every command that builds a site shares."""
    decorators = [
        click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Site folder (default: the nearest folder above holding content/site.yml)."),
        click.option("--base-url", default=None, help="Override base_url, e.g. https://user.github.io/repo/."),
        click.option("--drafts", is_flag=True, help="Include posts and pages marked draft."),
        click.option("--future", is_flag=True, help="Include posts dated after now."),
        click.option("--strict", is_flag=True, help="Treat warnings as errors."),
        click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def resolve_root(root: Path | None) -> Path:
    from careerblog.build import find_root

    if root is not None:
        if not (root / "content" / "site.yml").is_file():
            raise BuildError.single(str(root), None, "not a careerblog site: content/site.yml not found",
                                    "run careerblog init to start a site here")
        return root.resolve()
    found = find_root(Path.cwd())
    if found is None:
        raise BuildError.single(".", None, "no careerblog site here or above: content/site.yml not found",
                                "run careerblog init, or pass --root DIR")
    return found


def run_reporting(debug: bool, action: Callable[[], int]) -> None:
    """Run a command body; user errors print located messages and exit 1, never a traceback."""
    try:
        code = action()
    except BuildError as exc:
        for diagnostic in exc.diagnostics:
            echo_diagnostic(diagnostic)
        errors = sum(1 for d in exc.diagnostics if d.severity == "error")
        click.echo(f"careerblog: failed with {errors} error{'s' if errors != 1 else ''}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("careerblog: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"careerblog: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("  hint: run again with --debug for the traceback, and please report it", err=True)
        sys.exit(1)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="careerblog")
def main() -> None:
    """careerblog: Markdown posts and YAML career data in, a fast accessible career site out."""


@main.command()
@site_options
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: _site/ in the site folder).")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning and skipped file.")
def build(root: Path | None, base_url: str | None, drafts: bool, future: bool, strict: bool, debug: bool,
          output: Path | None, quiet: bool, verbose: bool) -> None:
    """Build the site into _site/ (or --output), replacing it only when the whole build succeeds."""

    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose cannot be used together")

    def action() -> int:
        from careerblog.build import build as build_site
        from careerblog.config import BuildOptions

        site_root = resolve_root(root)
        out = (output.expanduser() if output is not None else site_root / "_site").absolute()
        result = build_site(BuildOptions(root=site_root, output=out, base_url=base_url, drafts=drafts,
                                         future=future, strict=strict))
        if not quiet:
            for warning in result.rendered.warnings:
                echo_diagnostic(warning)
            for note in result.rendered.notes:
                click.echo(note, err=True)
            if verbose:
                for item in result.rendered.site.skipped_drafts:
                    click.echo(f"{item.source}: skipped, draft; --drafts includes it", err=True)
            warnings = len(result.rendered.warnings)
            click.echo(f"built {result.files} files into {out} in {result.seconds:.2f} s, "
                       f"{warnings} warning{'s' if warnings != 1 else ''}")
        return 0

    run_reporting(debug, action)


def entry_point() -> None:
    main()


if __name__ == "__main__":
    entry_point()
