// libFuzzer target for the --args / --kwargs value parser (tool/literal.h).
//
// Checks, for any bytes:
//  - ParseCommandLineValue never crashes, hangs or throws (sanitizers and
//    libFuzzer's timeout catch the rest);
//  - a failure has a non-empty, single-line, bounded error and an empty value,
//    a success has no error;
//  - a parsed value survives the trip through its Python-literal text:
//    ParseCommandLineValue(ToPythonLiteral(value)) gives the same value, and
//    printing that again gives the same text. The one documented exception is
//    a top-level empty set: ToPythonLiteral spells it set(), which is not a
//    literal on its own (literal.h, rule 3) and so reads back as the string
//    "set()"; nested, as in [set()], it does round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/literal.h"

namespace {

// Errors quote at most 80 bytes of the value and 40 of a name, each byte
// escaped to at most 4 characters, so they stay well under this.
constexpr size_t kMaxErrorBytes = 1024;

[[noreturn]] void Fail(const char* what, const std::string& input, const std::string& detail) {
  std::fprintf(stderr, "fuzz_literal: %s\n  input (%zu bytes): %s\n  detail: %s\n", what,
               input.size(), input.c_str(), detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const pt2ts::ParseResult result = pt2ts::ParseCommandLineValue(text);
  if (!result.ok) {
    if (result.error.empty()) Fail("failure without an error message", text, "");
    if (result.error.find_first_of("\r\n") != std::string::npos) {
      Fail("error message spans several lines", text, result.error);
    }
    if (result.error.size() > kMaxErrorBytes) Fail("error message too long", text, result.error);
    if (!(result.value == pt2ts::Value())) Fail("failure with a value", text, result.error);
    return 0;
  }
  if (!result.error.empty()) Fail("success with an error message", text, result.error);

  const std::string literal = pt2ts::ToPythonLiteral(result.value);
  if (result.value.kind == pt2ts::Value::Kind::kSet && result.value.items.empty()) {
    if (literal != "set()") Fail("empty set not printed as set()", text, literal);
    return 0;  // the documented exception, see above
  }
  const pt2ts::ParseResult again = pt2ts::ParseCommandLineValue(literal);
  if (!again.ok) {
    Fail("printed literal does not parse", text, literal + "\n  error: " + again.error);
  }
  if (!(again.value == result.value)) {
    Fail("printed literal parses to another value", text,
         literal + "\n  reads back as: " + pt2ts::ToPythonLiteral(again.value));
  }
  if (pt2ts::ToPythonLiteral(again.value) != literal) {
    Fail("printing is not stable", text, literal);
  }
  return 0;
}
