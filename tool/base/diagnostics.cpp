#include "base/diagnostics.h"

#include <chrono>
#include <cstdio>

namespace pt2ts {
namespace {

void PrintLine(const char* kind, const std::string& message) {
  std::fprintf(stderr, "pt2ts: %s: %s\n", kind, message.c_str());
  std::fflush(stderr);
}

}  // namespace

void PrintError(const std::string& message) { PrintLine("error", message); }
void PrintWarning(const std::string& message) { PrintLine("warning", message); }
void PrintNote(const std::string& message) { PrintLine("note", message); }

void PrintStep(double start_time, const std::string& message) {
  std::fprintf(stderr, "pt2ts: [%6.2f s] %s\n", MonotonicSeconds() - start_time, message.c_str());
  std::fflush(stderr);
}

double MonotonicSeconds() {
  using std::chrono::duration;
  using std::chrono::steady_clock;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace pt2ts
