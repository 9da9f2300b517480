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


class _Commands(click.Group):
    """careerblog's commands; the authoring loop's (init, new, serve, in authoring.py) are imported only
    when one of them runs or help lists them, so that `careerblog build` does not load them."""

    AUTHORING = ("init", "new", "serve")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.AUTHORING})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.AUTHORING:
            from careerblog import authoring

            command: click.Command = getattr(authoring, cmd_name)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="careerblog")
def main() -> None:
    """careerblog: Markdown posts and YAML career data in, a fast accessible career site out."""


@main.command()
@site_options
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: _site/ in the site folder).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Build everything afresh, neither reading nor writing .careerblog-cache/.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning and skipped file.")
@click.option("--timings", is_flag=True, help="Print how long each stage of the build took.")
def build(root: Path | None, base_url: str | None, drafts: bool, future: bool, strict: bool, debug: bool,
          output: Path | None, no_cache: bool, quiet: bool, verbose: bool, timings: bool) -> None:
    """Build the site into _site/ (or --output), replacing it only when the whole build succeeds."""

    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose cannot be used together")

    def action() -> int:
        from careerblog.build import build as build_site
        from careerblog.config import BuildOptions

        site_root = resolve_root(root)
        out = (output.expanduser() if output is not None else site_root / "_site").absolute()
        result = build_site(BuildOptions(root=site_root, output=out, base_url=base_url, drafts=drafts,
                                         future=future, strict=strict, cache=not no_cache))
        if not quiet:
            report = result.report
            for warning in report.warnings:
                echo_diagnostic(warning)
            for note in report.notes:
                click.echo(note, err=True)
            if verbose:
                for source in report.skipped_drafts:
                    click.echo(f"{source}: skipped, draft; --drafts includes it", err=True)
            warnings = f"{len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''}"
            if result.up_to_date:
                click.echo(f"{out} is up to date: nothing changed since the last build ({result.files} files, "
                           f"{warnings}; {result.seconds:.2f} s)")
            else:
                click.echo(f"built {result.files} files into {out} in {result.seconds:.2f} s, {warnings}")
        if timings:
            for lap in result.laps:
                detail = f"  ({lap.detail})" if lap.detail else ""
                click.echo(f"  {lap.stage:<40} {lap.seconds:7.3f} s{detail}")
        return 0

    run_reporting(debug, action)


@main.command()
@site_options
@click.option("--built", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Check this folder, already built, instead of building into memory.")
@click.option("--external", is_flag=True, help="Also request every external http(s) link (needs the network).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds to wait for each external link.")
def check(root: Path | None, base_url: str | None, drafts: bool, future: bool, strict: bool, debug: bool,
          built: Path | None, external: bool, timeout: float) -> None:
    """Verify every internal link, #anchor, image, stylesheet and script resolves; _site/ is never touched."""

    def action() -> int:
        from careerblog.check import check_site
        from careerblog.config import BuildOptions

        # A built folder can be checked without its sources; with them, messages name the source files.
        without_sources = built is not None and root is None and find_site() is None
        site_root = Path.cwd() if without_sources else resolve_root(root)
        options = BuildOptions(root=site_root, output=site_root / "_site", base_url=base_url, drafts=drafts,
                               future=future, strict=strict)
        result = check_site(options, built.absolute() if built else None, external, timeout)
        for warning in result.warnings:
            echo_diagnostic(warning)
        for error in result.errors:
            echo_diagnostic(error)
        asked = f", {result.external} external URLs" if external else ""
        summary = f"checked {result.report.links} links in {result.report.pages} pages{asked}"
        if result.errors:
            count = len(result.errors)
            click.echo(f"careerblog: {summary}: {count} broken link{'s' if count != 1 else ''}", err=True)
            return 1
        click.echo(f"{summary}: all resolve")
        return 0

    run_reporting(debug, action)


@main.command()
@site_options
@click.option("--remote", default="origin", show_default=True, help="Git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch that GitHub Pages publishes.")
@click.option("--force", is_flag=True, help="Replace the branch's history with one new commit.")
@click.option("-m", "--message", default=None, help="Commit message (default names the source commit).")
def deploy(root: Path | None, base_url: str | None, drafts: bool, future: bool, strict: bool, debug: bool,
           remote: str, branch: str, force: bool, message: str | None) -> None:
    """Build into a temporary folder and push it as a new commit on the gh-pages branch."""

    def action() -> int:
        from careerblog.config import BuildOptions
        from careerblog.deploy import deploy_site

        site_root = resolve_root(root)
        options = BuildOptions(root=site_root, output=site_root / "_site", base_url=base_url, drafts=drafts,
                               future=future, strict=strict)
        result = deploy_site(options, remote=remote, branch=branch, force=force, message=message,
                             warn=lambda text: click.echo(text, err=True))
        click.echo(f"deployed {result.files} files to {remote}/{branch} as {result.commit[:12]}"
                   f"{' (history replaced)' if force else ''}")
        return 0

    run_reporting(debug, action)


def find_site() -> Path | None:
    from careerblog.build import find_root

    return find_root(Path.cwd())


if __name__ == "__main__":
    main()
