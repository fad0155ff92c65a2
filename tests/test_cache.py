"""The conversion cache (--cache-dir / PT2TS_CACHE_DIR) end to end: a hit is
byte-identical to a conversion and runs no Python; every key ingredient
changed alone is a miss; broken entries are misses, never errors; a cache
folder that cannot be written never fails a conversion; concurrent writers,
eviction, stats and clear; --path-prefix-map makes two checkouts give the
same bytes (and share entries)."""

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import unittest

import torch

from pt2ts_testing import (EXIT_USAGE_ERROR, PT2TS, Pt2tsTestCase, fixture, import_file,
                           read_bytes, run_pt2ts, without_support_note)

MULTI = fixture("models", "multi")
MLP = fixture("models", "single", "mlp.py")


def make_project(folder):
    """A model over three files, its weights and a data file (--depends)."""
    os.makedirs(folder)
    for name in ("net.py", "blocks.py", "activations.py"):
        shutil.copy(os.path.join(MULTI, name), folder)
    write_weights(folder, seed=1)
    with open(os.path.join(folder, "labels.txt"), "w") as file:
        file.write("cat\ndog\n")
    return folder


def write_weights(folder, seed):
    net = import_file(os.path.join(folder, "net.py"), "cache_net_%d_%d" % (seed, id(folder)))
    torch.manual_seed(seed)
    torch.save(net.SmallCNN(depth=1, channels=4).state_dict(), os.path.join(folder, "w.pt"))


def edit(path, old, new):
    with open(path) as file:
        text = file.read()
    assert old in text, (old, path)
    with open(path, "w") as file:
        file.write(text.replace(old, new))


def stats(cache):
    result = run_pt2ts("cache", "stats", "--json", "--cache-dir", cache)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def entry_files(cache):
    return sorted(os.path.join(root, name) for root, _, names in os.walk(cache)
                  for name in names if name.endswith(".entry"))


_WARM = {}  # the shared project and warm cache, made by the first class that asks


class CacheTestCase(Pt2tsTestCase):
    """A project and a cache per class (conversions cost seconds)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = cls.class_folder("pt2ts-cache-")
        cls.project = make_project(os.path.join(cls.root, "project"))
        cls.cache = os.path.join(cls.root, "cache")

    @classmethod
    def use_the_warm_cache(cls):
        """Points the class at the file's one warm cache and its project: made
        by one verbose conversion with a depfile (a miss) the first time a
        class asks, removed after the file. Classes that change the project
        put it back; classes that change the cache use a copy."""
        if not _WARM:
            root = tempfile.TemporaryDirectory(prefix="pt2ts-cache-warm-")
            unittest.addModuleCleanup(root.cleanup)
            _WARM["root"] = root.name
            _WARM["project"] = make_project(os.path.join(root.name, "project"))
            _WARM["cache"] = os.path.join(root.name, "cache")
            cold = os.path.join(root.name, "cold", "net.pt")
            cls.project = _WARM["project"]
            result = run_pt2ts(*cls.command(cls, cold, "--cache-dir", _WARM["cache"], "-v",
                                            "--depfile", cold + ".d"))
            assert result.returncode == 0, result.stderr
            _WARM.update(cold=result, cold_path=cold, cold_bytes=read_bytes(cold))
        cls.project, cls.cache = _WARM["project"], _WARM["cache"]
        return _WARM

    def command(self, save_path, *extra):
        project = self.project
        return [os.path.join(project, "net.py"), "SmallCNN", "-w", os.path.join(project, "w.pt"),
                "--kwargs", "depth", "1", "channels", "4", "--example-input", "1x3x8x8",
                "--depends", os.path.join(project, "labels.txt"), "-s", save_path, *extra]

    def convert_cached(self, save_path, *extra, cache=None, env=None):
        return self.convert(*self.command(save_path, "--cache-dir", cache or self.cache, "-v",
                                          *extra), env=env)

    def assert_hit(self, result, where="local"):
        self.assertIn("cache hit (%s)" % where, result.stderr)
        self.assertNotIn("started Python", result.stderr)

    def assert_miss(self, result):
        self.assertIn("cache miss", result.stderr)
        self.assertIn("started Python", result.stderr)


class HitTest(CacheTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warm = cls.use_the_warm_cache()
        cls.cold, cls.cold_path = warm["cold"], warm["cold_path"]
        # The reference: the same conversion without a cache.
        cls.reference = os.path.join(cls.root, "reference", "net.pt")
        cls.reference_bytes = cls.make_known_good_artifact(
            cls.reference, *cls.command(cls, cls.reference)[:-2])

    def test_cold_conversion_is_a_miss_and_identical_to_no_cache(self):
        self.assert_miss(self.cold)
        self.assertEqual(read_bytes(self.cold_path), self.reference_bytes)

    def test_hit_is_byte_identical_and_writes_the_same_depfile(self):
        warm = self.path("warm", "net.pt")
        result = self.convert_cached(warm, "--depfile", warm + ".d")
        self.assert_hit(result)
        self.assertEqual(read_bytes(warm), self.reference_bytes)
        with open(self.cold_path + ".d") as cold, open(warm + ".d") as hot:
            self.assertEqual(cold.read().split(":", 1)[1], hot.read().split(":", 1)[1])
        loaded = torch.jit.load(warm)
        self.assertEqual(loaded(torch.zeros(1, 3, 8, 8)).shape, (1, 5))

    def test_hit_prints_nothing_without_verbose(self):
        result = run_pt2ts(*self.command(self.path("quiet", "net.pt"), "--cache-dir", self.cache))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual((result.stdout, without_support_note(result.stderr)), ("", ""))

    def test_environment_variable_and_no_cache(self):
        env = dict(os.environ, PT2TS_CACHE_DIR=self.cache)
        result = self.convert(*self.command(self.path("env", "net.pt"), "-v"), env=env)
        self.assert_hit(result)
        result = self.convert(*self.command(self.path("off", "net.pt"), "-v", "--no-cache"),
                              env=env)
        self.assertNotIn("cache hit", result.stderr)
        self.assertNotIn("cache miss", result.stderr)
        self.assertEqual(read_bytes(self.path("off", "net.pt")), self.reference_bytes)

    def test_stats(self):
        counts = stats(self.cache)
        for key in ("entries", "bytes", "hits", "misses", "evictions"):
            self.assertIn(key, counts)
        self.assertGreaterEqual(counts["entries"], 1)
        self.assertGreaterEqual(counts["misses"], 1)
        text = run_pt2ts("cache", "stats", "--cache-dir", self.cache)
        self.assertEqual(text.returncode, 0)
        self.assertIn("misses", text.stdout)

    def test_usage_errors(self):
        for args, fragment in ((["--cache-max-size", "lots"], "not a size"),
                               (["--path-prefix-map", "no-equals"], "OLD=NEW")):
            result = run_pt2ts(*self.command(self.path("bad.pt"), "--cache-dir", self.cache, *args))
            self.assert_fails(result, EXIT_USAGE_ERROR, fragment)
        result = run_pt2ts("cache", "stats", env={k: v for k, v in os.environ.items()
                                                  if k != "PT2TS_CACHE_DIR"})
        self.assert_fails(result, EXIT_USAGE_ERROR, "PT2TS_CACHE_DIR")


class KeyTest(CacheTestCase):
    """Every ingredient changed alone misses; changed back, it hits again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.use_the_warm_cache()
        cls.pristine = os.path.join(cls.root, "pristine")
        shutil.copytree(cls.project, cls.pristine)

    def setUp(self):
        super().setUp()
        # Tests edit the class's project in place (where the warm cache saw
        # it; restored afterwards) and use a private copy of the cache.
        shutil.copytree(type(self).cache, self.path("cache"))
        self.cache = self.path("cache")

    def tearDown(self):
        shutil.rmtree(self.project)
        shutil.copytree(self.pristine, self.project)
        super().tearDown()

    def test_transitively_imported_file(self):
        activations = os.path.join(self.project, "activations.py")
        edit(activations, "torch.sigmoid(x)", "torch.sigmoid(x * 1.0)")
        self.assert_miss(self.convert_cached(self.path("a", "net.pt")))
        edit(activations, "torch.sigmoid(x * 1.0)", "torch.sigmoid(x)")
        # Both variants are remembered.
        self.assert_hit(self.convert_cached(self.path("b", "net.pt")))
        edit(activations, "torch.sigmoid(x)", "torch.sigmoid(x * 1.0)")
        self.assert_hit(self.convert_cached(self.path("c", "net.pt")))

    def test_weights_and_depends_file(self):
        write_weights(self.project, seed=2)
        self.assert_miss(self.convert_cached(self.path("a", "net.pt")))
        with open(os.path.join(self.project, "labels.txt"), "a") as file:
            file.write("bird\n")
        self.assert_miss(self.convert_cached(self.path("b", "net.pt")))

    def test_options_and_output_name(self):
        for extra in (["--kwargs", "num_classes", "5"], ["--freeze"], ["--rtol", "1e-3"]):
            self.assert_miss(self.convert_cached(self.path("o", "net.pt"), *extra))
        self.assert_miss(self.convert_cached(self.path("o", "other_name.pt")))
        # Another folder, same file name: a hit.
        self.assert_hit(self.convert_cached(self.path("p", "q", "net.pt")))

    def test_torch_version_simulated(self):
        # The manifest records torch's version file with its hash: another
        # torch (here: another recorded hash) must miss.
        manifests = [os.path.join(root, name) for root, _, names in os.walk(self.cache)
                     for name in names if name.endswith(".manifest")]
        self.assertEqual(len(manifests), 1)
        with open(manifests[0]) as file:
            lines = file.read().splitlines()
        body = [("file environment " + "0" * 64 + line[17 + 64:]
                 if line.startswith("file environment") and "torch" in line else line)
                for line in lines[:-1]]
        self.assertNotEqual(body, lines[:-1])
        text = "\n".join(body) + "\n"
        with open(manifests[0], "w") as file:
            file.write(text + "checksum " + hashlib.sha256(text.encode()).hexdigest() + "\n")
        self.assert_miss(self.convert_cached(self.path("a", "net.pt")))


class BrokenCacheTest(CacheTestCase):
    """Broken entries and unwritable cache folders: a warning, never an error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.good = cls.use_the_warm_cache()["cold_bytes"]

    def setUp(self):
        super().setUp()
        # A private copy of the warm cache per test.
        shutil.copytree(type(self).cache, self.path("cache"))
        self.cache = self.path("cache")
        [self.entry] = entry_files(self.cache)

    def damage_and_convert(self, damage):
        with open(self.entry, "r+b") as file:
            damage(file)
        result = self.convert_cached(self.path("again", "net.pt"))
        warnings = [l for l in result.stderr.splitlines() if l.startswith("pt2ts: warning:")]
        self.assertEqual(len(warnings), 1, result.stderr)
        self.assertIn("conversion cache", warnings[0])
        self.assert_miss(result)
        self.assertEqual(read_bytes(self.path("again", "net.pt")), self.good)
        # Stored again, and good.
        self.assert_hit(self.convert_cached(self.path("third", "net.pt")))
        self.assertEqual(read_bytes(self.path("third", "net.pt")), self.good)

    def test_corrupted_entry(self):
        def flip(file):
            file.seek(-100, os.SEEK_END)
            byte = file.read(1)
            file.seek(-100, os.SEEK_END)
            file.write(bytes([byte[0] ^ 1]))
        self.damage_and_convert(flip)

    def test_truncated_entry(self):
        self.damage_and_convert(lambda file: file.truncate(os.path.getsize(self.entry) // 2))

    def test_foreign_entry(self):
        def foreign(file):
            file.truncate(0)
            file.write(b"PK\x03\x04 not an entry at all" * 10)
        self.damage_and_convert(foreign)

    def test_cache_folder_that_cannot_take_the_entry(self):
        # As on a full disk: every write into the cache fails past a few
        # bytes (RLIMIT_FSIZE, with SIGXFSZ ignored: writes fail with EFBIG).
        # The limit lets the artifact through, not the entry (artifact + header).
        size = len(self.good)

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size + 64, size + 64))

        other_cache = self.path("full")
        command = [PT2TS, *self.command(self.path("full_out", "net.pt"), "--cache-dir",
                                        other_cache)]
        result = subprocess.run(command, capture_output=True, text=True, preexec_fn=limit,
                                timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        warnings = [l for l in result.stderr.splitlines() if l.startswith("pt2ts: warning:")]
        self.assertEqual(len(warnings), 1, result.stderr)
        self.assertEqual(read_bytes(self.path("full_out", "net.pt")), self.good)
        self.assertEqual(entry_files(other_cache), [])

    def test_cache_folder_on_a_full_disk(self):
        # A real full disk: the cache folder is a tmpfs smaller than the
        # entry. The conversion succeeds with one warning, and no partial
        # entry is left in the little space there is.
        tiny = self.path("tiny")
        os.mkdir(tiny)
        size = max(4096, len(self.good) // 2 // 4096 * 4096)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", tiny],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            self.skipTest("cannot mount a tmpfs here (%s)"
                          % (mounted.stderr.strip() or "exit %d" % mounted.returncode))
        try:
            result = self.convert_cached(self.path("tiny_out", "net.pt"), cache=tiny)
            warnings = [l for l in result.stderr.splitlines() if l.startswith("pt2ts: warning:")]
            self.assertEqual(len(warnings), 1, result.stderr)
            self.assertIn("conversion cache", warnings[0])
            self.assertEqual(read_bytes(self.path("tiny_out", "net.pt")), self.good)
            self.assertEqual(entry_files(tiny), [])
            # What fits stays (the small hash memos and the counters); no
            # half-written entry or temporary file.
            left = [os.path.relpath(os.path.join(folder, name), tiny)
                    for folder, _, names in os.walk(tiny) for name in names]
            self.assertEqual([path for path in left if not path.startswith(("memo/", "stats"))],
                             [], "a partial entry is left in the cache folder")
        finally:
            if subprocess.run(["umount", tiny]).returncode != 0:
                subprocess.run(["umount", "-l", tiny])

    def test_cache_folder_is_a_file(self):
        blocker = self.path("blocker")
        with open(blocker, "w") as file:
            file.write("x")
        result = self.convert(*self.command(self.path("b", "net.pt"), "--cache-dir", blocker))
        self.assertIn("pt2ts: warning: conversion cache", result.stderr)
        self.assertEqual(read_bytes(self.path("b", "net.pt")), self.good)


class ConcurrencyAndSizeTest(CacheTestCase):
    def test_concurrent_writers(self):
        cache = self.path("cache")
        processes = [subprocess.Popen([PT2TS, *self.command(self.path(str(i), "net.pt"),
                                                            "--cache-dir", cache)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for i in range(3)]
        for process in processes:
            out, err = process.communicate(timeout=300)
            self.assertEqual(process.returncode, 0, err)
            self.assertNotIn("warning", err)
        outputs = {read_bytes(self.path(str(i), "net.pt")) for i in range(3)}
        self.assertEqual(len(outputs), 1)
        self.assertEqual(len(entry_files(cache)), 1)
        result = self.convert_cached(self.path("after", "net.pt"), cache=cache)
        self.assert_hit(result)
        self.assertEqual(read_bytes(self.path("after", "net.pt")), outputs.pop())

    def test_eviction_and_clear(self):
        cache = self.path("cache")
        # Each MLP entry is a few kB: 3 entries do not fit in 12 kB.
        for hidden in (8, 9, 10):
            self.convert(MLP, "MLP", "--args", "4", str(hidden), "-s", self.path("m.pt"),
                         "--cache-dir", cache, "--cache-max-size", "12k")
        counts = stats(cache)
        self.assertGreater(counts["evictions"], 0)
        self.assertLessEqual(counts["bytes"], 12000)
        self.assertGreaterEqual(counts["entries"], 1)
        # The most recent one is still there.
        result = self.convert(MLP, "MLP", "--args", "4", "10", "-s", self.path("b", "m.pt"), "-v",
                              "--cache-dir", cache, "--cache-max-size", "12k")
        self.assert_hit(result)
        self.assertEqual(run_pt2ts("cache", "clear", "--cache-dir", cache).returncode, 0)
        counts = stats(cache)
        self.assertEqual((counts["entries"], counts["hits"], counts["misses"]), (0, 0, 0))


class PathPrefixMapTest(CacheTestCase):
    """Two checkouts in different folders: the same bytes with the map, and
    the second checkout's conversion is served by the first one's entry."""

    def test_two_checkouts(self):
        first = make_project(self.path("a", "proj"))
        second = make_project(self.path("b", "much", "longer", "proj"))
        shutil.copy(os.path.join(first, "w.pt"), os.path.join(second, "w.pt"))
        cache = self.path("cache")
        outputs = []
        for checkout in (first, second):
            self.project = checkout
            output = os.path.join(checkout, "out", "net.pt")
            result = self.convert_cached(output, "--path-prefix-map", checkout + "=.",
                                         cache=cache)
            outputs.append(output)
        self.assert_hit(result)
        self.assertEqual(read_bytes(outputs[0]), read_bytes(outputs[1]))
        # The recorded paths are the mapped ones.
        self.assertNotIn(first.encode(), read_bytes(outputs[0]))
        # Without the map the checkouts differ (the paths are recorded).
        plain = []
        for checkout in (first, second):
            self.project = checkout
            plain.append(os.path.join(checkout, "plain", "net.pt"))
            self.convert(*self.command(plain[-1]))
        self.assertNotEqual(read_bytes(plain[0]), read_bytes(plain[1]))

    def test_traced_models_are_mapped_too(self):
        outputs = []
        for folder in (self.path("x", "m"), self.path("yy", "m")):
            os.makedirs(folder)
            for name in ("net.py", "blocks.py", "activations.py"):
                shutil.copy(os.path.join(MULTI, name), folder)
            outputs.append(os.path.join(folder, "t.pt"))
            self.convert(os.path.join(folder, "net.py"), "SmallCNN", "--method", "trace",
                         "--example-input", "1x3x8x8", "--path-prefix-map", folder + "=/src",
                         "-s", outputs[-1])
        self.assertEqual(read_bytes(outputs[0]), read_bytes(outputs[1]))


if __name__ == "__main__":
    unittest.main()
