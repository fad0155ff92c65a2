"""Runs unittest targets as `python -m unittest -v TARGET...` does, then:

- prints a summary of every skipped test with its reason (grouped by
  reason), so that the CTest log shows why, for targets whose tests all skip
  and for targets whose tests partly skip;
- exits with 77, CTest's SKIP_RETURN_CODE for these tests, when every test in
  them was skipped: CTest then reports the test as skipped;
- exits with 1 when a test failed or errored, or when nothing ran at all."""

import collections
import sys
import unittest

SKIPPED = 77


def skip_summary(result):
    """'skipped N of M tests' and each reason with the tests it skipped."""
    if not result.skipped:
        return ""
    by_reason = collections.OrderedDict()
    for test, reason in result.skipped:
        by_reason.setdefault(reason, []).append(test.id())
    lines = ["", "SKIPPED (%d of %d ran tests, or whole classes), by reason:"
             % (len(result.skipped), result.testsRun)]
    for reason, tests in by_reason.items():
        lines.append("  %s" % reason)
        lines.extend("    - %s" % name for name in tests)
    return "\n".join(lines) + "\n"


def main(names):
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.stderr.write(skip_summary(result))
    sys.stderr.flush()
    if not result.wasSuccessful():
        return 1
    # Skips of whole classes or modules (setUpClass raising SkipTest) are
    # not counted in testsRun.
    passed = result.testsRun - sum(1 for test, _ in result.skipped
                                   if isinstance(test, unittest.TestCase))
    if passed > 0:
        return 0
    if result.skipped:
        return SKIPPED
    sys.stderr.write("no tests ran in %s\n" % " ".join(names))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
