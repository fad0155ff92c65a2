"""End-to-end tests of pt2ts's independence from its environment: PATH, the
PYTHON* variables, the current directory; running in a virtual environment
with --python / PT2TS_PYTHON; and --help, --version and usage errors that
never load Python or libtorch."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, Pt2tsTestCase, fixture,
                           import_file, read_bytes, run_pt2ts, without_support_note)

PLAIN = fixture("environment", "plain.py")
WARNS_IN_INIT = fixture("environment", "warns_in_init.py")
SET_ORDER = fixture("environment", "set_order.py")
USES_VENV_PACKAGE = fixture("environment", "uses_venv_package.py")
VENV_PACKAGE = fixture("environment", "venv_site", "venvonly_layers.py")
USES_SIBLING = fixture("environment", "models", "uses_sibling.py")
USES_CWD_HELPER = fixture("environment", "models", "uses_cwd_helper.py")

# The tests run on the interpreter pt2ts embeds (Debian's, or a venv's with
# pip's torch). Its base interpreter makes the test venvs; torch lives in the
# base (Debian) or in the build's own venv (pip).
BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
BUILD_IS_VENV = sys.prefix != sys.base_prefix
THIS_VERSION = "%d.%d" % sys.version_info[:2]


def python_version(python):
    """'X.Y' of an interpreter, or None when it does not run."""
    result = subprocess.run([python, "-c", "import sys;print('%d.%d' % sys.version_info[:2])"],
                            capture_output=True, text=True, timeout=120, env=base_env())
    return result.stdout.strip() if result.returncode == 0 else None


def make_other_installation(folder):
    """Another installation of this Python version, made for the test: the
    build's base interpreter where one exists outside its folder
    (/usr/bin/python3 beside a pip build's Python), else a copy of the base
    interpreter's executable in FOLDER/bin with FOLDER/lib/pythonX.Y naming
    its standard library (Python finds its prefix from its executable's
    folder). Returns its executable, or None with the reason."""
    candidate = "/usr/bin/python3"
    if (os.path.exists(candidate)
            and os.path.dirname(os.path.realpath(candidate)) != os.path.dirname(BASE_PYTHON)
            and python_version(candidate) == THIS_VERSION):
        return candidate, None
    stdlib = os.path.dirname(os.__file__)
    if os.path.basename(stdlib) != "python" + THIS_VERSION:
        return None, "the standard library %s is not in a pythonX.Y folder" % stdlib
    os.makedirs(os.path.join(folder, "bin"))
    os.makedirs(os.path.join(folder, "lib"))
    python = os.path.join(folder, "bin", "python3")
    shutil.copy2(BASE_PYTHON, python)
    os.symlink(stdlib, os.path.join(folder, "lib", "python" + THIS_VERSION))
    if python_version(python) != THIS_VERSION:
        return None, "a copy of %s in %s does not run" % (BASE_PYTHON, folder)
    return python, None


def make_venv_with_this_torch(venv):
    """A venv of the base interpreter that sees the build's torch: with
    --system-site-packages where torch is the base's (Debian); where torch is
    the build venv's own (pip), a .pth file naming that venv's site-packages,
    so that the same torch files are imported without a second install."""
    if BUILD_IS_VENV:
        subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", venv], check=True,
                       capture_output=True, timeout=120, env=base_env())
        purelib = venv_purelib(os.path.join(venv, "bin", "python"))
        with open(os.path.join(purelib, "build_venv.pth"), "w") as f:
            f.write(os.path.dirname(os.path.dirname(torch.__file__)) + "\n")
    else:
        subprocess.run([BASE_PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", venv],
                       check=True, capture_output=True, timeout=120, env=base_env())


_NO_TORCH_VENV = None


def venv_without_torch():
    """A venv of the base interpreter without its site-packages (so without
    torch), made once for the whole file and removed after it; returns its
    bin folder."""
    global _NO_TORCH_VENV
    if _NO_TORCH_VENV is None:
        folder = tempfile.TemporaryDirectory(prefix="pt2ts-test-venv-no-torch-")
        unittest.addModuleCleanup(folder.cleanup)
        venv = os.path.join(folder.name, "venv_no_torch")
        subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", venv], check=True,
                       capture_output=True, timeout=120, env=base_env())
        _NO_TORCH_VENV = venv
    return os.path.join(_NO_TORCH_VENV, "bin")


def venv_purelib(python):
    return subprocess.run(
        [python, "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()


def base_env(**overrides):
    """The test's own environment without PT2TS_PYTHON, plus overrides."""
    env = {k: v for k, v in os.environ.items() if k != "PT2TS_PYTHON"}
    env.update(overrides)
    return env




def write_file(path, text, executable=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    if executable:
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def build_eager(path, class_name, seed=1):
    module = import_file(path)
    torch.manual_seed(seed)
    return getattr(module, class_name)()


_BASELINE_BYTES = None  # plain.py converted in a normal environment, by the first class


class BaselineMixin:
    """Converts plain.py in a normal environment (once for the whole file: a
    conversion costs seconds); the other conversions must give the same
    bytes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        global _BASELINE_BYTES
        if _BASELINE_BYTES is None:
            baseline = os.path.join(cls.class_folder("pt2ts-test-class-"), "plain.pt")
            _BASELINE_BYTES = cls.make_known_good_artifact(baseline, PLAIN, "Plain",
                                                           env=base_env())
        cls.baseline_bytes = _BASELINE_BYTES

    def assert_same_as_baseline(self, artifact):
        """(The artifact's file name is part of its bytes: use plain.pt.)"""
        self.assertEqual(read_bytes(artifact), self.baseline_bytes,
                         "the artifact differs from the one built in a normal environment")


class PathIndependenceTest(BaselineMixin, Pt2tsTestCase):
    """pt2ts runs its built-in Python, never the python found on PATH."""

    def test_fake_python_first_on_path_is_never_run(self):
        """python, python3 and python3.11 first on PATH are scripts that leave a
        marker and fail: the conversion still succeeds, gives the same bytes,
        and no marker appears."""
        fake_bin = self.path("fake_bin")
        marker = self.path("fake_python_ran")
        for name in ("python", "python3", "python3.11"):
            write_file(os.path.join(fake_bin, name),
                       '#!/bin/sh\necho "$0 $*" >> "%s"\nexit 1\n' % marker, executable=True)
        env = base_env(PATH=fake_bin + os.pathsep + os.environ.get("PATH", ""))
        out = self.path("plain.pt")
        self.convert(PLAIN, "Plain", "-s", out, env=env)
        self.assertFalse(os.path.exists(marker), "the python on PATH was run")
        self.assert_same_as_baseline(out)

    def test_python_without_torch_first_on_path(self):
        """A real Python without torch (a venv of the base interpreter without
        its site-packages), as python, python3 and pythonX.Y first on PATH,
        does not matter."""
        venv_bin = venv_without_torch()
        for name in ("python", "python3", "python" + THIS_VERSION):
            self.assertTrue(os.access(os.path.join(venv_bin, name), os.X_OK), name)
        no_torch = subprocess.run([os.path.join(venv_bin, "python3"), "-c", "import torch"],
                                  capture_output=True, timeout=120, env=base_env())
        self.assertNotEqual(no_torch.returncode, 0, "control: the venv's Python imports torch")
        out = self.path("plain.pt")
        self.convert(PLAIN, "Plain", "-s", out,
                     env=base_env(PATH=venv_bin + os.pathsep + os.environ.get("PATH", "")))
        self.assert_same_as_baseline(out)

    def test_empty_environment(self):
        """No environment variables at all (no PATH, no HOME): converts, same
        bytes."""
        out = self.path("plain.pt")
        self.convert(PLAIN, "Plain", "-s", out, env={})
        self.assert_same_as_baseline(out)


class PythonVariablesTest(BaselineMixin, Pt2tsTestCase):
    """The embedded interpreter is isolated: PYTHON* variables are ignored."""

    def hostile_variables(self):
        """Each variable with a value that breaks the conversion (or its
        quietness) if pt2ts honours it."""
        trap = self.path("trap")
        write_file(os.path.join(trap, "torch.py"),
                   'raise ImportError("hostile torch.py from PYTHONPATH")\n')
        write_file(os.path.join(trap, "sitecustomize.py"),
                   'raise RuntimeError("hostile sitecustomize from PYTHONPATH")\n')
        user_site = os.path.join(self.path("userbase"), "lib",
                                 "python%d.%d" % sys.version_info[:2], "site-packages")
        write_file(os.path.join(user_site, "torch.py"),
                   'raise ImportError("hostile torch.py from the user site")\n')
        write_file(os.path.join(user_site, "usercustomize.py"),
                   'raise RuntimeError("hostile usercustomize from the user site")\n')
        home_site = os.path.join(self.path("home"), ".local", "lib",
                                 "python%d.%d" % sys.version_info[:2], "site-packages")
        write_file(os.path.join(home_site, "torch.py"),
                   'raise ImportError("hostile torch.py from ~/.local")\n')
        startup = write_file(self.path("startup.py"), """\
            open(%r, "w").close()
            raise RuntimeError("hostile PYTHONSTARTUP")
            """ % self.path("startup_ran"))
        return {
            "PYTHONPATH": trap,
            "PYTHONHOME": self.path("no_such_python_home"),
            "PYTHONSTARTUP": startup,
            "PYTHONUSERBASE": self.path("userbase"),
            "HOME": self.path("home"),
            "PYTHONPLATLIBDIR": "no_such_libdir",
            "PYTHONVERBOSE": "1",
            "PYTHONDEVMODE": "1",
            "PYTHONWARNINGS": "error",
        }

    def conversion_problem(self, label, variables):
        """What is wrong with a conversion run with the variables set (a
        failure, any output, other bytes than the baseline's, PYTHONSTARTUP
        run), or None."""
        out = self.path(label.replace(" ", "_"), "plain.pt")
        result = run_pt2ts(PLAIN, "Plain", "-s", out, env=base_env(**variables))
        if result.returncode != 0:
            return "pt2ts failed (exit %d):\n%s" % (result.returncode, result.stderr)
        if without_support_note(result.stderr) or result.stdout:
            return "not quiet:\nstdout:\n%s\nstderr:\n%s" % (result.stdout, result.stderr)
        if read_bytes(out) != self.baseline_bytes:
            return "the artifact differs from the one built in a normal environment"
        if os.path.exists(self.path("startup_ran")):
            return "PYTHONSTARTUP was run"
        return None

    def test_hostile_variables_are_ignored(self):
        """All hostile variables together: the conversion succeeds quietly
        and gives the same bytes as in a clean environment. Each one, if
        honoured, breaks the conversion or its quietness whatever the others
        do (none can hide another), so one conversion checks them all; only
        when it fails is each tried alone, to name the culprits."""
        hostile = self.hostile_variables()
        problem = self.conversion_problem("all together", hostile)
        if problem:
            culprits = {}
            for name, value in hostile.items():
                alone = self.conversion_problem(name, {name: value})
                if alone:
                    culprits[name] = alone
            self.fail("with every hostile variable set: %s\nalone: %s"
                      % (problem, "\n".join("%s: %s" % item for item in culprits.items())
                         or "none fails alone"))

    def test_pythonwarnings_error_does_not_make_warnings_fatal(self):
        """PYTHONWARNINGS=error: a model that warns still converts, and the
        warning is reported."""
        result = self.convert(WARNS_IN_INIT, "WarnsInInit", "-s", self.path("w.pt"),
                              env=base_env(PYTHONWARNINGS="error"))
        text = import_file(WARNS_IN_INIT).WARNING_TEXT
        self.assertIn("pt2ts: warning:", result.stderr)
        self.assertIn(text, result.stderr)

    def test_pythonhashseed_is_ignored(self):
        """PYTHONHASHSEED does not change the artifact of a model whose layout
        follows a set's order (which PYTHONHASHSEED changes in plain Python)."""
        names = "sorted_names = list(%r)" % sorted(import_file(SET_ORDER).BRANCH_NAMES)
        orders = set()
        for seed in ("1", "2", "3"):
            orders.add(subprocess.run(
                [sys.executable, "-I", "-c", names + "; print(list(set(sorted_names)))"],
                env=base_env(PYTHONHASHSEED=seed), capture_output=True, text=True,
                check=True).stdout)
        self.assertGreater(len(orders), 1, "control: the set order does not depend on the seed")

        artifacts = []
        for seed in (None, "1", "2", "random"):
            env = base_env()
            env.pop("PYTHONHASHSEED", None)
            if seed is not None:
                env["PYTHONHASHSEED"] = seed
            out = self.path("seed_%s" % seed, "set_order.pt")
            self.convert(SET_ORDER, "SetOrder", "-s", out, env=env)
            artifacts.append(read_bytes(out))
        for seed, data in zip(("1", "2", "random"), artifacts[1:]):
            self.assertEqual(data, artifacts[0], "PYTHONHASHSEED=%s changed the artifact" % seed)


class VirtualEnvironmentTest(Pt2tsTestCase):
    """--python VENV/bin/python and PT2TS_PYTHON make a virtual
    environment's packages importable."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = cls.class_folder("pt2ts-test-venv-")
        cls.venv = os.path.join(folder, "venv")
        make_venv_with_this_torch(cls.venv)
        cls.venv_python = os.path.join(cls.venv, "bin", "python")
        purelib = venv_purelib(cls.venv_python)
        shutil.copyfile(VENV_PACKAGE, os.path.join(purelib, "venvonly_layers.py"))

        # The eager model, with venvonly_layers imported from the fixture.
        sys.path.insert(0, os.path.dirname(VENV_PACKAGE))
        try:
            cls.eager = build_eager(USES_VENV_PACKAGE, "UsesVenvPackage", seed=5)
        finally:
            sys.path.remove(os.path.dirname(VENV_PACKAGE))
            sys.modules.pop("venvonly_layers", None)
        cls.weights = os.path.join(folder, "weights.pt")
        torch.save(cls.eager.state_dict(), cls.weights)

    def convert_venv_model(self, *extra, env=None):
        out = self.path("out", "model.pt")
        result = run_pt2ts(USES_VENV_PACKAGE, "UsesVenvPackage", "-w", self.weights, "-s", out,
                           *extra, env=env or base_env())
        return result, out

    def test_without_python_the_package_is_missing(self):
        """Without --python: exit 1 naming the missing module and --python."""
        result, out = self.convert_venv_model()
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "venvonly_layers", "--python")
        self.assert_no_output_left(os.path.dirname(out))

    def test_python_option(self):
        """--python VENV/bin/python: converts, and the artifact matches eager."""
        result, out = self.convert_venv_model("--python", self.venv_python)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_matches_eager(out, self.eager, torch.randn(3, 4))

    def test_pt2ts_python_variable(self):
        """PT2TS_PYTHON=VENV/bin/python instead of --python: converts too."""
        result, out = self.convert_venv_model(env=base_env(PT2TS_PYTHON=self.venv_python))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_matches_eager(out, self.eager, torch.randn(3, 4))

    def test_venv_of_another_python_version(self):
        """A venv whose pyvenv.cfg records another Python version: exit 1
        naming both versions; nothing written."""
        other = self.path("venv310")
        os.makedirs(os.path.join(other, "bin"))
        os.symlink(BASE_PYTHON, os.path.join(other, "bin", "python"))
        write_file(os.path.join(other, "pyvenv.cfg"),
                   "home = %s\ninclude-system-site-packages = true\nversion = 3.10.12\n"
                   % os.path.dirname(BASE_PYTHON))
        result, out = self.convert_venv_model("--python", os.path.join(other, "bin", "python"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "3.10", "%d.%d" % sys.version_info[:2])
        self.assert_no_output_left(os.path.dirname(out))

    def test_venv_of_another_installation_of_this_version(self):
        """A venv of another Python installation of the same version (its own
        standard library): exit 1 naming both interpreters' folders; nothing
        written."""
        other, reason = make_other_installation(self.path("other_python"))
        if other is None:
            self.skipTest("cannot make another installation of Python %s: %s"
                          % (THIS_VERSION, reason))
        venv = self.path("venv_other_install")
        subprocess.run([other, "-m", "venv", "--without-pip", venv], check=True,
                       capture_output=True, timeout=120, env=base_env())
        result, out = self.convert_venv_model("--python", os.path.join(venv, "bin", "python"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, os.path.dirname(os.path.realpath(other)),
                          os.path.dirname(BASE_PYTHON))
        self.assert_no_output_left(os.path.dirname(out))

    def test_venv_without_torch(self):
        """A venv of the same base interpreter but without torch: exit 1
        saying torch cannot be imported; nothing written."""
        result = run_pt2ts(PLAIN, "Plain", "-s", self.path("out", "plain.pt"),
                           "--python", os.path.join(venv_without_torch(), "python"),
                           env=base_env())
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "torch")
        self.assert_no_output_left(self.path("out"))


class NotAVirtualEnvironmentTest(Pt2tsTestCase):
    """--python must name a virtual environment's interpreter."""

    def check_rejected(self, python, exit_code, *fragments):
        folder = self.path("out")
        os.makedirs(folder, exist_ok=True)
        result = run_pt2ts(PLAIN, "Plain", "-s", os.path.join(folder, "plain.pt"),
                           "--python", python, env=base_env())
        self.assert_fails(result, exit_code, python, *fragments)
        self.assert_no_output_left(folder)

    def test_executable_outside_a_venv(self):
        """/bin/true (no ../pyvenv.cfg): exit 1, not a virtual environment."""
        self.check_rejected("/bin/true", EXIT_CONVERSION_FAILED, "virtual environment")

    def test_plain_python_outside_a_venv(self):
        """A real Python that is not in a venv (the build's base interpreter):
        exit 1, not a virtual environment."""
        self.check_rejected(BASE_PYTHON, EXIT_CONVERSION_FAILED, "virtual environment")

    def test_missing_executable(self):
        """A path that does not exist: usage error."""
        self.check_rejected(self.path("no_such_venv", "bin", "python"), EXIT_USAGE_ERROR,
                            "not an executable")

    def test_folder_or_non_executable_file(self):
        """A folder, or a file without execute permission: usage error."""
        plain_file = write_file(self.path("not_executable"), "#!/bin/sh\n")
        for python in (self.tmp, plain_file):
            with self.subTest(python):
                self.check_rejected(python, EXIT_USAGE_ERROR, "not an executable")


class CurrentDirectoryTest(Pt2tsTestCase):
    """The model file's folder is on sys.path; the current directory is not."""

    def setUp(self):
        super().setUp()
        self.work = self.path("work")
        write_file(os.path.join(self.work, "torch.py"),
                   'raise ImportError("hostile torch.py in the current directory")\n')
        write_file(os.path.join(self.work, "sibling_blocks.py"),
                   'raise ImportError("sibling_blocks.py from the current directory")\n')
        write_file(os.path.join(self.work, "cwd_only_helper.py"), "VALUE = 1\n")

    def test_relative_module_path_from_another_directory(self):
        """Run from another directory with a relative module path: the
        model's sibling module imports from the model's folder, not the
        current directory; the artifact matches eager."""
        eager = build_eager(USES_SIBLING, "UsesSibling", seed=9)
        weights = self.path("weights.pt")
        torch.save(eager.state_dict(), weights)
        self.convert(os.path.relpath(USES_SIBLING, self.work), "UsesSibling",
                     "-w", os.path.relpath(weights, self.work), "-s", os.path.join("out", "m.pt"),
                     cwd=self.work, env=base_env())
        self.assert_matches_eager(os.path.join(self.work, "out", "m.pt"), eager,
                                  torch.randn(2, 4))

    def test_current_directory_is_not_importable(self):
        """A module only in the current directory cannot be imported: exit 1
        naming it."""
        result = run_pt2ts(USES_CWD_HELPER, "UsesCwdHelper", "-s", self.path("out", "m.pt"),
                           cwd=self.work, env=base_env())
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "cwd_only_helper")
        self.assert_no_output_left(self.path("out"))

    def test_dotted_name_needs_pythonpath(self):
        """A dotted module name in the current directory is not found unless
        --pythonpath . is given."""
        work = self.path("dotted")
        os.makedirs(work)
        shutil.copyfile(PLAIN, os.path.join(work, "cwd_model.py"))
        result = run_pt2ts("cwd_model", "Plain", "-s", "m.pt", cwd=work, env=base_env())
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "cwd_model")
        self.assertFalse(os.path.exists(os.path.join(work, "m.pt")))
        self.convert("cwd_model", "Plain", "-s", "m.pt", "--pythonpath", ".", cwd=work,
                     env=base_env())
        torch.jit.load(os.path.join(work, "m.pt"))


class LightFrontEndTest(Pt2tsTestCase):
    """--help, --version and usage errors never load Python, libtorch or the
    engine (checked with the dynamic loader's LD_DEBUG=libs trace)."""

    HEAVY = ("libpython", "libtorch", "libpt2ts_engine")

    def run_traced(self, *args):
        return run_pt2ts(*args, env=base_env(LD_DEBUG="libs"), cwd=self.tmp)

    def heavy_lines(self, stderr, names=HEAVY):
        return [line for line in stderr.splitlines() if any(n in line.lower() for n in names)]

    def test_positive_control_conversion_loads_them(self):
        """A real conversion under LD_DEBUG=libs shows libpython, libtorch and
        the engine being loaded, so the other tests can fail."""
        result = self.run_traced(PLAIN, "Plain", "-s", self.path("plain.pt"))
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        for name in self.HEAVY:
            self.assertTrue(self.heavy_lines(result.stderr, (name,)), "%s not traced" % name)

    def test_help_and_version(self):
        """--help and --version: exit 0, their text on stdout, nothing heavy
        loaded."""
        # pt2ts's own option names: CLI11 2.6's help has no "Usage" line.
        for args, expected in ((["--help"], "--save_path"), (["--version"], "pt2ts ")):
            with self.subTest(args[0]):
                result = self.run_traced(*args)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn(expected, result.stdout)
                self.assertEqual(self.heavy_lines(result.stderr), [])

    def test_usage_errors(self):
        """Usage errors (exit 2) are found before anything heavy is loaded."""
        cases = [
            ["--kwargs", "hidden", "3", "depth", "--", PLAIN, "Plain", "-s", "m.pt"],
            [self.path("no_such_model.py"), "Plain", "-s", "m.pt"],
            [PLAIN, "Plain", "-s", self.tmp],
            [PLAIN, "Plain", "--no-such-option"],
            [PLAIN],
        ]
        for args in cases:
            with self.subTest(" ".join(args)):
                result = self.run_traced(*args)
                self.assertEqual(result.returncode, EXIT_USAGE_ERROR, result.stderr)
                self.assertIn("pt2ts: error: ", result.stderr)
                self.assertEqual(self.heavy_lines(result.stderr), [])
                self.assertFalse(os.path.exists(self.path("m.pt")))


if __name__ == "__main__":
    unittest.main()
