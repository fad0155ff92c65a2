"""A catalogue of bad inputs to pt2ts, each checked against the whole error
contract of README.md:

- the documented exit code (2: usage error, caught before anything starts;
  1: the conversion failed),
- exactly one 'pt2ts: error:' line, naming the culprit (the file, option,
  key, model or value),
- no traceback of pt2ts's own code, no C++ crash report,
- no file written at the output path, no staging folder '.NAME.pt2ts-*'
  left beside it, no other file left in the output folder,
- and a previous good artifact at the output path byte-identical afterwards.

Every case goes through BadInputTestCase.check_bad(), which records its
label; at the end the module prints how many distinct cases it checked
(141 when every test runs; 4 of them run as user 'nobody' and are skipped
where that is impossible). A few cases (the output path, --depfile) cannot
have a previous artifact at their path; they check instead that nothing was
created and that what was there is unchanged. Fixtures live in fixtures/bad_inputs; weights and
inputs files are written at test time into the test's temporary folder.
"""

import os
import pickle
import random
import shutil
import stat
import subprocess
import sys
import types
import unittest
import zipfile

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, PT2TS, Pt2tsTestCase, fixture,
                           import_file, read_bytes, require_pt2ts, run_pt2ts,
                           staging_folders)

HERE = fixture("bad_inputs")
MODELS = fixture("bad_inputs", "models.py")
UNSCRIPTABLE = fixture("bad_inputs", "unscriptable.py")
CAPTURE = fixture("models", "capture", "unscriptable.py")

models = import_file(MODELS, name="bad_inputs_models")

# Labels of the distinct cases checked, printed by tearDownModule().
CASES = set()


def tearDownModule():
    sys.stderr.write("\ntest_bad_inputs: %d distinct bad-input cases checked\n" % len(CASES))




def write_bytes(path, data):
    with open(path, "wb") as file:
        file.write(data)
    return path




def nobody_prefix():
    """The command prefix that runs a program as user 'nobody', or None."""
    if os.geteuid() != 0:
        return []  # not root: file permissions apply to us already
    try:
        import pwd
        pwd.getpwnam("nobody")
    except KeyError:
        return None
    setpriv = shutil.which("setpriv")
    if setpriv:
        import grp
        group = "nogroup"
        try:
            grp.getgrnam(group)
        except KeyError:
            group = "nobody"
        return [setpriv, "--reuid=nobody", "--regid=" + group, "--clear-groups"]
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "nobody", "--"]
    return None


def nobody_readable_models(test):
    """A copy of MODELS in the test's (world-readable) folder: the checkout
    may be where 'nobody' cannot look (a root user's clone under /root)."""
    os.chmod(test.tmp, 0o755)
    copy = test.path("models.py")
    if not os.path.exists(copy):
        shutil.copyfile(MODELS, copy)
        os.chmod(copy, 0o644)
    return copy


def line_of(path, marker):
    """The 1-based line number of the first line of path containing marker."""
    with open(path) as file:
        for number, line in enumerate(file, 1):
            if marker in line:
                return number
    raise AssertionError("%r not in %s" % (marker, path))


class _RunsShell:
    """Unpickling this runs a shell command (os.system)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch '%s'" % self.marker,))


_PREVIOUS_BYTES = None  # the previous good artifact, made by the first class


class BadInputTestCase(Pt2tsTestCase):
    """Runs pt2ts on bad inputs with a previous good artifact at the output path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The previous good artifact: the same file name as the outputs of the
        # cases (the archive records its stem), and a model none of them makes.
        # Made once for the whole file (a conversion costs seconds; the
        # artifact is the same for every class) and copied into each class's folder.
        global _PREVIOUS_BYTES
        cls.previous = os.path.join(cls.class_folder("pt2ts-bad-inputs-"), "model.pt")
        if _PREVIOUS_BYTES is None:
            _PREVIOUS_BYTES = cls.make_known_good_artifact(cls.previous, MODELS, "Net",
                                                           "--kwargs", "out_features", "5")
        else:
            with open(cls.previous, "wb") as file:
                file.write(_PREVIOUS_BYTES)
        cls.previous_bytes = _PREVIOUS_BYTES

    def setUp(self):
        super().setUp()
        self.counter = 0

    def out_folder(self):
        self.counter += 1
        return self.path("out%02d" % self.counter)

    def check_bad(self, case, args, exit_code, *fragments, folder=None, name="model.pt",
                  previous=True, prefix=(), cwd=None, env=None, save_first=False,
                  read_only=None):
        """Runs pt2ts ARGS -s FOLDER/NAME with a previous artifact there and
        checks the error contract; returns (stderr, error line)."""
        CASES.add(case)
        folder = folder or self.out_folder()
        out = os.path.join(folder, name)
        if previous:
            os.makedirs(folder, exist_ok=True)
            shutil.copyfile(self.previous, out)
        if read_only:  # a folder made read-only once the previous artifact is in place
            os.chmod(read_only, 0o555)
            self.addCleanup(lambda: os.path.isdir(read_only) and os.chmod(read_only, 0o755))
        folder_existed = os.path.lexists(folder)
        folder_is_dir = os.path.isdir(folder)
        before = sorted(os.listdir(folder)) if folder_is_dir else None
        if save_first:  # for cases whose last argument must stay last
            command = [*prefix, PT2TS, "-s", out, *map(str, args)]
        else:
            command = [*prefix, PT2TS, *map(str, args), "-s", out]
        require_pt2ts()
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd,
                                env=env)
        line = self.assert_fails(result, exit_code, *fragments)
        self.assertNotIn("terminate called", result.stderr)
        self.assertNotIn("frame #", result.stderr)
        if previous:
            self.assertTrue(os.path.isfile(out), "the previous artifact is gone")
            self.assertEqual(read_bytes(out), self.previous_bytes,
                             "the previous artifact was modified")
        else:
            self.assertFalse(os.path.lexists(out), "something was written at " + out)
        self.assertEqual(staging_folders(folder, name), [], "a staging folder was left")
        if folder_is_dir:
            self.assertEqual(sorted(os.listdir(folder)), before, "files were left in " + folder)
        elif not folder_existed:
            self.assertFalse(os.path.lexists(folder), "the output folder was created: " + folder)
        return result.stderr, line

    def save(self, obj, name, **kwargs):
        path = self.path(name)
        torch.save(obj, path, **kwargs)
        return path


# ---------------------------------------------------------------------------

class ModulePathTest(BadInputTestCase):
    """module_path that cannot be imported."""

    def test_missing_file(self):
        """A .py path that does not exist: usage error naming it."""
        missing = self.path("no_such_model.py")
        self.check_bad("module: missing file", [missing, "Net"], EXIT_USAGE_ERROR,
                       missing, "does not exist")

    def test_folder_without_init(self):
        """A plain folder (no __init__.py): usage error naming it."""
        folder = self.path("plain_folder")
        os.mkdir(folder)
        self.check_bad("module: plain folder", [folder, "Net"], EXIT_USAGE_ERROR,
                       folder, "folder without __init__.py")

    def test_not_python(self):
        """A text file: usage error naming it."""
        notes = os.path.join(HERE, "notes.txt")
        self.check_bad("module: not a .py file", [notes, "Net"], EXIT_USAGE_ERROR,
                       notes, "not a Python source file")

    def test_not_a_module_name(self):
        """A name that is neither a path nor a dotted module name."""
        self.check_bad("module: not a module name", ["not a module!", "Net"], EXIT_USAGE_ERROR,
                       "'not a module!'", "neither an existing .py file nor a dotted module name")

    def test_dotted_name_not_found(self):
        """A dotted module name found nowhere: names it and the path searched."""
        stderr, _ = self.check_bad("module: dotted name not found",
                                   ["pt2ts_no_such_pkg.models", "Net", "--pythonpath", HERE],
                                   EXIT_CONVERSION_FAILED, "'pt2ts_no_such_pkg.models'",
                                   "--pythonpath")
        self.assertIn(HERE, stderr, "the searched path is listed")

    def test_unreadable_file(self):
        """A .py file its user cannot read (run as 'nobody': chmod does not
        stop root): usage error naming it."""
        prefix = nobody_prefix()
        if prefix is None:
            self.skipTest("cannot run as an unprivileged user (no setpriv/runuser or no 'nobody')")
        os.chmod(self.tmp, 0o755)
        secret = self.path("secret_model.py")
        shutil.copyfile(MODELS, secret)
        os.chmod(secret, 0)
        folder = self.path("nobody_out")
        os.mkdir(folder)
        os.chmod(folder, 0o777)
        self.check_bad("module: unreadable", [secret, "Net"], EXIT_USAGE_ERROR, secret,
                       "not readable", folder=folder, prefix=prefix)

    def test_syntax_error(self):
        """A syntax error: the file and line, and Python's caret excerpt."""
        source = os.path.join(HERE, "syntax_error.py")
        stderr, _ = self.check_bad("module: syntax error", [source, "Net"],
                                   EXIT_CONVERSION_FAILED, "syntax error in", source, "line 3")
        self.assertIn("class Net(torch.nn.Module:", stderr)

    def test_syntax_error_in_non_ascii_folder(self):
        """The same syntax error in a folder named 'ünïcödé': the same report,
        with the path as given (not 'no module named', not escaped)."""
        folder = self.path("ünïcödé")
        os.mkdir(folder)
        source = os.path.join(folder, "syntax_error.py")
        shutil.copyfile(os.path.join(HERE, "syntax_error.py"), source)
        self.check_bad("module: syntax error, non-ASCII path", [source, "Net"],
                       EXIT_CONVERSION_FAILED, "syntax error in", source, "line 3")

    def test_raises_at_import(self):
        """Module-level code raising: the exception, and the user's traceback."""
        source = os.path.join(HERE, "raises_on_import.py")
        stderr, _ = self.check_bad("module: raises at import", [source, "Net"],
                                   EXIT_CONVERSION_FAILED, "importing module", source,
                                   "KeyError", "'hidden'")
        self.assertIn('HIDDEN = CONFIG["hidden"]', stderr)

    def test_imports_missing_package(self):
        """An import of a package that is not installed names the package."""
        source = os.path.join(HERE, "imports_missing.py")
        self.check_bad("module: imports a missing package", [source, "Net"],
                       EXIT_CONVERSION_FAILED, source, "'pt2ts_no_such_package_xyz'")

    def test_exits_at_import(self):
        """sys.exit() at import time is reported, not obeyed."""
        source = os.path.join(HERE, "exits_on_import.py")
        self.check_bad("module: sys.exit at import", [source, "Net"], EXIT_CONVERSION_FAILED,
                       source, "sys.exit")


class ModelNameTest(BadInputTestCase):
    """model_name that does not name a model."""

    def test_missing_with_suggestion(self):
        """A misspelt name: 'not found', and the closest name is suggested."""
        stderr, _ = self.check_bad("model: missing", [MODELS, "Nett"], EXIT_CONVERSION_FAILED,
                                   "'Nett' not found", MODELS, "Did you mean 'Net'?")
        self.assertIn("nn.Module classes: ", stderr, "the module's models are listed")
        self.assertIn("NeedsWidth", stderr, "the module's models are listed")
        self.assertIn("returns_dict", stderr, "the module's functions are listed")

    def test_missing_nested(self):
        """A dotted name whose inner part is missing."""
        self.check_bad("model: missing nested name", [MODELS, "Outer.Nope"],
                       EXIT_CONVERSION_FAILED, "'Outer.Nope' not found")

    def test_not_callable(self):
        """A module-level int."""
        self.check_bad("model: not callable", [MODELS, "NOT_CALLABLE"], EXIT_CONVERSION_FAILED,
                       "'NOT_CALLABLE'", "int", "not a class or function")

    def test_string_attribute(self):
        """A module-level string."""
        self.check_bad("model: a string attribute", [MODELS, "NOT_A_MODEL_STRING"],
                       EXIT_CONVERSION_FAILED, "'NOT_A_MODEL_STRING'", "str")

    def test_factory_returns_dict(self):
        """A factory returning a dict of modules, not a module."""
        self.check_bad("model: factory returns a dict", [MODELS, "returns_dict"],
                       EXIT_CONVERSION_FAILED, "returns_dict()", "not a torch.nn.Module")

    def test_factory_returns_none(self):
        """A factory returning None: named, with what it returned."""
        self.check_bad("model: factory returns None", [MODELS, "returns_none"],
                       EXIT_CONVERSION_FAILED, "returns_none() returned None",
                       "not a torch.nn.Module")

    def test_nested_class_with_unexpected_argument(self):
        """A nested class works, but arguments it does not take are refused
        with its signature."""
        stderr, _ = self.check_bad("model: nested class with unexpected argument",
                                   [MODELS, "Outer.Inner", "--args", "3"],
                                   EXIT_CONVERSION_FAILED, "Outer.Inner(3)",
                                   "too many positional arguments")
        self.assertIn("Outer.Inner()", stderr)


class ConstructorTest(BadInputTestCase):
    """Constructors that fail, or are called with the wrong arguments; the
    error shows the constructor's signature."""

    SIGNATURE_NET = "Net(in_features: int = 4, out_features: int = 3)"

    def test_raises(self):
        """A constructor raising: the call, the exception and the user's traceback."""
        stderr, _ = self.check_bad("constructor: raises", [MODELS, "RaisesInInit"],
                                   EXIT_CONVERSION_FAILED, "building the model RaisesInInit()",
                                   "RuntimeError",
                                   "constructor raises on purpose")
        self.assertIn('models.py", line', stderr, "the user's traceback is shown")

    def test_system_exit(self):
        """SystemExit in a constructor is a failed build, not a silent exit."""
        self.check_bad("constructor: SystemExit", [MODELS, "ExitsInInit"],
                       EXIT_CONVERSION_FAILED, "ExitsInInit()", "SystemExit")

    def test_missing_argument(self):
        """A required argument not given: named, and the signature shown."""
        stderr, _ = self.check_bad("constructor: missing argument", [MODELS, "NeedsWidth"],
                                   EXIT_CONVERSION_FAILED, "NeedsWidth()",
                                   "missing a required argument: 'width'")
        self.assertIn("NeedsWidth(width: int, depth: int = 1)", stderr)

    def test_too_many_positional(self):
        """More --args than parameters: the call, and the signature shown."""
        stderr, _ = self.check_bad("constructor: too many positional",
                                   [MODELS, "Net", "--args", "1", "2", "3"],
                                   EXIT_CONVERSION_FAILED, "Net(1, 2, 3)",
                                   "too many positional arguments")
        self.assertIn(self.SIGNATURE_NET, stderr)

    def test_unexpected_keyword(self):
        """A --kwargs key the constructor lacks: named, and the signature shown."""
        stderr, _ = self.check_bad("constructor: unexpected keyword",
                                   [MODELS, "Net", "--kwargs", "bogus", "1"],
                                   EXIT_CONVERSION_FAILED, "unexpected keyword argument 'bogus'")
        self.assertIn(self.SIGNATURE_NET, stderr)

    def test_keyword_also_positional(self):
        """The same parameter given by --args and --kwargs."""
        stderr, _ = self.check_bad("constructor: argument given twice",
                                   [MODELS, "Net", "--args", "4", "--kwargs", "in_features", "4"],
                                   EXIT_CONVERSION_FAILED, "in_features")
        self.assertIn(self.SIGNATURE_NET, stderr)

    def test_wrong_type(self):
        """A string where the constructor needs an int: the constructor's own error."""
        self.check_bad("constructor: wrong argument type", [MODELS, "Net", "--args", "'four'"],
                       EXIT_CONVERSION_FAILED, "Net('four')", "TypeError")


class LiteralTest(BadInputTestCase):
    """--args/--kwargs values that start like a Python literal but do not
    parse: usage errors naming the option and the value."""

    MALFORMED = ["[1, 2", "(1,", "{'a': }", "'unterminated", '"unterminated', "[1] x",
                 "{[1]: 2}", "[1,,2]", "{'a' 1}", "[1 2]", "(1)(2)", "{"]

    def test_malformed_args(self):
        """Each malformed literal in --args: usage error quoting the value."""
        for value in self.MALFORMED:
            with self.subTest(value=value):
                self.check_bad("literal: --args %s" % value, [MODELS, "Net", "--args", value],
                               EXIT_USAGE_ERROR, "--args value 1", "malformed Python literal",
                               value)

    def test_malformed_second_args_value(self):
        """The position of the bad value is named."""
        self.check_bad("literal: second --args value", [MODELS, "Net", "--args", "4", "[3,"],
                       EXIT_USAGE_ERROR, "--args value 2", "[3,")

    def test_malformed_kwargs_value(self):
        """A malformed --kwargs value: usage error naming its key."""
        self.check_bad("literal: --kwargs value", [MODELS, "Net", "--kwargs", "in_features",
                                                   "(4,"],
                       EXIT_USAGE_ERROR, "--kwargs in_features", "malformed Python literal")


class KwargsTest(BadInputTestCase):
    """Odd --kwargs."""

    def test_odd_count(self):
        """Three --kwargs values: usage error (odd count)."""
        self.check_bad("kwargs: odd count", [MODELS, "Net", "--kwargs", "in_features", "4",
                                             "out_features"],
                       EXIT_USAGE_ERROR, "--kwargs", "odd count")

    def test_single_key(self):
        """A key without a value: usage error (odd count)."""
        self.check_bad("kwargs: key without value", [MODELS, "Net", "--kwargs", "in_features"],
                       EXIT_USAGE_ERROR, "--kwargs", "odd count")

    def test_key_equals_value(self):
        """KEY=VALUE instead of KEY VALUE: usage error showing the right form."""
        self.check_bad("kwargs: key=value", [MODELS, "Net", "--kwargs", "in_features=4"],
                       EXIT_USAGE_ERROR, "'in_features 4' instead of 'in_features=4'")

    def test_duplicate_key(self):
        """A key given twice in one --kwargs: usage error naming it."""
        self.check_bad("kwargs: duplicate key", [MODELS, "Net", "--kwargs", "in_features", "4",
                                                 "in_features", "5"],
                       EXIT_USAGE_ERROR, "'in_features' is given twice")

    def test_duplicate_key_across_options(self):
        """Two --kwargs options repeating a key."""
        self.check_bad("kwargs: duplicate key in two --kwargs",
                       [MODELS, "Net", "--kwargs", "in_features", "4", "--kwargs",
                        "in_features", "5"],
                       EXIT_USAGE_ERROR, "'in_features' is given twice")

    def test_key_not_identifier(self):
        """Keys that are not Python identifiers: usage errors naming them."""
        for key in ("4x", "8", "in-features", ""):
            with self.subTest(key=key):
                self.check_bad("kwargs: key %r" % key, [MODELS, "Net", "--kwargs", key, "1"],
                               EXIT_USAGE_ERROR, "'%s'" % key, "not a Python identifier")


class WeightsTest(BadInputTestCase):
    """-w files that are not usable weights for the model."""

    def good_state(self, **kwargs):
        torch.manual_seed(1)
        return models.Net(**kwargs).state_dict()

    def check_weights(self, case, weights, exit_code, *fragments, extra=()):
        return self.check_bad(case, [MODELS, "Net", "-w", weights, *extra], exit_code, weights,
                              *fragments)

    def check_unreadable(self, case, weights, *fragments):
        """A file that is no weights at all: exit 1 naming it in quotes."""
        return self.check_weights(case, weights, EXIT_CONVERSION_FAILED, "'%s'" % weights,
                                  *fragments)

    def test_missing(self):
        """A -w path that does not exist: usage error."""
        self.check_weights("weights: missing", self.path("nope.pt"), EXIT_USAGE_ERROR,
                           "does not exist")

    def test_folder(self):
        """A -w path that is a folder: usage error."""
        folder = self.path("weights_dir")
        os.mkdir(folder)
        self.check_weights("weights: a folder", folder, EXIT_USAGE_ERROR, "is a folder")

    def test_unreadable(self):
        """A weights file its user cannot read (run as 'nobody')."""
        prefix = nobody_prefix()
        if prefix is None:
            self.skipTest("cannot run as an unprivileged user (no setpriv/runuser or no 'nobody')")
        os.chmod(self.tmp, 0o755)
        weights = self.save(self.good_state(), "secret_weights.pt")
        os.chmod(weights, 0)
        folder = self.path("nobody_out")
        os.mkdir(folder)
        os.chmod(folder, 0o777)
        self.check_bad("weights: unreadable", [nobody_readable_models(self), "Net", "-w", weights],
                       EXIT_USAGE_ERROR,
                       weights, "not readable", folder=folder, prefix=prefix)

    def test_empty(self):
        """An empty weights file: 'cannot read' naming it."""
        self.check_unreadable("weights: empty", write_bytes(self.path("empty.pt"), b""),
                              "cannot read")

    def test_truncated(self):
        """The first half of a real weights file: 'cannot read' naming it."""
        whole = read_bytes(self.save(self.good_state(), "whole.pt"))
        weights = write_bytes(self.path("truncated.pt"), whole[: len(whole) // 2])
        self.check_unreadable("weights: truncated", weights, "cannot read")

    def test_random_bytes(self):
        """Random bytes: 'cannot read' naming the file."""
        weights = write_bytes(self.path("random.pt"), random.Random(5).randbytes(5000))
        self.check_unreadable("weights: random bytes", weights, "cannot read")

    def test_truncated_with_non_ascii_name(self):
        """A truncated weights file named 'wëights.pt': the same 'cannot read'
        error naming it (not an internal error)."""
        whole = read_bytes(self.save(self.good_state(), "whole.pt"))
        weights = write_bytes(self.path("wëights.pt"), whole[: len(whole) // 2])
        self.check_unreadable("weights: truncated, non-ASCII name", weights, "cannot read")

    def test_zip_not_torch(self):
        """A zip archive that is not a torch file: 'cannot read' naming it."""
        weights = self.path("archive.pt")
        with zipfile.ZipFile(weights, "w") as archive:
            archive.writestr("data/readme.txt", "not a checkpoint\n")
        self.check_unreadable("weights: zip that is not a torch file", weights, "cannot read")

    def test_torchscript_archive(self):
        """An already converted TorchScript file given as weights says so."""
        weights = self.path("scripted.pt")
        torch.jit.save(torch.jit.script(models.Net()), weights)
        self.check_unreadable("weights: TorchScript archive", weights, "TorchScript archive")

    def test_plain_pickle_of_state_dict(self):
        """pickle.dumps of a state dict (not torch.save): refused, it would
        run torch code while unpickling."""
        weights = write_bytes(self.path("pickled.pt"), pickle.dumps(self.good_state()))
        self.check_weights("weights: plain pickle", weights, EXIT_CONVERSION_FAILED,
                           "refusing to load", "--trust-weights")

    def test_checkpoint_without_state_dict(self):
        """A checkpoint holding no state dict: its keys listed, --state_key suggested."""
        weights = self.save({"epoch": 3, "loss": 0.5, "optimizer": {"lr": 0.1}}, "ckpt.pt")
        _, line = self.check_weights("weights: checkpoint without state dict", weights,
                                     EXIT_CONVERSION_FAILED, "cannot find a state dict",
                                     "--state_key")
        self.assertIn("'epoch', 'loss', 'optimizer'", line)

    def test_list(self):
        """A file holding a list: names what it holds."""
        weights = self.save([torch.ones(2)], "list.pt")
        self.check_weights("weights: a list", weights, EXIT_CONVERSION_FAILED, "list")

    def test_single_tensor(self):
        """A file holding one tensor: names what it holds."""
        weights = self.save(torch.ones(3, 4), "tensor.pt")
        self.check_weights("weights: a tensor", weights, EXIT_CONVERSION_FAILED, "Tensor")

    def test_wrong_state_key(self):
        """A --state_key the checkpoint lacks: the keys it has are listed."""
        weights = self.save({"model_state_dict": self.good_state(), "epoch": 3}, "ckpt.pt")
        _, line = self.check_weights("weights: wrong --state_key", weights,
                                     EXIT_CONVERSION_FAILED, "'ema'",
                                     extra=["--state_key", "ema"])
        self.assertIn("'model_state_dict', 'epoch'", line)

    def test_state_key_naming_a_number(self):
        """A --state_key naming an int: the key and its type are named."""
        weights = self.save({"model_state_dict": self.good_state(), "epoch": 3}, "ckpt.pt")
        self.check_weights("weights: --state_key names an int", weights,
                           EXIT_CONVERSION_FAILED, "['epoch']", "int",
                           extra=["--state_key", "epoch"])

    def test_state_key_on_a_list(self):
        """--state_key on a file that is not a dict: says so."""
        weights = self.save([self.good_state()], "list.pt")
        self.check_weights("weights: --state_key on a list", weights, EXIT_CONVERSION_FAILED,
                           "--state_key 'a'", "list", extra=["--state_key", "a"])

    def test_shape_mismatch(self):
        """Weights of Net(8, 3) into Net(4, 3): the mismatch is listed."""
        weights = self.save(self.good_state(in_features=8), "wide.pt")
        stderr, _ = self.check_weights("weights: shape mismatch", weights,
                                       EXIT_CONVERSION_FAILED, "'Net'", "1 shape mismatch",
                                       "--non-strict")
        self.assertIn("fc.weight: weights [3, 8], model [3, 4]", stderr)

    def test_shape_mismatch_from_constructor_arguments(self):
        """Right weights, wrong --kwargs: the mismatch says so."""
        weights = self.save(self.good_state(), "net.pt")
        stderr, _ = self.check_weights("weights: mismatch from --kwargs", weights,
                                       EXIT_CONVERSION_FAILED, "2 shape mismatches",
                                       extra=["--kwargs", "out_features", "7"])
        self.assertIn("fc.bias: weights [3], model [7]", stderr)

    def test_another_models_weights(self):
        """Missing and unexpected keys are counted and named."""
        torch.manual_seed(1)
        weights = self.save(models.NeedsWidth(4).state_dict(), "other.pt")
        stderr, _ = self.check_weights("weights: another model's keys", weights,
                                       EXIT_CONVERSION_FAILED, "2 missing keys",
                                       "2 unexpected keys")
        self.assertIn("layers.0.weight", stderr)
        self.assertIn("fc.weight", stderr)

    def test_code_executing_pickle(self):
        """A state dict carrying an os.system payload: refused by name, and the
        payload provably did not run (its marker file is absent)."""
        # The payload is real: a full-pickle torch.load runs it (torch 2.6 made
        # weights_only=True the default, so the test says what it means).
        proof = self.path("proof-ran")
        state = self.good_state()
        state["payload"] = _RunsShell(proof)
        torch.load(self.save(state, "proof.pt"), weights_only=False)
        self.assertTrue(os.path.exists(proof), "the payload does not run at all")

        marker = self.path("payload-ran")
        state["payload"] = _RunsShell(marker)
        weights = self.save(state, "evil.pt")
        self.check_weights("weights: code-executing pickle", weights, EXIT_CONVERSION_FAILED,
                           "refusing to load", "'%s.system'" % os.system.__module__,
                           "--trust-weights")
        self.assertFalse(os.path.exists(marker), "pt2ts ran the pickle's payload")

    def save_model_of_vanished_class(self, module_name, class_name):
        """Pickles a whole model whose class lives in a module that exists only
        while saving: loading the file then meets a missing class."""
        module = types.ModuleType(module_name)
        cls = type(class_name, (models.Net,), {"__module__": module_name})
        cls.__qualname__ = class_name
        setattr(module, class_name, cls)
        sys.modules[module_name] = module
        try:
            return self.save(cls(), class_name + ".pt")
        finally:
            del sys.modules[module_name]

    def test_missing_class_with_trust_weights(self):
        """A whole pickled model whose class no longer exists, trusted: a clear
        error naming the missing module, not a traceback."""
        module_name = "pt2ts_bad_inputs_vanished"
        weights = self.save_model_of_vanished_class(module_name, "VanishedNet")
        self.check_weights("weights: trusted pickle with missing class", weights,
                           EXIT_CONVERSION_FAILED, "cannot be found", module_name,
                           extra=["--trust-weights"])

    def test_missing_class_untrusted(self):
        """The same file untrusted: refused by name before anything is imported."""
        module_name = "pt2ts_bad_inputs_vanished2"
        weights = self.save_model_of_vanished_class(module_name, "GoneNet")
        self.check_weights("weights: untrusted pickle with missing class", weights,
                           EXIT_CONVERSION_FAILED, "'%s.GoneNet'" % module_name,
                           "--trust-weights")


class UnscriptableTest(BadInputTestCase):
    """Models using Python that torch.jit.script rejects: the model is named,
    and where torch says where, the error line points at the user's line."""

    # (class, a fragment of torch's message); every class marks its
    # rejected line with '<- rejected'.
    CASES = [
        ("UsesLambda", "Lambda"),
        ("UsesTryExcept", "try blocks"),
        ("UsesStarArgs", "variable number of arguments"),
        ("UsesGenerator", ""),
        ("UsesAnyAttribute", "getattr"),
        ("UsesDictStarStar", "variable number of arguments"),
        ("UsesGlobalObject", "set"),
        ("UsesNumpy", ""),
    ]
    NO_LOCATION = {"UsesNumpy"}  # torch's message has no source location

    def test_unscriptable_models(self):
        """Eight kinds of unscriptable Python: exit 1 naming the model (and the line)."""
        with open(UNSCRIPTABLE) as source:
            lines = source.read().splitlines()
        for name, fragment in self.CASES:
            with self.subTest(name):
                # The rejected line of this class.
                start = lines.index(next(l for l in lines if l.startswith("class %s(" % name)))
                number = next(i for i in range(start, len(lines))
                              if "<- rejected" in lines[i]) + 1
                expected = ["torch.jit.script cannot compile model '%s'" % name, fragment]
                if name not in self.NO_LOCATION:
                    expected.append("%s, line %d" % (UNSCRIPTABLE, number))
                self.check_bad("unscriptable: %s" % name, [UNSCRIPTABLE, name],
                               EXIT_CONVERSION_FAILED, *expected)


class OutputPathTest(BadInputTestCase):
    """Output paths that cannot receive an artifact."""

    def test_under_a_file(self):
        """-s FILE/model.pt: the blocking file is named and unchanged."""
        blocker = write_bytes(self.path("blocker.txt"), b"a file\n")
        for folder in (blocker, os.path.join(blocker, "deeper")):
            with self.subTest(folder=folder):
                self.check_bad("output: under a file (%s)" % os.path.basename(folder),
                               [MODELS, "Net"], EXIT_CONVERSION_FAILED, blocker,
                               "Not a directory", folder=folder, previous=False)
                self.assertEqual(read_bytes(blocker), b"a file\n")

    def test_under_proc(self):
        """A folder that cannot be created under /proc (nothing is created;
        no previous artifact can exist there)."""
        folder = "/proc/pt2ts-no-such-folder-%d" % os.getpid()
        self.check_bad("output: under /proc", [MODELS, "Net"], EXIT_CONVERSION_FAILED, folder,
                       folder=folder, previous=False)

    def test_read_only_folder(self):
        """A folder its user cannot write (run as 'nobody'): exit 1 naming the
        folder; the previous artifact in it stays."""
        prefix = nobody_prefix()
        if prefix is None:
            self.skipTest("cannot run as an unprivileged user (no setpriv/runuser or no 'nobody')")
        os.chmod(self.tmp, 0o755)
        folder = self.path("read_only")
        os.mkdir(folder)
        self.check_bad("output: read-only folder", [nobody_readable_models(self), "Net"],
                       EXIT_CONVERSION_FAILED,
                       folder, "Permission denied", folder=folder, prefix=prefix,
                       read_only=folder)

    def test_read_only_parent(self):
        """A folder to create inside a read-only one (run as 'nobody')."""
        prefix = nobody_prefix()
        if prefix is None:
            self.skipTest("cannot run as an unprivileged user (no setpriv/runuser or no 'nobody')")
        os.chmod(self.tmp, 0o755)
        parent = self.path("read_only_parent")
        os.mkdir(parent)
        folder = os.path.join(parent, "sub")
        self.check_bad("output: folder in a read-only folder",
                       [nobody_readable_models(self), "Net"],
                       EXIT_CONVERSION_FAILED, folder, "Permission denied", folder=folder,
                       previous=False, prefix=prefix, read_only=parent)
        self.assertEqual(os.listdir(parent), [])

    def test_existing_folder(self):
        """-s FOLDER: usage error; the folder and what it holds stay."""
        CASES.add("output: an existing folder")
        folder = self.path("models_folder")
        os.makedirs(folder)
        shutil.copyfile(self.previous, os.path.join(folder, "model.pt"))
        result = run_pt2ts(MODELS, "Net", "-s", folder)
        self.assert_fails(result, EXIT_USAGE_ERROR, folder, "is a folder")
        self.assertEqual(os.listdir(folder), ["model.pt"])
        self.assertEqual(read_bytes(os.path.join(folder, "model.pt")), self.previous_bytes)
        self.assertEqual(staging_folders(self.tmp, "models_folder"), [])

    def test_trailing_slash(self):
        """-s NEWDIR/: usage error, the folder is not created."""
        self.check_bad("output: trailing slash", [MODELS, "Net"], EXIT_USAGE_ERROR,
                       "is a folder", name="newdir/", previous=False)

    def test_empty(self):
        """-s '': usage error, nothing written in the current folder."""
        CASES.add("output: empty")
        result = run_pt2ts(MODELS, "Net", "-s", "", cwd=self.tmp)
        self.assert_fails(result, EXIT_USAGE_ERROR, "--save_path is empty")
        self.assertEqual(os.listdir(self.tmp), [])

    def test_fifo(self):
        """-s FIFO (not a regular file): refused, and the FIFO is still a FIFO
        (an atomic rename would silently replace it -- or, as root, a device
        node such as /dev/null -- with a regular file)."""
        folder = self.out_folder()
        os.mkdir(folder)
        fifo = os.path.join(folder, "model.pt")
        os.mkfifo(fifo)
        CASES.add("output: a FIFO")
        result = run_pt2ts(MODELS, "Net", "-s", fifo)
        still_fifo = stat.S_ISFIFO(os.lstat(fifo).st_mode)
        self.assertTrue(still_fifo and result.returncode in (EXIT_USAGE_ERROR,
                                                             EXIT_CONVERSION_FAILED),
                        "pt2ts exited %d and the FIFO at the output path is %s:\n%s"
                        % (result.returncode, "still a FIFO" if still_fifo
                           else "now a regular file", result.stderr))
        self.assert_fails(result, result.returncode, fifo)
        self.assertEqual(staging_folders(folder, "model.pt"), [])

    def test_depfile_is_a_folder(self):
        """--depfile FOLDER is an output path that is a folder: a usage error
        (README: exit 2, nothing started)."""
        depfile = self.path("deps")
        os.mkdir(depfile)
        self.check_bad("depfile: a folder", [MODELS, "Net", "--depfile", depfile],
                       EXIT_USAGE_ERROR, depfile)
        self.assertEqual(os.listdir(depfile), [])

    def test_depfile_is_a_fifo(self):
        """--depfile FIFO: a usage error naming it; the FIFO stays a FIFO (the
        depfile's rename would replace it, or a device such as /dev/null)."""
        fifo = self.path("model.d")
        os.mkfifo(fifo)
        self.check_bad("depfile: a FIFO", [MODELS, "Net", "--depfile", fifo],
                       EXIT_USAGE_ERROR, fifo, "not a regular file")
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced")

    def test_depfile_under_a_file(self):
        """--depfile FILE/x.d: exit 1 naming the depfile and the real reason."""
        blocker = write_bytes(self.path("blocker.txt"), b"a file\n")
        depfile = os.path.join(blocker, "model.d")
        self.check_bad("depfile: under a file", [MODELS, "Net", "--depfile", depfile],
                       EXIT_CONVERSION_FAILED, depfile, "Not a directory")
        self.assertEqual(read_bytes(blocker), b"a file\n")


class ExampleInputsTest(BadInputTestCase):
    """Example inputs that do not fit the model, and broken inputs files."""

    def test_wrong_shape(self):
        """--example-input of the wrong shape: the eager model's failure, with the shapes."""
        self.check_bad("inputs: wrong shape", [MODELS, "Net", "--example-input", "2x5"],
                       EXIT_CONVERSION_FAILED, "the eager model fails on the example inputs",
                       "(2x5 float32)", "check their shapes and dtypes")

    def test_wrong_dtype(self):
        """--example-input of the wrong dtype: the eager model's failure, with the dtype."""
        self.check_bad("inputs: wrong dtype", [MODELS, "Net", "--example-input", "2x4:int64"],
                       EXIT_CONVERSION_FAILED, "the eager model fails", "(2x4 int64)")

    def test_too_many_inputs(self):
        """Two inputs for a one-argument forward: the eager model's failure."""
        self.check_bad("inputs: one too many", [MODELS, "Net", "--example-input", "2x4",
                                                "--example-input", "2x4"],
                       EXIT_CONVERSION_FAILED, "the eager model fails", "forward()")

    def test_file_with_wrong_shape(self):
        """An --example-inputs file of the wrong shape: the eager model's failure."""
        inputs = self.save((torch.ones(2, 5),), "inputs.pt")
        self.check_bad("inputs: file with wrong shape", [MODELS, "Net", "--example-inputs",
                                                         inputs],
                       EXIT_CONVERSION_FAILED, "the eager model fails", "(2x5 float32)")

    def test_corrupt_file(self):
        """A corrupt --example-inputs file: names it."""
        inputs = write_bytes(self.path("inputs.pt"), b"\x80\x02garbage")
        self.check_bad("inputs: corrupt file", [MODELS, "Net", "--example-inputs", inputs],
                       EXIT_CONVERSION_FAILED, "example inputs file", inputs)

    def test_file_holding_a_number(self):
        """An inputs file holding a number: names it and the forms it may hold."""
        inputs = self.save(3.5, "inputs.pt")
        self.check_bad("inputs: file holding a number", [MODELS, "Net", "--example-inputs",
                                                         inputs],
                       EXIT_CONVERSION_FAILED, inputs, "holds a float", "a dict of keyword "
                       "arguments")

    def test_missing_file(self):
        """An --example-inputs file that does not exist: usage error."""
        inputs = self.path("no_inputs.pt")
        self.check_bad("inputs: missing file", [MODELS, "Net", "--example-inputs", inputs],
                       EXIT_USAGE_ERROR, inputs, "does not exist")

    def test_malformed_specs(self):
        """Malformed --example-input shapes and dtypes: usage errors quoting them."""
        cases = [("2xx3", "not a dimension size"), ("2x-4", "'-4'"), ("x4", "dimension"),
                 ("2x4:complex", "unknown dtype 'complex'")]
        for spec, fragment in cases:
            with self.subTest(spec=spec):
                self.check_bad("inputs: spec %s" % spec, [MODELS, "Net", "--example-input", spec],
                               EXIT_USAGE_ERROR, "--example-input", spec, fragment)


class ContradictoryOptionsTest(BadInputTestCase):
    """Options that contradict each other or lack what they need: usage errors."""

    def test_input_shapes_and_file(self):
        """--example-input with --example-inputs: usage error."""
        inputs = self.save(torch.ones(2, 4), "inputs.pt")
        self.check_bad("options: --example-input with --example-inputs",
                       [MODELS, "Net", "--example-input", "2x4", "--example-inputs", inputs],
                       EXIT_USAGE_ERROR, "--example-input", "--example-inputs",
                       "exclude each other")

    def test_tolerances_without_inputs(self):
        """--rtol/--atol without example inputs: usage error."""
        for option in ("--rtol", "--atol"):
            with self.subTest(option):
                self.check_bad("options: %s without inputs" % option,
                               [MODELS, "Net", option, "0.1"], EXIT_USAGE_ERROR, option,
                               "--example-input")

    def test_weights_options_without_weights(self):
        """--state_key/--trust-weights/--non-strict without -w: usage errors."""
        for option in (["--state_key", "model"], ["--state-key", "model"], ["--trust-weights"],
                       ["--non-strict"]):
            with self.subTest(option=option):
                self.check_bad("options: %s without -w" % option[0], [MODELS, "Net", *option],
                               EXIT_USAGE_ERROR, option[0].replace("-key", "_key"),
                               "needs a weights file")

    def test_bad_tolerance_values(self):
        """Negative, non-numeric and NaN tolerances: usage errors naming the
        option in a readable line (a NaN tolerance can never be met)."""
        for option, value in (("--rtol", "-1"), ("--atol", "abc"), ("--atol", "nan")):
            with self.subTest(option=option, value=value):
                _, line = self.check_bad("options: %s %s" % (option, value),
                                         [MODELS, "Net", "--example-input", "2x4",
                                          option, value],
                                         EXIT_USAGE_ERROR, option, value)
                self.assertLess(len(line), 300, "an unreadable error line: " + line)


class CaptureOptionsTest(BadInputTestCase):
    """--method, --check-input(s), --freeze, --preserve and --format misused,
    and a trace that does not generalise."""

    def test_unknown_format(self):
        self.check_bad("format: unknown --format", [MODELS, "Net", "--format", "onnx"],
                       EXIT_USAGE_ERROR, "--format", "'onnx'")

    def test_format_contradicts_the_extension(self):
        self.check_bad("format: --format lite with a .pt save path",
                       [MODELS, "Net", "--format", "lite"], EXIT_USAGE_ERROR, "--format", ".ptl")

    def test_trace_without_example_inputs(self):
        self.check_bad("capture: --method trace without example inputs",
                       [UNSCRIPTABLE, "UsesTryExcept", "--method", "trace"], EXIT_USAGE_ERROR,
                       "--method trace", "--example-input")

    def test_unknown_method(self):
        self.check_bad("capture: unknown --method", [MODELS, "Net", "--method", "export"],
                       EXIT_USAGE_ERROR, "--method", "export")

    def test_freeze_with_train(self):
        self.check_bad("capture: --freeze --train", [MODELS, "Net", "--freeze", "--train"],
                       EXIT_USAGE_ERROR, "--freeze", "--train")

    def test_preserve_without_freeze(self):
        self.check_bad("capture: --preserve without --freeze",
                       [MODELS, "Net", "--preserve", "forward"], EXIT_USAGE_ERROR,
                       "--preserve", "--freeze")

    def test_preserve_unknown_name(self):
        self.check_bad("capture: --preserve names nothing",
                       [MODELS, "Net", "--freeze", "--preserve", "no_such_attribute"],
                       EXIT_CONVERSION_FAILED, "torch.jit.freeze cannot freeze", "'Net'")

    def test_malformed_check_input(self):
        self.check_bad("capture: malformed --check-input",
                       [MODELS, "Net", "--check-input", "2xx3"], EXIT_USAGE_ERROR, "2xx3")

    def test_check_inputs_file_missing(self):
        missing = self.path("no_such_sets.pt")
        self.check_bad("capture: --check-inputs missing",
                       [MODELS, "Net", "--check-inputs", missing], EXIT_USAGE_ERROR, missing)

    def test_check_input_count_differs(self):
        self.check_bad("capture: --check-input count differs",
                       [MODELS, "Net", "--example-input", "2x4", "--check-input", "2x4",
                        "--check-input", "2x4"], EXIT_USAGE_ERROR, "--check-input",
                       "--example-input")

    def test_check_input_of_wrong_shape(self):
        self.check_bad("capture: check input the model cannot take",
                       [MODELS, "Net", "--check-input", "2x99"], EXIT_CONVERSION_FAILED,
                       "the eager model fails on the check inputs (2x99 float32)")

    def test_trace_that_bakes_in_a_shape(self):
        self.check_bad("capture: trace bakes in a shape",
                       [CAPTURE, "BakedShape", "--method", "trace", "--example-input", "2x4",
                        "--check-input", "5x4"], EXIT_CONVERSION_FAILED, "'BakedShape'",
                       "does not generalise", "check inputs (5x4 float32)")


class PackageOptionsTest(BadInputTestCase):
    """.pt2 packages (--format aoti) and --dynamic-dim misused: usage errors
    found before Python starts, on every torch."""

    def package(self, case, args, *fragments):
        self.check_bad(case, [MODELS, "Net", *args], EXIT_USAGE_ERROR, *fragments,
                       name="model.pt2")

    def test_package_without_example_inputs(self):
        self.package("package: .pt2 without example inputs", [], ".pt2", "--example-input")

    def test_package_with_method(self):
        self.package("package: --method with .pt2",
                     ["--example-input", "2x4", "--method", "trace"], "--method", "torch.export")

    def test_package_with_freeze(self):
        self.package("package: --freeze with .pt2", ["--example-input", "2x4", "--freeze"],
                     "--freeze", "drop --freeze")

    def test_format_aoti_contradicts_the_extension(self):
        self.check_bad("package: --format aoti with a .pt save path",
                       [MODELS, "Net", "--format", "aoti", "--example-input", "2x4"],
                       EXIT_USAGE_ERROR, "--format", ".pt2 is aoti")

    def test_dynamic_dim_for_torchscript(self):
        self.check_bad("package: --dynamic-dim with a .pt save path",
                       [MODELS, "Net", "--example-input", "2x4", "--dynamic-dim", "0:0"],
                       EXIT_USAGE_ERROR, "--dynamic-dim applies to .pt2 packages")

    def test_malformed_dynamic_dim(self):
        self.package("package: malformed --dynamic-dim",
                     ["--example-input", "2x4", "--dynamic-dim", "batch"], "'batch'",
                     "INPUT:DIM")

    def test_dynamic_dim_of_no_argument(self):
        self.package("package: --dynamic-dim names no argument",
                     ["--example-input", "2x4", "--dynamic-dim", "1:0"], "--dynamic-dim 1:0",
                     "there is no argument 1")

    def test_dynamic_dim_of_size_one(self):
        self.package("package: --dynamic-dim on an example size of 1",
                     ["--example-input", "1x4", "--dynamic-dim", "0:0:1:8"], "size there is 1",
                     "at least 2")


class OtherOptionsTest(BadInputTestCase):
    """Other malformed command lines."""

    def test_unknown_option(self):
        """An unknown option: usage error naming it."""
        self.check_bad("options: unknown option", [MODELS, "Net", "--frobnicate"],
                       EXIT_USAGE_ERROR, "--frobnicate")

    def test_extra_positional(self):
        """A third positional argument: usage error naming it."""
        self.check_bad("options: extra positional", [MODELS, "Net", "surplus"],
                       EXIT_USAGE_ERROR, "surplus")

    def test_missing_model_name(self):
        """Only a module path: usage error asking for MODEL_NAME."""
        self.check_bad("options: missing model name", [MODELS], EXIT_USAGE_ERROR,
                       "needs MODULE_PATH and MODEL_NAME")

    def test_option_missing_its_value(self):
        """-w as the last argument, with no value: usage error naming --state_dict."""
        self.check_bad("options: -w without a value", [MODELS, "Net", "-w"],
                       EXIT_USAGE_ERROR, "--state_dict", save_first=True)

    def test_negative_word_as_args_value(self):
        """--args -inf reads as an option (README: write --args=-inf)."""
        self.check_bad("options: --args -inf", [MODELS, "Net", "--args", "-inf"],
                       EXIT_USAGE_ERROR, "-inf")

    def test_pythonpath_not_a_folder(self):
        """--pythonpath naming nothing: usage error."""
        missing = self.path("no_such_dir")
        self.check_bad("options: --pythonpath missing", [MODELS, "Net", "--pythonpath", missing],
                       EXIT_USAGE_ERROR, missing, "not an existing folder")

    def test_depends_missing(self):
        """--depends naming nothing: usage error naming the file."""
        missing = self.path("no_such_data.txt")
        self.check_bad("options: --depends missing", [MODELS, "Net", "--depends", missing],
                       EXIT_USAGE_ERROR, missing, "--depends")

    def test_python_not_executable(self):
        """--python naming nothing: usage error."""
        missing = self.path("venv", "bin", "python")
        self.check_bad("options: --python missing", [MODELS, "Net", "--python", missing],
                       EXIT_USAGE_ERROR, missing, "not an executable file")

    def test_pt2ts_python_environment_variable(self):
        """PT2TS_PYTHON naming nothing is the same usage error."""
        missing = self.path("venv", "bin", "python")
        self.check_bad("options: PT2TS_PYTHON missing", [MODELS, "Net"], EXIT_USAGE_ERROR,
                       "PT2TS_PYTHON", missing, env=dict(os.environ, PT2TS_PYTHON=missing))

    def test_python_not_a_virtual_environment(self):
        """--python naming an executable outside a virtual environment."""
        executable = shutil.which("true") or "/bin/true"
        self.check_bad("options: --python not a venv", [MODELS, "Net", "--python", executable],
                       EXIT_CONVERSION_FAILED, executable, "not inside a virtual environment")


if __name__ == "__main__":
    unittest.main()
