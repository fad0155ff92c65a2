"""The command line: the seed's interface, help and version, and usage
errors (exit 2, one error line, nothing written)."""

import os
import re
import unittest

from pt2ts_testing import EXIT_USAGE_ERROR, Pt2tsTestCase, fixture, run_pt2ts

MLP = fixture("models", "single", "mlp.py")


class HelpAndVersionTest(Pt2tsTestCase):
    def test_version(self):
        result = run_pt2ts("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout.strip(), r"^pt2ts \d+\.\d+\.\d+$")

    def test_help_documents_seed_options_and_value_rule(self):
        for flag in ("-h", "--help"):
            result = run_pt2ts(flag)
            self.assertEqual(result.returncode, 0)
            for text in ("module_path", "model_name", "--save_path", "--state_dict", "--state_key",
                         "--args", "--kwargs", "--version", "torchScriptModel.pt",
                         "Python literal", "Exit codes"):
                self.assertIn(text, result.stdout)


class UsageErrorTest(Pt2tsTestCase):
    """Each case: exit 2, one 'pt2ts: error:' line naming the problem, no file."""

    def assert_usage_error(self, *args, fragment):
        out_dir = self.path("out")
        result = run_pt2ts(*args, "-s", os.path.join(out_dir, "m.pt"))
        self.assert_fails(result, EXIT_USAGE_ERROR, fragment)
        self.assertFalse(os.path.exists(out_dir), "a usage error must not create anything")

    def test_missing_positionals(self):
        self.assert_usage_error(MLP, fragment="needs MODULE_PATH and MODEL_NAME")

    def test_unknown_option(self):
        self.assert_usage_error(MLP, "MLP", "--frobnicate", fragment="--frobnicate")

    def test_extra_positional(self):
        self.assert_usage_error(MLP, "MLP", "extra", fragment="extra")

    def test_odd_kwargs(self):
        self.assert_usage_error(MLP, "MLP", "--kwargs", "hidden", "8", "activation",
                                fragment="odd count")

    def test_kwargs_written_with_equals(self):
        self.assert_usage_error(MLP, "MLP", "--kwargs", "hidden=8",
                                fragment="write 'hidden 8' instead of 'hidden=8'")

    def test_duplicate_kwargs_key(self):
        self.assert_usage_error(MLP, "MLP", "--kwargs", "hidden", "8", "hidden", "9",
                                fragment="'hidden' is given twice")

    def test_kwargs_key_not_identifier(self):
        self.assert_usage_error(MLP, "MLP", "--kwargs", "8", "hidden",
                                fragment="not a Python identifier")

    def test_malformed_literals(self):
        for value in ("[1, 2", "(1,", "{'a': }", "'unterminated", "[1] x", "{[1]: 2}"):
            with self.subTest(value=value):
                self.assert_usage_error(MLP, "MLP", "--args", value, fragment="--args value 1")

    def test_module_path_problems(self):
        os.mkdir(self.path("plain_folder"))
        with open(self.path("notes.txt"), "w") as notes:
            notes.write("not python")
        cases = [(self.path("missing.py"), "does not exist"),
                 (self.path("plain_folder"), "folder without __init__.py"),
                 (self.path("notes.txt"), "not a Python source file"),
                 ("not a module!", "neither an existing .py file nor a dotted module name")]
        for module_path, fragment in cases:
            with self.subTest(module_path=module_path):
                self.assert_usage_error(module_path, "Net", fragment=fragment)

    def test_weights_problems(self):
        self.assert_usage_error(MLP, "MLP", "-w", self.path("missing.pt"), fragment="does not exist")
        self.assert_usage_error(MLP, "MLP", "-w", self.tmp, fragment="is a folder")

    def test_options_that_need_weights(self):
        for option in (["--state_key", "model"], ["--trust-weights"], ["--non-strict"]):
            with self.subTest(option=option):
                self.assert_usage_error(MLP, "MLP", *option, fragment="needs a weights file")

    def test_save_path_is_a_folder(self):
        os.mkdir(self.path("out"))
        result = run_pt2ts(MLP, "MLP", "-s", self.path("out"))
        self.assert_fails(result, EXIT_USAGE_ERROR, "is a folder")
        self.assertEqual(os.listdir(self.path("out")), [])

    def test_pythonpath_must_exist(self):
        self.assert_usage_error(MLP, "MLP", "--pythonpath", self.path("nope"),
                                fragment="not an existing folder")

    def test_usage_error_suggests_help(self):
        result = run_pt2ts(MLP)
        self.assertIn("pt2ts --help", result.stderr)


class SeedCompatibilityTest(Pt2tsTestCase):
    def test_long_option_spellings(self):
        """The seed's underscore spellings and dashed aliases both work."""
        for flag in ("--save_path", "--save-path", "-s"):
            out = self.path(re.sub(r"\W", "", flag) + ".pt")
            with self.subTest(flag=flag):
                self.convert(MLP, "MLP", flag, out)
                self.assertTrue(os.path.isfile(out))


if __name__ == "__main__":
    unittest.main()
