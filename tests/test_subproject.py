"""pt2ts as a subproject (add_subdirectory, FetchContent) leaves the
consumer's build type alone; only pt2ts's own build defaults to Release.
Configure only: nothing is built."""

import os
import re
import tempfile
import unittest

from pt2ts_testing import consumer_configure_args, run

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")

CONSUMER = """cmake_minimum_required(VERSION 3.20)
project(consumer LANGUAGES CXX)
add_subdirectory("%s" pt2ts)
""" % SOURCE_DIR.replace("\\", "/")


def cached_build_type(build):
    with open(os.path.join(build, "CMakeCache.txt")) as cache:
        found = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", cache.read(), re.MULTILINE)
    return found.group(1) if found else None


@unittest.skipUnless(os.environ.get("PT2TS_EXE"), "run the tests through ctest")
class BuildTypeTest(unittest.TestCase):
    def configure(self, source, build, *args):
        run(CMAKE, "-S", source, "-B", build, "-G", "Ninja", "-DPT2TS_BUILD_TESTS=OFF",
            *consumer_configure_args(), *args)
        return cached_build_type(build)

    def test_subproject_keeps_the_consumers_build_type(self):
        """No build type stays none (pt2ts used to force Release on the whole
        build); a chosen one stays as chosen."""
        with tempfile.TemporaryDirectory(prefix="pt2ts-subproject-") as tmp:
            project = os.path.join(tmp, "project")
            os.makedirs(project)
            with open(os.path.join(project, "CMakeLists.txt"), "w") as file:
                file.write(CONSUMER)
            build = os.path.join(tmp, "build")
            self.assertIn(self.configure(project, build), ("", None))
            self.assertEqual(self.configure(project, build, "-DCMAKE_BUILD_TYPE=Debug"), "Debug")

    def test_own_build_defaults_to_release(self):
        with tempfile.TemporaryDirectory(prefix="pt2ts-toplevel-") as tmp:
            build = os.path.join(tmp, "build")
            self.assertEqual(self.configure(SOURCE_DIR, build), "Release")
            self.assertEqual(self.configure(SOURCE_DIR, build, "-DCMAKE_BUILD_TYPE=Debug"),
                             "Debug")


if __name__ == "__main__":
    unittest.main()
