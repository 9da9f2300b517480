"""Located problems in a site's sources, and the exception that carries them to the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where it is, what is wrong, and how to fix it."""

    path: str
    line: int | None
    col: int | None
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.col or 0, self.message)


class Diagnostics:
    """Collects every problem of one stage so a run reports them all together."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def error(self, path: str, line: int | None, message: str, hint: str = "", col: int | None = None) -> None:
        self._items.append(Diagnostic(path, line, col, "error", message, hint))

    def warning(self, path: str, line: int | None, message: str, hint: str = "", col: int | None = None) -> None:
        self._items.append(Diagnostic(path, line, col, "warning", message, hint))

    def add(self, diagnostic: Diagnostic) -> None:
        self._items.append(diagnostic)

    def extend(self, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
        self._items.extend(diagnostics)

    @property
    def items(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(self._items, key=Diagnostic.sort_key))

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self._items)

    def raise_if_errors(self) -> None:
        """Stop the build after a stage that found errors, carrying warnings along too."""
        if self.has_errors:
            raise BuildError(self.items)


class BuildError(Exception):
    """A build failed for reasons in the user's sources; the CLI prints the diagnostics, exits 1."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics

    def __reduce__(self) -> tuple[type[BuildError], tuple[tuple[Diagnostic, ...]]]:
        return BuildError, (self.diagnostics,)  # whole, when a build worker sends it to the main process

    @classmethod
    def single(cls, path: str, line: int | None, message: str, hint: str = "") -> BuildError:
        return cls((Diagnostic(path, line, None, "error", message, hint),))
