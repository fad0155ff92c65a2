"""Warnings of a trace (TracerWarning): one `pt2ts: warning:` line per place
in the model's code (file:line), however many times and through however many
places inside torch it came, with those places and the total count. And the
note that stands for torch's TorchScript support warnings: short, current."""

import os
import re
import unittest

import torch

from pt2ts_testing import (TORCHSCRIPT_SUPPORT_NOTE, Pt2tsTestCase, fixture, import_file,
                           without_support_note)

MODEL = fixture("warnings", "model.py")
# Warns as torch 2.14 on Python 3.14 does (tests/test_output.py uses it too).
WARNS_LIKE_TORCH = fixture("output", "warns_like_torch.py")
model = import_file(MODEL, name="warnings_model")

# "pt2ts: warning: FILE:LINE: Category: message[ | Category: message...]
#  [(in torch/A:N and torch/B:M)][ (K times)]"
WARNING = re.compile(r"^pt2ts: warning: (?P<file>.+?):(?P<line>\d+): (?P<text>.*?)"
                     r"(?: \(in (?P<inside>torch/[^()]*)\))?(?: \((?P<count>\d+) times\))?$")


def marked_lines():
    """{tag: line number} of the fixture's `# warns: <tag>` lines."""
    marks = {}
    with open(MODEL) as source:
        for number, text in enumerate(source, start=1):
            found = re.search(r"# warns: (.+)$", text)
            if found:
                marks[found.group(1).strip()] = number
    return marks


class TracerWarningTest(Pt2tsTestCase):
    """pt2ts MODEL Net --method trace --example-input 2x3: each line of the
    model that makes the tracer warn is reported once."""

    def trace(self, model_name):
        out = self.path("out.pt")
        result = self.convert(MODEL, model_name, "-s", out, "--method", "trace",
                              "--example-input", "2x3")
        self.assertTrue(os.path.isfile(out))
        self.assertEqual(result.stdout, "")
        warnings = {}
        for line in without_support_note(result.stderr).splitlines():
            if not line.startswith("pt2ts: warning: "):
                continue
            match = WARNING.match(line)
            self.assertTrue(match, "not a warning of the expected form: " + line)
            place = (match.group("file"), int(match.group("line")))
            self.assertNotIn(place, warnings, "two warning lines for one place:\n" + result.stderr)
            warnings[place] = match
        return warnings, result.stderr

    def test_one_line_per_place_in_the_model(self):
        warnings, stderr = self.trace("Net")
        marks = marked_lines()
        expected = {(MODEL, marks[tag]) for tag in ("bool", "int", "inner", "two messages")}
        self.assertEqual(set(warnings), expected, stderr)
        for match in warnings.values():
            self.assertTrue(match.group("text").startswith("TracerWarning: "), match.group(0))

    def test_count_is_the_total(self):
        """The loop's line warns three times per run of forward; torch's
        trace check runs forward again: a multiple of three, in one line."""
        warnings, stderr = self.trace("Net")
        bool_line = warnings[(MODEL, marked_lines()["bool"])]
        self.assertIn("Converting a tensor to a Python boolean", bool_line.group("text"))
        self.assertIsNone(bool_line.group("inside"), bool_line.group(0))
        count = int(bool_line.group("count") or 1)
        self.assertTrue(count >= 3 and count % 3 == 0, bool_line.group(0))

    def test_places_inside_torch_are_named_in_the_one_line(self):
        """The model's one call reaches two lines of (what pt2ts sees as)
        torch's code, each of which warns: one line, at the model's call,
        naming both inner places, counting both."""
        warnings, stderr = self.trace("Net")
        inner_line = warnings[(MODEL, marked_lines()["inner"])]
        inner_file = os.path.relpath(model.INNER_FILE,
                                     os.path.dirname(os.path.abspath(torch.__file__)))
        self.assertEqual(inner_line.group("inside"),
                         " and ".join("torch/%s:%d" % (inner_file, n) for n in model.INNER_LINES),
                         inner_line.group(0))
        self.assertEqual(inner_line.group("text").count("TracerWarning: "), 1, inner_line.group(0))
        count = int(inner_line.group("count") or 1)
        self.assertTrue(count >= 2 and count % 2 == 0, inner_line.group(0))

    def test_different_messages_at_one_place_share_its_line(self):
        """len(tensor) and iterating over a tensor on one line: two messages,
        one line."""
        warnings, stderr = self.trace("Net")
        line = warnings[(MODEL, marked_lines()["two messages"])]
        self.assertEqual(line.group("text").count("TracerWarning: "), 2, line.group(0))

    def test_an_rnn_warns_once_at_the_models_line(self):
        """torch.nn.RNN's checks warn at several lines of torch on some
        releases (torch 1.13: two); whatever this torch does, every warning
        is at the model's own line, one line for it."""
        warnings, stderr = self.trace("WithRNN")
        rnn = (MODEL, marked_lines()["rnn"])
        self.assertTrue(set(warnings) <= {rnn}, stderr)
        if rnn in warnings and warnings[rnn].group("inside"):
            self.assertIn("torch/nn/modules/rnn.py:", warnings[rnn].group("inside"))


class SupportNoteTest(Pt2tsTestCase):
    """The note printed on every conversion where torch warns that
    TorchScript is unsupported: one short line pointing to .pt2 packages,
    which pt2ts writes today; torch's own words with -v."""

    def note(self, *extra):
        result = self.convert(WARNS_LIKE_TORCH, "WarnsLikeTorch", "-s", self.path("m.pt"), *extra)
        notes = [l for l in result.stderr.splitlines() if l.startswith(TORCHSCRIPT_SUPPORT_NOTE)]
        self.assertEqual(len(notes), 1, result.stderr)
        return notes[0]

    def test_short_and_current(self):
        note = self.note()
        self.assertLessEqual(len(note), 170, note)
        self.assertIn(".pt2", note)
        self.assertIn("--format aoti", note)
        self.assertNotIn("later pt2ts", note)
        self.assertNotIn("says", note)

    def test_verbose_quotes_torch(self):
        self.assertIn("is not supported in Python", self.note("-v"))


if __name__ == "__main__":
    unittest.main()
