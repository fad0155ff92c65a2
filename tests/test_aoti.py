"""AOTInductor packages (.pt2, --format aoti): captured with torch.export,
compiled ahead of time, checked in pt2ts's C++ side with
AOTIModelPackageLoader, loaded here with torch's own loader and compared
with eager; static and dynamic shapes, nested outputs, a torchvision zoo
model, metadata, inspect, reproducible bytes, clear failures. On a torch
older than 2.6, the clean refusal. Each package compiles once per class
(10-25 s each), shared by the class's tests."""

import importlib
import importlib.util
import json
import os
import pty
import re
import signal
import subprocess
import sys
import unittest

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, PT2TS, Pt2tsTestCase,
                           descendants, fixture, import_file, read_bytes, run_pt2ts, wait_for)

NETS = fixture("models", "aoti", "nets.py")
nets = import_file(NETS, name="aoti_nets")
TORCH_RELEASE = tuple(int(part) for part in re.match(r"(\d+)\.(\d+)", torch.__version__).groups())
HAS_AOTI = TORCH_RELEASE >= (2, 6)
NEEDS_AOTI = unittest.skipUnless(HAS_AOTI, "needs torch >= 2.6 (AOTInductor packages); this is "
                                 "torch " + torch.__version__)


def inspect_json(path):
    result = subprocess.run([PT2TS, "inspect", "--json", path], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def load_package(path):
    return torch._inductor.aoti_load_package(path)


def run_on_a_terminal(*args):
    """pt2ts ARGS with stderr on a pseudo-terminal, as in an interactive
    shell; returns (exit code, what it printed there)."""
    try:
        controller, terminal = pty.openpty()
    except OSError as error:  # a root without /dev/pts mounted
        return None, "no pseudo-terminal: %s" % error
    process = subprocess.Popen([PT2TS, *args], stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    printed = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        printed += chunk
    os.close(controller)
    return process.wait(timeout=300), printed.decode(errors="replace")


# Loads a package the way a program does (torch's AOTIModelPackageLoader,
# here through Python's binding) in a fresh process whose environment has no
# AOTI_RUNTIME_CHECK_INPUTS, runs it on each set of shapes given as
# arguments ("3x6,3x5": one shape per input) and prints one line per set.
_RUN_SHAPES = """
import sys, torch
package = torch._inductor.aoti_load_package(sys.argv[1])
for shapes in sys.argv[2:]:
    inputs = [torch.randn([int(n) for n in s.split("x")]) for s in shapes.split(",")]
    try:
        outputs = package(*inputs)
        print("ran", shapes)
    except Exception as error:
        print("refused", shapes, str(error).replace("\\n", " "))
"""


def run_shapes(package, *shapes, **variables):
    """{shapes: "ran ..." or "refused ... why"}; `variables` are added to
    the environment, from which AOTI_RUNTIME_CHECK_INPUTS is removed."""
    env = {k: v for k, v in os.environ.items() if k != "AOTI_RUNTIME_CHECK_INPUTS"}
    env.update(variables)
    result = subprocess.run([sys.executable, "-c", _RUN_SHAPES, package, *shapes],
                            capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0:
        raise AssertionError("the package's run failed:\n" + result.stdout + result.stderr)
    return {line.split(" ")[1]: line for line in result.stdout.splitlines()}


def skip_without_input_checks(test, package):
    if load_package(package).get_metadata().get("pt2ts.input_checks") != "on":
        test.skipTest("this torch (%s) generates no input checks in AOTInductor packages"
                      % torch.__version__)


def read_depfile(path):
    with open(path) as file:
        return file.read().replace("\\\n", " ").split()


@unittest.skipIf(HAS_AOTI, "torch %s has AOTInductor: the refusal is for torch < 2.6"
                 % torch.__version__)
class OldTorchRefusalTest(Pt2tsTestCase):
    """Debian 12's torch 1.13: a .pt2 is refused, nothing is written, the
    previous file stays, and no TorchScript file ever gets a .pt2 name."""

    def test_pt2_needs_torch_2_6(self):
        for how in (("-s", self.path("net.pt2")),
                    ("--format", "aoti", "-s", self.path("net.pt2"))):
            with self.subTest(how=how):
                previous = b"previous package"
                with open(self.path("net.pt2"), "wb") as file:
                    file.write(previous)
                result = run_pt2ts(NETS, "small_net", "--example-input", "2x3x8x8", *how)
                self.assert_fails(result, EXIT_CONVERSION_FAILED, "needs torch >= 2.6",
                                  "has torch " + torch.__version__)
                self.assertEqual(read_bytes(self.path("net.pt2")), previous)
                self.assert_no_output_left(self.tmp, allowed=("net.pt2",))


@NEEDS_AOTI
class DynamicPackageTest(Pt2tsTestCase):
    """A conv net with a dynamic batch (1..16), checked on another batch
    size, with a depfile; and the same conversion again elsewhere, on a
    terminal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.class_folder("pt2ts-aoti-dynamic-")
        cls.package = os.path.join(cls.folder, "first", "net.pt2")
        cls.depfile = os.path.join(cls.folder, "net.d")
        cls.args = (NETS, "small_net", "--example-input", "2x3x8x8", "--dynamic-dim",
                    "0:0:1:16", "--check-input", "5x3x8x8")
        result = run_pt2ts(*cls.args, "-s", cls.package, "--depfile", cls.depfile)
        if result.returncode != 0:
            raise AssertionError("cannot build the package:\n" + result.stderr)
        cls.stderr = result.stderr
        cls.again = os.path.join(cls.folder, "second", "net.pt2")
        cls.terminal_status, cls.terminal = run_on_a_terminal(*cls.args, "-s", cls.again)
        if cls.terminal_status is None:
            cls.make_known_good_artifact(cls.again, *cls.args)

    def test_runs_any_batch_like_eager(self):
        package = load_package(self.package)
        eager = nets.small_net().eval()
        for batch in (1, 3, 16):
            with self.subTest(batch=batch), torch.no_grad():
                x = torch.randn(batch, 3, 8, 8)
                torch.testing.assert_close(package(x), eager(x), rtol=1e-5, atol=1e-5)

    def test_refuses_other_static_sizes_and_any_batch(self):
        skip_without_input_checks(self, self.package)
        ran = run_shapes(self.package, "1x3x8x8", "16x3x8x8", "2x3x8x9")
        self.assertTrue(ran["1x3x8x8"].startswith("ran"), ran)
        self.assertTrue(ran["16x3x8x8"].startswith("ran"), ran)
        # The dynamic dimension's bounds are not checked (torch generated
        # <= 15 and >= 2 for 1..16): pt2ts disables those two checks.
        self.assertRegex(ran["2x3x8x9"], r"^refused .*unmatched dim value at 3, expected: 8")

    def test_metadata_in_the_package(self):
        metadata = load_package(self.package).get_metadata()
        self.assertIn(metadata["pt2ts.input_checks"], ("on", "off"))
        # The inductor settings applied (aoti_settings.py): constant folding
        # on, and the vector instructions the kernels use, as this torch's
        # own probe names them (it finds some on every CPU CI runs on).
        settings = json.loads(metadata["pt2ts.inductor"])
        self.assertIs(settings["freezing"], True)
        if importlib.import_module("torch._inductor.cpu_vec_isa").pick_vec_isa():
            self.assertNotEqual(settings["vector_isa"], "none")
        record = json.loads(metadata["pt2ts.json"])
        self.assertEqual(record["model"], "small_net")
        self.assertEqual(record["export"]["format"], "aoti")
        self.assertEqual(record["export"]["method"], "export")
        self.assertEqual(record["export"]["dynamic_dims"],
                         [{"input": 0, "dim": 0, "min": 1, "max": 16}])
        self.assertEqual(record["torch_version"], torch.__version__)

    def test_inspect_describes_it(self):
        report = inspect_json(self.package)
        self.assertEqual(report["format"], "aoti")
        self.assertEqual(report["producer_torch_version"], torch.__version__)
        self.assertTrue(any(f["name"].endswith(".so") and f["size"] > 0 for f in report["files"]))
        self.assertEqual(report["pt2ts"]["export"]["example_inputs"], ["2x3x8x8:float32"])
        self.assertIn("AOTI_DEVICE_KEY", report["package_metadata"])
        self.assertTrue(report["call_spec"]["inputs"])
        text = subprocess.run([PT2TS, "inspect", self.package], capture_output=True, text=True,
                              check=True).stdout
        self.assertIn("AOTInductor package", text)
        self.assertIn("recorded by pt2ts", text)

    def test_depfile_lists_the_model_file_only(self):
        listed = read_depfile(self.depfile)
        self.assertEqual(listed[0], self.package + ":")
        self.assertEqual(listed[1:], [NETS])

    def test_byte_reproducible(self):
        self.assertIn(self.terminal_status, (0, None), self.terminal)
        self.assertEqual(read_bytes(self.package), read_bytes(self.again))

    def test_compile_progress_on_a_terminal(self):
        if self.terminal_status is None:
            self.skipTest(self.terminal)
        self.assertEqual(self.terminal_status, 0, self.terminal)
        self.assertRegex(self.terminal, r"pt2ts: compiling with AOTInductor\.\.\. \d+\.\d s")
        self.assertNotIn("compiling", self.stderr)  # not a terminal: silent

    def test_quiet_without_verbose(self):
        self.assertEqual(self.stderr, "")  # no torch log lines ('W1202 ...'), no progress


@NEEDS_AOTI
class StaticPackageTest(Pt2tsTestCase):
    """Two inputs, nested outputs (a dict holding a tuple), static shapes;
    made through pt2ts_add_model's spelling --format aoti."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.class_folder("pt2ts-aoti-static-")
        cls.package = os.path.join(cls.folder, "heads.pt2")
        cls.cache = os.path.join(cls.folder, "cache")
        result = run_pt2ts(NETS, "two_heads", "--format", "aoti", "--example-input", "3x6",
                           "--example-input", "3x5", "-v", "-s", cls.package, "--cache-dir",
                           cls.cache)
        if result.returncode != 0:
            raise AssertionError("cannot build the package:\n" + result.stderr)
        cls.verbose = result.stderr

    def test_nested_outputs_match_eager(self):
        package = load_package(self.package)
        eager = nets.two_heads().eval()
        x, y = torch.randn(3, 6), torch.randn(3, 5)
        with torch.no_grad():
            expected, actual = eager(x, y), package(x, y)
        torch.testing.assert_close(actual["scores"], expected["scores"])
        torch.testing.assert_close(actual["extra"][0], expected["extra"][0])
        torch.testing.assert_close(actual["extra"][1], expected["extra"][1])

    def test_cache_hit_gives_the_same_package_without_compiling(self):
        again = os.path.join(self.folder, "again", "heads.pt2")
        result = run_pt2ts(NETS, "two_heads", "--format", "aoti", "--example-input", "3x6",
                           "--example-input", "3x5", "-v", "-s", again, "--cache-dir",
                           self.cache)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("cache hit (local)", result.stderr)
        self.assertNotIn("compiled with AOTInductor", result.stderr)
        self.assertEqual(read_bytes(again), read_bytes(self.package))
        self.assertIn("cache miss", self.verbose)

    def test_verbose_times_export_and_compile_apart(self):
        self.assertRegex(self.verbose, r"\] exported two_heads with torch.export on the example "
                         r"inputs")
        self.assertRegex(self.verbose, r"\] compiled with AOTInductor in \d+\.\d s")

    def test_sigterm_during_the_compile_keeps_the_previous_package(self):
        previous = read_bytes(self.package)
        # Inductor's caches off: the compile must really run when the signal comes.
        process = subprocess.Popen(
            [PT2TS, NETS, "two_heads", "--format", "aoti", "--example-input", "3x6",
             "--example-input", "3x5", "-v", "-s", self.package], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, TORCHINDUCTOR_FORCE_DISABLE_CACHES="1"))
        self.addCleanup(lambda: process.poll() is None and process.kill())
        seen = ""
        while "exported two_heads" not in seen:  # the compile starts next
            line = process.stderr.readline()
            self.assertTrue(line, "pt2ts ended before exporting:\n" + seen)
            seen += line
        # The compile is under way once pt2ts has a child process (Inductor's
        # compile workers, the C++ compiler): signal it then.
        wait_for(lambda: descendants(process.pid), 300, "the AOTInductor compile to start",
                 process)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("pt2ts still compiles 20 s after SIGTERM")
        rest = process.stderr.read()
        process.stderr.close()
        self.assertEqual(process.returncode, -signal.SIGTERM, seen + rest)
        self.assertNotIn("compiled with AOTInductor", seen + rest)  # it was compiling
        self.assertEqual(read_bytes(self.package), previous)
        self.assert_no_output_left(self.folder, allowed=("heads.pt2", "cache", "again"))

    def test_refuses_other_shapes_without_any_environment_variable(self):
        skip_without_input_checks(self, self.package)
        ran = run_shapes(self.package, "3x6,3x5", "4x6,4x5", "3x6,3x4")
        self.assertTrue(ran["3x6,3x5"].startswith("ran"), ran)
        self.assertRegex(ran["4x6,4x5"], r"^refused .*input_handles\[0\]: unmatched dim value at "
                         r"0, expected: 3, but got: 4")
        self.assertRegex(ran["3x6,3x4"], r"^refused .*input_handles\[1\]: unmatched dim value at "
                         r"1, expected: 5, but got: 4")

    def test_input_checks_off_only_when_asked(self):
        skip_without_input_checks(self, self.package)
        # AOTInductor's own switch still turns them off (the unchecked result
        # has the compiled batch: what the checks are there to prevent).
        ran = run_shapes(self.package, "4x6,4x5", AOTI_RUNTIME_CHECK_INPUTS="0")
        self.assertTrue(ran["4x6,4x5"].startswith("ran"), ran)

    def test_records_static_shapes(self):
        # The record says which shapes the package was compiled for; the
        # package checks its inputs against them (pt2ts.input_checks).
        record = json.loads(load_package(self.package).get_metadata()["pt2ts.json"])
        self.assertEqual(record["export"]["example_inputs"], ["3x6:float32", "3x5:float32"])
        self.assertNotIn("dynamic_dims", record["export"])

    def test_previous_package_kept_when_export_fails(self):
        previous = read_bytes(self.package)
        result = run_pt2ts(NETS, "DataDependent", "--example-input", "2x4", "-s", self.package)
        line = self.assert_fails(result, EXIT_CONVERSION_FAILED,
                                 "torch.export cannot capture model 'DataDependent'",
                                 "nets.py, line")
        self.assertIn("data-dependent", line)
        self.assertNotIn("W1", result.stderr)
        self.assertEqual(read_bytes(self.package), previous)
        self.assert_no_output_left(self.folder, allowed=("heads.pt2", "cache", "again"))


@NEEDS_AOTI
@unittest.skipUnless(importlib.util.find_spec("torchvision"),
                     "needs torchvision beside this torch (Debian: python3-torchvision; pip: the "
                     "torchvision release made for this torch)")
class ZooPackageTest(Pt2tsTestCase):
    """torchvision's resnet18 with a dynamic batch, checked in C++ on two
    batch sizes, runs like eager. (Static shapes: StaticPackageTest; one
    zoo package is enough for the path through a zoo's module, and each
    costs a compile of 25-40 s in every stage that has torchvision.)"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.class_folder("pt2ts-aoti-zoo-")
        cls.package = os.path.join(cls.folder, "resnet18.pt2")
        cls.make_known_good_artifact(cls.package, "torchvision.models", "resnet18", "--kwargs",
                                     "num_classes", "10", "--example-input", "2x3x64x64",
                                     "--dynamic-dim", "0:0:1:8", "--check-input", "3x3x64x64")

    def test_matches_eager(self):
        import torchvision
        torch.manual_seed(0)
        eager = torchvision.models.resnet18(num_classes=10).eval()
        package = load_package(self.package)
        for batch in (1, 4):
            with self.subTest(batch=batch), torch.no_grad():
                x = torch.randn(batch, 3, 64, 64)
                torch.testing.assert_close(package(x), eager(x), rtol=1e-4, atol=1e-4)


@NEEDS_AOTI
class AotiMisuseTest(Pt2tsTestCase):
    """Failures found before anything compiles (cheap): each one error line,
    nothing written."""

    def test_missing_compiler_names_the_package(self):
        result = run_pt2ts(NETS, "small_net", "--example-input", "2x3x8x8", "-s",
                           self.path("net.pt2"), env=dict(os.environ, CXX="/nonexistent/g++"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "C++ compiler", "apt-get install g++")
        self.assert_no_output_left(self.tmp)

    def test_check_input_outside_the_compiled_shapes_names_the_dynamic_dim(self):
        # Found by the front end before Python starts: exit 2, nothing written.
        for args, fragment in (
                (("--check-input", "3x3x8x8"),
                 "differ from the example inputs in dimension 0 of argument 0, and a .pt2 "
                 "package accepts there only the example inputs' size (it is compiled for the "
                 "example shapes): add --dynamic-dim 0:0:2:3 (bounds"),
                (("--check-input", "5x3x8x8", "--dynamic-dim", "0:0:1:4"),
                 "--dynamic-dim 0:0:1:4: the check input's size there, 5"),
                (("--check-input", "2x3x8x8:int64",), "the example input there is float32")):
            with self.subTest(args=args):
                result = run_pt2ts(NETS, "small_net", "--example-input", "2x3x8x8", *args,
                                   "-s", self.path("net.pt2"))
                self.assert_fails(result, EXIT_USAGE_ERROR, fragment)
                self.assert_no_output_left(self.tmp)

    def test_check_inputs_file_outside_the_compiled_shapes_names_the_dynamic_dim(self):
        # A file's shapes are known in Python only: refused there, before export.
        inputs = self.path("check.pt")
        torch.save([(torch.randn(3, 3, 8, 8),), (torch.randn(6, 3, 8, 8),)], inputs)
        result = run_pt2ts(NETS, "small_net", "--example-input", "2x3x8x8", "--check-inputs",
                           inputs, "-v", "-s", self.path("net.pt2"))
        self.assert_fails(result, EXIT_USAGE_ERROR, "in dimension 0 of argument 0",
                          "add --dynamic-dim 0:0:2:6 (bounds")
        self.assertNotIn("exported small_net", result.stderr)
        self.assert_no_output_left(self.tmp, allowed=("check.pt",))

    def test_dynamic_dim_checked_against_an_inputs_file(self):
        inputs = self.path("inputs.pt")
        torch.save((torch.randn(2, 3, 8, 8),), inputs)
        for spec, fragment in (("1:0", "there is no argument 1"),
                               ("0:4", "has no dimension 4"),
                               ("0:0:4:8", "outside 4..8")):
            with self.subTest(spec=spec):
                result = run_pt2ts(NETS, "small_net", "--example-inputs", inputs,
                                   "--dynamic-dim", spec, "-s", self.path("net.pt2"))
                self.assert_fails(result, EXIT_USAGE_ERROR, fragment)
                self.assert_no_output_left(self.tmp, allowed=("inputs.pt",))


if __name__ == "__main__":
    unittest.main()
