#!/usr/bin/env python3
"""Many models in one parallel build (issue 23, item 5): a generated consumer
project with N tiny models, built with `cmake --build -j J` (Ninja) once with
pt2ts's job pool (its default size) and once without it
(PT2TS_JOB_POOL_SIZE=0), alternating. Reports the wall time of each build
and, sampled every 0.5 s, the peak of the build's processes' summed PSS and
of the machine's used memory (MemTotal - MemAvailable, minus its value just
before the build): per-process peaks (/usr/bin/time -v) do not add up for
processes that run in parallel.

  bench/parallel_build.py --prefix <pt2ts install prefix> [--models 20] [-j 64]
      [--format torchscript|aoti] [--rounds 1]

Needs an installed pt2ts (cmake --install <build> --prefix <prefix>). The
conversion cache is off (PT2TS_CACHE_DIR is removed from the environment).
Standard library only."""

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time

MODEL = '''import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        return self.fc(self.conv(x).relu().mean((2, 3)))
'''


def used_mib():
    values = {}
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0])
    return (values["MemTotal"] - values["MemAvailable"]) / 1024


def tree_pss_mib(root):
    """The proportional set size (shared pages divided among their users,
    so torch's libraries count once) of root and all its descendants."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    tree, grew = {root}, True
    while grew:
        added = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= added
        grew = bool(added)
    total = 0
    for pid in tree:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as rollup:
                total += sum(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except OSError:
            pass
    return total / 1024


class MemorySampler(threading.Thread):
    """Every 0.5 s: the machine's used memory (its peak minus the value just
    before the build; other work on the machine shows in it) and the build's
    own processes' PSS sum."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root = root
        self.baseline = used_mib()
        self.peak = self.baseline
        self.peak_pss = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            self.peak = max(self.peak, used_mib())
            self.peak_pss = max(self.peak_pss, tree_pss_mib(self.root))


def write_project(folder, models, aoti):
    os.makedirs(folder)
    with open(os.path.join(folder, "tiny.py"), "w") as file:
        file.write(MODEL)
    calls = "".join(
        "pt2ts_add_model(m%02d MODULE tiny.py MODEL Tiny ARGS %d EXAMPLE_INPUTS 2x3x16x16%s)\n"
        % (index, 4 + index, " FORMAT aoti" if aoti else "") for index in range(models))
    with open(os.path.join(folder, "CMakeLists.txt"), "w") as file:
        file.write("cmake_minimum_required(VERSION 3.20)\nproject(many NONE)\n"
                   "find_package(Pt2ts REQUIRED)\n" + calls)


def build(project, build_dir, prefix, jobs, pool_size):
    shutil.rmtree(build_dir, ignore_errors=True)
    configure = ["cmake", "-S", project, "-B", build_dir, "-G", "Ninja",
                 "-DCMAKE_PREFIX_PATH=" + prefix]
    if pool_size is not None:
        configure.append("-DPT2TS_JOB_POOL_SIZE=%d" % pool_size)
    subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(build_dir, "CMakeFiles", "rules.ninja")) as rules:
        text = rules.read()
    pool = "pool pt2ts_convert\n  depth = "
    depth = text.split(pool)[1].split()[0] if pool in text else "-"
    env = {k: v for k, v in os.environ.items() if k != "PT2TS_CACHE_DIR"}
    start = time.monotonic()
    process = subprocess.Popen(["cmake", "--build", build_dir, "-j", str(jobs)], env=env,
                               stdout=subprocess.DEVNULL)
    sampler = MemorySampler(process.pid)
    sampler.start()
    if process.wait() != 0:
        raise SystemExit("the build failed")
    seconds = time.monotonic() - start
    sampler.stop.set()
    sampler.join()
    return depth, seconds, sampler.peak - sampler.baseline, sampler.peak_pss


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("-j", "--jobs", type=int, default=64)
    parser.add_argument("--format", choices=("torchscript", "aoti"), default="torchscript")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pt2ts-many-") as tmp:
        project = os.path.join(tmp, "project")
        write_project(project, args.models, args.format == "aoti")
        print("| build (%d %s models, -j%d) | pool depth | wall time | peak PSS of the build "
              "| peak used memory (machine) |" % (args.models, args.format, args.jobs))
        print("|---|---|---|---|---|")
        for _ in range(args.rounds):
            for label, size in (("with the pool (default size)", None), ("without (size 0)", 0)):
                depth, seconds, used, pss = build(project, os.path.join(tmp, "build"),
                                                  args.prefix, args.jobs, size)
                print("| %s | %s | %.1f s | %.0f MiB | %.0f MiB |"
                      % (label, depth, seconds, pss, used), flush=True)


if __name__ == "__main__":
    main()
