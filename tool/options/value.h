// A constructor argument given on the command line (--args / --kwargs),
// parsed into a small tree that the engine turns into Python objects.
#pragma once

#include <string>
#include <vector>

namespace pt2ts {

struct Value {
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kList, kTuple, kDict, kSet };

  Kind kind = Kind::kNone;
  bool boolean = false;
  // kInt: text accepted by Python's int(text, 0), e.g. "-12", "0x1f".
  // kFloat: text accepted by Python's float(text), e.g. "1e-3", "-inf".
  // kString: the string itself (UTF-8, escapes already decoded).
  std::string text;
  // kList, kTuple, kSet: the elements. kDict: key0, value0, key1, value1, ...
  std::vector<Value> items;

  bool operator==(const Value& other) const {
    return kind == other.kind && boolean == other.boolean && text == other.text &&
           items == other.items;
  }
};

}  // namespace pt2ts
