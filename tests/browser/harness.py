"""What browser tests share besides fixtures: the record of a page's problems."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


# One page of each kind the demo builds (site-relative URLs under the served sub-path).
DEMO_PAGES: dict[str, str] = {
    "home": "",
    "archive": "posts/",
    "post": "posts/triggering-model-retraining-from-airflow/",
    "post-with-shortcodes": "posts/from-data-engineer-to-ml-cloud-engineer/",
    "tags": "tags/",
    "tag": "tags/airflow/",
    "career": "career/",
    "projects": "projects/",
    "resume": "resume/",
    "page": "about/",
    "404": "404.html",
}
