"""`/resume.json`: the profile, roles, skills and projects as a JSON Resume document (schema v1.0.0)."""

from __future__ import annotations

import json
from typing import Any

from careerblog import urls
from careerblog.fields import PartialDate
from careerblog.profile import Profile
from careerblog.site import Site
from careerblog.write import Output

RESUME_JSON = "resume.json"
SCHEMA = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"


def render_resume_json(site: Site) -> list[Output]:
    """resume.json when the site has a résumé page; nothing otherwise."""
    if not site.has_resume:
        return []
    document = resume_document(site)
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
    return [Output(RESUME_JSON, (text + "\n").encode("utf-8"))]


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Leave out empty values: JSON Resume tools treat a missing key and an empty one alike."""
    if value not in ("", None, [], {}):
        target[key] = value


def _date(value: PartialDate | None) -> str | None:
    return value.iso() if value is not None else None


def _level(year_levels: tuple[tuple[int, float], ...]) -> dict[str, float | int]:
    return {str(year): int(level) if float(level).is_integer() else level for year, level in year_levels}


def resume_document(site: Site) -> dict[str, Any]:
    """The JSON Resume mapping; careerblog's own data (levels per year, outcomes) rides along as extra keys."""
    config = site.config
    profile: Profile = site.profile

    def absolute(url: str) -> str:
        return urls.absolute(url, config.base_url, config.base_path)

    document: dict[str, Any] = {"$schema": SCHEMA}
    basics: dict[str, Any] = {}
    person = profile.person
    if person is not None:
        _put(basics, "name", person.name)
        _put(basics, "label", person.label)
        _put(basics, "image", absolute(person.image) if person.image else "")
        _put(basics, "email", person.email)
        _put(basics, "phone", person.phone)
        _put(basics, "url", absolute(person.url) if person.url else absolute(""))
        _put(basics, "summary", person.summary)
        location: dict[str, Any] = {}
        _put(location, "city", person.location.city)
        _put(location, "region", person.location.region)
        _put(location, "countryCode", person.location.country_code)
        _put(basics, "location", location)
        _put(basics, "profiles", [
            {key: value for key, value in (("network", link.network), ("username", link.username),
                                           ("url", absolute(link.url))) if value}
            for link in profile.person.profiles
        ] if profile.person else [])
    else:
        _put(basics, "name", config.author)
        _put(basics, "url", absolute(""))
    document["basics"] = basics

    work = []
    for role in reversed(profile.roles):  # JSON Resume lists the latest role first
        item: dict[str, Any] = {}
        _put(item, "name", role.organization)
        _put(item, "position", role.position)
        _put(item, "location", role.location)
        _put(item, "url", absolute(role.url) if role.url else "")
        _put(item, "startDate", _date(role.start_date))
        _put(item, "endDate", _date(role.end_date))
        _put(item, "summary", role.summary)
        _put(item, "highlights", list(role.highlights))
        _put(item, "technologies", list(role.technologies))
        work.append(item)
    _put(document, "work", work)

    skills = profile.skills
    if skills is not None:
        items = []
        for skill in skills.skills:
            item = {"name": skill.name}
            if skill.levels:
                _put(item, "level", skills.scale.label(skill.levels[-1][1]))
            _put(item, "keywords", [skill.category] if skill.category else [])
            _put(item, "category", skill.category)
            _put(item, "levels", _level(skill.levels))
            items.append(item)
        _put(document, "skills", items)

    projects = []
    for project in profile.projects:
        item = {"name": project.name}
        _put(item, "description", project.summary)
        _put(item, "highlights", [f"{o.label}: {o.value}" for o in project.outcomes])
        _put(item, "keywords", list(project.technologies))
        _put(item, "startDate", _date(project.start_date))
        _put(item, "endDate", _date(project.end_date))
        _put(item, "url", absolute(project.url) if project.url else "")
        _put(item, "entity", project.organization)
        _put(item, "outcomes", [{"label": o.label, "value": o.value} for o in project.outcomes])
        if project.featured:
            item["featured"] = True
        projects.append(item)
    _put(document, "projects", projects)

    if skills is not None:
        extra: dict[str, Any] = {"scale": {"min": skills.scale.minimum, "max": skills.scale.maximum,
                                           "labels": list(skills.scale.labels)}}
        _put(extra, "knowledgeAreas", [{"name": a.name, "levels": _level(a.levels)} for a in skills.knowledge_areas])
        _put(extra, "technologies", [
            {key: value for key, value in (("name", t.name), ("category", t.category),
                                           ("adopted", t.adopted.iso()), ("retired", _date(t.retired))) if value}
            for t in skills.technologies
        ])
        document["careerblog"] = extra
    document["meta"] = {"canonical": absolute(RESUME_JSON), "version": "v1.0.0"}
    return document
