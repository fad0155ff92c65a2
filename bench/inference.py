"""How fast pt2ts's artifacts run in C++, against eager PyTorch, in one run.

    PYTHON bench/inference.py [--pt2ts PATH] [--work DIR] [--threads N] [--rounds N]
                              [--calls N] [--only MODEL]...

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
machine's thread count fixed in the kernels, channels-last layout.
Benchmarks, not tests: nothing asserts a time.
"""

import argparse
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


def build_timer(work):
    """Configures and builds inference_timer against this torch's LibTorch."""
    build = os.path.join(work, "timer")
    prefix = torch.utils.cmake_prefix_path
    configure = ["cmake", "-S", os.path.join(HERE, "inference"), "-B", build,
                 "-DCMAKE_BUILD_TYPE=Release"]
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


def convert(pt2ts, work, module, model_name, shape, model):
    """Writes the weights, then each format's artifact, with pt2ts's
    defaults; returns {format label: path} and the conversion seconds."""
    weights = os.path.join(work, model_name + ".weights.pt")
    torch.save(model.state_dict(), weights)
    example = "x".join(str(size) for size in (2,) + shape)
    artifacts, seconds = {}, {}
    for label, extension, extra in FORMATS:
        if extension == ".pt2" and not aoti_available():
            continue
        path = os.path.join(work, model_name + extension)
        command = [pt2ts, module, model_name, "-w", weights, "-s", path,
                   "--example-input", example, "--no-cache"] + extra
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds[label] = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit("failed: %s\n%s" % (" ".join(command), result.stderr))
        artifacts[label] = path
    return artifacts, seconds


# bench/aoti_variants.py's variants: column label, variant name
VARIANTS = ((".pt2 scalar kernels", "scalar"), (".pt2 without freezing", "no-freezing"),
            (".pt2 fixed threads", "fixed-threads"), (".pt2 channels-last", "channels-last"))


def aoti_variants(work, module, model_name, shape):
    """{label: path} of the variant packages, and their compile seconds."""
    weights = os.path.join(work, model_name + ".weights.pt")
    prefix = os.path.join(work, model_name)
    example = "x".join(str(size) for size in (2,) + shape)
    result = subprocess.run([sys.executable, os.path.join(HERE, "aoti_variants.py"), module,
                             model_name, weights, example, prefix]
                            + [variant for _, variant in VARIANTS],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("aoti_variants.py failed:\n" + result.stderr)
    seconds = dict(line.split()[:2] for line in result.stdout.splitlines())
    return ({label: "%s.%s.pt2" % (prefix, variant) for label, variant in VARIANTS},
            {label: float(seconds[variant]) for label, variant in VARIANTS})


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


def measure(timer, work, name, model_name, shape, model, artifacts, rounds, calls):
    """{batch: {contender: (median seconds, max abs diff)}}."""
    results = {}
    for label, path in artifacts.items():
        timer.ask("load %s:%s %s" % (model_name, label.replace(" ", "_"), path))
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
        times = {label: [] for label in ["eager"] + list(artifacts)}
        diffs = {}
        for round_ in range(rounds + 1):  # round 0 warms up
            eager = time_eager(model, input, calls)
            if round_:
                times["eager"] += eager
            for label in artifacts:
                answer = timer.ask("run %s:%s %s %s %s %d" % (
                    model_name, label.replace(" ", "_"), input_path, size, expected_path,
                    calls)).split()
                diffs[label] = float(answer[0])
                if round_:
                    times[label] += [float(value) for value in answer[1:]]
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
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    models, skipped = usable_models(args.only)
    program = build_timer(args.work)
    timer = Timer(program, args.threads)
    rows, conversions = [], []
    labels = [label for label, extension, _ in FORMATS
              if extension != ".pt2" or aoti_available()]
    variants = bool(args.aoti_variants) and aoti_available()
    if variants:
        labels += [label for label, _ in VARIANTS]
    for name, module, model_name, shape in models:
        model = build_model(module, model_name).eval()
        artifacts, seconds = convert(args.pt2ts, args.work, module, model_name, shape, model)
        if variants and model_name in args.aoti_variants:
            extra, extra_seconds = aoti_variants(args.work, module, model_name, shape)
            artifacts.update(extra)
            seconds.update(extra_seconds)
        conversions.append((name, seconds))
        results = measure(timer, args.work, name, model_name, shape, model, artifacts,
                          args.rounds, args.calls)
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
