"""Unit tests of options.Options, the engine's end of the options boundary:
the front end sends one value per row of tool/options/convert_options.def
with a schema of their Python types, and any disagreement (a key too many,
one missing, a wrong type) is a TypeError naming it, before a conversion
starts. The record is read-only."""

import unittest

import engine.pt2ts_engine  # noqa: F401  (installs the _pt2ts package)

from _pt2ts.options import Options

SCHEMA = {"save_path": "str", "freeze": "bool", "rtol": "float", "args": "tuple",
          "kwargs": "dict"}
VALUES = {"save_path": "net.pt", "freeze": False, "rtol": 1e-5, "args": (1, 2),
          "kwargs": {"hidden": 8}}


class OptionsTest(unittest.TestCase):
    def test_values_are_attributes(self):
        options = Options.from_front_end(VALUES, SCHEMA)
        self.assertEqual(options.save_path, "net.pt")
        self.assertIs(options.freeze, False)
        self.assertEqual(options.args, (1, 2))
        self.assertEqual(options.kwargs, {"hidden": 8})

    def test_unknown_and_missing_keys_are_named_at_once(self):
        values = dict(VALUES, extra=1)
        del values["rtol"]
        with self.assertRaises(TypeError) as raised:
            Options.from_front_end(values, SCHEMA)
        self.assertIn("unknown ['extra']", str(raised.exception))
        self.assertIn("missing ['rtol']", str(raised.exception))

    def test_a_wrong_type_is_named(self):
        with self.assertRaises(TypeError) as raised:
            Options.from_front_end(dict(VALUES, args=[1, 2]), SCHEMA)
        self.assertIn("option 'args' must be tuple", str(raised.exception))

    def test_read_only(self):
        options = Options.from_front_end(VALUES, SCHEMA)
        with self.assertRaises(AttributeError):
            options.freeze = True
        self.assertIs(options.freeze, False)

    def test_an_option_the_schema_lacks_names_the_schema(self):
        options = Options.from_front_end(VALUES, SCHEMA)
        with self.assertRaises(AttributeError) as raised:
            options.no_such_option  # pylint: disable=pointless-statement
        self.assertIn("convert_options.def", str(raised.exception))

    def test_the_front_ends_copy_is_not_shared(self):
        values = dict(VALUES)
        options = Options.from_front_end(values, SCHEMA)
        values["save_path"] = "other.pt"
        self.assertEqual(options.save_path, "net.pt")


if __name__ == "__main__":
    unittest.main()
