"""Shared helpers for pt2ts's end-to-end tests: run the real pt2ts binary,
check its error contract, load artifacts with real torch and compare them
with the eager model."""

import glob
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import unittest

import torch

PT2TS = os.environ.get("PT2TS_EXE", "")
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")

EXIT_CONVERSION_FAILED = 1
EXIT_USAGE_ERROR = 2


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


# The one note pt2ts prints where torch warns that TorchScript is unsupported
# (torch 2.14 on Python 3.14): part of a successful conversion there.
TORCHSCRIPT_SUPPORT_NOTE = "pt2ts: note: this torch no longer fully supports TorchScript"

# Whether this torch writes AOTInductor packages (.pt2; torch >= 2.6).
HAS_AOTI = (importlib.util.find_spec("torch._inductor") is not None
            and hasattr(importlib.import_module("torch._inductor"), "aoti_compile_and_package"))
NEEDS_AOTI = unittest.skipUnless(HAS_AOTI, "needs torch's AOTInductor packages (torch >= 2.6); "
                                 "this is torch " + torch.__version__)


def without_support_note(stderr):
    """stderr without pt2ts's TorchScript support note, for tests that check
    everything else a conversion prints."""
    return "".join(line for line in stderr.splitlines(keepends=True)
                   if not line.startswith(TORCHSCRIPT_SUPPORT_NOTE))


def pt2ts_problem():
    """Why PT2TS_EXE cannot be run, or None when it names an executable file."""
    if not PT2TS:
        return ("PT2TS_EXE is not set: run the tests through ctest (ctest --test-dir BUILD), "
                "or set PT2TS_EXE to the pt2ts binary")
    if not os.path.isfile(PT2TS) or not os.access(PT2TS, os.X_OK):
        return "PT2TS_EXE=%s is not an executable file (build pt2ts first)" % PT2TS
    return None


def require_pt2ts():
    """Fails (never skips) when PT2TS_EXE does not name an executable: a run
    without the tool under test must not pass."""
    problem = pt2ts_problem()
    if problem:
        raise AssertionError(problem)


def run_pt2ts(*args, cwd=None, env=None, timeout=300):
    """Runs pt2ts with the given arguments; returns the CompletedProcess."""
    require_pt2ts()
    return subprocess.run([PT2TS, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run(*command, cwd=None, env=None, check=True, timeout=900):
    """Runs any command (cmake, ninja, a built program); with check, a failure
    raises with its output."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(command), result.returncode,
                                                          result.stdout, result.stderr))
    return result


# What tests/CMakeLists.txt passes from pt2ts's own build, so the consumer
# projects the tests configure build the same way: the same compiler, Python
# and LibTorch (a subdirectory-mode pt2ts is built again inside them).
CONSUMER_SETTINGS = {
    "CMAKE_CXX_COMPILER": "PT2TS_CXX_COMPILER",
    "Python_EXECUTABLE": "PT2TS_PYTHON_EXECUTABLE",
    "Torch_DIR": "PT2TS_TORCH_DIR",
}


def consumer_configure_args():
    """The -D options for configuring a consumer project like pt2ts's own
    build; --no-warn-unused-cli because projects without C++ ignore some."""
    args = ["-D%s=%s" % (variable, os.environ[name])
            for variable, name in CONSUMER_SETTINGS.items() if os.environ.get(name)]
    return ["--no-warn-unused-cli"] + args


INSTALL_PREFIX = os.environ.get("PT2TS_INSTALL_PREFIX", "")


def require_install_fixture():
    """Fails (never skips) when PT2TS_INSTALL_PREFIX does not name a folder."""
    if not INSTALL_PREFIX or not os.path.isdir(INSTALL_PREFIX):
        raise AssertionError(
            "PT2TS_INSTALL_PREFIX=%r is not an install of pt2ts: run the tests through ctest, "
            "whose install_for_consumers fixture makes it" % INSTALL_PREFIX)


def needs_install_fixture(cls):
    """Class decorator for tests that build consumer projects against the
    installed pt2ts (ctest's install_for_consumers fixture): without
    PT2TS_INSTALL_PREFIX naming a folder, the class fails in setUpClass (a
    run that cannot test must not pass)."""
    own = cls.__dict__.get("setUpClass")

    def setUpClass(klass):
        require_install_fixture()
        if own is not None:
            own.__func__(klass)
        else:
            super(cls, klass).setUpClass()

    cls.setUpClass = classmethod(setUpClass)
    return cls


def read_bytes(path):
    with open(path, "rb") as file:
        return file.read()


def staging_folders(folder, name):
    """The staging folders pt2ts creates beside an output: .NAME.pt2ts-..."""
    return glob.glob(os.path.join(glob.escape(folder), "." + glob.escape(name) + ".pt2ts-*"))


def wait_for(predicate, timeout, what, process=None):
    """Polls predicate() every 2 ms until it is true; fails after timeout
    seconds or when process exits first."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError("pt2ts exited with %s before %s:\n%s%s"
                                 % (process.returncode, what, out, err))
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.002)


def wait_for_new_timestamp(folder=None, timeout=30):
    """Waits until a file written now gets a modification time in a later
    second than a file written at the call: what was written before the call
    is then visibly older, to build tools that compare whole seconds too,
    than what is written after it. Reads the file system's own clock (a probe
    file in folder, default the temporary folder), so it waits no longer
    than the next second boundary."""
    probe = os.path.join(folder or tempfile.gettempdir(), ".pt2ts-clock-probe-%d" % os.getpid())

    def second_of_a_new_write():
        with open(probe, "w"):
            pass
        return os.stat(probe).st_mtime_ns // 10 ** 9

    try:
        start = second_of_a_new_write()
        wait_for(lambda: second_of_a_new_write() > start, timeout,
                 "the file system clock to reach the next second")
    finally:
        if os.path.exists(probe):
            os.remove(probe)


def descendants(pid):
    """The ids of a process's living descendants (Linux /proc), children first."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop(0)
        try:
            tasks = os.listdir("/proc/%d/task" % parent)
        except OSError:
            continue
        for task in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (parent, task)) as file:
                    children = [int(c) for c in file.read().split()]
            except OSError:
                continue
            found += children
            queue += children
    return found


def import_file(path, name=None):
    """Imports a fixture module from its path, for building the eager model."""
    name = name or "eager_" + os.path.splitext(os.path.basename(path))[0]
    folder = os.path.dirname(path)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(folder)


def flatten_outputs(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for k in sorted(value) for t in flatten_outputs(value[k])]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flatten_outputs(v)]
    raise TypeError("unexpected output type %r" % type(value))


class Pt2tsTestCase(unittest.TestCase):
    """A test case with a fresh temporary folder and pt2ts assertions; every
    class of them fails in setUpClass when PT2TS_EXE cannot be run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_pt2ts()

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pt2ts-test-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    @classmethod
    def class_folder(cls, prefix):
        """A temporary folder shared by the class's tests, removed after them
        (also when setUpClass fails half-way)."""
        folder = tempfile.TemporaryDirectory(prefix=prefix)
        cls.addClassCleanup(folder.cleanup)
        return folder.name

    @staticmethod
    def make_known_good_artifact(path, *args, env=None):
        """pt2ts ARGS -s PATH, for an artifact the tests compare against (a
        previous good build, a baseline); returns its bytes."""
        result = run_pt2ts(*args, "-s", path, env=env)
        if result.returncode != 0:
            raise AssertionError("cannot build the known good artifact %s:\n%s"
                                 % (path, result.stderr))
        return read_bytes(path)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def convert(self, *args, **kwargs):
        """Runs pt2ts and asserts success; returns the CompletedProcess."""
        result = run_pt2ts(*args, **kwargs)
        self.assertEqual(result.returncode, 0,
                         "pt2ts failed:\nstdout:\n%s\nstderr:\n%s" % (result.stdout, result.stderr))
        return result

    def assert_fails(self, result, exit_code, *fragments):
        """The error contract: the exit code, a first stderr line
        'pt2ts: error: ...' containing each fragment, and no traceback of
        pt2ts internals."""
        self.assertEqual(result.returncode, exit_code,
                         "stdout:\n%s\nstderr:\n%s" % (result.stdout, result.stderr))
        error_lines = [l for l in result.stderr.splitlines() if l.startswith("pt2ts: error: ")]
        self.assertEqual(len(error_lines), 1, "expected one error line:\n" + result.stderr)
        for fragment in fragments:
            self.assertIn(fragment, error_lines[0], "stderr:\n" + result.stderr)
        self.assertNotIn("<pt2ts>", result.stderr)
        self.assertNotIn("_pt2ts", result.stderr)
        self.assertNotIn("internal error", result.stderr)
        return error_lines[0]

    def assert_no_output_left(self, folder, allowed=()):
        """No artifact and no staging leftovers in the folder."""
        leftovers = sorted(set(os.listdir(folder)) - set(allowed)) if os.path.isdir(folder) else []
        self.assertEqual(leftovers, [], "unexpected files in %s" % folder)

    def assert_matches_eager(self, artifact, eager, *inputs, atol=1e-6):
        """Loads the artifact with torch.jit.load and compares every output
        tensor with the eager model on the same inputs."""
        loaded = torch.jit.load(artifact)
        eager.eval()
        with torch.no_grad():
            expected = flatten_outputs(eager(*inputs))
            actual = flatten_outputs(loaded(*inputs))
        self.assertEqual(len(expected), len(actual))
        for e, a in zip(expected, actual):
            self.assertEqual(e.shape, a.shape)
            torch.testing.assert_close(a, e, atol=atol, rtol=1e-5)
        return loaded
