"""write: staged writing swapped in only on success; refusing outputs that would touch sources."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sitefiles import write_site

from careerblog import write
from careerblog.diagnostics import BuildError
from careerblog.site import StaticFile
from careerblog.write import MANIFEST, Output, previous_dir, staging_dir
from careerblog.write import write_site as write_output

OUTPUTS = (Output("index.html", b"<p>home</p>"), Output("posts/a/index.html", b"<p>a</p>"))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def site(site_dir: Path) -> Path:
    return write_site(site_dir, {"static/img/a.png": "png", "templates/base.html": "x"})


def refusal(outputs: Path, root: Path) -> str:
    with pytest.raises(BuildError) as info:
        write_output(OUTPUTS, (), outputs, root)
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


def test_writes_outputs_static_files_and_a_manifest(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    static = (StaticFile("img/a.png", site / "static/img/a.png"),)
    assert write_output(OUTPUTS, static, out, site) == 3
    assert tree(out) == {MANIFEST: (out / MANIFEST).read_bytes(), "img/a.png": b"png", "index.html": b"<p>home</p>",
                         "posts/a/index.html": b"<p>a</p>"}
    assert json.loads((out / MANIFEST).read_text()) == {
        "generator": "careerblog", "files": ["img/a.png", "index.html", "posts/a/index.html"]}
    assert not staging_dir(out).exists() and not previous_dir(out).exists()


def test_a_rebuild_replaces_the_whole_folder_so_deleted_pages_go(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(OUTPUTS, (), out, site)
    write_output(OUTPUTS[:1], (), out, site)
    assert sorted(tree(out)) == [MANIFEST, "index.html"]


@pytest.mark.parametrize("where", ["root", "ancestor", "content", "content/posts", "templates", "static", "static/x",
                                   ".git"])
def test_refuses_an_output_that_is_or_holds_or_lies_in_the_sources(site: Path, where: str) -> None:
    out = {"root": site, "ancestor": site.parent}.get(where, site / where)
    before = tree(site.parent)
    message = refusal(out, site)
    assert ": error: output folder " in message
    assert "hint: build into a folder of its own, such as _site/ (the default)" in message
    assert tree(site.parent) == before


def test_the_messages_of_refusal(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    assert refusal(site, site) == (
        ".: error: output folder is the site folder or contains it; building there would delete your sources\n"
        "  hint: build into a folder of its own, such as _site/ (the default)")
    assert refusal(site / "static" / "out", site) == (
        "static/out: error: output folder lies inside the site's static/ folder\n"
        "  hint: build into a folder of its own, such as _site/ (the default)")


def test_refuses_a_folder_holding_files_careerblog_did_not_write(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    assert "output folder holds files that careerblog did not write" in refusal(out, site)
    assert (out / "thesis.tex").read_text() == "precious"


def test_refuses_a_file_added_to_a_built_folder(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(OUTPUTS, (), out, site)
    (out / "CNAME").write_text("example.org")
    assert refusal(out, site).startswith(
        f"{out.as_posix()}: error: output folder holds files that careerblog did not write: CNAME\n"
        "  hint: move them into static/ so the build copies them, or delete them")
    assert (out / "CNAME").is_file()


def test_an_empty_folder_and_a_missing_one_are_fine(site: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write_output(OUTPUTS, (), tmp_path / "empty", site)
    write_output(OUTPUTS, (), tmp_path / "new" / "deeper", site)
    assert (tmp_path / "new/deeper/index.html").is_file()


def test_refuses_an_output_that_is_a_file(site: Path, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")
    assert "output path exists and is not a folder" in refusal(tmp_path / "out", site)


def changed(outputs: tuple[Output, ...]) -> tuple[Output, ...]:
    """The same files with other bytes, so that a build must write them again."""
    return tuple(Output(o.path, o.content + b"<!-- changed -->") for o in outputs)


def test_an_unchanged_site_is_not_written_again(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_output(OUTPUTS, (), out, site)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}

    def no_writes(folder: Path, relative: str, content: bytes) -> os.stat_result:
        raise AssertionError(f"wrote {relative}")

    monkeypatch.setattr(write, "write_file", no_writes)
    write_output(OUTPUTS, (), out, site)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")} == before


def test_a_failed_write_leaves_the_previous_site_intact(site: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_output(OUTPUTS, (), out, site)
    before = tree(out)
    real = write.write_file

    def disk_full(folder: Path, relative: str, content: bytes) -> os.stat_result:
        if relative.startswith("posts/"):
            raise OSError(28, "No space left on device", str(folder / relative))
        return real(folder, relative, content)

    monkeypatch.setattr(write, "write_file", disk_full)
    with pytest.raises(BuildError) as info:  # changed pages: unchanged ones would be linked, never written
        write_output((*changed(OUTPUTS), Output("new.html", b"x")), (), out, site)
    assert "error: cannot write the site: No space left on device" in info.value.diagnostics[0].format()
    assert tree(out) == before
    assert not staging_dir(out).exists()


def test_an_interrupt_while_writing_leaves_the_previous_site_and_no_staging(site: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_output(OUTPUTS, (), out, site)
    before = tree(out)

    def interrupted(folder: Path, relative: str, content: bytes) -> os.stat_result:
        raise KeyboardInterrupt

    monkeypatch.setattr(write, "write_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_output(changed(OUTPUTS), (), out, site)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_a_stale_staging_folder_from_a_killed_run_is_cleaned(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = staging_dir(out)
    (stale / "posts").mkdir(parents=True)
    (stale / ".careerblog-staging").write_bytes(b"")
    (stale / "posts/half.html").write_text("half")
    write_output(OUTPUTS, (), out, site)
    assert not stale.exists()
    assert sorted(tree(out)) == [MANIFEST, "index.html", "posts/a/index.html"]


def test_a_foreign_folder_with_the_staging_name_is_refused(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    staging_dir(out).mkdir()
    (staging_dir(out) / "mine.txt").write_text("keep")
    with pytest.raises(BuildError, match="a folder with the staging folder's name exists"):
        write_output(OUTPUTS, (), out, site)
    assert (staging_dir(out) / "mine.txt").read_text() == "keep"


def test_a_site_swapped_out_by_a_killed_run_is_put_back_first(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(OUTPUTS, (), out, site)
    out.rename(previous_dir(out))  # killed between moving the old site aside and moving the new one in
    write_output(OUTPUTS[:1], (), out, site)
    assert sorted(tree(out)) == [MANIFEST, "index.html"]
    assert not previous_dir(out).exists()


def test_never_writes_outside_the_output_folder(site: Path, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="refusing to write outside the output folder"):
        write_output((Output("../escape.html", b"x"),), (), tmp_path / "out", site)
    assert not (tmp_path / "escape.html").exists()
    assert not (tmp_path / "out").exists()
