"""End-to-end tests of what pt2ts writes and reports: reproducible artifacts,
the output folder, atomic replacement on failure and on SIGINT/SIGTERM/SIGHUP,
quiet and verbose stderr, Python warnings, eval vs training mode, artifacts
that load in a fresh process. (Output paths that cannot be written, and
failures with a previous artifact at the output path: test_bad_inputs.)"""

import os
import re
import shutil
import signal
import subprocess
import textwrap
import unittest
import warnings

import torch

from pt2ts_testing import (EXIT_CONVERSION_FAILED, EXIT_USAGE_ERROR, PT2TS, Pt2tsTestCase, fixture,
                           import_file, read_bytes, run_pt2ts, staging_folders, wait_for,
                           TORCHSCRIPT_SUPPORT_NOTE, without_support_note)

MLP = fixture("output", "mlp.py")
SLOW = fixture("output", "slow.py")
WARNS = fixture("output", "warns.py")
JIT_WARNINGS = fixture("output", "warns_like_torch.py")
JIT_REFUSED = fixture("output", "refused_like_torch.py")
TRAIN_EVAL = fixture("output", "train_eval.py")
BROKEN = fixture("output", "broken.py")

SYSTEM_PYTHON = "/usr/bin/python3"








def build_eager(path, class_name, *args, seed=1, **kwargs):
    """Builds the eager model from a fixture file with a known seed."""
    module = import_file(path)
    torch.manual_seed(seed)
    return getattr(module, class_name)(*args, **kwargs)


def save_weights(model, path):
    torch.save(model.state_dict(), path)
    return path


class PreviousArtifactMixin:
    """Makes one real artifact per test class, copied to an output path by
    put_previous() to play the part of a previous good build."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.previous_artifact = os.path.join(cls.class_folder("pt2ts-test-class-"),
                                             "previous.pt")
        cls.previous_bytes = cls.make_known_good_artifact(cls.previous_artifact, MLP, "MLP",
                                                          "--kwargs", "hidden", 5)

    def put_previous(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(self.previous_artifact, path)

    def assert_previous_intact(self, path):
        self.assertTrue(os.path.isfile(path), "the previous artifact is gone: " + path)
        self.assertEqual(read_bytes(path), self.previous_bytes,
                         "the previous artifact was modified: " + path)


class ReproducibilityTest(Pt2tsTestCase):
    """The same inputs give byte-identical artifacts."""

    def check_reproducible(self, *extra):
        out = self.path("out", "mlp.pt")
        self.convert(MLP, "MLP", "-s", out, *extra)
        first = self.path("first.pt")
        shutil.copyfile(out, first)
        self.convert(MLP, "MLP", "-s", out, *extra)
        self.assertEqual(read_bytes(out), read_bytes(first),
                         "a second conversion to the same path gave different bytes")

        # Once more from another current directory, with relative paths.
        elsewhere = self.path("elsewhere", "deeper")
        os.makedirs(elsewhere)
        relative = [os.path.relpath(a, elsewhere) if os.path.isabs(str(a)) else a for a in extra]
        self.convert(os.path.relpath(MLP, elsewhere), "MLP", "-s", os.path.relpath(out, elsewhere),
                     *relative, cwd=elsewhere)
        self.assertEqual(read_bytes(out), read_bytes(first),
                         "a conversion from another current directory gave different bytes")

    def test_without_weights(self):
        """Without weights the model's random initial values are fixed: two
        runs, and a run from another directory, write identical bytes."""
        self.check_reproducible()

    def test_with_weights(self):
        """With a weights file: two runs, and a run from another directory,
        write identical bytes."""
        weights = save_weights(build_eager(MLP, "MLP", seed=7), self.path("mlp_weights.pt"))
        self.check_reproducible("-w", weights)


class OutputFolderTest(Pt2tsTestCase):
    """Where the artifact goes, and that nothing else is written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One conversion, shared by the tests that only read its result: a
        # copy of the model's source in its own folder, converted into
        # folders that do not exist yet.
        cls.root = cls.class_folder("pt2ts-output-folder-")
        cls.source = os.path.join(cls.root, "src")
        os.makedirs(cls.source)
        shutil.copyfile(MLP, os.path.join(cls.source, "mlp.py"))
        cls.out = os.path.join(cls.root, "a", "b", "c", "model.pt")
        cls.make_known_good_artifact(cls.out, os.path.join(cls.source, "mlp.py"), "MLP")

    def test_missing_folders_are_created(self):
        """-s a/b/c/model.pt creates a, a/b and a/b/c; only the artifact is
        left in the new folder."""
        self.assertTrue(os.path.isfile(self.out))
        self.assert_no_output_left(os.path.dirname(self.out), allowed=["model.pt"])
        torch.jit.load(self.out)

    def test_success_leaves_no_staging_folder_and_replaces_previous(self):
        """A successful conversion replaces an existing file at the output path
        and leaves no staging folder."""
        out = self.path("out", "model.pt")
        os.makedirs(self.path("out"))
        with open(out, "w") as f:
            f.write("stale")
        self.convert(MLP, "MLP", "-s", out)
        self.assert_no_output_left(self.path("out"), allowed=["model.pt"])
        torch.jit.load(out)

    def test_no_bytecode_written_beside_the_model(self):
        """pt2ts imports the model's file without writing __pycache__ into the
        user's source folder."""
        self.assertEqual(os.listdir(self.source), ["mlp.py"])


class AtomicOnFailureTest(Pt2tsTestCase):
    """A failed conversion leaves no staging folder. (With a previous
    artifact at the output path, every failure of test_bad_inputs checks
    that it stays byte-identical.)"""

    def test_failure_without_previous_artifact_writes_nothing(self):
        """A failure with no previous artifact leaves the folder empty."""
        folder = self.path("out")
        os.makedirs(folder)
        result = run_pt2ts(BROKEN, "RaisesInConstructor", "-s", os.path.join(folder, "model.pt"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "RaisesInConstructor")
        self.assert_no_output_left(folder)


class InterruptedTest(PreviousArtifactMixin, Pt2tsTestCase):
    """SIGTERM, SIGINT and SIGHUP during a conversion: pt2ts removes its
    staging folder, leaves any previous artifact alone, and dies promptly by
    that signal."""

    # The model's constructor sleeps far longer than the generous deadline for
    # dying after the signal: a pt2ts that waits for the constructor to end
    # before it dies misses the deadline.
    SLEEP_SECONDS = 600
    PROMPT_SECONDS = 60

    def start_slow(self, out, seconds=SLEEP_SECONDS, marker=None, preexec_fn=None):
        args = [PT2TS, SLOW, "Slow", "-s", out, "--args", str(seconds)]
        if marker:
            args += ["--kwargs", "started_marker", marker]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, preexec_fn=preexec_fn)
        self.addCleanup(self.reap, process)
        return process

    @staticmethod
    def reap(process):
        if process.poll() is None:
            process.kill()
        process.communicate()

    def interrupt(self, signal_number, with_previous, wait_for_constructor):
        folder = self.path("out")
        os.makedirs(folder)
        out = os.path.join(folder, "model.pt")
        if with_previous:
            self.put_previous(out)
        marker = self.path("constructor_started")
        process = self.start_slow(out, marker=marker)
        wait_for(lambda: staging_folders(folder, "model.pt"), 60, "the staging folder",
                 process)
        if wait_for_constructor:
            wait_for(lambda: os.path.exists(marker), 60, "the model's constructor", process)
        process.send_signal(signal_number)
        try:
            process.wait(timeout=self.PROMPT_SECONDS)
        except subprocess.TimeoutExpired:
            self.fail("pt2ts still runs %s s after %s" % (self.PROMPT_SECONDS,
                                                           signal.Signals(signal_number).name))
        _, err = process.communicate()
        self.assertEqual(process.returncode, -signal_number,
                         "expected death by %s; stderr:\n%s"
                         % (signal.Signals(signal_number).name, err))
        if with_previous:
            self.assert_previous_intact(out)
            self.assert_no_output_left(folder, allowed=["model.pt"])
        else:
            self.assertFalse(os.path.lexists(out))
            self.assert_no_output_left(folder)

    def test_sigterm_and_sigint_keep_previous_artifact(self):
        """SIGTERM, then SIGINT (Ctrl-C), while the model's constructor runs."""
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal.Signals(signal_number).name):
                self.interrupt(signal_number, with_previous=True, wait_for_constructor=True)
                shutil.rmtree(self.path("out"))
                os.remove(self.path("constructor_started"))

    def test_sighup_keeps_previous_artifact(self):
        """SIGHUP (terminal closed) while the model's constructor runs."""
        self.interrupt(signal.SIGHUP, with_previous=True, wait_for_constructor=True)

    def test_signal_without_previous_artifact_leaves_nothing(self):
        """With no previous artifact nothing is at the output path afterwards."""
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal.Signals(signal_number).name):
                self.interrupt(signal_number, with_previous=False, wait_for_constructor=True)
                shutil.rmtree(self.path("out"))
                os.remove(self.path("constructor_started"))

    def test_signal_as_soon_as_staging_folder_exists(self):
        """A signal sent as soon as the staging folder appears (while Python
        and torch start) cleans up too."""
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal.Signals(signal_number).name):
                self.interrupt(signal_number, with_previous=True, wait_for_constructor=False)
                shutil.rmtree(self.path("out"))

    def test_ignored_hangup_and_interrupt_stay_ignored(self):
        """A signal the parent set to be ignored (nohup ignores SIGHUP; a
        non-interactive shell's background jobs ignore SIGINT) must not kill
        pt2ts: it converts to the end as any other command would."""
        for signal_number in (signal.SIGHUP, signal.SIGINT):
            name = signal.Signals(signal_number).name
            with self.subTest(name):
                folder = self.path("out_" + name)
                out = os.path.join(folder, "model.pt")
                marker = self.path("started_" + name)
                process = self.start_slow(
                    out, seconds=1, marker=marker,
                    preexec_fn=lambda s=signal_number: signal.signal(s, signal.SIG_IGN))
                wait_for(lambda: os.path.exists(marker), 60, "the model's constructor", process)
                process.send_signal(signal_number)
                try:
                    _, err = process.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    self.fail("pt2ts did not finish")
                self.assertEqual(process.returncode, 0,
                                 "pt2ts started with %s ignored was killed by it (returncode %s)"
                                 ":\n%s" % (name, process.returncode, err))
                self.assertTrue(os.path.isfile(out))


class StderrTest(Pt2tsTestCase):
    """What pt2ts prints on success."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One plain conversion (-s with a bare file name, run in the class's
        # folder), shared by the tests that only read its result.
        cls.cwd = cls.class_folder("pt2ts-stderr-")
        cls.plain = run_pt2ts(MLP, "MLP", "-s", "model.pt", cwd=cls.cwd)

    def plain_result(self):
        self.assertEqual(self.plain.returncode, 0, "pt2ts failed:\nstdout:\n%s\nstderr:\n%s"
                         % (self.plain.stdout, self.plain.stderr))
        return self.plain

    def test_success_is_quiet(self):
        """No stdout, and at most one stderr line, for a model that prints
        nothing."""
        result = self.plain_result()
        self.assertEqual(result.stdout, "")
        self.assertLessEqual(len(result.stderr.splitlines()), 1, result.stderr)

    def test_bare_file_name_goes_to_current_directory(self):
        """-s model.pt writes into the current directory."""
        self.plain_result()
        self.assert_no_output_left(self.cwd, allowed=["model.pt"])
        torch.jit.load(os.path.join(self.cwd, "model.pt"))

    def test_this_torch_warnings_make_at_most_one_note(self):
        """Whatever this torch says while scripting and saving a model (torch
        1.13 and 2.6: nothing; 2.14 on Python 3.14: two FutureWarnings), a
        conversion prints one note at most and no raw warning; where this
        torch does warn, exactly one note (TorchScriptSupportTest has the
        other wordings)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), self.path("plain.pt"))
        warns = any("jit" in str(w.message).lower() or "torchscript" in str(w.message).lower()
                    for w in caught)
        result = self.plain_result()
        notes = [l for l in result.stderr.splitlines() if l.startswith(TORCHSCRIPT_SUPPORT_NOTE)]
        self.assertEqual(len(notes), 1 if warns else 0, result.stderr)
        self.assertNotIn("pt2ts: warning:", result.stderr)

    def test_verbose_reports_timed_steps(self):
        """-v: every stderr line is 'pt2ts: [  T s] step' with a growing time
        in seconds, and the last one is about saving the artifact."""
        out = self.path("m.pt")
        result = self.convert(MLP, "MLP", "-s", out, "-v")
        self.assertEqual(result.stdout, "")
        lines = without_support_note(result.stderr).splitlines()
        self.assertGreaterEqual(len(lines), 3, result.stderr)
        times = []
        for line in lines:
            self.assertTrue(line.startswith("pt2ts: ["), "not a step line: %r" % line)
            match = re.match(r"pt2ts: \[\s*(\d+(?:\.\d+)?) s\] \S", line)
            self.assertIsNotNone(match, "no time in seconds in %r" % line)
            times.append(float(match.group(1)))
        self.assertEqual(times, sorted(times), "step times go backwards:\n" + result.stderr)
        self.assertIn("sav", lines[-1].lower())
        self.assertIn(out, lines[-1])
        self.assertTrue(any("eval" in line for line in lines), result.stderr)


class WarningsTest(Pt2tsTestCase):
    """Python warnings raised by the model's code."""

    def test_warning_is_reported_not_fatal(self):
        """A constructor's warnings.warn: exit 0, the text on a
        'pt2ts: warning:' line, and a working artifact."""
        out = self.path("warns.pt")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eager = build_eager(WARNS, "Warns")
        result = self.convert(WARNS, "Warns", "-s", out, "-w",
                              save_weights(eager, self.path("w.pt")))
        text = import_file(WARNS).WARNING_TEXT
        warning_lines = [l for l in result.stderr.splitlines()
                         if l.startswith("pt2ts: warning:")]
        self.assertTrue(any(text in l for l in warning_lines),
                        "no 'pt2ts: warning:' line with %r:\n%s" % (text, result.stderr))
        self.assertTrue(any("UserWarning" in l for l in warning_lines), result.stderr)
        self.assertEqual(result.stdout, "")
        self.assert_matches_eager(out, eager, torch.randn(2, 4))


class TorchScriptSupportTest(Pt2tsTestCase):
    """Where torch warns that TorchScript is deprecated or unsupported (torch
    2.14 on Python 3.14, on every torch.jit.script and torch.jit.save), pt2ts
    prints one note per conversion and never torch's raw warnings."""

    def test_support_warnings_in_any_wording_make_one_note(self):
        """The fixture warns as torch does, in three wordings and categories
        (FutureWarning, DeprecationWarning, PendingDeprecationWarning): one
        note, and a working artifact. An unrelated warning still shows."""
        out = self.path("m.pt")
        result = self.convert(JIT_WARNINGS, "WarnsLikeTorch", "-s", out)
        notes = [l for l in result.stderr.splitlines() if l.startswith(TORCHSCRIPT_SUPPORT_NOTE)]
        self.assertEqual(len(notes), 1, result.stderr)
        warning_lines = [l for l in result.stderr.splitlines() if l.startswith("pt2ts: warning:")]
        self.assertEqual(len(warning_lines), 1, result.stderr)
        self.assertIn(import_file(JIT_WARNINGS).UNRELATED_TEXT, warning_lines[0])
        self.assertTrue(os.path.isfile(out))

    def test_refusal_is_one_clear_error(self):
        """A torch that refuses TorchScript outright: one error saying so
        (the fixture raises such a refusal from inside torch.jit.script)."""
        result = run_pt2ts(JIT_REFUSED, "Refused", "-s", self.path("out", "m.pt"))
        self.assert_fails(result, EXIT_CONVERSION_FAILED, "refuses to write TorchScript", ".pt2")
        self.assert_no_output_left(self.path("out"))


class TrainingModeTest(Pt2tsTestCase):
    """The artifact is in eval mode unless --train is given."""

    def setUp(self):
        super().setUp()
        eager = build_eager(TRAIN_EVAL, "DropoutBatchNorm", seed=3)
        # Some training steps give batch norm running statistics that differ
        # from a batch's own, so eval and training outputs differ.
        with torch.no_grad():
            for _ in range(5):
                eager(torch.randn(32, 6) * 3 + 1)
        self.eager = eager.eval()
        self.weights = save_weights(eager, self.path("weights.pt"))
        self.x = torch.randn(8, 6)

    def test_eval_by_default(self):
        """Without --train: training is False in every submodule, and the
        output equals the eager model's in eval mode, call after call."""
        out = self.path("eval.pt")
        self.convert(TRAIN_EVAL, "DropoutBatchNorm", "-s", out, "-w", self.weights)
        loaded = self.assert_matches_eager(out, self.eager, self.x)
        self.assertFalse(loaded.training)
        self.assertEqual([name for name, m in loaded.named_modules() if m.training], [])
        with torch.no_grad():
            torch.testing.assert_close(loaded(self.x), loaded(self.x), atol=0, rtol=0)
            # The fixture really is mode-sensitive.
            self.eager.train()
            self.assertFalse(torch.allclose(self.eager(self.x), loaded(self.x)))

    def test_train_flag_keeps_training_mode(self):
        """--train: training is True in every submodule, and dropout is active."""
        out = self.path("train.pt")
        self.convert(TRAIN_EVAL, "DropoutBatchNorm", "-s", out, "-w", self.weights, "--train")
        loaded = torch.jit.load(out)
        self.assertTrue(loaded.training)
        self.assertEqual([name for name, m in loaded.named_modules() if not m.training], [])
        with torch.no_grad():
            torch.manual_seed(0)
            first = loaded(self.x)
            second = loaded(self.x)
        self.assertFalse(torch.equal(first, second), "dropout is not active with --train")


class FreshProcessLoadTest(Pt2tsTestCase):
    """The artifact stands on its own."""

    def test_loads_in_fresh_process_and_matches_eager(self):
        """A new, isolated Python process that never saw the model's source
        loads the artifact with torch.jit.load; its output equals the eager
        model's."""
        eager = build_eager(MLP, "MLP", 6, 10, 2, seed=11)
        out = self.path("out", "mlp.pt")
        self.convert(MLP, "MLP", "--args", 6, 10, 2, "-s", out,
                     "-w", save_weights(eager, self.path("w.pt")))
        x = torch.randn(5, 6)
        torch.save(x, self.path("x.pt"))
        empty = self.path("empty")
        os.makedirs(empty)
        script = textwrap.dedent("""
            import sys, torch
            model = torch.jit.load(sys.argv[1])
            assert not model.training
            with torch.no_grad():
                torch.save(model(torch.load(sys.argv[2])), sys.argv[3])
            """)
        subprocess.run([SYSTEM_PYTHON, "-I", "-c", script, out, self.path("x.pt"),
                        self.path("y.pt")], cwd=empty, check=True, timeout=120)
        with torch.no_grad():
            torch.testing.assert_close(torch.load(self.path("y.pt")), eager.eval()(x))
        self.assert_matches_eager(out, eager, x)


if __name__ == "__main__":
    unittest.main()
