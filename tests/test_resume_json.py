"""/resume.json: a JSON Resume document that validates against the official schema (draft-07)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from publishing_sites import BASE_URL, HOSTILE, NOW, build_demo, write_hostile_site
from sitefiles import REPO, write_site

from careerblog.build import build
from careerblog.config import BuildOptions

SCHEMA_FILE = REPO / "tools" / "node_modules" / "@jsonresume" / "schema" / "schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    assert SCHEMA_FILE.is_file(), "the JSON Resume schema is missing: run `make test` (tools/ensure-browser.sh)"
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def errors(validator: jsonschema.Draft7Validator, document: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_demo_resume_json_validates_and_maps_every_part(validator: jsonschema.Draft7Validator,
                                                        tmp_path: Path) -> None:
    out = build_demo(tmp_path / "careerblog")
    document = json.loads((out / "resume.json").read_text(encoding="utf-8"))
    assert errors(validator, document) == []
    basics = document["basics"]
    assert basics["name"] == "Jordan Ellis"
    assert basics["label"] == "ML Cloud Engineer"
    assert basics["image"] == BASE_URL + "images/avatar.svg"
    assert basics["location"] == {"city": "Seattle", "region": "WA", "countryCode": "US"}
    assert [p["network"] for p in basics["profiles"]] == ["GitHub", "LinkedIn"]
    work = document["work"]
    assert work[0]["name"] == "Example Logistics" and "endDate" not in work[0]  # the current role, first
    assert work[-1]["position"] == "Data Engineer"
    assert work[-1]["startDate"] == "2018-01" and work[-1]["endDate"] == "2019-03"
    python = next(s for s in document["skills"] if s["name"] == "Python")
    assert python["levels"]["2018"] == 3 and python["levels"]["2025"] == 5
    assert python["level"] == "expert"
    pipeline = next(p for p in document["projects"] if p["name"] == "Automated ML Pipeline")
    assert pipeline["startDate"] == "2022-10"
    assert {"label": "Deployment time", "value": "days → hours"} in pipeline["outcomes"]
    assert document["careerblog"]["scale"]["labels"][5] == "expert"
    assert document["meta"]["canonical"] == BASE_URL + "resume.json"


def test_a_schema_violation_is_caught(validator: jsonschema.Draft7Validator) -> None:
    # The validator is live: a wrong date shape fails, so the test above can fail too.
    assert errors(validator, {"work": [{"startDate": "March 2020"}]})


def test_hostile_text_stays_text(validator: jsonschema.Draft7Validator, site_dir: Path, tmp_path: Path) -> None:
    write_hostile_site(site_dir)
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    document = json.loads((out / "resume.json").read_text(encoding="utf-8"))
    assert errors(validator, document) == []
    assert document["basics"]["name"] == HOSTILE
    assert document["work"][0]["name"] == HOSTILE


def test_site_without_career_data_has_no_resume_json(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\n---\nBody.\n"})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    assert not (out / "resume.json").exists()
