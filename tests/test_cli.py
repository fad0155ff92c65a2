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
    """What every usage error shares. The catalogue of usage errors, each
    checked against the whole error contract, is tests/test_bad_inputs.py."""

    def test_usage_error_suggests_help_and_creates_nothing(self):
        """A usage error names --help and creates no output folder."""
        out_dir = self.path("out")
        result = run_pt2ts(MLP, "-s", os.path.join(out_dir, "m.pt"))
        self.assert_fails(result, EXIT_USAGE_ERROR, "needs MODULE_PATH and MODEL_NAME")
        self.assertIn("pt2ts --help", result.stderr)
        self.assertFalse(os.path.exists(out_dir), "a usage error must not create anything")


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
