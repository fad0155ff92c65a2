// The process exit codes of pt2ts; documented in docs/errors.md ("Exit codes").
#pragma once

namespace pt2ts {

constexpr int kExitSuccess = 0;
// The command line was fine but the conversion failed (bad module, weights,
// unscriptable model, unwritable output, ...).
constexpr int kExitConversionFailed = 1;
// The command line itself is wrong: unknown or contradictory options,
// malformed values, input files that do not exist.
constexpr int kExitUsageError = 2;
// Killed by signal N (SIGINT, SIGTERM, SIGHUP): the shell reports 128 + N.

}  // namespace pt2ts
