"""find_package(Pt2ts) and pt2ts_add_torchscript() in real downstream builds:
fresh builds, no-op rebuilds, exact reconversion after edits, failures that
stay failures, misuse caught at configure time, installed (and moved) and
subdirectory modes, for Ninja, Unix Makefiles and Ninja Multi-Config."""

import glob
import json
import os
import re
import shutil
import struct
import tempfile
import unittest
import zipfile
import zlib

import torch

from pt2ts_testing import (FIXTURES, INSTALL_PREFIX, consumer_configure_args, import_file,
                           needs_install_fixture, read_bytes, run, wait_for_new_timestamp)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")

# Where the consumer builds use ccache (CI sets CMAKE_CXX_COMPILER_LAUNCHER):
# a compile's command line names the build folder (-I<build>/pt2ts/tool), a
# new temporary folder each run, so ccache would never hit. With the
# temporary folders' parent as its base directory, ccache sees those paths
# relative to the build folder, the same every run: the consumers' C++, and
# pt2ts itself in subdirectory mode, compile once, not in every CI run.
os.environ["CCACHE_BASEDIR"] = os.path.realpath(tempfile.gettempdir())


def make_project(folder):
    """Copies the consumer project and its Python models into folder and
    writes the weights file it uses."""
    shutil.copytree(os.path.join(HERE, "cmake", "consumer"), folder)
    models = os.path.join(folder, "models")
    os.mkdir(models)
    for name in ("net.py", "blocks.py", "activations.py"):
        shutil.copy(os.path.join(FIXTURES, "models", "multi", name), models)
    shutil.copy(os.path.join(FIXTURES, "models", "single", "mlp.py"), models)
    write_weights(folder, seed=1)


def write_weights(folder, seed):
    net = import_file(os.path.join(folder, "models", "net.py"), "weights_net_%d" % seed)
    torch.manual_seed(seed)
    model = net.SmallCNN(depth=1, channels=4)
    torch.save(model.state_dict(), os.path.join(folder, "cnn_weights.pt"))




def stamp(path):
    """Identity of a file version: a reconversion renames a new file in."""
    info = os.stat(path)
    return (info.st_ino, info.st_mtime_ns)


def edit(path, old, new):
    with open(path) as file:
        text = file.read()
    if old not in text:
        raise AssertionError("%r not in %s" % (old, path))
    with open(path, "w") as file:
        file.write(text.replace(old, new))


@needs_install_fixture
class IncrementalBuildMixin:
    """The behaviour every generator must show, run as one ordered story."""

    generator = None
    config = None  # the configuration built under multi-config generators
    configure_args = ()  # what a generator's story configures with

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pt2ts-cmake-")
        self.project = os.path.join(self._tmp.name, "project with space")
        self.build_dir = os.path.join(self._tmp.name, "build")
        make_project(self.project)
        # A private copy of the installed pt2ts: this test touches the tool,
        # which must not reconvert models of tests running in parallel.
        self.prefix = os.path.join(self._tmp.name, "prefix")
        shutil.copytree(INSTALL_PREFIX, self.prefix, symlinks=True)
        # The story tests when the build reruns a conversion, not the
        # conversion itself: with a conversion cache of the test's own, a
        # rerun on sources it saw before (a touched file, an edit undone, a
        # rebuilt tool, another configuration) is a cache hit, which still
        # writes the artifact anew, without starting Python.
        self.build_env = dict(os.environ, PT2TS_CACHE_DIR=os.path.join(self._tmp.name, "cache"))

    def tearDown(self):
        self._tmp.cleanup()

    def configure(self, *extra, check=True):
        return run(CMAKE, "-S", self.project, "-B", self.build_dir, "-G", self.generator,
                   "-DCMAKE_PREFIX_PATH=" + self.prefix, *consumer_configure_args(),
                   *self.configure_args, *extra, check=check)

    def build(self, *extra, check=True, config=None):
        config = config or self.config
        command = [CMAKE, "--build", self.build_dir] + (["--config", config] if config else [])
        return run(*command, *extra, env=self.build_env, check=check)

    def artifact(self, name, config=None):
        config = config or self.config
        parts = [self.build_dir] + ([config] if config else []) + [name + ".pt"]
        return os.path.join(*parts)

    def converted(self, log):
        return sorted(set(re.findall(r"Converting \w+ to TorchScript \((\w+)\)", log)))

    def assert_build_converts(self, expected, config=None):
        before = {n: stamp(self.artifact(n, config)) for n in ("cnn", "mlp")
                  if os.path.exists(self.artifact(n, config))}
        log = self.build(config=config).stdout
        self.assertEqual(self.converted(log), sorted(expected), log)
        for name in ("cnn", "mlp"):
            changed = before.get(name) != stamp(self.artifact(name, config))
            self.assertEqual(changed, name in expected, "%s: %s" % (name, log))

    def eager_cnn(self):
        net = import_file(os.path.join(self.project, "models", "net.py"), "eager_net_%d" % id(self))
        model = net.SmallCNN(depth=1, channels=4)
        model.load_state_dict(torch.load(os.path.join(self.project, "cnn_weights.pt")))
        return model.eval()

    def assert_artifact_matches_eager(self, config=None):
        loaded = torch.jit.load(self.artifact("cnn", config))
        x = torch.randn(2, 3, 8, 8)
        torch.testing.assert_close(loaded(x), self.eager_cnn()(x))

    def fresh_build(self):
        """Step 1 of the story; a generator's class adds its own checks of
        the fresh build tree (one configure and fresh build serves both)."""
        self.assert_build_converts(["cnn", "mlp"])
        self.assert_artifact_matches_eager()

    def after_story(self):
        """More steps a generator's class runs on the story's build tree."""

    def test_incremental_behaviour(self):
        models = os.path.join(self.project, "models")
        self.configure()
        # 1. A fresh build produces both models, matching the eager ones.
        self.fresh_build()
        # 2. A second build converts nothing.
        self.assert_build_converts([])
        # 3. Touching or editing the model file, a module it imports
        #    transitively, or the weights reconverts that model only.
        for touched in ("net.py", "blocks.py", "activations.py"):
            wait_for_new_timestamp()
            os.utime(os.path.join(models, touched))
            self.assert_build_converts(["cnn"])
        wait_for_new_timestamp()
        edit(os.path.join(models, "activations.py"), "torch.sigmoid(x)", "torch.sigmoid(x * 1.0)")
        self.assert_build_converts(["cnn"])
        wait_for_new_timestamp()
        write_weights(self.project, seed=2)
        self.assert_build_converts(["cnn"])
        self.assert_artifact_matches_eager()
        wait_for_new_timestamp()
        os.utime(os.path.join(models, "mlp.py"))
        self.assert_build_converts(["mlp"])
        # 4. Changing ARGS or KWARGS in CMakeLists.txt reconverts that model.
        cmakelists = os.path.join(self.project, "CMakeLists.txt")
        wait_for_new_timestamp()
        edit(cmakelists, "ARGS 4 8)", "ARGS 4 16)")
        self.assert_build_converts(["mlp"])
        self.assertEqual(torch.jit.load(self.artifact("mlp")).fc1.weight.shape, (16, 4))
        wait_for_new_timestamp()
        edit(cmakelists, "KWARGS depth 1 channels 4\n", "KWARGS depth 1 channels 4 num_classes 5\n")
        self.assert_build_converts(["cnn"])
        self.assert_build_converts([])
        # 5. A failing conversion fails the build with pt2ts's message, keeps
        #    failing until fixed, and keeps the previous artifact meanwhile.
        previous = read_bytes(self.artifact("cnn"))
        wait_for_new_timestamp()
        edit(os.path.join(models, "blocks.py"), "class ResidualBlock", "class ResidualBlock(:")
        for _ in range(2):
            result = self.build(check=False)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("pt2ts: error: syntax error in", result.stdout + result.stderr)
            self.assertEqual(read_bytes(self.artifact("cnn")), previous)
        wait_for_new_timestamp()
        edit(os.path.join(models, "blocks.py"), "class ResidualBlock(:", "class ResidualBlock")
        self.assert_build_converts(["cnn"])
        self.assert_artifact_matches_eager()
        # Changing the tool reconverts everything.
        wait_for_new_timestamp()
        os.utime(os.path.join(self.prefix, "bin", "pt2ts"))
        self.assert_build_converts(["cnn", "mlp"])
        self.after_story()


class NinjaTest(IncrementalBuildMixin, unittest.TestCase):
    """The story with Ninja, in a project that also builds a C++ LibTorch
    program (the consumer's WITH_LIBTORCH_CHECK) against the private, moved,
    copy of the install tree; then a renamed dependency."""

    generator = "Ninja"
    configure_args = ("-DWITH_LIBTORCH_CHECK=ON",)

    def fresh_build(self):
        super().fresh_build()
        self.assert_cpp_program_matches_eager()

    def assert_cpp_program_matches_eager(self):
        """The artifact loads in the C++ LibTorch program, which receives
        its path from $<TARGET_PROPERTY:cnn,PT2TS_OUTPUT>, and computes
        what eager PyTorch computes."""
        lines = run(os.path.join(self.build_dir, "run_model")).stdout.split()
        self.assertEqual(lines[0], self.artifact("cnn"))
        cpp = torch.tensor([float(v) for v in lines[1:]])
        x = torch.linspace(-1, 1, 2 * 3 * 8 * 8).reshape(2, 3, 8, 8)
        torch.testing.assert_close(cpp, self.eager_cnn()(x).flatten(), rtol=1e-5, atol=1e-6)

    def after_story(self):
        """Ninja forgets a deleted import: renaming a module does not make
        every later build reconvert."""
        models = os.path.join(self.project, "models")
        wait_for_new_timestamp()
        os.rename(os.path.join(models, "activations.py"), os.path.join(models, "acts.py"))
        edit(os.path.join(models, "blocks.py"), "from activations import", "from acts import")
        self.assert_build_converts(["cnn"])
        self.assert_build_converts([])


class MakefilesTest(IncrementalBuildMixin, unittest.TestCase):
    generator = "Unix Makefiles"


class NinjaMultiConfigTest(IncrementalBuildMixin, unittest.TestCase):
    """The story on the Debug configuration, whose fresh build tree first
    shows that the configurations are separate."""

    generator = "Ninja Multi-Config"
    config = "Debug"
    configure_args = ("-DCMAKE_CONFIGURATION_TYPES=Debug;Release",)

    def fresh_build(self):
        """Each configuration has its own artifact; building one does not
        touch the other, and switching back and forth converts nothing."""
        self.assert_build_converts(["cnn", "mlp"], config="Debug")
        self.assert_build_converts(["cnn", "mlp"], config="Release")
        self.assert_build_converts([], config="Debug")
        self.assert_build_converts([], config="Release")
        self.assert_artifact_matches_eager(config="Release")
        self.assert_artifact_matches_eager()


def other_libtorch():
    """(Torch_DIR, version) of a LibTorch found by CMake's own search (no
    hints) that is not the one this build links, or None: on a machine with
    Debian's libtorch-dev, that one when pt2ts is built against a pip wheel."""
    ours = os.path.realpath(os.environ.get("PT2TS_TORCH_DIR", ""))
    with tempfile.TemporaryDirectory(prefix="pt2ts-find-torch-") as tmp:
        with open(os.path.join(tmp, "CMakeLists.txt"), "w") as file:
            file.write("cmake_minimum_required(VERSION 3.20)\nproject(probe CXX)\n"
                       "find_package(Torch QUIET)\n"
                       "message(STATUS \"probe: ${Torch_FOUND};${Torch_DIR};${Torch_VERSION}\")\n")
        result = run(CMAKE, "-S", tmp, "-B", os.path.join(tmp, "build"), check=False)
    found = re.search(r"probe: (\S*);(\S*);(\S*)", result.stdout)
    if not found or found.group(1) not in ("1", "TRUE", "ON"):
        return None
    if os.path.realpath(found.group(2)) == ours:
        return None
    return found.group(2), found.group(3)


OTHER_LIBTORCH = other_libtorch()


@needs_install_fixture
@unittest.skipUnless(OTHER_LIBTORCH, "no LibTorch on this machine other than the one pt2ts links "
                                     "(Debian's libtorch-dev beside a pip-torch build has one)")
class OtherLibTorchTest(unittest.TestCase):
    """A second LibTorch on the machine: pt2ts's configure refuses to link it
    with the interpreter's torch, naming both; a consumer project linking it
    gets a warning naming both versions."""

    def test_configure_refuses_another_libtorch(self):
        torch_dir, version = OTHER_LIBTORCH
        with tempfile.TemporaryDirectory(prefix="pt2ts-mixed-") as tmp:
            result = run(CMAKE, "-S", SOURCE_DIR, "-B", tmp, "-G", "Ninja",
                         "-DPython_EXECUTABLE=" + os.environ["PT2TS_PYTHON_EXECUTABLE"],
                         "-DTorch_DIR=" + torch_dir, "-DPT2TS_BUILD_TESTS=OFF", check=False)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("LibTorch and the Python interpreter's torch are different builds",
                      result.stderr)
        self.assertIn("LibTorch " + version, result.stderr)
        self.assertIn("torch %s of" % torch.__version__, result.stderr)
        self.assertNotIn("Generating done", result.stdout)

    def test_consumer_with_another_libtorch_is_warned(self):
        torch_dir, version = OTHER_LIBTORCH
        with tempfile.TemporaryDirectory(prefix="pt2ts-cmake-") as tmp:
            project, build = os.path.join(tmp, "project"), os.path.join(tmp, "build")
            make_project(project)
            args = [a for a in consumer_configure_args() if not a.startswith("-DTorch_DIR=")]
            result = run(CMAKE, "-S", project, "-B", build, "-G", "Ninja",
                         "-DWITH_LIBTORCH_CHECK=ON", "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX,
                         *args, "-DTorch_DIR=" + torch_dir)
        warning = re.sub(r"\s+", " ", result.stderr)
        self.assertIn("pt2ts converts with torch %s, but this project links LibTorch %s"
                      % (torch.__version__.split("+")[0], version), warning)
        self.assertEqual(warning.count("pt2ts converts with torch"), 1, result.stderr)


@needs_install_fixture
class ExampleTest(unittest.TestCase):
    """examples/pattern_classifier, built as a user would, classifies its
    three test images correctly with the model converted during the build:
    by path from the build tree and, installed and moved, from the install
    tree, and from the bytes embedded in classify_embedded."""

    def test_example_builds_and_runs(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-example-") as tmp:
            build = os.path.join(tmp, "build")
            run(CMAKE, "-S", os.path.join(SOURCE_DIR, "examples", "pattern_classifier"), "-B",
                build, "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX,
                *consumer_configure_args())
            log = run(CMAKE, "--build", build).stdout
            self.assertIn("Converting PatternNet to TorchScript (pattern_net)", log)
            output = run(os.path.join(build, "classify")).stdout
            self.assertIn("3 of 3 correct", output)
            self.assertIn(os.path.join(build, "pattern_net.pt"), output)
            self.assertIn('"model": "PatternNet"', output)  # pt2ts.json, read in C++
            self.assertNotIn("Converting", run(CMAKE, "--build", build).stdout)
            # Installed and moved, the build tree gone: classify finds the
            # installed model, classify_embedded needs none.
            prefix, moved = os.path.join(tmp, "prefix"), os.path.join(tmp, "moved")
            run(CMAKE, "--install", build, "--prefix", prefix)
            os.rename(prefix, moved)
            shutil.rmtree(build)
            output = run(os.path.join(moved, "bin", "classify")).stdout
            self.assertIn("3 of 3 correct", output)
            self.assertIn(os.path.join(moved, "bin", "..", "share", "pattern_classifier",
                                       "pattern_net.pt"), output)
            os.remove(os.path.join(moved, "share", "pattern_classifier", "pattern_net.pt"))
            output = run(os.path.join(moved, "bin", "classify_embedded")).stdout
            self.assertIn("3 of 3 correct", output)
            self.assertIn("(embedded in the executable)", output)


TORCH_RELEASE = tuple(int(part) for part in re.match(r"(\d+)\.(\d+)", torch.__version__).groups())


@needs_install_fixture
@unittest.skipUnless(TORCH_RELEASE >= (2, 6), "needs torch >= 2.6 (AOTInductor packages and "
                     "their C++ loader); this is torch " + torch.__version__)
class AotiExampleTest(unittest.TestCase):
    """examples/pattern_classifier_aoti: pt2ts_add_model(... FORMAT aoti
    DYNAMIC_DIMS ...) compiles a .pt2 package during the build, and a C++
    program loads it with AOTIModelPackageLoader, classifies a batch of a
    size the package was not exported at, and gets an error for an image
    of another size."""

    def test_example_builds_and_runs(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-example-aoti-") as build:
            run(CMAKE, "-S", os.path.join(SOURCE_DIR, "examples", "pattern_classifier_aoti"),
                "-B", build, "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX,
                *consumer_configure_args())
            log = run(CMAKE, "--build", build).stdout
            self.assertIn("Compiling PatternNet into an AOTInductor package (pattern_net)", log)
            output = run(os.path.join(build, "classify_aoti")).stdout
            self.assertIn("3 of 3 correct (batch of 3); a batch of 1: correct", output)
            # No AOTI_RUNTIME_CHECK_INPUTS in the environment: pt2ts's package checks anyway
            # (where torch's AOTInductor generates the checks: not torch 2.6).
            checks = torch._inductor.aoti_load_package(os.path.join(
                build, "pattern_net.pt2")).get_metadata().get("pt2ts.input_checks")
            self.assertIn("an 8x9 image: refused" if checks == "on" else
                          "an 8x9 image: not checked", output)
            self.assertIn(os.path.join(build, "pattern_net.pt2"), output)
            self.assertIn('"dynamic_dims"', output)  # the metadata, read in C++
            self.assertIn('"max": 16', output)
            self.assertNotIn("Compiling PatternNet", run(CMAKE, "--build", build).stdout)
            self.assert_skewed_packages_refused(os.path.join(build, "classify_aoti"),
                                                os.path.join(build, "pattern_net.pt2"))

    def assert_skewed_packages_refused(self, app, package):
        """pt2ts::load_package() refuses a package of a newer torch before
        loading it, and turns LibTorch's failure to load one of another
        torch into the same exception; both name the two versions."""
        running = "this program's LibTorch %d.%d" % TORCH_RELEASE
        newer = package + ".newer.pt2"
        skewed_package_copy(package, newer, "99.0.0")
        result = run(app, newer, check=False)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("classify_aoti: pt2ts: package '%s' was compiled by torch 99.0.0, a newer "
                      "release than %s" % (newer, running), result.stderr)
        older = package + ".older.pt2"
        skewed_package_copy(package, older, "2.5.0", library=b"not a shared library")
        result = run(app, older, check=False)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("classify_aoti: pt2ts: package '%s' was made by torch 2.5.0 and cannot be "
                      "loaded by %s" % (older, running), result.stderr)


@needs_install_fixture
class ConversionCacheTest(unittest.TestCase):
    """With PT2TS_CACHE_DIR (the CMake cache variable), a clean build tree
    converts nothing once the cache is warm, and a second checkout of the
    project in another folder gets byte-identical artifacts from it (the
    function maps the source folder to '.')."""

    def cache_counts(self, cache):
        out = run(os.path.join(INSTALL_PREFIX, "bin", "pt2ts"), "cache", "stats", "--json",
                  "--cache-dir", cache).stdout
        counts = json.loads(out)
        return counts["hits"], counts["misses"]

    def build_project(self, project, build, cache):
        run(CMAKE, "-S", project, "-B", build, "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX,
            "-DPT2TS_CACHE_DIR=" + cache, *consumer_configure_args())
        run(CMAKE, "--build", build)
        return {name: read_bytes(os.path.join(build, name + ".pt")) for name in ("cnn", "mlp")}

    def test_clean_build_trees_and_checkouts_hit(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-cmake-cache-") as tmp:
            cache = os.path.join(tmp, "cache")
            first = os.path.join(tmp, "a", "project")
            make_project(first)
            built = self.build_project(first, os.path.join(tmp, "a", "build"), cache)
            self.assertEqual(self.cache_counts(cache), (0, 2))
            shutil.rmtree(os.path.join(tmp, "a", "build"))
            self.assertEqual(self.build_project(first, os.path.join(tmp, "a", "build"), cache),
                             built)
            self.assertEqual(self.cache_counts(cache), (2, 2))
            second = os.path.join(tmp, "elsewhere", "b", "project")
            shutil.copytree(first, second)
            self.assertEqual(self.build_project(second, os.path.join(tmp, "b-build"), cache),
                             built)
            self.assertEqual(self.cache_counts(cache), (4, 2))


class SubdirectoryModeTest(unittest.TestCase):
    """add_subdirectory(pt2ts) builds the tool inside the consumer's build and
    the same functions work through the Pt2ts::pt2ts and Pt2ts::runtime
    aliases: pt2ts_link_models(... EMBED) gives a program the model by path
    and by its bytes."""

    def test_fresh_build_and_reconversion(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-cmake-") as tmp:
            project, build = os.path.join(tmp, "project"), os.path.join(tmp, "build")
            make_project(project)
            run(CMAKE, "-S", project, "-B", build, "-G", "Ninja", "-DPT2TS_SOURCE_DIR=" + SOURCE_DIR,
                "-DWITH_LINKED_MODELS=ON", *consumer_configure_args())
            log = run(CMAKE, "--build", build).stdout
            self.assertIn("Converting SmallCNN to TorchScript (cnn)", log)
            artifact = os.path.join(build, "mlp.pt")
            lines = dict(line.split(": ", 1)
                         for line in run(os.path.join(build, "run_linked")).stdout.splitlines())
            self.assertEqual(lines["path"], artifact)
            expected = torch.jit.load(artifact)(torch.linspace(-1, 1, 8).reshape(2, 4))
            for key in ("from path", "from bytes"):
                torch.testing.assert_close(torch.tensor([float(v) for v in lines[key].split()]),
                                           expected.flatten(), rtol=1e-5, atol=1e-5)
            self.assertNotIn("Converting", run(CMAKE, "--build", build).stdout)
            wait_for_new_timestamp()
            os.utime(os.path.join(project, "models", "blocks.py"))
            log = run(CMAKE, "--build", build).stdout
            self.assertIn("(cnn)", log)
            self.assertNotIn("(mlp)", log)


@needs_install_fixture
class MisuseTest(unittest.TestCase):
    """Mistakes in pt2ts_add_torchscript() calls fail at configure time with
    a message naming the problem."""

    CASES = [
        ("pt2ts_add_torchscript(m MODEL Net)", "MODULE is required"),
        ("pt2ts_add_torchscript(m MODULE model.py)", "MODEL is required"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net KWARGS a 1 b)",
         "KWARGS takes <key> <value> pairs"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net FROBNICATE 1)",
         "unknown arguments: FROBNICATE"),
        ("pt2ts_add_torchscript(m MODULE missing.py MODEL Net)",
         "MODULE file 'missing.py' does not exist"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net WEIGHTS nope.pt)",
         "WEIGHTS file 'nope.pt' does not exist"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net RTOL 0.1)",
         "RTOL needs EXAMPLE_INPUTS or EXAMPLE_INPUTS_FILE"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net EXAMPLE_INPUTS 2x3 "
         "EXAMPLE_INPUTS_FILE model.py)", "not both"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net EXAMPLE_INPUTS_FILE nope.pt)",
         "EXAMPLE_INPUTS_FILE 'nope.pt' does not exist"),
        ("pt2ts_add_torchscript(a MODULE model.py MODEL Net OUTPUT same.pt)\n"
         "pt2ts_add_torchscript(b MODULE model.py MODEL Net OUTPUT same.pt)",
         "already writes"),
        # A keyword without its value is named, never silently dropped (the
        # model would be converted without its weights, say).
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net WEIGHTS)",
         "WEIGHTS is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py WEIGHTS MODEL Net)",
         "WEIGHTS is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net OUTPUT)",
         "OUTPUT is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net STATE_KEY)",
         "STATE_KEY is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net EXAMPLE_INPUTS_FILE)",
         "EXAMPLE_INPUTS_FILE is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net EXAMPLE_INPUTS 2x3 RTOL)",
         "RTOL is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net EXAMPLE_INPUTS 2x3 ATOL)",
         "ATOL is given without a value"),
        ("pt2ts_add_torchscript(m MODULE MODEL Net)", "MODULE is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL)", "MODEL is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net EXAMPLE_INPUTS)",
         "EXAMPLE_INPUTS is given without a value"),
        ('pt2ts_add_torchscript(m MODULE model.py MODEL Net WEIGHTS "")',
         "WEIGHTS is given an empty value"),
        ('pt2ts_add_torchscript(m MODULE model.py MODEL Net STATE_KEY "" ARGS 1)',
         "STATE_KEY is given an empty value"),
        ('set(no_weights "")\n'
         'pt2ts_add_torchscript(m MODULE model.py MODEL Net OUTPUT "${no_weights}")',
         "OUTPUT is given an empty value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net METHOD compile)",
         "METHOD must be script, trace or auto"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net METHOD trace)",
         "METHOD trace records the model on example inputs"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net METHOD)",
         "METHOD is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net FORMAT onnx)",
         "FORMAT must be one of torchscript, lite, aoti, not"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net FORMAT aoti)",
         "FORMAT aoti compiles the model for the shapes of example inputs"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net OUTPUT m.pt2)",
         "FORMAT aoti compiles the model for the shapes of example inputs"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net FORMAT aoti EXAMPLE_INPUTS 2x3 "
         "METHOD trace)", "METHOD and FREEZE apply to TorchScript files"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net EXAMPLE_INPUTS 2x3 "
         "DYNAMIC_DIMS 0:0)", "DYNAMIC_DIMS applies to AOTInductor packages: add FORMAT aoti"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net FORMAT aoti EXAMPLE_INPUTS 2x3 "
         "DYNAMIC_DIMS)", "DYNAMIC_DIMS is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net FORMAT aoti EXAMPLE_INPUTS 2x3 "
         "DYNAMIC_DIMS batch)", "DYNAMIC_DIMS 'batch' is not INPUT:DIM or INPUT:DIM:MIN:MAX"),
        ("pt2ts_add_model()", "pt2ts_add_model() needs a target name"),
        # The other name's errors point at the user's pt2ts_add_model() call.
        ("pt2ts_add_model(m MODEL Net)", "CMakeLists.txt:4 (pt2ts_add_model)"),
        ("pt2ts_add_model(m MODULE model.py MODEL Net FORMAT aoti)",
         "FORMAT aoti compiles the model for the shapes of example inputs"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net PRESERVE describe)",
         "PRESERVE names what FREEZE keeps"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net CHECK_INPUTS)",
         "CHECK_INPUTS is given without a value"),
        ("pt2ts_add_torchscript(m MODULE model.py MODEL Net CHECK_INPUTS_FILE nope.pt)",
         "CHECK_INPUTS_FILE 'nope.pt' does not exist"),
        # pt2ts_link_models() and pt2ts_install_models().
        ("pt2ts_link_models(app m)", "'app' is not a target"),
        ("add_custom_target(app)\npt2ts_link_models(app m)",
         "'app' is a target of type UTILITY: models link into an executable or a library"),
        ("add_library(app INTERFACE)\npt2ts_link_models(app m)",
         "'app' is a target of type INTERFACE_LIBRARY"),
        ("add_executable(app IMPORTED)\npt2ts_link_models(app m)",
         "'app' is an imported target"),
        ("add_executable(app main.cpp)\npt2ts_link_models(app)", "no model given"),
        ("add_executable(app main.cpp)\nadd_custom_target(m)\npt2ts_link_models(app m)",
         "'m' is not a model: name a target made by pt2ts_add_model()"),
        ("pt2ts_add_model(m MODULE model.py MODEL Net)\nadd_executable(app main.cpp)\n"
         "pt2ts_link_models(app m EMBED EMBED)", "EMBED is given twice"),
        ("pt2ts_add_model(m MODULE model.py MODEL Net)\nadd_executable(app main.cpp)\n"
         "pt2ts_link_models(app m m)", "model 'm' (pt2ts_models::m) is already linked into 'app'"),
        ("pt2ts_add_model(m MODULE model.py MODEL Net FORMAT aoti EXAMPLE_INPUTS 2x3)\n"
         "add_executable(app main.cpp)\npt2ts_link_models(app m EMBED)",
         "model 'm' is an AOTInductor package (.pt2), which cannot be embedded"),
        # The format is the call's, whatever OUTPUT's extension.
        ("pt2ts_add_model(m MODULE model.py MODEL Net FORMAT aoti EXAMPLE_INPUTS 2x3 "
         "OUTPUT m.bin)\nadd_executable(app main.cpp)\npt2ts_link_models(app m EMBED)",
         "model 'm' is an AOTInductor package (.pt2), which cannot be embedded"),
        ("pt2ts_add_model(m MODULE model.py MODEL Net)\npt2ts_install_models(m)",
         "DESTINATION <dir> is required"),
        ("pt2ts_install_models(x DESTINATION share)", "'x' is not a model"),
        ("pt2ts_add_model(m MODULE model.py MODEL Net)\n"
         "pt2ts_install_models(m DESTINATION a)\npt2ts_install_models(m DESTINATION b)",
         "model 'm' is already installed"),
        ("set(PT2TS_JOB_POOL_SIZE many)\npt2ts_add_torchscript(m MODULE model.py MODEL Net)",
         "PT2TS_JOB_POOL_SIZE must be a number of conversions (0: no pool), not 'many'"),
    ]

    def configure(self, tmp, cmakelists_text, check=False):
        with open(os.path.join(tmp, "model.py"), "w") as model:
            model.write("import torch\n")
        with open(os.path.join(tmp, "CMakeLists.txt"), "w") as cmakelists:
            cmakelists.write(cmakelists_text)
        return run(CMAKE, "-S", tmp, "-B", os.path.join(tmp, "build"),
                   "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX, *consumer_configure_args(),
                   check=check)

    def assert_configure_fails(self, result, message):
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(message, re.sub(r"\s+", " ", result.stderr))

    def test_each_mistake(self):
        for call, message in self.CASES:
            with self.subTest(call=call), tempfile.TemporaryDirectory() as tmp:
                result = self.configure(tmp, "cmake_minimum_required(VERSION 3.20)\n"
                                        "project(misuse NONE)\n"
                                        "find_package(Pt2ts REQUIRED)\n%s\n" % call)
                self.assert_configure_fails(result, message)

    def test_format_is_the_calls(self):
        """format() in a generated header is the format pt2ts_add_model()
        chose (FORMAT, else OUTPUT's extension), also where OUTPUT's
        extension names none."""
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "main.cpp"), "w") as main:
                main.write("int main() { return 0; }\n")
            self.configure(tmp, "cmake_minimum_required(VERSION 3.20)\nproject(formats CXX)\n"
                           "find_package(Pt2ts REQUIRED)\n"
                           "pt2ts_add_model(lite MODULE model.py MODEL Net FORMAT lite "
                           "OUTPUT lite.model)\n"
                           "pt2ts_add_model(by_extension MODULE model.py MODEL Net "
                           "OUTPUT by_extension.ptl)\n"
                           "add_executable(app main.cpp)\n"
                           "pt2ts_link_models(app lite by_extension)\n", check=True)
            for model in ("lite", "by_extension"):
                header = os.path.join(tmp, "build", "pt2ts_models", "app", "include",
                                      "pt2ts_models", model + ".h")
                with open(header) as text:
                    self.assertIn('format() { return "lite"; }', text.read())

    def test_empty_lists_mean_none(self):
        """ARGS, KWARGS, PYTHONPATH, DEPENDS and OPTIONS filled from an empty
        list (or given empty) are the same as leaving them out."""
        with tempfile.TemporaryDirectory() as tmp:
            self.configure(tmp, "cmake_minimum_required(VERSION 3.20)\nproject(lists NONE)\n"
                           "find_package(Pt2ts REQUIRED)\nset(none \"\")\n"
                           "pt2ts_add_torchscript(m MODULE model.py MODEL Net ARGS ${none} "
                           "KWARGS PYTHONPATH ${none} DEPENDS OPTIONS ${none})\n", check=True)

    def test_older_cmake_is_refused(self):
        """An older CMake than the function needs stops with a clear message,
        through the package and when the function file is included directly
        (as add_subdirectory() does). CMAKE_VERSION is shadowed to play the
        older CMake: the check reads nothing else."""
        functions = os.path.join(INSTALL_PREFIX, "lib", "cmake", "Pt2ts", "Pt2tsFunctions.cmake")
        if not os.path.exists(functions):
            functions = glob.glob(os.path.join(INSTALL_PREFIX, "*", "cmake", "Pt2ts",
                                               "Pt2tsFunctions.cmake"))[0]
        for load, message in [
                ("find_package(Pt2ts REQUIRED)", "Pt2ts needs CMake 3.20 or newer"),
                ("include([[%s]])" % functions,
                 "pt2ts_add_torchscript() needs CMake 3.20 or newer")]:
            with self.subTest(load=load), tempfile.TemporaryDirectory() as tmp:
                result = self.configure(tmp, "cmake_minimum_required(VERSION 3.20)\n"
                                        "project(old NONE)\nset(CMAKE_VERSION 3.19.8)\n"
                                        "%s\n" % load)
                self.assert_configure_fails(result, message)
                self.assertIn("this is CMake 3.19.8", re.sub(r"\s+", " ", result.stderr))


@needs_install_fixture
class JobPoolTest(unittest.TestCase):
    """With Ninja the conversions run in the job pool pt2ts_convert (sized by
    PT2TS_JOB_POOL_SIZE, or from the host's memory and cores), unless the
    size is 0; a pt2ts_convert pool the project defines is kept. Configure
    only: the generated build.ninja says it."""

    def configure(self, tmp, before="", *extra):
        with open(os.path.join(tmp, "model.py"), "w") as model:
            model.write("import torch\n")
        with open(os.path.join(tmp, "CMakeLists.txt"), "w") as cmakelists:
            cmakelists.write("cmake_minimum_required(VERSION 3.20)\nproject(pool NONE)\n"
                             "find_package(Pt2ts REQUIRED)\n%s\n"
                             "pt2ts_add_torchscript(a MODULE model.py MODEL A)\n"
                             "pt2ts_add_torchscript(b MODULE model.py MODEL B)\n" % before)
        build = os.path.join(tmp, "build")
        shutil.rmtree(build, ignore_errors=True)
        run(CMAKE, "-S", tmp, "-B", build, "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX,
            *consumer_configure_args(), *extra)
        text = ""
        for name in ("build.ninja", os.path.join("CMakeFiles", "rules.ninja")):
            with open(os.path.join(build, name)) as ninja:
                text += ninja.read()
        depths = re.findall(r"^pool pt2ts_convert\n\s+depth = (\d+)$", text, re.MULTILINE)
        return text.count("  pool = pt2ts_convert\n"), [int(depth) for depth in depths]

    def test_conversions_run_in_the_pool(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-cmake-") as tmp:
            uses, depths = self.configure(tmp)
            self.assertEqual(uses, 2, "both conversions are in the pool")
            self.assertEqual(len(depths), 1)
            self.assertGreaterEqual(depths[0], 1)
            self.assertEqual(self.configure(tmp, "", "-DPT2TS_JOB_POOL_SIZE=3"), (2, [3]))
            self.assertEqual(self.configure(tmp, "set_property(GLOBAL PROPERTY JOB_POOLS "
                                            "pt2ts_convert=2)", "-DPT2TS_JOB_POOL_SIZE=3"),
                             (2, [2]), "the project's own pool is kept")
            self.assertEqual(self.configure(tmp, "", "-DPT2TS_JOB_POOL_SIZE=0"), (0, []))


@needs_install_fixture
class CaptureKeywordsTest(unittest.TestCase):
    """METHOD, CHECK_INPUTS, FREEZE, DTYPE, FORMAT and DEPENDS in a real Ninja build:
    each reaches pt2ts, and changing one reconverts the model."""

    def write_cmakelists(self, options):
        with open(os.path.join(self.project, "CMakeLists.txt"), "w") as cmakelists:
            cmakelists.write("cmake_minimum_required(VERSION 3.20)\nproject(capture NONE)\n"
                             "find_package(Pt2ts REQUIRED)\n"
                             "pt2ts_add_torchscript(net MODULE unscriptable.py MODEL "
                             "configured_net EXAMPLE_INPUTS 2x8 DEPENDS vocabulary.txt %s)\n"
                             % options)

    def export(self, path):
        extra = {"pt2ts.json": ""}
        torch.jit.load(path, _extra_files=extra)
        import json
        return json.loads(extra["pt2ts.json"])

    def build(self):
        log = run(CMAKE, "--build", self.build_dir).stdout
        return "Converting configured_net to TorchScript (net)" in log

    def test_keywords_reach_pt2ts_and_reconvert_when_changed(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-cmake-") as tmp:
            self.project, self.build_dir = os.path.join(tmp, "project"), os.path.join(tmp, "build")
            os.mkdir(self.project)
            shutil.copy(os.path.join(FIXTURES, "models", "capture", "unscriptable.py"),
                        self.project)
            with open(os.path.join(self.project, "vocabulary.txt"), "w") as file:
                file.write("a b c\n")
            self.write_cmakelists("METHOD trace CHECK_INPUTS 5x8")
            run(CMAKE, "-S", self.project, "-B", self.build_dir, "-G", "Ninja",
                "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX, *consumer_configure_args())
            self.assertTrue(self.build())
            record = self.export(os.path.join(self.build_dir, "net.pt"))
            self.assertEqual((record["export"]["method"], record["export"]["check_inputs"]),
                             ("trace", ["5x8:float32"]))
            self.assertEqual([d["file"] for d in record["depends"]], ["vocabulary.txt"])
            self.assertFalse(self.build(), "a second build converts nothing")
            steps = [("METHOD auto CHECK_INPUTS 5x8", {"method": "trace"}),
                     ("METHOD auto CHECK_INPUTS 3x8", {"check_inputs": ["3x8:float32"]}),
                     ("METHOD trace CHECK_INPUTS 3x8 FREEZE DTYPE float64",
                      {"freeze": True, "dtype": "float64"})]
            for options, expected in steps:
                with self.subTest(options=options):
                    wait_for_new_timestamp()
                    self.write_cmakelists(options)
                    self.assertTrue(self.build())
                    export = self.export(os.path.join(self.build_dir, "net.pt"))["export"]
                    self.assertEqual({key: export[key] for key in expected}, expected)
            wait_for_new_timestamp()
            self.write_cmakelists("METHOD trace FREEZE FORMAT lite")
            self.assertTrue(self.build())
            lite = os.path.join(self.build_dir, "net.ptl")
            self.assertEqual(self.export(lite)["export"]["format"], "lite")
            wait_for_new_timestamp()
            with open(os.path.join(self.project, "vocabulary.txt"), "w") as file:
                file.write("a b c d\n")
            self.assertTrue(self.build(), "a DEPENDS file's change reconverts")
            self.assertFalse(self.build())


def skewed_copy(source, destination, torch_version="99.0.0", format_version=99):
    """A copy of a TorchScript archive as a future torch would write it: a
    newer file format version, and that torch recorded in pt2ts.json."""
    with zipfile.ZipFile(source) as original, \
            zipfile.ZipFile(destination, "w", zipfile.ZIP_STORED) as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename.endswith("/version"):
                data = b"%d\n" % format_version
            elif info.filename.endswith("/extra/pt2ts.json"):
                record = json.loads(data)
                record["torch_version"] = torch_version
                data = json.dumps(record, indent=2, sort_keys=True).encode()
            copy.writestr(info.filename, data)


def skewed_package_copy(source, destination, torch_version, library=None):
    """A copy of an AOTInductor package that claims another torch made it
    (pt2ts.json in its metadata), its compiled library replaced by `library`
    when given."""
    with zipfile.ZipFile(source) as original, \
            zipfile.ZipFile(destination, "w", zipfile.ZIP_STORED) as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename.endswith("_metadata.json"):
                metadata = json.loads(data)
                record = json.loads(metadata["pt2ts.json"])
                record["torch_version"] = torch_version
                metadata["pt2ts.json"] = json.dumps(record, indent=2, sort_keys=True)
                data = json.dumps(metadata).encode()
            elif library is not None and info.filename.endswith(".so"):
                data = library
            copy.writestr(info.filename, data)


def zip64_copy(source, destination):
    """A copy of a zip archive as a zip64 writer makes one past 4 GiB (as
    PyTorch's does): every member stored, its sizes and offset in zip64
    extra fields, and zip64 end records, the classic ones marked 0xFF.."""
    with zipfile.ZipFile(source) as original, open(destination, "wb") as out:
        directory = b""
        members = original.infolist()
        for info in members:
            data, name = original.read(info), info.filename.encode()
            crc, offset = zlib.crc32(data), out.tell()
            extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                                  0xFFFFFFFF, len(name), len(extra)) + name + extra + data)
            extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
            directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc,
                                     0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0,
                                     0xFFFFFFFF) + name + extra
        start = out.tell()
        out.write(directory)
        end64 = out.tell()
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(members),
                              len(members), len(directory), start))
        out.write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                              0xFFFFFFFF, 0))
    with zipfile.ZipFile(destination) as copy:  # Python's reader agrees
        assert copy.testzip() is None and len(copy.infolist()) == len(members)


@needs_install_fixture
class LinkedModelsMixin:
    """tests/cmake/linked: pt2ts_link_models(app mlp mlp-lite EMBED) and
    pt2ts_install_models(mlp ...), with no find_package(Torch). One story
    per generator: the program runs the model from path() and from its
    embedded bytes; a reconversion relinks the new bytes in with one build;
    the installed program, moved, with the build tree gone, finds the
    installed model by path() and runs from its bytes."""

    generator = None
    config = None

    def run_app(self, app, *args):
        out = run(app, *args).stdout
        lines = dict(line.split(": ", 1) for line in out.splitlines())
        values = {key: [float(v) for v in lines[key].split()]
                  for key in ("from path", "from bytes", "lite from bytes") if key in lines}
        return lines, values

    def expected(self, artifact):
        x = torch.linspace(-1, 1, 8).reshape(2, 4)
        return torch.jit.load(artifact)(x).flatten().tolist()

    def assert_close(self, actual, expected):
        torch.testing.assert_close(torch.tensor(actual), torch.tensor(expected),
                                   rtol=1e-5, atol=1e-5)

    def test_link_embed_install(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-linked-") as tmp:
            project = os.path.join(tmp, "project with space")
            build = os.path.join(tmp, "build")
            shutil.copytree(os.path.join(HERE, "cmake", "linked"), project)
            os.mkdir(os.path.join(project, "models"))
            shutil.copy(os.path.join(FIXTURES, "models", "single", "mlp.py"),
                        os.path.join(project, "models"))
            config_args = ["--config", self.config] if self.config else []
            run(CMAKE, "-S", project, "-B", build, "-G", self.generator,
                "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX, *consumer_configure_args())
            run(CMAKE, "--build", build, *config_args)
            outputs = os.path.join(build, *([self.config] if self.config else []))
            app = os.path.join(outputs, "app")
            artifact = os.path.join(outputs, "mlp.pt")
            # 1. In the build tree: path() is the build's artifact, and the
            #    embedded bytes are that file's.
            lines, values = self.run_app(app)
            self.assertEqual(lines["path"], artifact)
            self.assertEqual(lines["format"], "torchscript lite")
            self.assertEqual(int(lines["embedded bytes"]), os.path.getsize(artifact))
            for key in ("from path", "from bytes"):
                self.assert_close(values[key], self.expected(artifact))
            self.assert_close(values["lite from bytes"],
                              self.expected(os.path.join(outputs, "mlp-lite.ptl")))
            # 2. A reconversion (another hidden width) relinks the new bytes
            #    in with one build.
            wait_for_new_timestamp()
            run(CMAKE, "-DMLP_HIDDEN=16", build)
            log = run(CMAKE, "--build", build, *config_args).stdout
            self.assertIn("Converting MLP to TorchScript (mlp)", log)
            self.assertNotIn("(mlp-lite)", log)
            lines, values = self.run_app(app)
            self.assertEqual(int(lines["embedded bytes"]), os.path.getsize(artifact))
            self.assertEqual(torch.jit.load(artifact).fc1.weight.shape, (16, 4))
            self.assert_close(values["from bytes"], self.expected(artifact))
            expected = self.expected(artifact)
            # 3. Installed, moved, the build tree and the installed file gone:
            #    path() names the installed model beside the moved program,
            #    and the bytes still run.
            prefix, moved = os.path.join(tmp, "prefix"), os.path.join(tmp, "moved prefix")
            run(CMAKE, "--install", build, "--prefix", prefix, *config_args)
            os.rename(prefix, moved)
            installed = os.path.join(moved, "share", "linked", "models", "mlp.pt")
            lines, values = self.run_app(os.path.join(moved, "bin", "app"))
            self.assertEqual(os.path.realpath(lines["path"]), os.path.realpath(installed))
            self.assert_close(values["from path"], expected)
            shutil.copy(artifact, os.path.join(tmp, "good.pt"))
            shutil.rmtree(build)
            os.remove(installed)
            lines, values = self.run_app(os.path.join(moved, "bin", "app"), "bytes-only")
            self.assert_close(values["from bytes"], expected)
            self.extra_checks(os.path.join(moved, "bin", "app"), tmp)

    def extra_checks(self, app, tmp):
        pass


class LinkedModelsNinjaTest(LinkedModelsMixin, unittest.TestCase):
    generator = "Ninja"

    def extra_checks(self, app, tmp):
        """An artifact of a newer torch gets pt2ts's one exception naming
        both versions from <pt2ts/runtime.h>, not LibTorch's error."""
        source = os.path.join(tmp, "good.pt")  # the build's artifact, saved
        skewed = os.path.join(tmp, "skewed.pt")
        skewed_copy(source, skewed)
        result = run(app, "load", skewed, check=False)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("mismatch: pt2ts: '%s' was made by torch 99.0.0 (file format version 99), "
                      "but this program runs LibTorch %d.%d" % ((skewed,) + TORCH_RELEASE),
                      result.stdout)
        self.assertEqual(run(app, "load", source).stdout, "loaded\n")
        # The same through zip64 records (an archive past 4 GiB), both ways.
        for path in (source, skewed):
            zip64_copy(path, path + ".zip64")
        result = run(app, "load", skewed + ".zip64", check=False)
        self.assertIn("mismatch: pt2ts: '%s.zip64' was made by torch 99.0.0 (file format "
                      "version 99)" % skewed, result.stdout)
        self.assertEqual(run(app, "load", source + ".zip64").stdout, "loaded\n")


class LinkedModelsMakefilesTest(LinkedModelsMixin, unittest.TestCase):
    generator = "Unix Makefiles"


class LinkedModelsMultiConfigTest(LinkedModelsMixin, unittest.TestCase):
    generator = "Ninja Multi-Config"
    config = "Release"


@needs_install_fixture
class SettingsStampTest(unittest.TestCase):
    """<name>.settings, the file whose change makes Unix Makefiles reconvert
    when a call's arguments change, records the arguments verbatim: no
    @VAR@ or ${VAR} rewriting, so two different values never look alike."""

    # Bracket arguments: CMake passes these characters to pt2ts untouched.
    VALUE = "@PT2TS_UNSET_A@ ${PROJECT_NAME} @PROJECT_NAME@ $HOME 50% #1 a\\b"
    CHANGED = VALUE.replace("@PT2TS_UNSET_A@", "@PT2TS_UNSET_B@")

    def write_project(self, value):
        shutil.copy(os.path.join(FIXTURES, "models", "kinds", "recorder.py"), self.project)
        with open(os.path.join(self.project, "CMakeLists.txt"), "w") as cmakelists:
            cmakelists.write("cmake_minimum_required(VERSION 3.20)\nproject(stamp NONE)\n"
                             "find_package(Pt2ts REQUIRED)\n"
                             "pt2ts_add_torchscript(rec MODULE recorder.py MODEL Recorder\n"
                             "  KWARGS tag [==[%s]==])\n" % value)

    def received(self):
        return torch.jit.load(os.path.join(self.build_dir, "rec.pt")).received

    def test_stamp_is_verbatim_and_reconverts(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-cmake-") as tmp:
            self.project, self.build_dir = os.path.join(tmp, "project"), os.path.join(tmp, "build")
            os.mkdir(self.project)
            self.write_project(self.VALUE)
            run(CMAKE, "-S", self.project, "-B", self.build_dir, "-G", "Unix Makefiles",
                "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX, *consumer_configure_args())
            run(CMAKE, "--build", self.build_dir)
            self.assertEqual(self.received(), repr(((), [("tag", self.VALUE)])))
            settings = os.path.join(self.build_dir, "pt2ts", "rec.settings")
            with open(settings) as file:
                lines = file.read().splitlines()
            self.assertEqual(lines, [os.path.join(self.project, "recorder.py"), "Recorder",
                                     "--kwargs", "tag", self.VALUE])
            # Configuring again without a change keeps the stamp's time.
            before = stamp(settings)
            wait_for_new_timestamp()
            run(CMAKE, self.build_dir)
            self.assertEqual(stamp(settings), before)
            # A changed value reconverts (Make ignores a changed command).
            self.write_project(self.CHANGED)
            log = run(CMAKE, "--build", self.build_dir).stdout
            self.assertIn("Converting Recorder to TorchScript (rec)", log)
            self.assertEqual(self.received(), repr(((), [("tag", self.CHANGED)])))
            self.assertNotIn("Converting", run(CMAKE, "--build", self.build_dir).stdout)


if __name__ == "__main__":
    unittest.main()
