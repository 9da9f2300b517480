"""The Markdown cache in .careerblog-cache/: used when sound, ignored and rebuilt when it is not."""

from __future__ import annotations

import datetime as dt
import marshal
import shutil
import zlib
from pathlib import Path

import pytest
from sitefiles import printed_by_fresh_python, write_site

from careerblog import cache as cache_module
from careerblog import stamp as stamp_file
from careerblog.build import build
from careerblog.cache import CACHE_DIR, ConvertedCache
from careerblog.config import BuildOptions
from careerblog.markup import MarkdownRenderer

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
URL = "posts/one/"
BODY = "Intro with [a link](/about/).\n\n## One\n\n```python\nx = 1\n```\n\n## Two\n\n{{< timeline >}}\n"
FILES = {
    "content/posts/2024-01-01-one.md": "---\ntitle: One\ntags: [a]\n---\n" + BODY,
    "content/posts/2024-01-02-two.md": "---\ntitle: Two\n---\nJust **text**.\n",
    "content/pages/about.md": "---\ntitle: About\n---\nAbout.\n",
    "content/data/career.yml": "- position: Engineer\n  organization: Example\n  start_date: 2020-01\n",
}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cache_file(root: Path) -> Path:
    files = list((root / CACHE_DIR).glob("markdown-*.bin"))
    assert len(files) == 1, files
    return files[0]


@pytest.fixture
def site(site_dir: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A site and the bytes of its cold build (no cache)."""
    root = write_site(site_dir, FILES)
    build(BuildOptions(root=root, output=tmp_path / "cold", now=NOW, cache=False))
    assert not (root / CACHE_DIR).exists()
    return root, tree(tmp_path / "cold")


def test_a_build_fills_the_cache_and_the_next_build_uses_it(site: tuple[Path, dict[str, bytes]],
                                                            tmp_path: Path) -> None:
    root, expected = site
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert (root / CACHE_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    loaded = ConvertedCache.load(root, "/")
    assert loaded.get(BODY, URL) == MarkdownRenderer("/").convert(BODY, URL)
    assert loaded.hits == 1
    shutil.rmtree(tmp_path / "out")
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert tree(tmp_path / "out") == expected


def test_the_cache_depends_on_the_base_path(site: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    root, _ = site
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert ConvertedCache.load(root, "/").get(BODY, URL) is not None
    assert ConvertedCache.load(root, "/sub/").get(BODY, URL) is None


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00not a cache at all" * 50)


@pytest.mark.parametrize("damage", [_corrupt, _truncate, _empty, _garbage], ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_cache_is_ignored_and_rebuilt(damage: object, site: tuple[Path, dict[str, bytes]],
                                                 tmp_path: Path) -> None:
    root, expected = site
    build(BuildOptions(root=root, output=tmp_path / "first", now=NOW))
    path = cache_file(root)
    assert callable(damage)
    damage(path)
    assert ConvertedCache.load(root, "/").get(BODY, URL) is None  # never trusted
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert tree(tmp_path / "out") == expected
    assert ConvertedCache.load(root, "/").get(BODY, URL) is not None  # and written afresh


def test_a_cache_with_the_right_checksum_but_entries_of_another_shape_is_ignored(
        site: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    root, expected = site
    build(BuildOptions(root=root, output=tmp_path / "first", now=NOW))
    loaded = ConvertedCache.load(root, "/")
    loaded._stored = {key: ("html only",) for key in loaded._stored}  # a sound file holding nonsense
    loaded._used = dict(loaded._stored)
    loaded._changed = True
    assert loaded.save()
    assert ConvertedCache.load(root, "/").get(BODY, URL) is None
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert tree(tmp_path / "out") == expected


def test_a_cache_from_another_version_is_ignored(site: tuple[Path, dict[str, bytes]], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root, expected = site
    with monkeypatch.context() as patch:
        patch.setattr(cache_module, "__version__", "0.0.1-older")
        build(BuildOptions(root=root, output=tmp_path / "old", now=NOW))
        older = cache_file(root)
        assert b"careerblog 0.0.1-older (" in older.read_bytes()[:300]
    # The older version's file, even under the current file name, is not read.
    current = ConvertedCache.load(root, "/").path
    older.rename(current)
    assert ConvertedCache.load(root, "/").get(BODY, URL) is None
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert tree(tmp_path / "out") == expected


def test_the_cache_is_written_atomically_and_only_when_it_changed(site: tuple[Path, dict[str, bytes]],
                                                                  tmp_path: Path) -> None:
    root, _ = site
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    path = cache_file(root)
    stamp = path.stat().st_mtime_ns, path.stat().st_ino
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == stamp
    (root / "content/posts/2024-01-02-two.md").write_text("---\ntitle: Two\n---\nNew text.\n", encoding="utf-8")
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert path.stat().st_ino != stamp[1]  # replaced by rename, never rewritten in place
    assert sorted(p.name for p in (root / CACHE_DIR).iterdir()) == [".gitignore", stamp_file.RECORD, path.name]


def test_a_build_writes_nothing_outside_output_and_cache(site: tuple[Path, dict[str, bytes]],
                                                         tmp_path: Path) -> None:
    root, _ = site
    before = tree(root)
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    after = tree(root)
    assert {p for p in after if after[p] != before.get(p)} <= {p for p in after if p.startswith(CACHE_DIR + "/")}
    assert set(before) <= set(after)


def test_a_changed_fast_road_never_reads_old_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fastmark.py writes HTML too: a different copy of it must change the cache's key, as markup.py does."""
    from careerblog import cache, fastmark

    before = cache._code_digest()
    patched = tmp_path / "fastmark.py"
    patched.write_bytes(Path(fastmark.__file__ or "").read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(fastmark, "__file__", str(patched))
    assert cache._code_digest() != before


@pytest.mark.parametrize("name", ["lexing.py", "codehtml.py"])
def test_changed_highlighting_never_reads_old_entries(name: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast road's lexing and code HTML shape the HTML too, though the digest reads them without importing."""
    from careerblog import cache, markup

    package = Path(markup.__file__ or "").parent
    for module in ("markup.py", "lexing.py", "codehtml.py"):
        shutil.copy(package / module, tmp_path / module)
    monkeypatch.setattr(markup, "__file__", str(tmp_path / "markup.py"))
    before = cache._code_digest()
    (tmp_path / name).write_bytes((package / name).read_bytes() + b"\n# changed\n")
    assert cache._code_digest() != before


def test_a_first_build_works_out_the_settings_only_to_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no cache file yet, loading reads nothing and works nothing out (the versions in the settings
    import Python-Markdown and Pygments); saving does, and the next load finds the entries."""
    worked_out: list[str] = []
    real = cache_module.cache_settings

    def counted(base_path: str) -> str:
        worked_out.append(base_path)
        return real(base_path)

    monkeypatch.setattr(cache_module, "cache_settings", counted)
    fresh = ConvertedCache.load(tmp_path, "/blog/")
    assert worked_out == [] and fresh.get("Text.\n", "posts/a/") is None
    doc = MarkdownRenderer("/blog/").convert("Text.\n", "posts/a/")
    fresh.put("Text.\n", "posts/a/", doc)
    assert fresh.save() and worked_out == ["/blog/"]
    assert ConvertedCache.load(tmp_path, "/blog/").get("Text.\n", "posts/a/") == doc


def test_library_versions_are_read_from_pips_records_without_importing_the_library() -> None:
    import markdown
    import pygments

    script = ("import sys\nfrom careerblog.cache import _library_version\n"
              "print(_library_version('markdown'), _library_version('pygments'), 'markdown' in sys.modules)")
    assert printed_by_fresh_python(script) == [markdown.__version__, pygments.__version__, "False"]
    assert cache_module._library_version("no_such_library_here") == "missing"


@pytest.mark.parametrize("records", [(), ("fakelib-1.0.dist-info", "fakelib-2.0.dist-info")])
def test_a_library_without_one_pip_record_is_asked_its_version(records: tuple[str, ...], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No record (installed some other way), or two (a stale one left beside the new): the library's own word."""
    import sys

    (tmp_path / "fakelib").mkdir()
    (tmp_path / "fakelib" / "__init__.py").write_text("__version__ = '3.1'\n")
    for name in records:
        (tmp_path / name).mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "fakelib", raising=False)
    assert cache_module._library_version("fakelib") == "3.1"
    (tmp_path / "fakelib-1.0.dist-info").mkdir(exist_ok=True)
    for name in records[1:]:
        (tmp_path / name).rmdir()
    cache_module._dist_infos.cache_clear()  # a folder is listed once per process; this one changed since
    assert cache_module._library_version("fakelib") == "1.0"


def test_a_library_that_is_found_but_will_not_import_is_missing(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    (tmp_path / "brokenlib").mkdir()
    (tmp_path / "brokenlib" / "__init__.py").write_text("raise ImportError('a half-finished install')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "brokenlib", raising=False)
    assert cache_module._library_version("brokenlib") == "missing"


def test_a_cache_of_many_parts_reads_back_every_entry(tmp_path: Path) -> None:
    renderer = MarkdownRenderer("/")
    bodies = [f"Post number {i}.\n" for i in range(cache_module.CHUNK * 2 + 3)]
    written = ConvertedCache.load(tmp_path, "/")
    for body in bodies:
        written.put(body, "posts/x/", renderer.convert(body, "posts/x/"))
    assert written.save()
    data = ConvertedCache.load(tmp_path, "/").path.read_bytes()
    assert data.count(b"Post number 1.") == 1  # each entry once, in one of three parts
    read = ConvertedCache.load(tmp_path, "/")
    assert [read.get(body, "posts/x/") for body in bodies] == [renderer.convert(body, "posts/x/") for body in bodies]


def _rewrite_payload(path: Path, payload: bytes) -> None:
    """Put `payload` in the cache file under a sound header: the right length and checksum."""
    data = path.read_bytes()
    header = data[: data.index(b"\n", len(cache_module.MAGIC)) + 1]
    path.write_bytes(header + len(payload).to_bytes(8, "big") + zlib.crc32(payload).to_bytes(4, "big") + payload)


def _part(value: object) -> bytes:
    data = marshal.dumps(value)
    return len(data).to_bytes(4, "big") + data


def test_parts_under_a_sound_header_are_read(site: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    root, _ = site
    build(BuildOptions(root=root, output=tmp_path / "first", now=NOW))
    entries = list(ConvertedCache.load(root, "/")._stored.items())
    assert len(entries) == 3
    _rewrite_payload(cache_file(root), _part(dict(entries[:1])) + _part({}) + _part(dict(entries[1:])))
    assert ConvertedCache.load(root, "/")._stored == dict(entries)


@pytest.mark.parametrize("payload", [
    len(b"\x00" * 10).to_bytes(4, "big") + b"\x00" * 10,  # a part that is not marshal
    _part({b"k": "v"})[:-1] + b"\x00" + _part({}),  # a part cut short, then another: its lengths misread
    (2**31).to_bytes(4, "big") + b"{0",  # a part longer than the payload
    _part({}) + b"\x00\x00",  # a length cut short
    marshal.dumps({b"k": ("v",)}),  # no part lengths at all
    _part([1]),  # not a dict
], ids=["garbage", "misframed", "overrun", "short", "unframed", "list"])
def test_a_sound_checksum_over_parts_of_another_shape_is_ignored(payload: bytes, site: tuple[Path, dict[str, bytes]],
                                                                  tmp_path: Path) -> None:
    root, expected = site
    build(BuildOptions(root=root, output=tmp_path / "first", now=NOW))
    _rewrite_payload(cache_file(root), payload)
    assert ConvertedCache.load(root, "/")._stored == {}
    build(BuildOptions(root=root, output=tmp_path / "out", now=NOW))
    assert tree(tmp_path / "out") == expected
    assert ConvertedCache.load(root, "/").get(BODY, URL) is not None
