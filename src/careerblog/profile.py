"""Career data: `content/data/{profile,career,skills,projects}.yml`, read and validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from careerblog.diagnostics import BuildError, Diagnostics
from careerblog.fields import Fields, PartialDate, type_name
from careerblog.posts import decode_text, read_bytes
from careerblog.yamlfile import line_of, load_yaml, position_of

DATA_DIR = "content/data"
PERSON_KEYS = ("name", "label", "summary", "email", "phone", "url", "image", "location", "profiles")
ROLE_KEYS = ("position", "organization", "url", "location", "start_date", "end_date", "summary",
             "highlights", "technologies")
PROJECT_KEYS = ("name", "summary", "description", "technologies", "outcomes", "url", "start_date",
                "end_date", "featured", "organization", "image")
SKILLS_KEYS = ("scale", "categories", "skills", "knowledge_areas", "technologies")
Frozen = MappingProxyType[str, Any]


def _frozen(data: dict[Any, Any], known: tuple[str, ...]) -> Frozen:
    return MappingProxyType({str(k): v for k, v in data.items() if k not in known})


@dataclass(frozen=True, slots=True)
class Location:
    city: str = ""
    region: str = ""
    country_code: str = ""

    def __str__(self) -> str:
        return ", ".join(p for p in (self.city, self.region, self.country_code) if p)


@dataclass(frozen=True, slots=True)
class SocialProfile:
    network: str
    url: str
    username: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    label: str = ""
    summary: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""
    image: str = ""
    location: Location = field(default_factory=Location)
    profiles: tuple[SocialProfile, ...] = ()
    extra: Frozen = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Role:
    position: str
    organization: str
    start_date: PartialDate
    end_date: PartialDate | None = None  # None: the role goes on today
    url: str = ""
    location: str = ""
    summary: str = ""
    highlights: tuple[str, ...] = ()
    technologies: tuple[str, ...] = ()
    extra: Frozen = field(default_factory=lambda: MappingProxyType({}))

    @property
    def current(self) -> bool:
        return self.end_date is None

    def held_in(self, year: int) -> bool:
        end = self.end_date.year if self.end_date else 9999
        return self.start_date.year <= year <= end


@dataclass(frozen=True, slots=True)
class Outcome:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    summary: str = ""
    description: str = ""  # Markdown
    technologies: tuple[str, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    url: str = ""
    image: str = ""
    organization: str = ""
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    featured: bool = False
    extra: Frozen = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Scale:
    minimum: int = 0
    maximum: int = 5
    labels: tuple[str, ...] = ()

    def label(self, level: float) -> str:
        index = round(level) - self.minimum
        return self.labels[index] if 0 <= index < len(self.labels) else f"{level:g}"


@dataclass(frozen=True, slots=True)
class Skill:
    name: str
    category: str
    levels: tuple[tuple[int, float], ...]  # (year, level), sorted by year


@dataclass(frozen=True, slots=True)
class KnowledgeArea:
    name: str
    levels: tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class Technology:
    name: str
    category: str
    adopted: PartialDate
    retired: PartialDate | None = None


@dataclass(frozen=True, slots=True)
class Skills:
    scale: Scale = field(default_factory=Scale)
    categories: tuple[str, ...] = ()
    skills: tuple[Skill, ...] = ()
    knowledge_areas: tuple[KnowledgeArea, ...] = ()
    technologies: tuple[Technology, ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    """The author's career: each part is None or empty when its data file does not exist."""

    person: Person | None = None
    roles: tuple[Role, ...] = ()
    skills: Skills | None = None
    projects: tuple[Project, ...] = ()

    @property
    def has_career(self) -> bool:
        return bool(self.roles) or self.skills is not None

    def role_in(self, year: int) -> Role | None:
        """The role held in `year` (the latest one started, when two overlap)."""
        held = [r for r in self.roles if r.held_in(year)]
        return max(held, key=lambda r: r.start_date.sort_value()) if held else None


def _read(root: Path, name: str, diags: Diagnostics) -> tuple[str, Any]:
    relative = f"{DATA_DIR}/{name}"
    file = root / relative
    if not file.is_file():
        return relative, None
    try:
        data = load_yaml(decode_text(read_bytes(file, relative), relative), relative)
    except BuildError as exc:
        diags.extend(exc.diagnostics)
        return relative, None
    if data is None or data == [] or data == {}:
        diags.warning(relative, 1, "data file is empty; it is ignored", "add data to it, or delete it")
        return relative, None
    return relative, data


def _expect(data: Any, kind: type, path: str, diags: Diagnostics, example: str) -> bool:
    if isinstance(data, kind):
        return True
    wanted = "a list" if kind is list else "a mapping"
    diags.error(path, line_of(data) or 1, f"{Path(path).name} must be {wanted}, found {type_name(data)}", example)
    return False


def _check_unique(items: list[tuple[Any, int | None]], what: str, path: str, diags: Diagnostics) -> None:
    first: dict[Any, int | None] = {}
    for key, line in items:
        if key in first:
            diags.error(path, line, f"duplicate {what} {key if isinstance(key, str) else ' / '.join(map(str, key))!r}"
                        f" (first on line {first[key]})", f"each {what} may appear once")
        else:
            first[key] = line


def _dates_in_order(f: Fields, start: PartialDate | None, end: PartialDate | None) -> None:
    if start and end and end.sort_value() < start.sort_value():
        f.error("end_date", f"end_date {end.iso()} is before start_date {start.iso()}",
                "swap the two dates, or correct one of them")


def _person(data: Any, path: str, diags: Diagnostics) -> Person | None:
    if not _expect(data, dict, path, diags, "for example: name: Your Name"):
        return None
    f = Fields(data, path, diags, "profile")
    f.check_keys(PERSON_KEYS)
    f.require("name")
    location = Location()
    raw_loc = data.get("location")
    if isinstance(raw_loc, dict):
        lf = Fields(raw_loc, path, diags, "location")
        lf.check_keys(("city", "region", "country_code", "address", "postal_code"))
        location = Location(lf.text("city"), lf.text("region"), lf.text("country_code"))
    elif isinstance(raw_loc, str):
        location = Location(city=raw_loc)
    elif raw_loc is not None:
        f.error("location", "'location' must be a mapping, for example {city: Seattle, country_code: US}")
    profiles: list[SocialProfile] = []
    raw_profiles = data.get("profiles") or []
    if not isinstance(raw_profiles, list):
        f.error("profiles", "'profiles' must be a list of {network, url}")
        raw_profiles = []
    for i, entry in enumerate(raw_profiles):
        if not isinstance(entry, dict):
            diags.error(path, line_of(raw_profiles, i), f"profile link {i + 1} must be a mapping with network and url")
            continue
        pf = Fields(entry, path, diags, f"profile link {i + 1}")
        pf.check_keys(("network", "username", "url"))
        if pf.require("network", "url"):
            url = pf.url("url")
            if url:
                profiles.append(SocialProfile(pf.text("network"), url, pf.text("username")))
    return Person(
        name=f.text("name"), label=f.text("label"), summary=f.text("summary"), email=f.text("email"),
        phone=f.text("phone"), url=f.url("url"), image=f.url("image"), location=location,
        profiles=tuple(profiles), extra=_frozen(data, PERSON_KEYS),
    )


def _roles(data: Any, path: str, diags: Diagnostics) -> tuple[Role, ...]:
    example = "for example: - {position: Data Engineer, organization: Example, start_date: 2018-01}"
    if not _expect(data, list, path, diags, example):
        return ()
    roles: list[Role] = []
    seen: list[tuple[Any, int | None]] = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            diags.error(path, line_of(data, i), f"role {i + 1} must be a mapping, found {type_name(entry)}")
            continue
        f = Fields(entry, path, diags, f"role {i + 1}")
        f.check_keys(ROLE_KEYS)
        ok = f.require("position", "organization", "start_date")
        start = f.partial_date("start_date")
        end = f.partial_date("end_date")
        _dates_in_order(f, start, end)
        if not ok or start is None:
            continue
        role = Role(
            position=f.text("position"), organization=f.text("organization"), start_date=start, end_date=end,
            url=f.url("url"), location=f.text("location"), summary=f.text("summary"),
            highlights=f.text_list("highlights"), technologies=f.text_list("technologies"),
            extra=_frozen(entry, ROLE_KEYS),
        )
        seen.append(((role.position, role.organization, start.iso()), f.line()))
        roles.append(role)
    _check_unique(seen, "role", path, diags)
    return tuple(sorted(roles, key=lambda r: r.start_date.sort_value()))


def _projects(data: Any, path: str, diags: Diagnostics) -> tuple[Project, ...]:
    if not _expect(data, list, path, diags, "for example: - {name: My project, summary: What it does}"):
        return ()
    projects: list[Project] = []
    seen: list[tuple[Any, int | None]] = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            diags.error(path, line_of(data, i), f"project {i + 1} must be a mapping, found {type_name(entry)}")
            continue
        f = Fields(entry, path, diags, f"project {i + 1}")
        f.check_keys(PROJECT_KEYS)
        if not f.require("name"):
            continue
        outcomes: list[Outcome] = []
        raw_outcomes = entry.get("outcomes") or []
        if not isinstance(raw_outcomes, list):
            f.error("outcomes", "'outcomes' must be a list of {label, value}")
            raw_outcomes = []
        for j, item in enumerate(raw_outcomes):
            if not isinstance(item, dict):
                diags.error(path, line_of(raw_outcomes, j), f"outcome {j + 1} must be a mapping with label and value",
                            "- {label: Deployment time, value: days -> hours}")
                continue
            of = Fields(item, path, diags, f"outcome {j + 1}")
            of.check_keys(("label", "value"))
            if of.require("label", "value"):
                outcomes.append(Outcome(of.text("label"), of.text("value")))
        start, end = f.partial_date("start_date"), f.partial_date("end_date")
        _dates_in_order(f, start, end)
        project = Project(
            name=f.text("name"), summary=f.text("summary"), description=f.text("description"),
            technologies=f.text_list("technologies"), outcomes=tuple(outcomes), url=f.url("url"),
            image=f.url("image"), organization=f.text("organization"), start_date=start, end_date=end,
            featured=f.boolean("featured"), extra=_frozen(entry, PROJECT_KEYS),
        )
        seen.append((project.name, f.line()))
        projects.append(project)
    _check_unique(seen, "project", path, diags)
    return tuple(projects)


def _levels(raw: Any, f: Fields, scale: Scale, owner: str) -> tuple[tuple[int, float], ...]:
    if not isinstance(raw, dict) or not raw:
        f.error("levels", f"{owner} needs 'levels', a mapping of year to level", "levels: {2019: 2, 2021: 4}")
        return ()
    out: dict[int, float] = {}
    lines: dict[int, int | None] = {}
    for year, level in raw.items():
        line = line_of(raw, year)
        at = position_of(raw, year)
        col = at[1] if at else None  # where the year stands, for the messages below
        year_value = int(year) if isinstance(year, str) and year.strip().isdigit() else year
        if isinstance(year_value, bool) or not isinstance(year_value, int) or not 1900 <= year_value <= 2999:
            f.diagnostics.error(f.path, line, f"{owner}: {year!r} is not a year", "use a four-digit year as the key",
                                col=col)
            continue
        if year_value in lines:
            f.diagnostics.error(f.path, line, f"{owner}: year {year_value} is given twice (first on line "
                                f"{lines[year_value]})", "give each year once", col=col)
            continue
        lines[year_value] = line
        if isinstance(level, bool) or not isinstance(level, int | float):
            f.diagnostics.error(f.path, line, f"{owner}: level for {year_value} must be a number, found {level!r}",
                                col=col)
            continue
        if not scale.minimum <= level <= scale.maximum:
            f.diagnostics.error(f.path, line,
                                f"{owner}: level {level:g} for {year_value} is outside the scale "
                                f"{scale.minimum}-{scale.maximum}",
                                "use a level on the scale that skills.yml declares", col=col)
            continue
        out[year_value] = float(level)
    return tuple(sorted(out.items()))


def _scale(data: dict[Any, Any], path: str, diags: Diagnostics) -> Scale:
    raw = data.get("scale")
    if raw is None:
        return Scale()
    if not isinstance(raw, dict):
        diags.error(path, line_of(data, "scale"), "'scale' must be a mapping: {min: 0, max: 5, labels: [...]}")
        return Scale()
    f = Fields(raw, path, diags, "scale")
    f.check_keys(("min", "max", "labels"))
    lo, hi = f.integer("min", 0), f.integer("max", 5)
    if hi <= lo:
        f.error("max", f"scale max ({hi}) must be greater than min ({lo})")
        return Scale()
    labels = f.text_list("labels")
    if labels and len(labels) != hi - lo + 1:
        f.error("labels", f"scale has {hi - lo + 1} levels ({lo}-{hi}) but {len(labels)} labels",
                "give one label per level, from min to max")
        labels = ()
    return Scale(lo, hi, labels)


def _named_list(data: dict[Any, Any], key: str, path: str, diags: Diagnostics) -> list[tuple[int, dict[Any, Any]]]:
    raw = data.get(key) or []
    if not isinstance(raw, list):
        diags.error(path, line_of(data, key), f"{key!r} must be a list")
        return []
    out = []
    for i, entry in enumerate(raw):
        if isinstance(entry, dict):
            out.append((i, entry))
        else:
            diags.error(path, line_of(raw, i), f"item {i + 1} of {key!r} must be a mapping, found {type_name(entry)}")
    return out


def _check_periods(areas: list[KnowledgeArea], lines: list[int | None], path: str, diags: Diagnostics) -> None:
    """Knowledge areas are compared year by year: an area that skips a year the others give has a hole."""
    years = {y for area in areas for y, _ in area.levels}
    for area, line in zip(areas, lines, strict=True):
        missing = sorted(years - {y for y, _ in area.levels}) if area.levels else []
        if missing:
            listed = ", ".join(map(str, missing))
            which = "that year" if len(missing) == 1 else "those years"
            diags.warning(path, line, f"knowledge area {area.name!r} has no level for {listed}, which other areas "
                          f"give; the knowledge-areas chart leaves it out of {which}",
                          "give every knowledge area a level for the same years")


def _skills(data: Any, path: str, diags: Diagnostics) -> Skills | None:
    if not _expect(data, dict, path, diags, "for example: skills: [{name: Python, levels: {2020: 3}}]"):
        return None
    top = Fields(data, path, diags, "skills.yml")
    top.check_keys(SKILLS_KEYS)
    scale = _scale(data, path, diags)
    categories = top.text_list("categories")

    def category_of(f: Fields, what: str) -> str:
        category = f.text("category")
        if categories and category and category not in categories:
            f.error("category", f"{what}: unknown category {category!r}",
                    "declare it under 'categories', or use one of: " + ", ".join(categories))
        return category

    skills: list[Skill] = []
    seen: list[tuple[Any, int | None]] = []
    for i, entry in _named_list(data, "skills", path, diags):
        f = Fields(entry, path, diags, f"skill {i + 1}")
        f.check_keys(("name", "category", "levels"))
        if not f.require("name"):
            continue
        name = f.text("name")
        skills.append(Skill(name, category_of(f, f"skill {name!r}") or "Other",
                            _levels(entry.get("levels"), f, scale, f"skill {name!r}")))
        seen.append((name, f.line()))
    _check_unique(seen, "skill", path, diags)

    areas: list[KnowledgeArea] = []
    seen = []
    for i, entry in _named_list(data, "knowledge_areas", path, diags):
        f = Fields(entry, path, diags, f"knowledge area {i + 1}")
        f.check_keys(("name", "levels"))
        if not f.require("name"):
            continue
        name = f.text("name")
        areas.append(KnowledgeArea(name, _levels(entry.get("levels"), f, scale, f"knowledge area {name!r}")))
        seen.append((name, f.line()))
    _check_unique(seen, "knowledge area", path, diags)
    _check_periods(areas, [line for _, line in seen], path, diags)

    technologies: list[Technology] = []
    seen = []
    for i, entry in _named_list(data, "technologies", path, diags):
        f = Fields(entry, path, diags, f"technology {i + 1}")
        f.check_keys(("name", "category", "adopted", "retired"))
        if not f.require("name", "adopted"):
            continue
        adopted, retired = f.partial_date("adopted"), f.partial_date("retired")
        if adopted and retired and retired.sort_value() < adopted.sort_value():
            f.error("retired", f"retired {retired.iso()} is before adopted {adopted.iso()}")
        if adopted is None:
            continue
        name = f.text("name")
        technologies.append(Technology(name, category_of(f, f"technology {name!r}") or "Other", adopted, retired))
        seen.append((name, f.line()))
    _check_unique(seen, "technology", path, diags)
    return Skills(scale, categories, tuple(skills), tuple(areas), tuple(technologies))


def load_profile(root: Path, diags: Diagnostics) -> Profile:
    """Read the four optional data files; a missing file leaves its part of the profile empty."""
    person_path, person_data = _read(root, "profile.yml", diags)
    career_path, career_data = _read(root, "career.yml", diags)
    skills_path, skills_data = _read(root, "skills.yml", diags)
    projects_path, projects_data = _read(root, "projects.yml", diags)
    return Profile(
        person=_person(person_data, person_path, diags) if person_data is not None else None,
        roles=_roles(career_data, career_path, diags) if career_data is not None else (),
        skills=_skills(skills_data, skills_path, diags) if skills_data is not None else None,
        projects=_projects(projects_data, projects_path, diags) if projects_data is not None else (),
    )
