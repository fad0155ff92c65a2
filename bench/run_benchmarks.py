"""pt2ts against the plain Python script it replaces, paired in one run.

    /usr/bin/python3 bench/run_benchmarks.py [--pt2ts PATH] [--runs N] [--work DIR]
                                             [--only MODEL]... [--aoti | --cache [--remote URL]]

Measures wall time (median, min, max) and peak RSS of each conversion, for a
small MLP, torchvision's resnet18 and a model with ~1 GB of float32 weights
(generated into the work folder, never committed), alternating the two tools
so machine noise hits both alike; then pt2ts --version/--help, pt2ts inspect
and a no-op `cmake --build` of a project with 20 models. Prints a Markdown
report (BENCHMARKS.md records the latest one). Benchmarks, not tests: nothing
here asserts a time. `--only resnet18` measures only that conversion (what
.ci/debian.sh runs in each release's root for BENCHMARKS.md's per-release
lines). `--aoti` (torch >= 2.6) measures only resnet18 compiled into a .pt2
package, against a plain script doing torch.export + aoti_compile_and_package
(bench/plain_aoti.py), both with inductor's caches off. `--inference` runs bench/inference.py
(how fast the artifacts run in C++ against eager PyTorch; it imports torch,
so it runs in its own process) with the arguments that follow. `--cache` measures
the conversion cache instead: a cold conversion into an empty cache, a local
hit, `cp` of the artifact, and with `--remote URL` (a running store, e.g.
nginx with WebDAV PUT) a remote hit into an empty local cache.

This process never imports torch: a child's peak RSS (ru_maxrss) starts from
its parent's size at fork, so the parent must stay small."""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = sys.executable


def measure(command, env=None, cwd=None):
    """(wall seconds, peak RSS in MiB) of one run of command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), stderr))
    return wall, usage.ru_maxrss / 1024.0


def summary(values):
    return statistics.median(values), min(values), max(values)


CASES = (("small MLP", os.path.join(HERE, "models.py"), "SmallMLP"),
         ("resnet18", "torchvision.models", "resnet18"),
         ("large MLP (1 GB)", os.path.join(HERE, "models.py"), "LargeMLP"))


def selected_cases(only):
    return [case for case in CASES if not only or case[2] in only]


def generate_weights(work, only):
    """Runs in a child process (--generate): writes each model's weights."""
    import torch
    import torchvision

    sys.path.insert(0, HERE)
    import models  # noqa: E402

    builders = {"SmallMLP": models.SmallMLP, "LargeMLP": models.LargeMLP,
                "resnet18": torchvision.models.resnet18}
    torch.manual_seed(0)
    for _, _, model_name in selected_cases(only):
        weights = os.path.join(work, model_name + ".weights.pt")
        if not os.path.exists(weights):
            print("generating", weights, file=sys.stderr)
            torch.save(builders[model_name]().state_dict(), weights)


def make_weights(work, only):
    subprocess.run([PYTHON, os.path.abspath(__file__), "--generate", "--work", work]
                   + ["--only=" + name for name in only], check=True)
    cases = []
    for name, module, model_name in selected_cases(only):
        weights = os.path.join(work, model_name + ".weights.pt")
        cases.append((name, module, model_name, weights, os.path.getsize(weights)))
    return cases


def bench_conversions(pt2ts, cases, runs, work):
    rows = []
    baseline = [measure([PYTHON, "-c", "import torch"])[1] for _ in range(3)]
    import_torch_rss = statistics.median(baseline)
    for name, module, model_name, weights, size in cases:
        n = runs
        results = {"plain": [], "pt2ts": [], "slow": []}
        for _ in range(n):
            for tool in ("plain", "pt2ts", "slow"):
                out = os.path.join(work, tool, model_name + ".pt")
                os.makedirs(os.path.dirname(out), exist_ok=True)
                env = None
                if tool == "plain":
                    command = [PYTHON, os.path.join(HERE, "plain_convert.py"), module, model_name,
                               weights, out]
                else:
                    command = [pt2ts, module, model_name, "-w", weights, "-s", out]
                if tool == "slow":  # what the fast path (fast_build.py) buys
                    env = dict(os.environ, PT2TS_DISABLE_FAST_PATHS="1")
                results[tool].append(measure(command, env=env))
        rows.append((name, size, n, results))
    return import_torch_rss, rows


def bench_aoti(pt2ts, work, runs):
    """resnet18 into a .pt2 package (batch 1..16, exported at 2x3x224x224):
    the plain recipe against pt2ts, which also runs the eager model and the
    package in C++ on the example inputs and makes the bytes reproducible.
    Inductor's caches are off for both: each run compiles from scratch."""
    make_weights(work, ["resnet18"])
    weights = os.path.join(work, "resnet18.weights.pt")
    env = dict(os.environ, TORCHINDUCTOR_FORCE_DISABLE_CACHES="1")
    results = {"plain": [], "pt2ts": []}
    for _ in range(runs):
        for tool in results:
            out = os.path.join(work, tool, "resnet18.pt2")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            if tool == "plain":
                command = [PYTHON, os.path.join(HERE, "plain_aoti.py"), "torchvision.models",
                           "resnet18", weights, out, "2x3x224x224"]
            else:
                command = [pt2ts, "torchvision.models", "resnet18", "-w", weights, "-s", out,
                           "--example-input", "2x3x224x224", "--dynamic-dim", "0:0:1:16"]
            results[tool].append(measure(command, env=env))
    walls = {tool: summary([wall for wall, _ in runs_]) for tool, runs_ in results.items()}
    rss = {tool: statistics.median([m for _, m in runs_]) for tool, runs_ in results.items()}
    return "\n".join([
        "| model (.pt2, AOTInductor) | runs | plain export + aoti_compile_and_package: wall "
        "median (min–max) | pt2ts: wall median (min–max) | wall ratio | plain peak RSS | "
        "pt2ts peak RSS |", "|---|---|---|---|---|---|---|",
        "| resnet18, batch 1..16 | %d | %.1f s (%.1f–%.1f) | %.1f s (%.1f–%.1f) | %.2f× | "
        "%.0f MiB | %.0f MiB |" % (runs, *walls["plain"], *walls["pt2ts"],
                                   walls["pt2ts"][0] / walls["plain"][0], rss["plain"],
                                   rss["pt2ts"])])


def bench_front_end(pt2ts, artifact):
    figures = {}
    for label, args, n in (("pt2ts --version", ["--version"], 50),
                           ("pt2ts --help", ["--help"], 50),
                           ("pt2ts inspect resnet18.pt", ["inspect", artifact], 10)):
        figures[label] = summary([measure([pt2ts] + args)[0] for _ in range(n)])
    # inspect's floor: a process that only loads LibTorch (Debian's
    # libtorch_cpu pulls in ~290 shared libraries), less Python's own start.
    load_only = [PYTHON, "-c", "import ctypes; ctypes.CDLL('libtorch.so', ctypes.RTLD_GLOBAL)"]
    bare = [measure([PYTHON, "-c", "import ctypes"])[0] for _ in range(10)]
    loads = [measure(load_only)[0] - statistics.median(bare) for _ in range(10)]
    figures["loading LibTorch alone (dlopen, no pt2ts)"] = summary(loads)
    return figures


def bench_noop_build(prefix, work, models_file):
    project = os.path.join(work, "twenty_models")
    shutil.rmtree(project, ignore_errors=True)
    os.makedirs(project)
    shutil.copy(models_file, project)
    calls = "\n".join("pt2ts_add_torchscript(mlp%d MODULE models.py MODEL SmallMLP "
                      "KWARGS hidden %d)" % (i, 16 + i) for i in range(20))
    with open(os.path.join(project, "CMakeLists.txt"), "w") as cmakelists:
        cmakelists.write("cmake_minimum_required(VERSION 3.20)\nproject(twenty NONE)\n"
                         "find_package(Pt2ts REQUIRED)\n" + calls + "\n")
    build = os.path.join(project, "build")
    subprocess.run(["cmake", "-S", project, "-B", build, "-G", "Ninja",
                    "-DCMAKE_PREFIX_PATH=" + prefix], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", build], check=True, capture_output=True)
    return {
        "no-op `cmake --build` (20 models, Ninja)":
            summary([measure(["cmake", "--build", build])[0] for _ in range(10)]),
        "no-op `ninja` (20 models)":
            summary([measure(["ninja", "-C", build])[0] for _ in range(10)]),
    }


def bench_cache(pt2ts, cases, runs, work, remote):
    """Per model: (cold, local hit, cp, remote hit or None) wall summaries."""
    rows = []
    for name, module, model_name, weights, size in cases:
        results = {"cold": [], "hit": [], "cp": [], "remote": []}
        for run in range(runs):
            cache = os.path.join(work, "cache", model_name, "local")
            shutil.rmtree(os.path.dirname(cache), ignore_errors=True)
            env = dict(os.environ, PT2TS_CACHE_DIR=cache)
            env.pop("PT2TS_REMOTE_CACHE", None)
            if remote:
                env["PT2TS_REMOTE_CACHE"] = remote + "/%s-%d-%d" % (model_name, os.getpid(), run)
            outputs = [os.path.join(work, "cache", model_name, kind, model_name + ".pt")
                       for kind in ("cold", "hit", "cp", "remote")]
            for output in outputs:
                os.makedirs(os.path.dirname(output), exist_ok=True)
            command = [pt2ts, module, model_name, "-w", weights]
            results["cold"].append(measure(command + ["-s", outputs[0]], env=env)[0])
            results["hit"].append(measure(command + ["-s", outputs[1]], env=env)[0])
            results["cp"].append(measure(["cp", outputs[0], outputs[2]])[0])
            if remote:
                shutil.rmtree(cache)
                results["remote"].append(measure(command + ["-s", outputs[3]], env=env)[0])
        rows.append((name, size, runs, {k: summary(v) for k, v in results.items() if v}))
    return rows


def report_cache(rows):
    lines = ["| model | weights | runs | cold conversion (miss + store) | local hit | hit / cold "
             "| `cp` of the artifact | hit / cp | remote hit (empty local cache) | remote / cold |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, size, n, walls in rows:
        cold, hit, cp = walls["cold"], walls["hit"], walls["cp"]
        remote = walls.get("remote")
        lines.append("| %s | %.1f MB | %d | %.2f s (%.2f–%.2f) | %.3f s (%.3f–%.3f) | %.1f %% | "
                     "%.3f s | %.2f× | %s | %s |" % (
                         name, size / 1e6, n, *cold, *hit, 100 * hit[0] / cold[0], cp[0],
                         hit[0] / cp[0],
                         "%.3f s (%.3f–%.3f)" % remote if remote else "–",
                         "%.1f %%" % (100 * remote[0] / cold[0]) if remote else "–"))
    return "\n".join(lines)


def report(import_torch_rss, rows, figures):
    lines = ["| model | weights | runs | plain script: wall median (min–max) | pt2ts: wall "
             "median (min–max) | wall ratio | plain peak RSS | pt2ts peak RSS | RSS ratio | "
             "pt2ts RSS − import torch | pt2ts without fast path: wall, peak RSS |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, size, n, results in rows:
        walls = {t: summary([w for w, _ in r]) for t, r in results.items()}
        rss = {t: statistics.median([m for _, m in r]) for t, r in results.items()}
        lines.append("| %s | %.1f MB | %d | %.2f s (%.2f–%.2f) | %.2f s (%.2f–%.2f) | %.2f× | "
                     "%.0f MiB | %.0f MiB | %.2f× | %.2f× weights | %.2f s, %.0f MiB |" % (
                         name, size / 1e6, n, *walls["plain"], *walls["pt2ts"],
                         walls["pt2ts"][0] / walls["plain"][0], rss["plain"], rss["pt2ts"],
                         rss["pt2ts"] / rss["plain"],
                         (rss["pt2ts"] - import_torch_rss) * 2**20 / size,
                         walls["slow"][0], rss["slow"]))
    lines += ["", "`import torch` alone: %.0f MiB peak RSS." % import_torch_rss]
    if not figures:
        return "\n".join(lines)
    lines += ["", "| command | median | min | max |", "|---|---|---|---|"]
    for label, (median, low, high) in figures.items():
        lines.append("| %s | %.1f ms | %.1f ms | %.1f ms |" % (label, median * 1e3, low * 1e3,
                                                                high * 1e3))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pt2ts", default=shutil.which("pt2ts") or "pt2ts")
    parser.add_argument("--prefix", default="/usr/local",
                        help="install prefix holding lib/cmake/Pt2ts (for the CMake benchmark)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--only", action="append", default=[], metavar="MODEL",
                        choices=[case[2] for case in CASES],
                        help="measure only this model's conversion (repeatable), nothing else")
    parser.add_argument("--aoti", action="store_true",
                        help="measure only resnet18 compiled into a .pt2 package (torch >= 2.6)")
    parser.add_argument("--cache", action="store_true",
                        help="measure the conversion cache (cold, local hit, cp, remote hit)")
    parser.add_argument("--remote", default="",
                        help="with --cache: a running remote store's URL (http:// or redis://)")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inference", nargs=argparse.REMAINDER,
                        help="run bench/inference.py with the arguments that follow, nothing else")
    args = parser.parse_args()
    if args.inference is not None:
        inference = [PYTHON, os.path.join(HERE, "inference.py"), "--pt2ts", args.pt2ts]
        return subprocess.run(inference + args.inference, check=True)
    os.makedirs(args.work, exist_ok=True)
    if args.generate:
        return generate_weights(args.work, args.only)
    if args.aoti:
        return print(bench_aoti(args.pt2ts, args.work, args.runs))
    cases = make_weights(args.work, args.only)
    if args.cache:
        print(report_cache(bench_cache(args.pt2ts, cases, args.runs, args.work, args.remote)))
        return None
    import_torch_rss, rows = bench_conversions(args.pt2ts, cases, args.runs, args.work)
    figures = {}
    if not args.only:
        figures = bench_front_end(args.pt2ts, os.path.join(args.work, "pt2ts", "resnet18.pt"))
        figures.update(bench_noop_build(args.prefix, args.work, os.path.join(HERE, "models.py")))
    torch_version = subprocess.run([PYTHON, "-c", "import torch; print(torch.__version__)"],
                                   capture_output=True, text=True).stdout.strip()
    print("Machine: %s, %d cores, Python %s, torch %s\n" % (
        platform.platform(), os.cpu_count(), platform.python_version(), torch_version))
    print(report(import_torch_rss, rows, figures))


if __name__ == "__main__":
    main()
