"""What browser tests share besides fixtures: the record of a page's problems."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
