"""profile: the four optional data files read into a Profile; every problem located."""

from __future__ import annotations

import re
from pathlib import Path

from sitefiles import REPO, write_site

from careerblog.diagnostics import Diagnostics
from careerblog.fields import PartialDate
from careerblog.profile import Location, Outcome, Profile, load_profile

D = "content/data/"


def load(site_dir: Path, files: dict[str, str]) -> tuple[Profile, list[str]]:
    write_site(site_dir, files)
    diags = Diagnostics()
    profile = load_profile(site_dir, diags)
    return profile, [d.format() for d in diags.items]


def test_no_data_files_is_an_empty_profile(site_dir: Path) -> None:
    profile, msgs = load(site_dir, {})
    assert (profile, msgs) == (Profile(), [])
    assert not profile.has_career


def test_all_four_files_as_the_readme_documents_them(site_dir: Path) -> None:
    profile, msgs = load(site_dir, {
        D + "profile.yml": """\
            name: Your Name
            label: ML Cloud Engineer
            summary: Builds ML platforms.
            email: you@example.org
            location: {city: Seattle, country_code: US}
            profiles:
              - {network: GitHub, username: you, url: "https://github.com/you"}
            pronouns: they/them
            """,
        D + "career.yml": """\
            - position: ML Cloud Engineer
              organization: Example Cloud
              start_date: 2021-07
              technologies: [Python, Kubernetes]
            - position: Data Engineer
              organization: Example Analytics
              start_date: 2018-01
              end_date: 2021-06
              highlights: [Moved nightly jobs to Airflow]
            """,
        D + "skills.yml": """\
            scale: {min: 0, max: 5, labels: [none, aware, beginner, working, advanced, expert]}
            categories: [Languages, Infrastructure, Data processing]
            skills:
              - {name: Python, category: Languages, levels: {2018: 3, 2022: 5}}
            knowledge_areas:
              - {name: Machine learning, levels: {2018: 1, 2024: 4}}
            technologies:
              - {name: Hadoop, category: Data processing, adopted: 2018-01, retired: 2020-06}
            """,
        D + "projects.yml": """\
            - name: Automated ML Pipeline
              summary: Deployments in hours.
              technologies: [SageMaker]
              outcomes: [{label: Deployment time, value: days -> hours}]
              start_date: 2022-03
              featured: true
            """,
    })
    assert msgs == []
    person = profile.person
    assert person is not None
    assert (person.name, person.email, person.location, str(person.location)) == (
        "Your Name", "you@example.org", Location("Seattle", "", "US"), "Seattle, US")
    assert [(p.network, p.url) for p in person.profiles] == [("GitHub", "https://github.com/you")]
    assert person.extra["pronouns"] == "they/them"
    # Roles are kept oldest first; an absent end_date means "present".
    assert [(r.position, r.start_date, r.current) for r in profile.roles] == [
        ("Data Engineer", PartialDate(2018, 1), False), ("ML Cloud Engineer", PartialDate(2021, 7), True)]
    assert profile.role_in(2022) is profile.roles[1]
    skills = profile.skills
    assert skills is not None
    assert (skills.scale.minimum, skills.scale.maximum, skills.scale.label(4)) == (0, 5, "advanced")
    assert skills.skills[0].levels == ((2018, 3.0), (2022, 5.0))
    assert skills.knowledge_areas[0].name == "Machine learning"
    assert skills.technologies[0].retired == PartialDate(2020, 6)
    (project,) = profile.projects
    assert (project.featured, project.outcomes) == (True, (Outcome("Deployment time", "days -> hours"),))


def test_profile_problems_are_all_reported(site_dir: Path) -> None:
    _, msgs = load(site_dir, {D + "profile.yml": (
        "label: L\nlocation: 3\nprofiles:\n  - {network: X, url: \"javascript:alert(1)\"}\n  - {network: Y}\n"
        "emial: x\n")})
    assert msgs == [
        "content/data/profile.yml:1: error: profile is missing required field 'name'\n  hint: add 'name'",
        "content/data/profile.yml:2:1: error: 'location' must be a mapping, "
        "for example {city: Seattle, country_code: US}",
        "content/data/profile.yml:4:18: error: 'url' has a URL scheme that is not allowed: 'javascript:alert(1)'\n"
        "  hint: use an http://, https:// or mailto: address, or a path such as /about/",
        "content/data/profile.yml:5: error: profile link 2 is missing required field 'url'\n  hint: add 'url'",
        "content/data/profile.yml:6:1: warning: unknown key 'emial' in profile; did you mean 'email'?\n"
        "  hint: rename it to 'email', or remove it",
    ]


def test_career_problems_name_lines_and_duplicates_name_both(site_dir: Path) -> None:
    _, msgs = load(site_dir, {D + "career.yml": (
        "- position: A\n  organization: O\n  start_date: 2020-01\n  end_date: 2019-01\n"
        "- position: A\n  organization: O\n  start_date: 2020-01\n"
        "- just text\n"
        "- {position: B}\n"
        "- {position: C, organization: O, start_date: 2024-02-30}\n")})
    assert msgs == [
        "content/data/career.yml:4:3: error: end_date 2019-01 is before start_date 2020-01\n"
        "  hint: swap the two dates, or correct one of them",
        "content/data/career.yml:5: error: duplicate role 'A / O / 2020-01' (first on line 1)\n"
        "  hint: each role may appear once",
        "content/data/career.yml:8: error: role 3 must be a mapping, found text",
        "content/data/career.yml:9: error: role 4 is missing required fields 'organization', 'start_date'\n"
        "  hint: add 'organization', 'start_date'",
        "content/data/career.yml:10:34: error: 'start_date' is not a valid date: '2024-02-30'\n"
        "  hint: write YYYY, YYYY-MM or YYYY-MM-DD with a real month and day",
    ]


def test_wrong_top_level_shapes_have_a_one_line_hint(site_dir: Path) -> None:
    _, msgs = load(site_dir, {D + "career.yml": "position: A\n", D + "projects.yml": "name: P\n",
                              D + "skills.yml": "- Python\n", D + "profile.yml": "- Ada\n"})
    assert msgs == [
        "content/data/career.yml:1: error: career.yml must be a list, found a mapping\n"
        "  hint: for example: - {position: Data Engineer, organization: Example, start_date: 2018-01}",
        "content/data/profile.yml:1: error: profile.yml must be a mapping, found a list\n"
        "  hint: for example: name: Your Name",
        "content/data/projects.yml:1: error: projects.yml must be a list, found a mapping\n"
        "  hint: for example: - {name: My project, summary: What it does}",
        "content/data/skills.yml:1: error: skills.yml must be a mapping, found a list\n"
        "  hint: for example: skills: [{name: Python, levels: {2020: 3}}]",
    ]


def test_an_empty_data_file_is_ignored_with_a_warning(site_dir: Path) -> None:
    profile, msgs = load(site_dir, {D + "projects.yml": "# nothing yet\n"})
    assert profile.projects == ()
    assert msgs == ["content/data/projects.yml:1: warning: data file is empty; it is ignored\n"
                    "  hint: add data to it, or delete it"]


def test_skill_levels_are_checked_against_the_scale(site_dir: Path) -> None:
    _, msgs = load(site_dir, {D + "skills.yml": (
        "scale: {min: 0, max: 5}\ncategories: [Languages]\n"
        "skills:\n  - {name: Py, category: Languages, levels: {2019: 6, 2020: 3, \"2020\": 4, later: 1}}\n"
        "  - {name: Py, category: Langs, levels: {2019: 2}}\n"
        "technologies:\n  - {name: S, adopted: 2020-01, retired: 2019-01}\n")})
    assert msgs == [
        "content/data/skills.yml:4:46: error: skill 'Py': level 6 for 2019 is outside the scale 0-5\n"
        "  hint: use a level on the scale that skills.yml declares",
        "content/data/skills.yml:4:64: error: skill 'Py': year 2020 is given twice (first on line 4)\n"
        "  hint: give each year once",
        "content/data/skills.yml:4:75: error: skill 'Py': 'later' is not a year\n"
        "  hint: use a four-digit year as the key",
        "content/data/skills.yml:5: error: duplicate skill 'Py' (first on line 4)\n"
        "  hint: each skill may appear once",
        "content/data/skills.yml:5:16: error: skill 'Py': unknown category 'Langs'\n"
        "  hint: declare it under 'categories', or use one of: Languages",
        "content/data/skills.yml:7:33: error: retired 2019-01 is before adopted 2020-01",
    ]


def test_scale_labels_must_match_its_levels(site_dir: Path) -> None:
    _, msgs = load(site_dir, {D + "skills.yml": "scale: {min: 1, max: 3, labels: [a, b]}\n"})
    assert msgs == ["content/data/skills.yml:1:25: error: scale has 3 levels (1-3) but 2 labels\n"
                    "  hint: give one label per level, from min to max"]


def test_project_problems(site_dir: Path) -> None:
    _, msgs = load(site_dir, {D + "projects.yml": (
        "- name: P\n  outcomes: [{label: a}]\n  url: \"javascript:x\"\n- name: P\n- summary: no name\n")})
    assert msgs == [
        "content/data/projects.yml:2: error: outcome 1 is missing required field 'value'\n  hint: add 'value'",
        "content/data/projects.yml:3:3: error: 'url' has a URL scheme that is not allowed: 'javascript:x'\n"
        "  hint: use an http://, https:// or mailto: address, or a path such as /about/",
        "content/data/projects.yml:4: error: duplicate project 'P' (first on line 1)\n"
        "  hint: each project may appear once",
        "content/data/projects.yml:5: error: project 3 is missing required field 'name'\n  hint: add 'name'",
    ]


def test_malformed_data_file_and_non_utf8_bytes(site_dir: Path) -> None:
    write_site(site_dir, {D + "career.yml": "- position: [A\n"})
    (site_dir / D / "profile.yml").write_bytes(b"name: Ad\xe1\n")
    diags = Diagnostics()
    load_profile(site_dir, diags)
    assert [d.format().split("\n")[0] for d in diags.items] == [
        "content/data/career.yml:2:1: error: did not find expected ',' or ']'",
        "content/data/profile.yml:1:9: error: file is not valid UTF-8 (byte 0xe1)",
    ]


def test_the_readme_examples_load_without_a_problem(site_dir: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Data files\n", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"\*\*`(\w+\.yml)`\*\*.*?```yaml\n(.*?)```", section, re.S)
    assert [name for name, _ in examples] == ["profile.yml", "career.yml", "skills.yml", "projects.yml"]
    profile, msgs = load(site_dir, {D + name: text for name, text in examples})
    assert msgs == []
    assert profile.person is not None and profile.roles and profile.skills and profile.projects
