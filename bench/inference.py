"""How fast pt2ts's artifacts run in C++, against eager PyTorch, in one run.

    PYTHON bench/inference.py [--pt2ts PATH] [--work DIR] [--threads N] [--rounds N]
                              [--calls N] [--only MODEL]... [--bfloat16] [--static-batch]
                              [--aoti-variants MODEL [--variants NAME,...]]

(also `bench/run_benchmarks.py --inference ...`, which runs this with its
own interpreter). For a small MLP, a BERT-small-sized transformer encoder
(bench/models.py) and torchvision's resnet18 (random weights; skipped, with
the reason printed, where torchvision does not import): pt2ts converts each
into every format it writes, with its defaults (TorchScript, TorchScript
--freeze, lite, and on torch >= 2.6 an AOTInductor package with a dynamic
batch 1..16). bench/inference/inference_timer.cpp, built here against this
torch's LibTorch, loads each artifact with its format's loader and times
forward calls on request; this process times the eager model (eval,
torch.inference_mode) on the very same inputs. Both use the same number of
intra-op threads. Each round times every contender in turn (eager, then each
artifact, `--calls` calls each) so machine noise hits all of them alike; the
first round is a warm-up and is dropped. Prints a Markdown table: eager's
median milliseconds per call, and each artifact's median as a ratio to
eager's (below 1 is faster), with the largest difference between the
artifact's output and eager's. `--aoti-variants MODEL` adds, for that
model, packages compiled with pt2ts's inductor settings but one changed
(bench/aoti_variants.py): scalar kernels, no freezing, the converting
machine's thread count fixed in the kernels, channels-last layout
(`--variants` picks some). `--bfloat16` adds each format converted with
`pt2ts --dtype bfloat16` (input cast to bfloat16 once before the timed
calls, output compared with eager float32's) and the eager model in
bfloat16; every ratio stays to eager float32. `--static-batch` adds a
`.pt2` per batch size compiled for that batch alone (pt2ts's default
without --dynamic-dim). Benchmarks, not tests: nothing asserts a time.
"""

import argparse
import copy
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BATCHES = (1, 8)

# name, module given to pt2ts, model, one input's shape without the batch
MODELS = (("MLP", os.path.join(HERE, "models.py"), "SmallMLP", (784,)),
          ("transformer encoder", os.path.join(HERE, "models.py"), "SmallTransformerEncoder",
           (128, 512)),
          ("resnet18", "torchvision.models", "resnet18", (3, 224, 224)))

# label, file extension, extra pt2ts arguments
FORMATS = (("TorchScript", ".pt", []),
           ("TorchScript --freeze", ".frozen.pt", ["--freeze"]),
           ("lite (.ptl)", ".ptl", []),
           ("AOTInductor (.pt2)", ".pt2", ["--dynamic-dim", "0:0:1:16"]))


def aoti_available():
    version = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    return version >= (2, 6)


def build_model(module, model_name):
    if module == "torchvision.models":
        import torchvision
        return getattr(torchvision.models, model_name)()
    sys.path.insert(0, HERE)
    import models
    return getattr(models, model_name)()


def usable_models(only):
    usable, skipped = [], []
    for name, module, model_name, shape in MODELS:
        if only and model_name not in only:
            continue
        try:
            build_model(module, model_name)
        except Exception as error:  # noqa: B902 - any import failure means "skip"
            skipped.append("%s: skipped, %s: %s" % (name, type(error).__name__,
                                                    str(error).splitlines()[0]))
            continue
        usable.append((name, module, model_name, shape))
    return usable, skipped


def build_timer(work, cmake_args):
    """Configures and builds inference_timer against this torch's LibTorch."""
    build = os.path.join(work, "timer")
    prefix = torch.utils.cmake_prefix_path
    configure = ["cmake", "-S", os.path.join(HERE, "inference"), "-B", build,
                 "-DCMAKE_BUILD_TYPE=Release"] + cmake_args
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    if os.path.isdir(prefix):  # a wheel's LibTorch; Debian's is found by default
        # With the folder holding lib/libtorch.so too: TorchConfig's plain
        # find_library() calls would otherwise take a system LibTorch's files.
        configure.append("-DCMAKE_PREFIX_PATH=%s;%s" % (prefix, os.path.dirname(torch.__file__)))
    for command in (configure, ["cmake", "--build", build]):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit("failed: %s\n%s%s" % (" ".join(command), result.stdout,
                                                   result.stderr))
    return os.path.join(build, "inference_timer")


class Artifact:
    """One artifact for the timer: its column, file, dtype, and the one
    batch size it accepts (None: every batch)."""

    def __init__(self, label, path, dtype="float32", batch=None):
        self.label, self.path, self.dtype, self.batch = label, path, dtype, batch

    @property
    def name(self):  # the timer's name for it: no spaces
        return ("%s@%s" % (self.label, self.batch)).replace(" ", "_")


def convert(pt2ts, work, module, model_name, shape, model, bfloat16, static_batch):
    """Writes the weights, then each format's artifact, with pt2ts's
    defaults (and in bfloat16, and static-batch packages, where asked);
    returns [Artifact] and {label: conversion seconds}."""
    weights = os.path.join(work, model_name + ".weights.pt")
    torch.save(model.state_dict(), weights)
    jobs = []  # label, file, extra arguments, example batch, dtype, batch
    for dtype in ("float32", "bfloat16") if bfloat16 else ("float32",):
        for label, extension, extra in FORMATS:
            if extension == ".pt2" and not aoti_available():
                continue
            if dtype != "float32":
                label, extension = label + " " + dtype, "." + dtype + extension
                extra = extra + ["--dtype", dtype]
            jobs.append((label, model_name + extension, extra, 2, dtype, None))
    if static_batch and aoti_available():
        jobs += [(".pt2 static batch", "%s.batch%d.pt2" % (model_name, batch), [], batch,
                  "float32", batch) for batch in BATCHES]
    artifacts, seconds = [], {}
    for label, file_name, extra, example_batch, dtype, batch in jobs:
        path = os.path.join(work, file_name)
        example = "x".join(str(size) for size in (example_batch,) + shape)
        command = [pt2ts, module, model_name, "-w", weights, "-s", path,
                   "--example-input", example, "--no-cache"] + extra
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds[label if batch is None else "%s %d" % (label, batch)] = (
            time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit("failed: %s\n%s" % (" ".join(command), result.stderr))
        artifacts.append(Artifact(label, path, dtype, batch))
    return artifacts, seconds


# bench/aoti_variants.py's variants: column label, variant name
VARIANTS = ((".pt2 scalar kernels", "scalar"), (".pt2 without freezing", "no-freezing"),
            (".pt2 fixed threads", "fixed-threads"), (".pt2 channels-last", "channels-last"))


def aoti_variants(work, module, model_name, shape, chosen):
    """[Artifact] of the variant packages, and their compile seconds."""
    weights = os.path.join(work, model_name + ".weights.pt")
    prefix = os.path.join(work, model_name)
    example = "x".join(str(size) for size in (2,) + shape)
    result = subprocess.run([sys.executable, os.path.join(HERE, "aoti_variants.py"), module,
                             model_name, weights, example, prefix]
                            + [variant for _, variant in chosen],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("aoti_variants.py failed:\n" + result.stderr)
    seconds = dict(line.split()[:2] for line in result.stdout.splitlines())
    return ([Artifact(label, "%s.%s.pt2" % (prefix, variant)) for label, variant in chosen],
            {label: float(seconds[variant]) for label, variant in chosen})


def write_floats(tensor, path):
    with open(path, "wb") as file:
        file.write(tensor.detach().contiguous().float().numpy().tobytes())


class Timer:
    """The inference_timer process."""

    def __init__(self, program, threads):
        self._process = subprocess.Popen([program, str(threads)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)

    def ask(self, line):
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline().strip()
        if not answer or answer.startswith("error"):
            raise SystemExit("inference_timer: %s -> %s" % (line, answer or "no answer"))
        return answer

    def close(self):
        self._process.stdin.write("quit\n")
        self._process.stdin.close()
        self._process.wait()


def time_eager(model, input, calls):
    times = []
    with torch.inference_mode():
        for _ in range(calls):
            start = time.perf_counter()
            model(input)
            times.append(time.perf_counter() - start)
    return times


EAGER_BFLOAT16 = "eager bfloat16"


def measure(timer, work, model_name, shape, model, artifacts, rounds, calls, bfloat16):
    """{batch: {contender: (median seconds, max abs diff to eager float32)}}."""
    results = {}
    for artifact in artifacts:
        timer.ask("load %s:%s %s %s" % (model_name, artifact.name, artifact.path,
                                        artifact.dtype))
    model_bfloat16 = copy.deepcopy(model).to(torch.bfloat16) if bfloat16 else None
    for batch in BATCHES:
        generator = torch.Generator().manual_seed(batch)
        input = torch.randn((batch,) + shape, generator=generator)
        with torch.inference_mode():
            expected = model(input)
        input_path = os.path.join(work, "%s.%d.input" % (model_name, batch))
        expected_path = os.path.join(work, "%s.%d.expected" % (model_name, batch))
        write_floats(input, input_path)
        write_floats(expected, expected_path)
        size = "x".join(str(s) for s in input.shape)
        # Python's contenders: (model, input), timed in this process.
        eager = {"eager": (model, input)}
        if model_bfloat16 is not None:
            eager[EAGER_BFLOAT16] = (model_bfloat16, input.to(torch.bfloat16))
        here = [a for a in artifacts if a.batch in (None, batch)]
        times = {label: [] for label in list(eager) + [a.label for a in here]}
        diffs = {}
        if model_bfloat16 is not None:
            with torch.inference_mode():
                diffs[EAGER_BFLOAT16] = float(
                    (model_bfloat16(eager[EAGER_BFLOAT16][1]).float() - expected).abs().max())
        for round_ in range(rounds + 1):  # round 0 warms up
            for label, (contender, contender_input) in eager.items():
                seconds = time_eager(contender, contender_input, calls)
                if round_:
                    times[label] += seconds
            for artifact in here:
                answer = timer.ask("run %s:%s %s %s %s %d" % (
                    model_name, artifact.name, input_path, size, expected_path,
                    calls)).split()
                diffs[artifact.label] = float(answer[0])
                if round_:
                    times[artifact.label] += [float(value) for value in answer[1:]]
        results[batch] = {label: (statistics.median(values), diffs.get(label, 0.0))
                          for label, values in times.items()}
    return results


def table(rows, labels):
    lines = ["| model | batch | eager (ms per call) | " + " | ".join(labels) + " |",
             "|---|---|---|" + "---|" * len(labels)]
    for name, batch, result in rows:
        eager = result["eager"][0]
        cells = []
        for label in labels:
            if label not in result:
                cells.append("–")
                continue
            seconds, diff = result[label]
            cells.append("%.2f× (%.0e)" % (seconds / eager, diff))
        lines.append("| %s | %d | %.2f | %s |" % (name, batch, eager * 1e3, " | ".join(cells)))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pt2ts", default=shutil.which("pt2ts") or "pt2ts")
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "bench-inference"))
    parser.add_argument("--threads", type=int, default=1,
                        help="intra-op threads, eager and C++ alike (default 1)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--calls", type=int, default=5, help="calls per contender per round")
    parser.add_argument("--only", action="append", default=[], metavar="MODEL",
                        choices=[entry[2] for entry in MODELS])
    parser.add_argument("--aoti-variants", action="append", default=[], metavar="MODEL",
                        choices=[entry[2] for entry in MODELS],
                        help="also time this model's packages with one inductor setting "
                        "changed (repeatable)")
    parser.add_argument("--variants", default=",".join(name for _, name in VARIANTS),
                        help="which --aoti-variants, comma-separated (default all: %(default)s)")
    parser.add_argument("--bfloat16", action="store_true",
                        help="also every format converted with --dtype bfloat16, and eager "
                        "in bfloat16 (ratios still to eager float32)")
    parser.add_argument("--static-batch", action="store_true",
                        help="also a .pt2 per batch size, compiled for that batch alone")
    parser.add_argument("--cmake-arg", action="append", default=[], metavar="ARG",
                        help="for the timer's CMake configure, e.g. a CUDA wheel's "
                        "-DCUDA_TOOLKIT_ROOT_DIR=... (its LibTorch package asks for the toolkit)")
    args = parser.parse_args()
    unknown = set(args.variants.split(",")) - {name for _, name in VARIANTS}
    if unknown:
        parser.error("unknown --variants: %s" % ", ".join(sorted(unknown)))
    chosen = [(label, name) for label, name in VARIANTS if name in args.variants.split(",")]
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    models, skipped = usable_models(args.only)
    program = build_timer(args.work, args.cmake_arg)
    timer = Timer(program, args.threads)
    rows, conversions = [], []
    labels = []
    variants = bool(args.aoti_variants) and aoti_available()
    for name, module, model_name, shape in models:
        model = build_model(module, model_name).eval()
        artifacts, seconds = convert(args.pt2ts, args.work, module, model_name, shape, model,
                                     args.bfloat16, args.static_batch)
        if variants and model_name in args.aoti_variants:
            extra, extra_seconds = aoti_variants(args.work, module, model_name, shape, chosen)
            artifacts += extra
            seconds.update(extra_seconds)
        conversions.append((name, seconds))
        for label in ([EAGER_BFLOAT16] if args.bfloat16 else []) + [a.label for a in artifacts]:
            if label not in labels:  # a static-batch column holds one package per batch
                labels.append(label)
        results = measure(timer, args.work, model_name, shape, model, artifacts,
                          args.rounds, args.calls, args.bfloat16)
        rows += [(name, batch, results[batch]) for batch in BATCHES]
    timer.close()
    print("Machine: %s, %d cores, Python %s, torch %s; %d intra-op thread(s); %d rounds "
          "of %d calls per contender (medians)\n" % (
              platform.platform(), os.cpu_count(), platform.python_version(),
              torch.__version__, args.threads, args.rounds, args.calls))
    print("Each cell: the artifact's time per call / eager's (max |artifact - eager|)\n")
    print(table(rows, labels))
    print("\nConversion wall time (pt2ts, --no-cache): " + "; ".join(
        "%s: %s" % (name, ", ".join("%s %.1f s" % item for item in seconds.items()))
        for name, seconds in conversions))
    for line in skipped:
        print(line)


if __name__ == "__main__":
    main()
