#!/usr/bin/env python3
"""careerblog against Hugo and Pelican on the same synthetic posts, on this machine.

    python bench/run.py [--sizes 100,1000,5000] [--runs 5] [--edits 7] [--no-peers] [--results bench/RESULTS.md]
                        [--sites-dir bench/sites]

For each size N, bench/gen_site.py writes the same N posts as a careerblog, a Hugo and a Pelican site under
bench/sites/ (git-ignored; --sites-dir puts them elsewhere, such as a RAM disk). Each run builds every tool
once, the order rotating run by run: careerblog cold (no cache, empty output) and warm (right after, nothing
changed), Hugo and Pelican cold. The demo site (this repository's content/) is built cold too. A one-post edit
is timed through careerblog.incremental.IncrementalBuilder, the rebuild `serve` uses, from the start of the
rebuild to the changed files written. Every cold build writes into a new, empty folder, and the outputs are
deleted only when the whole run is over: on a file system that makes new files slow for minutes after many
were deleted (ext4 without a journal, as on this machine), a cold build right after deleting the last output
would be timed mostly on that, whichever tool it is (--clean-before-each does it that way, to see it).
careerblog's modules are compiled to bytecode first, as pip does when it installs a package (the editable
install leaves it to the first run, which PYTHONDONTWRITEBYTECODE forbids), and its theme's templates, as
`make` does. Each build runs as a child process: wall time around it, CPU time (user + system, and system
alone) from os.wait4 (the child and the workers it reaped). After the timed runs, one more run of each tool
samples /proc every few milliseconds for the peak memory summed over the child's whole process tree, both as
RSS (shared pages counted once per process, the strictest reading) and as PSS (shared pages split between the
processes that share them); the sampler would slow the tools that use both cores if it ran while they were
timed. The table shows medians of the timed runs and the memory of the sampled one.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PEERS_VENV = BENCH / ".venv-peers"
MiB = 1024 * 1024


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system
    sys: float  # system: the kernel's share, mostly creating files
    rss_sum: int  # bytes, peak of the sum over the process tree
    pss_sum: int


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)  # timed runs
    memory: list[Sample] = field(default_factory=list)  # runs with the memory sampler on, not timed

    def median(self, name: str) -> float:
        return statistics.median(getattr(s, name) for s in self.samples)

    def peak(self, name: str) -> int:
        return max(getattr(s, name) for s in self.memory or self.samples)


# ---------------------------------------------------------------- measuring one process tree

def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return found


def _memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of one process in bytes (0, 0 once it is gone)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None, memory: bool = False) -> Sample:
    """Run `command`; wall time, CPU time of it and its reaped children, and with `memory` the peak memory
    of its process tree.

    The memory sampler reads /proc every few milliseconds. On two cores it takes CPU from a tool that
    uses both (measured: a fifth more wall time for careerblog and Hugo, none for single-process
    Pelican), so timed runs go without it and memory is read in runs of its own.
    """
    peak = [0, 0]
    done = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        while not done.is_set():
            tree, pending = [], [process.pid]
            while pending:
                pid = pending.pop()
                tree.append(pid)
                pending.extend(_children(pid))
            rss = pss = 0
            for pid in tree:
                r, p = _memory(pid)
                rss += r
                pss += p
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.004)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    if memory:
        sampler.join()
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)} in {cwd}\n{stderr[-2000:]}")
    # ru_maxrss (KiB) of the main process is a floor for the sampled peak, which may miss a short spike.
    rss = max(peak[0], usage.ru_maxrss * 1024)
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_stime, rss, max(peak[1], 0))


# ---------------------------------------------------------------- sites and tools

def generate(n: int, sites: Path) -> Path:
    """<sites>/<n>/{careerblog,hugo,pelican}, regenerated when the generator changes."""
    folder = sites / str(n)
    generator = BENCH / "gen_site.py"
    stamp = folder / ".generated"
    signature = f"{n} {generator.stat().st_size} {int(generator.stat().st_mtime)}"
    if stamp.is_file() and stamp.read_text() == signature:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for layout in ("careerblog", "hugo", "pelican"):
        subprocess.run([sys.executable, str(generator), str(n), str(folder / layout), "--layout", layout],
                       check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(signature)
    # A build trusts its record of the last one only for sources older than 2 s (careerblog.stamp.RACY_NS):
    # measured at once, the first warm build of a site just written would be a full build.
    time.sleep(2.5)
    return folder


def demo_site(sites: Path) -> Path:
    """A copy of this repository's demo site (content, templates, static), so the bench never touches it."""
    folder = sites / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, folder / name)
    return folder


def careerblog(site: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "careerblog", "build", "-q", "--root", str(site), "--output", str(output)]


def peer_commands() -> dict[str, tuple[list[str], str]]:
    """Installed peers: name -> (command run in the site folder, version)."""
    peers: dict[str, tuple[list[str], str]] = {}
    hugo = shutil.which("hugo")
    if hugo:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()[1]
        peers["hugo"] = ([hugo, "--quiet", "-d"], version)  # then the output folder
    pelican = PEERS_VENV / "bin" / "pelican"
    if pelican.exists():
        version = subprocess.run([str(pelican), "--version"], capture_output=True, text=True).stdout.strip()
        peers["pelican"] = ([str(pelican), "content", "-s", "pelicanconf.py", "-q", "-o"], version)  # and the output
    return peers


def clean(folder: Path, *names: str) -> None:
    for name in names:
        shutil.rmtree(folder / name, ignore_errors=True)


class Outputs:
    """A new, empty output folder for every cold build, all deleted at the end of the run (or, with
    `clean_before_each`, one folder per tool, emptied right before each of its builds)."""

    def __init__(self, sites: Path, clean_before_each: bool) -> None:
        self.folder = sites / "outputs"
        self.clean_before_each = clean_before_each
        self.count = 0
        if self.folder.exists():  # left by an interrupted run: out of the way now, deleted at the end
            self.folder.rename(sites / f"outputs-old-{time.time_ns()}")

    def fresh(self, site: Path, tool: str) -> Path:
        if self.clean_before_each:
            name = "out-serve" if tool == "serve" else "out"
            clean(site, name)
            return site / name
        self.count += 1
        return self.folder / f"{site.parent.name}-{tool}-{self.count}"

    def remove_all(self) -> None:
        for old in [self.folder, *self.folder.parent.glob("outputs-old-*")]:
            shutil.rmtree(old, ignore_errors=True)
        (self.folder.parent / CLEANED).write_text(f"{time.time()}\n", encoding="ascii")

    def warn_if_just_cleaned(self) -> None:
        """Say so when the last run deleted its outputs minutes ago: on a file system without a journal, every
        tool's new files cost more for minutes after deletions, and the table would show that."""
        try:
            ago = time.time() - float((self.folder.parent / CLEANED).read_text(encoding="ascii"))
        except (OSError, ValueError):
            return
        if 0 <= ago < QUIET_SECONDS:
            print(f"warning: the last run deleted its outputs {ago:.0f} s ago; new files may be slow for another "
                  f"{QUIET_SECONDS - ago:.0f} s on some file systems (a RAM disk: --sites-dir /dev/shm/...)",
                  file=sys.stderr)


CLEANED = ".last-cleanup"  # when the last run deleted its outputs
QUIET_SECONDS = 300  # how long ext4 without a journal treats freed inodes as recently deleted, at most


# ---------------------------------------------------------------- the edit driver (runs in its own process)

def edit_driver(site: Path, output: Path, edits: int) -> None:
    """Build once through IncrementalBuilder, then edit one post `edits` times; print the timings as JSON."""
    from careerblog.config import BuildOptions
    from careerblog.incremental import IncrementalBuilder
    from careerblog.serve import rare_full_collections

    rare_full_collections()  # as `careerblog serve` does in its process
    builder = IncrementalBuilder(BuildOptions(root=site, output=output))
    builder.rebuild()
    posts = sorted((site / "content" / "posts").glob("*.md"))
    post = posts[len(posts) // 2]
    original = post.read_text(encoding="utf-8")
    times, rendered, written = [], [], []
    try:
        for i in range(edits):
            # A save that every page showing the post must follow: its title (post page, neighbours, archive,
            # tag pages, home and feeds when it is recent) and a sentence of its opening paragraph.
            body = original.index("\n---\n", 4) + 6  # past the front matter
            cut = original.index("\n\n", body + 2)  # the end of the opening paragraph
            text = f"{original[:cut]} Edited sentence number {i}.{original[cut:]}"
            post.write_text(text.replace('title: "', f'title: "Edit {i}: ', 1), encoding="utf-8")
            started = time.perf_counter()
            result = builder.rebuild([post])
            times.append(time.perf_counter() - started)
            rendered.append(result.rendered_pages)
            written.append(len(result.written))
    finally:
        post.write_text(original, encoding="utf-8")
    print(json.dumps({"times": times, "rendered": rendered, "written": written}))


def measure_edits(site: Path, edits: int, env: dict[str, str], output: Path) -> dict[str, list[float]]:
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--edit-driver", str(site),
                             str(output), str(edits)], check=True, capture_output=True, text=True, env=env)
    data: dict[str, list[float]] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


# ---------------------------------------------------------------- the report

def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    try:
        total = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
        memory = f", {total / 2**30:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {model}, {cores} cores{memory}"


def file_system(folder: Path) -> str:
    """The file system the sites are built on. ext4 without a journal (as on some VMs) makes every new
    file walk past the inodes freed in the last minutes (Linux's `recently_deleted` check): a build
    right after a large deletion pays seconds of system time for it, which is why cold builds here go
    into new folders."""
    try:
        mounts = [line.split()[:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown file system"
    target = str(folder.resolve())
    best = max((m for m in mounts if target == m[1] or target.startswith(m[1].rstrip("/") + "/")),
               key=lambda m: len(m[1]), default=None)
    if best is None:
        return "unknown file system"
    device, point, kind = best
    text = f"{kind} on {point} ({device})"
    if kind == "ext4" and device.startswith("/dev/"):
        journal = Path("/proc/fs/jbd2")
        name = Path(device).resolve().name
        has_journal = journal.is_dir() and any(entry.name.startswith(f"{name}-") for entry in journal.iterdir())
        text += "" if has_journal else ", without a journal: new files cost more for minutes after deletions"
    return text


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--runs", type=int, default=5,
                        help="timed runs of each tool at each size; the table shows their medians")
    parser.add_argument("--edits", type=int, default=7)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--sites-dir", default=str(BENCH / "sites"),
                        help="where the generated sites are built, e.g. a RAM disk to leave the disk out")
    parser.add_argument("--results", default=str(BENCH / "RESULTS.md"), help="where to write the table ('' for none)")
    parser.add_argument("--clean-before-each", action="store_true",
                        help="delete each tool's last output right before its cold build, instead of building into "
                             "new folders and deleting them at the end")
    parser.add_argument("--edit-driver", nargs=3, metavar=("SITE", "OUTPUT", "EDITS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.edit_driver:
        edit_driver(Path(args.edit_driver[0]), Path(args.edit_driver[1]), int(args.edit_driver[2]))
        return 0

    from careerblog import __version__, templating

    # pip compiles an installed package's modules to bytecode; the editable install `make` does leaves that
    # to the first run, which PYTHONDONTWRITEBYTECODE (set on some machines) forbids. Without this, every
    # timed build would compile careerblog's own modules from source again.
    compileall.compile_dir(Path(templating.__file__).parent, quiet=1)
    templating.precompile_theme()  # and the theme's templates, as `make` does
    sizes = [int(s) for s in args.sizes.split(",") if s]
    peers = {} if args.no_peers else peer_commands()
    load_before = os.getloadavg()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1735689600"}  # 2025-01-01: every generated post is published
    results: dict[tuple[int, str], Series] = {}
    edits: dict[int, dict[str, list[float]]] = {}

    sites = Path(args.sites_dir)
    demo = demo_site(sites)
    outputs = Outputs(sites, args.clean_before_each)
    outputs.warn_if_just_cleaned()

    def build_each(n: int, folder: Path, tool: str, memory: bool) -> None:
        """One cold build of `tool` (careerblog: then a warm one), timed, or with its memory read."""
        def record(name: str, sample: Sample) -> None:
            series = results.setdefault((n, name), Series())
            (series.memory if memory else series.samples).append(sample)

        if tool == "demo":
            clean(demo, ".careerblog-cache")
            record("demo cold", measure(careerblog(demo, outputs.fresh(demo, tool)), demo, env, memory))
        elif tool == "careerblog":
            site = folder / "careerblog"
            clean(site, ".careerblog-cache")
            output = outputs.fresh(site, tool)
            record("careerblog cold", measure(careerblog(site, output), site, env, memory))
            record("careerblog warm", measure(careerblog(site, output), site, env, memory))
        else:
            site = folder / tool
            clean(site, "resources", "__pycache__", "cache")
            record(tool, measure([*peers[tool][0], str(outputs.fresh(site, tool))], site, env, memory))

    for n in sizes:
        folder = generate(n, sites)
        tools = ["careerblog", *peers]
        print(f"N={n}: {args.runs} runs of {', '.join(tools)}", file=sys.stderr)
        with_demo = n == sizes[0] or n == 100
        for run in range(args.runs):
            order = tools[run % len(tools):] + tools[: run % len(tools)]
            for tool in order:
                build_each(n, folder, tool, memory=False)
            if with_demo:
                build_each(0, folder, "demo", memory=False)
        for tool in tools + (["demo"] if with_demo else []):  # then one run each to read memory
            build_each(0 if tool == "demo" else n, folder, tool, memory=True)
        if args.edits > 0:
            site = folder / "careerblog"
            edits[n] = measure_edits(site, args.edits, env, outputs.fresh(site, "serve"))
        print(f"N={n}: done", file=sys.stderr)
    outputs.remove_all()

    method = ("each tool's last output deleted right before its cold build" if args.clean_before_each
              else "every cold build into a new empty folder; outputs deleted after the run")
    report = render_report(sizes, peers, results, edits, __version__, load_before, os.getloadavg(), args,
                           f"{file_system(sites)}; {method}")
    print(report)
    if args.results:
        Path(args.results).write_text(report, encoding="utf-8")
    return 0


def render_report(sizes: list[int], peers: dict[str, tuple[list[str], str]], results: dict[tuple[int, str], Series],
                  edits: dict[int, dict[str, list[float]]], version: str, load_before: tuple[float, float, float],
                  load_after: tuple[float, float, float], args: argparse.Namespace, disk: str) -> str:
    lines = [
        "# careerblog benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}; load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f}",
        f"- sites built on: {disk}",
        f"- careerblog {version} (modules and theme templates compiled ahead, as `make` installs it) on Python "
        f"{platform.python_version()}" + "".join(f"; {name} {v}" for name, (_, v) in peers.items()),
        f"- workload: bench/gen_site.py, sizes {', '.join(map(str, sizes))}; {args.runs} runs per tool and size, "
        "tools alternated run by run; medians (memory: from one more run with the sampler on)",
        "",
        "| N | build | wall | CPU | of which system | peak RSS, summed | peak PSS, summed |"
        + "".join(f" vs {p} cold |" for p in peers),
        "|---|---|---|---|---|---|---|" + "---|" * len(peers),
    ]
    for (n, name), series in sorted(results.items(), key=lambda item: (item[0][0], item[0][1])):
        wall = series.median("wall")
        ratios = ""
        for peer in peers:
            other = results.get((n if n else 100, peer))
            ratios += f" {wall / other.median('wall'):.2f}x |" if other and name != peer else " |"
        label = "demo site" if n == 0 else str(n)
        lines.append(f"| {label} | {name} | {fmt_s(wall)} | {fmt_s(series.median('cpu'))} | "
                     f"{fmt_s(series.median('sys'))} | "
                     f"{series.peak('rss_sum') / MiB:.0f} MiB | {series.peak('pss_sum') / MiB:.0f} MiB |{ratios}")
    lines += ["", "One-post edit through IncrementalBuilder (the `serve` rebuild), start of rebuild to files written:",
              "", "| N | median | max (first edit: lexers compile) | pages rendered | files written |",
              "|---|---|---|---|---|"]
    for n, data in edits.items():
        lines.append(f"| {n} | {fmt_s(statistics.median(data['times']))} | {fmt_s(max(data['times']))} | "
                     f"{statistics.median(data['rendered']):.0f} | {statistics.median(data['written']):.0f} |")
    lines += ["", "Targets (issue 8), from this run:", ""]
    lines += [f"- {check}" for check in targets(sizes, peers, results, edits)]
    return "\n".join(lines) + "\n"


def targets(sizes: list[int], peers: dict[str, tuple[list[str], str]], results: dict[tuple[int, str], Series],
            edits: dict[int, dict[str, list[float]]]) -> list[str]:
    checks: list[str] = []

    def wall(n: int, name: str) -> float | None:
        series = results.get((n, name))
        return series.median("wall") if series else None

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    for n in (1000, 5000):
        ours, hugo, pelican = wall(n, "careerblog cold"), wall(n, "hugo"), wall(n, "pelican")
        if ours and hugo:
            checks.append(f"cold N={n}: {ours / hugo:.2f}x Hugo (target <= 0.8x): {verdict(ours <= 0.8 * hugo)}")
        if ours and pelican:
            checks.append(f"cold N={n}: {pelican / ours:.1f}x faster than Pelican (target >= 3x): "
                          f"{verdict(pelican >= 3 * ours)}")
    warm, hugo = wall(1000, "careerblog warm"), wall(1000, "hugo")
    if warm and hugo:
        checks.append(f"warm N=1000: {warm / hugo:.2f}x Hugo cold (target <= 0.15x): {verdict(warm <= 0.15 * hugo)}")
    for n, limit in ((1000, 0.1), (5000, 0.3)):
        if n in edits:
            median = statistics.median(edits[n]["times"])
            checks.append(f"edit N={n}: median {median * 1000:.0f} ms (target <= {limit * 1000:.0f} ms): "
                          f"{verdict(median <= limit)}")
    small, large = wall(1000, "careerblog cold"), wall(5000, "careerblog cold")
    if small and large:
        checks.append(f"N=5000 / N=1000 cold: {large / small:.2f}x (target <= 5.5x): {verdict(large <= 5.5 * small)}")
    if (5000, "careerblog cold") in results:
        series = results[(5000, "careerblog cold")]
        rss, pss = series.peak("rss_sum") / MiB, series.peak("pss_sum") / MiB
        checks.append(f"peak memory N=5000 cold: RSS summed {rss:.0f} MiB, PSS summed {pss:.0f} MiB "
                      f"(target <= 200 MiB): {verdict(rss <= 200)} (RSS), {verdict(pss <= 200)} (PSS)")
    demo, hugo100 = wall(0, "demo cold"), wall(100, "hugo")
    if demo and hugo100:
        checks.append(f"demo site: {demo / hugo100:.2f}x Hugo at N=100 (target <= 2.5x): "
                      f"{verdict(demo <= 2.5 * hugo100)}")
    return checks


if __name__ == "__main__":
    sys.exit(main())
