// libFuzzer target for depfile writing (tool/depfile.h).
//
// The input is split at NUL bytes: the first piece is the target (the
// artifact), the others are dependencies. Checks:
//  - DepfilePathProblem rejects exactly the paths no depfile can name (empty,
//    a NUL, newline, carriage return or tab, or a trailing '\' or ':'), which
//    WriteDepfile refuses to write;
//  - for paths it accepts, FormatDepfile's text read back by the reference
//    reader (depfile_reference.h, CMake's rules) gives one rule whose only
//    target is the target and whose dependencies are exactly the non-empty
//    dependencies; in particular EscapeDepfilePath is undone exactly;
//  - each escaped path is one token: read alone as a dependency, it gives
//    back the path.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "depfile_reference.h"
#include "output/depfile.h"

namespace {

std::string Show(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '\\') {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\x%02x", u);
      out += buffer;
    } else {
      out += c;
    }
  }
  return "\"" + out + "\"";
}

std::string ShowList(const std::vector<std::string>& list) {
  std::string out = "[";
  for (const std::string& item : list) out += (out.size() > 1 ? ", " : "") + Show(item);
  return out + "]";
}

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_depfile: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// The documented rule, written independently of depfile.cpp.
bool Representable(const std::string& path) {
  if (path.empty()) return false;
  if (path.find_first_of(std::string("\n\r\t\0", 4)) != std::string::npos) return false;
  return path.back() != '\\' && path.back() != ':';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> pieces(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\0') {
      pieces.emplace_back();
    } else {
      pieces.back().push_back(static_cast<char>(data[i]));
    }
  }
  const std::string target = pieces[0];
  const std::vector<std::string> dependencies(pieces.begin() + 1, pieces.end());

  bool all_representable = true;
  for (const std::string& path : pieces) {
    const std::string problem = pt2ts::DepfilePathProblem(path);
    if (problem.empty() != Representable(path)) {
      Fail("DepfilePathProblem disagrees with the rule",
           "path: " + Show(path) + "\nproblem: " + Show(problem));
    }
    if (problem.empty()) {
      // One path alone, as a dependency, is one token that reads back as itself.
      std::vector<pt2ts_fuzz::DepfileEntry> entries;
      const std::string text = "t: " + pt2ts::EscapeDepfilePath(path) + "\n";
      pt2ts_fuzz::ReferenceDepfileReader reader;
      if (!reader.Read(text, &entries) || entries.size() != 1 ||
          entries[0].dependencies != std::vector<std::string>{path}) {
        Fail("escaped path does not read back as itself",
             "path: " + Show(path) + "\ndepfile: " + Show(text) + "\nread: " +
                 (entries.empty() ? "nothing" : ShowList(entries[0].dependencies)));
      }
    } else {
      all_representable = false;
    }
  }
  if (!all_representable) return 0;  // WriteDepfile refuses these

  const std::string text = pt2ts::FormatDepfile(target, dependencies);
  std::vector<std::string> expected = dependencies;
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  std::vector<pt2ts_fuzz::DepfileEntry> entries;
  pt2ts_fuzz::ReferenceDepfileReader reader;
  const bool ok = reader.Read(text, &entries);
  if (!ok || entries.size() != 1 || entries[0].targets != std::vector<std::string>{target} ||
      entries[0].dependencies != expected) {
    std::string read;
    for (const auto& entry : entries) {
      read += "\n  " + ShowList(entry.targets) + ": " + ShowList(entry.dependencies);
    }
    Fail("depfile does not read back as written",
         "target: " + Show(target) + "\ndependencies: " + ShowList(dependencies) +
             "\ndepfile: " + Show(text) + "\nread (ok=" + (ok ? "1" : "0") + "):" + read);
  }
  return 0;
}
