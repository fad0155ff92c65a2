// How pt2ts talks to the user: one "pt2ts: error: ..." line (details may
// follow) on stderr, warnings and notes in the same shape.
#pragma once

#include <string>

namespace pt2ts {

void PrintError(const std::string& message);
void PrintWarning(const std::string& message);
void PrintNote(const std::string& message);

// Seconds on the steady clock (CLOCK_MONOTONIC); Python's time.monotonic()
// reads the same clock, so -v timings line up across the two languages.
double MonotonicSeconds();

}  // namespace pt2ts
