// Command-line values (--args / --kwargs): parsing them into Value trees and
// printing Value trees back as Python literals.
#pragma once

#include <string>

#include "options/value.h"

namespace pt2ts {

// Result of parsing one command-line value.
struct ParseResult {
  bool ok = false;
  Value value;
  // When !ok: one human sentence, e.g. "unterminated string starting at
  // column 3" (columns are 1-based characters of the original text).
  std::string error;
};

// Parses one command-line value. The rule, in order:
//  1. Text that Python's int() accepts in base 10 (surrounding ASCII
//     whitespace, sign, leading zeros and single underscores allowed) is a
//     kInt with canonical decimal text: "010" -> 10, " +3 " -> 3.
//  2. Else text that Python's float() accepts (decimal floats, inf, infinity,
//     nan) is a kFloat whose text drops the whitespace and underscores.
//  3. Else the trimmed text True / False / None is that constant, and trimmed
//     text starting with [ ( { ' " r' r" R' R" or with an optionally signed
//     0x / 0o / 0b integer is parsed as one Python literal (roughly what
//     ast.literal_eval accepts, without complex numbers, bytes, Ellipsis or
//     unparenthesized tuples, and with repeated signs such as --1); a
//     malformed literal, or anything after it, gives ok == false.
//  4. Else the value is a kString holding the text unchanged.
// Never throws; safe on arbitrary bytes.
ParseResult ParseCommandLineValue(const std::string& text);

// Python-literal text of a value (repr-like, for messages and metadata):
// None, True, 3, 1e-3, 'a\'b', [1, 2], (1,), {'a': 1}, {1, 2}, set().
std::string ToPythonLiteral(const Value& value);

}  // namespace pt2ts
