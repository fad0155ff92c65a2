"""Runs unittest targets as `python -m unittest -v TARGET...` does, but exits
with 77, CTest's SKIP_RETURN_CODE for these tests, when every test in them
was skipped: CTest then reports the test as skipped, and its log holds each
skip's reason."""

import sys
import unittest

SKIPPED = 77


def main(names):
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if not result.wasSuccessful():
        return 1
    ran_nothing = result.testsRun == len(result.skipped) or result.testsRun == 0
    return SKIPPED if result.skipped and ran_nothing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
