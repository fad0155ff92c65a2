"""Faults around a conversion, checked against README.md's guarantees ("never
leaves a half-written file, even when killed, and never harms the previous
artifact"; "behaves the same whatever..."; exact rebuilds through the depfile):

- SIGINT and SIGTERM while a LARGE model (hundreds of MB of float32 weights)
  loads its weights, is written, or is checked by LibTorch;
- the reader of pt2ts's stderr going away (SIGPIPE, as in `pt2ts ... | head`);
- a full disk (a 2 MB tmpfs);
- 4 conversions writing the same output path at once, and a CMake project
  converting 8 models with `cmake --build -j8`;
- paths holding spaces, unicode and '$', on the command line and through
  pt2ts_add_torchscript() (with a rebuild driven by the depfile).

Tests that need root (mount) skip with the reason when it is missing; those
that need the install fixture (PT2TS_INSTALL_PREFIX) fail without it.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, INSTALL_PREFIX, PT2TS, Pt2tsTestCase,
                           consumer_configure_args, fixture, import_file, read_bytes,
                           require_install_fixture, run, run_pt2ts, staging_folders, wait_for,
                           wait_for_new_timestamp)

BIG = fixture("faults", "big.py")
PATH_MODEL_DIR = fixture("faults", "pathmodel")
CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")

big = import_file(BIG, name="faults_big")








def open_files(pid):
    """The paths a process has open (Linux /proc)."""
    folder = "/proc/%d/fd" % pid
    paths = []
    try:
        for fd in os.listdir(folder):
            try:
                paths.append(os.readlink(os.path.join(folder, fd)))
            except OSError:
                pass
    except OSError:
        pass
    return paths




def small_eager(hidden, seed, scale=1.0):
    torch.manual_seed(seed)
    model = big.Small(hidden=hidden, scale=scale)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_()
    return model.eval()


# ---------------------------------------------------------------------------

class LargeModelSignalTest(Pt2tsTestCase):
    """SIGINT/SIGTERM while a 335 MB model is converted: pt2ts dies promptly by
    that signal, leaves no partial file and no staging folder, and the
    previous artifact stays byte-identical."""

    WIDTH, LAYERS = 4096, 5  # 5 x 4096 x 4096 float32 = 335 MB of weights
    # The deadline for dying after the signal: generous on a loaded machine,
    # and still far below what finishing the step would take there.
    PROMPT_SECONDS = 30
    NEEDED_BYTES = 3 * 10 ** 9  # weights + artifact + staged copy, with room

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        free = shutil.disk_usage(tempfile.gettempdir()).free
        if free < cls.NEEDED_BYTES:
            raise unittest.SkipTest("needs 3 GB free in %s, has %.1f GB"
                                    % (tempfile.gettempdir(), free / 1e9))
        if not os.path.isdir("/proc/self/fd"):
            raise unittest.SkipTest("needs /proc to see which step pt2ts is in")
        folder = cls.class_folder("pt2ts-faults-")
        cls.weights = os.path.join(folder, "big_weights.pt")
        torch.manual_seed(0)
        model = big.Big(cls.WIDTH, cls.LAYERS)
        torch.save(model.state_dict(), cls.weights)
        del model
        # The previous good artifact: a small model under the same file name.
        cls.previous = os.path.join(folder, "previous", "big.pt")
        cls.previous_bytes = cls.make_known_good_artifact(cls.previous, BIG, "Big",
                                                          "--args", 32, 1)

    def interrupt(self, signal_number, stage):
        folder = self.path("out_" + signal.Signals(signal_number).name)
        os.makedirs(folder)
        out = os.path.join(folder, "big.pt")
        shutil.copyfile(self.previous, out)
        process = subprocess.Popen(
            [PT2TS, BIG, "Big", "--args", str(self.WIDTH), str(self.LAYERS), "-w", self.weights,
             "-s", out, "-v"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(process.stderr.close)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        lines = []

        def read_stderr():
            for line in process.stderr:
                lines.append(line)

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()

        wait_for(lambda: staging_folders(folder, "big.pt"), 60, "the staging folder", process)
        staged = os.path.join(staging_folders(folder, "big.pt")[0], "big.pt")
        weights = os.path.realpath(self.weights)
        artifact_bytes = 4 * self.LAYERS * self.WIDTH * (self.WIDTH + 1)
        if stage == "loading weights":
            # The weights file is open: torch.load is reading it.
            wait_for(lambda: weights in open_files(process.pid), 60, "the weights being read",
                     process)
        elif stage == "writing":
            # The staged artifact exists and is still growing.
            wait_for(lambda: os.path.exists(staged) and
                     0 < os.path.getsize(staged) < artifact_bytes * 0.9,
                     60, "the artifact being written", process)
        elif stage == "checking with LibTorch":
            wait_for(lambda: any("wrote the artifact" in l for l in lines), 60,
                     "the artifact to be written", process)
        else:
            raise AssertionError(stage)
        state = "open files: %s" % [p for p in open_files(process.pid) if p.startswith("/tmp")]
        process.send_signal(signal_number)
        try:
            process.wait(timeout=self.PROMPT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            self.fail("pt2ts still runs %s s after %s" % (self.PROMPT_SECONDS,
                                                           signal.Signals(signal_number).name))
        reader.join(10)
        stderr = "".join(lines)
        self.assertEqual(process.returncode, -signal_number,
                         "expected death by %s while %s (%s); stderr:\n%s"
                         % (signal.Signals(signal_number).name, stage, state, stderr))
        self.assertEqual(read_bytes(out), self.previous_bytes, "the previous artifact changed")
        if signal_number != signal.SIGKILL:
            self.assertEqual(os.listdir(folder), ["big.pt"],
                             "a partial file or staging folder was left (%s)" % stage)
        return folder, out

    def interrupt_with_sigint_and_sigterm(self, stage):
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal.Signals(signal_number).name):
                self.interrupt(signal_number, stage)

    def test_sigint_and_sigterm_while_loading_weights(self):
        """SIGINT, then SIGTERM, while torch.load reads the 335 MB weights file."""
        self.interrupt_with_sigint_and_sigterm("loading weights")

    def test_sigint_and_sigterm_while_writing(self):
        """SIGINT, then SIGTERM, while torch.jit.save writes the 335 MB artifact."""
        self.interrupt_with_sigint_and_sigterm("writing")

    def test_sigkill_while_writing(self):
        """SIGKILL (the OOM killer, kill -9) while the artifact is written
        cannot be caught: the previous artifact must still be intact, and the
        partial file left in the staging folder must not stay for ever -- the
        next conversion to that path must not leave it behind (README: a
        killed conversion leaves no partial file)."""
        folder, out = self.interrupt(signal.SIGKILL, "writing")
        self.convert(BIG, "Big", "--args", 32, 1, "-s", out)
        self.assertEqual(read_bytes(out), self.previous_bytes)
        leftovers = [(name, sum(os.path.getsize(os.path.join(d, f))
                                for d, _, fs in os.walk(os.path.join(folder, name)) for f in fs))
                     for name in os.listdir(folder) if name != "big.pt"]
        self.assertEqual(leftovers, [], "(name, bytes) left after a killed conversion and a "
                                        "successful one to the same path")

    def test_sigterm_while_checking(self):
        """SIGTERM while LibTorch loads the staged artifact to check it."""
        self.interrupt(signal.SIGTERM, "checking with LibTorch")


class BrokenPipeTest(Pt2tsTestCase):
    """The reader of pt2ts's stderr is gone (`pt2ts ... 2>&1 | head -1`
    after head exits): pt2ts may die by SIGPIPE, but it must not leave its
    staging folder (or a folder it created) behind, and the previous
    artifact stays."""

    def test_closed_stderr_on_failure(self):
        """A failing conversion whose stderr is a closed pipe: no staging
        folder left, the previous artifact intact."""
        folder = self.path("out")
        os.makedirs(folder)
        out = os.path.join(folder, "model.pt")
        self.convert(BIG, "Small", "-s", out)
        previous = read_bytes(out)
        read_end, write_end = os.pipe()
        os.close(read_end)  # nobody reads: writing raises SIGPIPE / EPIPE
        try:
            # A conversion that fails (an unexpected keyword) prints an error.
            process = subprocess.run([PT2TS, BIG, "Small", "--kwargs", "bogus", "1", "-s", out],
                                     stdout=write_end, stderr=write_end, timeout=300)
        finally:
            os.close(write_end)
        self.assertNotEqual(process.returncode, 0)
        self.assertEqual(read_bytes(out), previous, "the previous artifact changed")
        self.assertEqual(os.listdir(folder), ["model.pt"],
                         "pt2ts (exit %d) left its staging folder behind when stderr was a "
                         "closed pipe" % process.returncode)

    def test_closed_stderr_leaves_no_new_folder(self):
        """With a new output folder: the folder pt2ts created is removed too."""
        folder = self.path("new", "deeper")
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            process = subprocess.run([PT2TS, BIG, "Small", "--kwargs", "bogus", "1", "-s",
                                      os.path.join(folder, "model.pt")],
                                     stdout=write_end, stderr=write_end, timeout=300)
        finally:
            os.close(write_end)
        self.assertNotEqual(process.returncode, 0)
        self.assertEqual(os.listdir(self.tmp), [],
                         "pt2ts (exit %d) left files behind: %s"
                         % (process.returncode,
                            [os.path.relpath(os.path.join(d, n), self.tmp)
                             for d, ds, fs in os.walk(self.tmp) for n in ds + fs]))


class DiskFullTest(Pt2tsTestCase):
    """The output folder is on a 2 MB tmpfs and the artifact (4 MB) does not
    fit: exit 1 with one error line naming the output and the lack of space,
    nothing left in the tmpfs, a previous small artifact intact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The previous small artifact: converted once for the class (a
        # conversion costs seconds), copied onto each test's tmpfs.
        cls.previous_artifact = os.path.join(cls.class_folder("pt2ts-disk-full-"), "model.pt")
        cls.previous_bytes = cls.make_known_good_artifact(cls.previous_artifact, BIG, "Small")

    def setUp(self):
        super().setUp()
        self.mount = self.path("tiny")
        os.mkdir(self.mount)
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", self.mount],
                                capture_output=True, text=True)
        self.mounted = result.returncode == 0
        if not self.mounted:
            self.skipTest("cannot mount a tmpfs here (%s)"
                          % (result.stderr.strip() or "exit %d" % result.returncode))
        self.previous = os.path.join(self.mount, "model.pt")
        shutil.copyfile(self.previous_artifact, self.previous)

    def tearDown(self):
        if getattr(self, "mounted", False):
            if subprocess.run(["umount", self.mount]).returncode != 0:
                subprocess.run(["umount", "-l", self.mount])
        super().tearDown()

    def check_disk_full(self, out, *extra):
        # 1024 x 1024 float32: a 4 MB artifact for a 2 MB file system.
        result = run_pt2ts(BIG, "Big", "--args", 1024, 1, "-s", out, *extra)
        self.assertNotIn("terminate called", result.stderr,
                         "pt2ts crashed (exit %d) on a full disk:\n%s"
                         % (result.returncode, result.stderr[:2000]))
        line = self.assert_fails(result, EXIT_CONVERSION_FAILED, out)
        self.assertRegex(line, re.compile(r"no space|disk full|ENOSPC", re.I))
        self.assertEqual(read_bytes(self.previous), self.previous_bytes)
        self.assertEqual(sorted(os.listdir(self.mount)), ["model.pt"],
                         "a partial file or staging folder was left on the full disk")
        # The space is given back.
        usage = shutil.disk_usage(self.mount)
        self.assertLess(usage.used, 256 * 1024, "the tmpfs still holds %d bytes" % usage.used)

    def test_artifact_larger_than_disk(self):
        """The artifact replaces the previous one in the same (full) folder."""
        self.check_disk_full(self.previous)

    def test_with_example_inputs(self):
        """With --example-input the eager outputs are staged too."""
        self.check_disk_full(self.previous, "--example-input", "2x1024")

    def test_output_in_new_folder(self):
        """The folders pt2ts creates for the output are removed again."""
        self.check_disk_full(os.path.join(self.mount, "sub", "deeper", "model.pt"))


class ParallelTest(Pt2tsTestCase):
    """Several conversions at once."""

    COUNT = 4  # writers into one path: twice the cores of a CI machine
    CMAKE_MODELS = 8  # models of the consumer project built with -j8

    def test_same_output_path(self):
        """4 conversions with different --kwargs into the same path at once:
        all succeed, the file is one of the 4 artifacts byte for byte (no mix),
        it works, and no staging folder is left."""
        references = {}
        for i in range(self.COUNT):
            reference = self.path("ref%d" % i, "model.pt")  # same file name: same bytes
            self.convert(BIG, "Small", "--kwargs", "hidden", i + 2, "scale", 0.5 + i, "-s",
                         reference)
            references[read_bytes(reference)] = i
        self.assertEqual(len(references), self.COUNT, "the models must differ")
        folder = self.path("shared")
        out = os.path.join(folder, "model.pt")
        for round_number in range(2):  # first into a new folder, then over a file
            processes = [subprocess.Popen([PT2TS, BIG, "Small", "--kwargs", "hidden", str(i + 2),
                                           "scale", str(0.5 + i), "-s", out],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True)
                         for i in range(self.COUNT)]
            for i, process in enumerate(processes):
                _, err = process.communicate(timeout=600)
                self.assertEqual(process.returncode, 0, "process %d (round %d) failed:\n%s"
                                 % (i, round_number, err))
            self.assertEqual(os.listdir(folder), ["model.pt"])
            winner = references.get(read_bytes(out))
            self.assertIsNotNone(winner, "the final file is none of the artifacts")
            torch.manual_seed(0)  # pt2ts seeds 0 before building a model without weights
            eager = big.Small(hidden=winner + 2, scale=0.5 + winner)
            self.assert_matches_eager(out, eager, torch.randn(3, 4))

    def test_cmake_project_with_8_models_in_parallel(self):
        """A consumer project with 8 models built with Ninja -j8: all 8
        artifacts load and match their eager models; a second build converts
        nothing."""
        require_install_fixture()
        if not shutil.which("ninja"):
            self.skipTest("needs ninja")
        project = self.path("project")
        os.makedirs(os.path.join(project, "models"))
        shutil.copy(BIG, os.path.join(project, "models", "big.py"))
        calls = []
        for i in range(self.CMAKE_MODELS):
            torch.save(small_eager(i + 2, seed=i).state_dict(),
                       os.path.join(project, "w%d.pt" % i))
            calls.append("pt2ts_add_torchscript(m%d MODULE models/big.py MODEL Small "
                         "WEIGHTS w%d.pt KWARGS hidden %d EXAMPLE_INPUTS 2x4)" % (i, i, i + 2))
        with open(os.path.join(project, "CMakeLists.txt"), "w") as cmakelists:
            cmakelists.write("cmake_minimum_required(VERSION 3.20)\nproject(parallel NONE)\n"
                             "find_package(Pt2ts REQUIRED)\n" + "\n".join(calls) + "\n")
        build = self.path("build")
        run(CMAKE, "-S", project, "-B", build, "-G", "Ninja",
            "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX, *consumer_configure_args())
        log = run(CMAKE, "--build", build, "-j8").stdout
        self.assertEqual(len(re.findall(r"Converting Small to TorchScript \(m\d\)", log)),
                         self.CMAKE_MODELS, log)
        x = torch.randn(5, 4)
        for i in range(self.CMAKE_MODELS):
            with self.subTest(model=i):
                self.assert_matches_eager(os.path.join(build, "m%d.pt" % i),
                                          small_eager(i + 2, seed=i), x)
        self.assertNotIn("Converting", run(CMAKE, "--build", build, "-j8").stdout)
        self.assertEqual(staging_folders(build, "m0.pt"), [])


# Folder names, weights and output names with the characters that break
# naive quoting: (label, folder, weights file, output file).
SPECIAL_PATHS = [
    ("space", "dir with space", "weights with space.pt", "out put.pt"),
    ("dollar", "dollar $HOME", "weights $1.pt", "out $x.pt"),
    ("unicode", "ünïcödé", "wëights.pt", "öut.pt"),
    ("all", os.path.join("dir with space", "ünï $HOME"), "wëights $1 x.pt", "öut $x y.pt"),
]


def unescape_depfile(text):
    """The paths in a Makefile-style depfile written by pt2ts ('\\ ' for a
    space, '$$' for '$')."""
    body = text.replace("\\\n", " ")
    target, _, dependencies = body.partition(": ")
    tokens = re.findall(r"(?:\\.|[^\s\\])+", dependencies)
    return [re.sub(r"\\(.)", r"\1", t).replace("$$", "$") for t in tokens]


class SpecialPathsTest(Pt2tsTestCase):
    """Module, weights and output paths holding spaces, unicode and '$'."""

    def make_model_folder(self, folder):
        """Copies the two-file model into folder; returns (net.py, eager module)."""
        os.makedirs(folder, exist_ok=True)
        for name in ("net.py", "layers.py"):
            shutil.copy(os.path.join(PATH_MODEL_DIR, name), folder)
        return os.path.join(folder, "net.py")

    def eager_path_net(self, seed):
        module = import_file(os.path.join(PATH_MODEL_DIR, "net.py"), "faults_path_net")
        torch.manual_seed(seed)
        model = module.PathNet()
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.normal_()
        return model.eval()

    def test_command_line(self):
        """Each kind of name converts, the artifact matches the eager model,
        and the depfile names the real files."""
        for label, folder_name, weights_name, output_name in SPECIAL_PATHS:
            with self.subTest(label):
                folder = self.path(label, folder_name)
                module = self.make_model_folder(folder)
                eager = self.eager_path_net(seed=3)
                weights = os.path.join(folder, weights_name)
                torch.save(eager.state_dict(), weights)
                out = os.path.join(folder, "output " + folder_name.split("/")[-1], output_name)
                depfile = os.path.join(folder, "deps $d.d")
                result = run_pt2ts(module, "PathNet", "-w", weights, "-s", out,
                                   "--depfile", depfile)
                self.assertEqual(result.returncode, 0, "%s:\n%s" % (label, result.stderr))
                self.assert_matches_eager(out, eager, torch.randn(2, 4))
                with open(depfile, encoding="utf-8") as file:
                    listed = unescape_depfile(file.read())
                for path in (module, os.path.join(folder, "layers.py"), weights):
                    self.assertIn(path, listed)

    def test_unicode_in_one_path_at_a_time(self):
        """Only the module's folder, only the weights file, or only the output
        file has a non-ASCII name: each converts and matches the eager model
        (tells which of the three paths pt2ts mishandles)."""
        eager = self.eager_path_net(seed=4)
        for which in ("module", "weights", "output"):
            with self.subTest(which):
                base = self.path(which)
                module = self.make_model_folder(
                    os.path.join(base, "mödule" if which == "module" else "module"))
                weights = os.path.join(base, "wëights.pt" if which == "weights" else "weights.pt")
                torch.save(eager.state_dict(), weights)
                out = os.path.join(base, "öut.pt" if which == "output" else "out.pt")
                result = run_pt2ts(module, "PathNet", "-w", weights, "-s", out)
                self.assertEqual(result.returncode, 0, "non-ASCII %s path:\n%s"
                                 % (which, result.stderr))
                self.assert_matches_eager(out, eager, torch.randn(2, 4))

    def check_cmake(self, base, models_dir, weights_name, output_dir, dollar=False):
        """A consumer project under base, with the model, weights and output
        under special names: builds, matches eager, rebuilds only when the
        model's sibling module is touched. With '$' in the paths CMake 3.25's
        Ninja generator mis-escapes the depfile (a documented limit): the
        function must warn at configure time, and the build still converts
        correctly, but no-op builds cannot be promised."""
        require_install_fixture()
        if not shutil.which("ninja"):
            self.skipTest("needs ninja")
        project = os.path.join(base, "project")
        models = os.path.join(project, models_dir)
        self.make_model_folder(models)
        eager = self.eager_path_net(seed=5)
        torch.save(eager.state_dict(), os.path.join(project, weights_name))
        with open(os.path.join(project, "CMakeLists.txt"), "w", encoding="utf-8") as cmakelists:
            cmakelists.write(
                "cmake_minimum_required(VERSION 3.20)\nproject(special_paths NONE)\n"
                "find_package(Pt2ts REQUIRED)\n"
                'pt2ts_add_torchscript(pathnet MODULE "%s/net.py" MODEL PathNet\n'
                '  WEIGHTS "%s" OUTPUT "%s/path net.pt" EXAMPLE_INPUTS 2x4)\n'
                % (models_dir, weights_name, output_dir))
        build = os.path.join(base, "build")
        configure = run(CMAKE, "-S", project, "-B", build, "-G", "Ninja",
                        "-DCMAKE_PREFIX_PATH=" + INSTALL_PREFIX, *consumer_configure_args())
        self.assertEqual("contains '$'" in configure.stderr, dollar, configure.stderr)
        artifact = os.path.join(build, output_dir, "path net.pt")

        def build_log():
            result = run(CMAKE, "--build", build, check=False)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            return result.stdout

        self.assertIn("Converting PathNet", build_log())
        self.assert_matches_eager(artifact, eager, torch.randn(3, 4))
        if not dollar:
            self.assertNotIn("Converting", build_log(), "a second build converted again")
        wait_for_new_timestamp(os.path.dirname(artifact))  # a visibly newer time stamp
        os.utime(os.path.join(models, "layers.py"))
        self.assertIn("Converting PathNet", build_log(),
                      "touching the sibling module did not reconvert (depfile escaping?)")
        if not dollar:
            self.assertNotIn("Converting", build_log(), "a build after the rebuild converted again")
        self.assert_matches_eager(artifact, eager, torch.randn(3, 4))
        self.assertEqual(staging_folders(os.path.dirname(artifact), "path net.pt"), [])

    def test_cmake_space(self):
        """The project under 'dir with space/more space', the model in
        'models dir', the weights 'weights 1.pt', the output in 'out x'."""
        self.check_cmake(self.path("dir with space", "more space"), "models dir",
                         "weights 1.pt", "out x")

    def test_cmake_space_unicode_and_dollar(self):
        """The project under 'dir with space/ünï $HOME', the model in
        'mödels dir', the weights 'wëights $1.pt', the output in 'öut $x'
        (spaces, unicode and '$' at once: this covers '$' with spaces alone
        too, the same code path)."""
        self.check_cmake(self.path("dir with space", "ünï $HOME"), "mödels dir",
                         "wëights $1.pt", "öut $x", dollar=True)


if __name__ == "__main__":
    unittest.main()
