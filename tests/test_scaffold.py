"""`careerblog init` and `careerblog new`: a new site that builds at once, and new posts and pages."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitefiles import REPO, write_site

from careerblog import __version__
from careerblog.cli import main
from careerblog.scaffold import CHECKOUT_ROOT, DEMO_FOLDERS, create_site, document_text, find_demo

EPOCH_2026_03_04 = "1772625600"  # 2026-03-04T12:00:00Z


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def demo_sources(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for name in DEMO_FOLDERS if (root / name).is_dir()
            for p in sorted((root / name).rglob("*")) if p.is_file()}


# -- init -----------------------------------------------------------------------------------------

def test_init_writes_the_demo_and_the_publishing_files(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    code, out, err = run(["init", str(target)])
    assert code == 0, err
    assert "created a careerblog site in" in out
    assert find_demo() == CHECKOUT_ROOT  # a checkout (editable install) takes the demo from the repository
    written = demo_sources(target)
    assert written == demo_sources(REPO)
    assert (target / "requirements.txt").read_text().splitlines()[-1] == f"careerblog=={__version__}"
    assert (target / ".gitignore").read_text().splitlines()[1:] == ["/_site/", "/.careerblog-cache/"]
    workflow = (target / ".github/workflows/pages.yml").read_text()
    assert "pip install -r requirements.txt" in workflow
    assert 'careerblog build --base-url "$BASE_URL" --strict' in workflow


def test_init_then_build_on_an_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert run(["init", str(target)])[0] == 0
    code, _, err = run(["build", "--root", str(target), "--strict"])
    assert code == 0, err
    assert (target / "_site/index.html").is_file()
    assert (target / "_site/posts/from-data-engineer-to-ml-cloud-engineer/index.html").is_file()


def test_init_in_the_current_folder_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["init"])
    assert code == 0
    assert "created a careerblog site in ." in out
    assert (tmp_path / "content/site.yml").is_file()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run(["init", str(tmp_path)])
    assert code == 1
    assert f"{tmp_path}: error: folder is not empty; careerblog init starts a site in an empty folder" in err
    assert "pass --force" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_accepts_a_fresh_git_clone(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    code, _, err = run(["init", str(tmp_path)])
    assert code == 0, err
    assert (tmp_path / "content/site.yml").is_file()
    assert (tmp_path / ".git/HEAD").read_text() == "ref: refs/heads/main\n"


def test_init_force_writes_into_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "requirements.txt").write_text("old\n")
    code, _, err = run(["init", "--force", str(tmp_path)])
    assert code == 0, err
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "requirements.txt").read_text().endswith(f"careerblog=={__version__}\n")


def test_init_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, _, err = run(["init", "--force", str(tmp_path / "file")])
    assert code == 1
    assert "error: exists and is not a folder" in err


def test_init_skips_editor_leftovers_in_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = write_site(tmp_path / "demo", {"content/posts/2024-01-01-a.md": "---\ntitle: A\n---\nA\n",
                                          "content/posts/.2024-01-01-a.md.swp": "swap",
                                          "content/posts/2024-01-01-a.md~": "backup",
                                          "static/.DS_Store": "junk"})
    monkeypatch.setattr("careerblog.scaffold.find_demo", lambda: demo)
    site = create_site(tmp_path / "new")
    assert [f for f in site.files if f.startswith(("content/", "static/"))] == [
        "content/posts/2024-01-01-a.md", "content/site.yml"]


def test_workflow_template_passes_the_workflow_linters() -> None:
    workflow = REPO / "src/careerblog/starter/pages.yml"
    bin_dir = Path(sys.executable).parent
    schema = subprocess.run([str(bin_dir / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                             str(workflow)], capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([str(bin_dir / "zizmor"), "--offline", "--no-progress", str(workflow)],
                           capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_workflow_template_uses_the_same_actions_as_the_repository_workflow() -> None:
    """The publishing issue owns .github/workflows/pages.yml; init's copy differs only in how it installs."""
    own = REPO / ".github/workflows/pages.yml"

    def uses(path: Path) -> list[str]:
        return [line.strip() for line in path.read_text().splitlines() if line.strip().startswith(("uses:", "- uses:"))]

    template = REPO / "src/careerblog/starter/pages.yml"
    assert uses(own), "the repository's workflow uses no actions"
    assert uses(template) == uses(own)
    assert "python -m pip install -r requirements.txt" in template.read_text()
    assert "careerblog check --built _site" in template.read_text()


def test_init_from_an_installed_wheel_then_build(tmp_path: Path) -> None:
    """The wheel carries the demo: build it without isolation, install it alone into a fresh venv."""
    source = tmp_path / "src-copy"  # never build inside the checkout
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "_site", "test-output", "node_modules", "__pycache__", ".*_cache", "build", "dist"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
                    "--wheel-dir", str(wheels), str(source)], check=True, capture_output=True)
    (wheel,) = wheels.glob("careerblog-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    venv_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip()
    # The test environment's packages (pip, jinja2, ...) behind the venv's own, which gets only the wheel.
    Path(venv_site, "test-env.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True,
                   capture_output=True, env=env)
    where = subprocess.run([str(python), "-c", "import careerblog.scaffold as s; print(s.find_demo())"],
                           check=True, capture_output=True, text=True, env=env).stdout.strip()
    assert Path(where) == Path(venv_site) / "careerblog/starter/site"

    site = tmp_path / "from-wheel"
    cli = str(venv / "bin" / "careerblog")
    init = subprocess.run([cli, "init", str(site)], capture_output=True, text=True, env=env)
    assert init.returncode == 0, init.stderr
    assert demo_sources(site) == demo_sources(REPO)
    built = subprocess.run([cli, "build", "--root", str(site), "--strict"], capture_output=True, text=True, env=env)
    assert built.returncode == 0, built.stderr
    assert (site / "_site/index.html").is_file()


# -- new ------------------------------------------------------------------------------------------

@pytest.fixture
def site(site_dir: Path) -> Path:
    return write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\n---\nBody.\n"})


def test_new_post_writes_front_matter_and_prints_its_path(site: Path) -> None:
    code, out, err = run(["new", "post", "Ship it: a \"first\" post", "--tags", "python, data ,", "--draft",
                          "--root", str(site)], env={"SOURCE_DATE_EPOCH": EPOCH_2026_03_04})
    assert code == 0, err
    path = site / "content/posts/2026-03-04-ship-it-a-first-post.md"
    assert out.strip().endswith("content/posts/2026-03-04-ship-it-a-first-post.md")
    assert path.read_text() == (
        '---\ntitle: "Ship it: a \\"first\\" post"\ndate: 2026-03-04\ntags: ["python", "data"]\ndraft: true\n'
        "---\n\nWrite your post here, in Markdown.\n"
    )


def test_new_post_dates_by_the_site_time_zone(site_dir: Path) -> None:
    root = write_site(site_dir, {"content/site.yml": "title: T\nbase_url: /\ntimezone: Pacific/Kiritimati\n"})
    # 2026-03-04 12:00 UTC is already 2026-03-05 in UTC+14.
    code, out, _ = run(["new", "post", "Tomorrow", "--root", str(root)], env={"SOURCE_DATE_EPOCH": EPOCH_2026_03_04})
    assert code == 0
    assert out.strip().endswith("content/posts/2026-03-05-tomorrow.md")


def test_new_post_then_build_shows_the_post(site: Path, tmp_path: Path) -> None:
    code, _, _ = run(["new", "post", "Fresh news", "--tags", "news", "--root", str(site)],
                     env={"SOURCE_DATE_EPOCH": EPOCH_2026_03_04})
    assert code == 0
    out = tmp_path / "out"
    code, _, err = run(["build", "--root", str(site), "--output", str(out), "--strict"],
                       env={"SOURCE_DATE_EPOCH": EPOCH_2026_03_04})
    assert code == 0, err
    page = (out / "posts/fresh-news/index.html").read_text()
    assert "Fresh news" in page
    assert "Fresh news" in (out / "index.html").read_text()
    assert (out / "tags/news/index.html").is_file()


def test_a_new_draft_is_left_out_of_build(site: Path, tmp_path: Path) -> None:
    assert run(["new", "post", "Not yet", "--draft", "--root", str(site)])[0] == 0
    out = tmp_path / "out"
    assert run(["build", "--root", str(site), "--output", str(out)])[0] == 0
    assert not (out / "posts/not-yet").exists()


def test_new_never_overwrites(site: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": EPOCH_2026_03_04}
    assert run(["new", "post", "Twice", "--root", str(site)], env=env)[0] == 0
    target = site / "content/posts/2026-03-04-twice.md"
    target.write_text("---\ntitle: Twice\n---\nMy words.\n")
    code, _, err = run(["new", "post", "Twice", "--root", str(site)], env=env)
    assert code == 1
    assert ("content/posts/2026-03-04-twice.md: error: a post already exists at this path; careerblog new never "
            "overwrites a file") in err
    assert target.read_text() == "---\ntitle: Twice\n---\nMy words.\n"


def test_new_page_then_build(site: Path, tmp_path: Path) -> None:
    code, out, _ = run(["new", "page", "Talks & Slides", "--root", str(site)])
    assert code == 0
    assert out.strip().endswith("content/pages/talks-slides.md")
    assert (site / "content/pages/talks-slides.md").read_text() == (
        '---\ntitle: "Talks & Slides"\n---\n\nWrite your page here, in Markdown.\n')
    assert run(["new", "page", "Talks & Slides", "--root", str(site)])[0] == 1
    assert run(["build", "--root", str(site), "--output", str(tmp_path / "out")])[0] == 0
    assert "Talks &amp; Slides" in (tmp_path / "out/talks-slides/index.html").read_text()


def test_new_outside_a_site_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["new", "post", "Lost"])
    assert code == 1
    assert ".: error: no careerblog site here or above: content/site.yml not found" in err


def test_new_needs_a_title(site: Path) -> None:
    code, _, err = run(["new", "post", "  ", "--root", str(site)])
    assert code == 1
    assert "TITLE: error: the post needs a title" in err


def test_document_text_quotes_yaml_indicators() -> None:
    import yaml

    text = document_text("post", "@here: `tick` %pct #hash", dt.date(2024, 1, 2), ("a: b",), False)
    meta = yaml.safe_load(text.split("---")[1])
    assert meta == {"title": "@here: `tick` %pct #hash", "date": dt.date(2024, 1, 2),
                    "tags": ["a: b"]}
