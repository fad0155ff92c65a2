// How pt2ts talks to the user: one "pt2ts: error: ..." line (details may
// follow) on stderr, warnings and notes in the same shape.
#pragma once

#include <string>

namespace pt2ts {

void PrintError(const std::string& message);
void PrintWarning(const std::string& message);
void PrintNote(const std::string& message);

// -v: "pt2ts: [  1.23 s] message", the time since start_time (the same
// format the engine's Python code uses).
void PrintStep(double start_time, const std::string& message);

// Seconds on the steady clock (CLOCK_MONOTONIC); Python's time.monotonic()
// reads the same clock, so -v timings line up across the two languages.
double MonotonicSeconds();

}  // namespace pt2ts
