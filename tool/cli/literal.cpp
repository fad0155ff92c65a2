#include "cli/literal.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pt2ts {
namespace {

using Kind = Value::Kind;

// Containers (and parentheses) nested deeper than this are rejected, so the
// recursive-descent parser's stack use is bounded whatever the input.
constexpr int kMaxDepth = 100;
// Error messages quote at most this many bytes of the value or of a name.
constexpr size_t kMaxQuotedBytes = 80;
constexpr size_t kMaxNameBytes = 40;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsDecDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctDigit(char c) { return c >= '0' && c <= '7'; }
bool IsBinDigit(char c) { return c == '0' || c == '1'; }
bool IsHexDigit(char c) {
  return IsDecDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentChar(char c) { return IsAsciiAlpha(c) || IsDecDigit(c) || c == '_'; }
bool IsQuote(char c) { return c == '\'' || c == '"'; }
bool IsOperatorChar(char c) {
  static constexpr std::string_view kOperatorChars = "+-*/%@&|^~<>=!";
  return kOperatorChars.find(c) != std::string_view::npos;
}
// UTF-8 continuation bytes do not start a character (for column counting).
bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string ToLower(std::string s) {
  for (char& c : s) c = ToLower(c);
  return s;
}

int HexValue(char c) {
  if (IsDecDigit(c)) return c - '0';
  return ToLower(c) - 'a' + 10;
}

std::string Trim(const std::string& s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && IsAsciiSpace(s[begin])) ++begin;
  while (end > begin && IsAsciiSpace(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

std::string RemoveUnderscores(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != '_') out.push_back(c);
  }
  return out;
}

// "007" -> "7", "000" -> "0": Python prints ints without leading zeros.
std::string StripLeadingZeros(const std::string& digits) {
  size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}

std::string SignedDecimal(bool negative, const std::string& digits) {
  std::string canonical = StripLeadingZeros(digits);
  return (negative && canonical != "0") ? "-" + canonical : canonical;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Renders bytes for an error message: control characters escaped, long text
// cut on a character boundary, so a message stays one readable line.
std::string Printable(const std::string& s, size_t max_bytes) {
  static const char kHex[] = "0123456789abcdef";
  size_t end = s.size();
  bool cut = false;
  if (end > max_bytes) {
    end = max_bytes;
    while (end > 0 && IsContinuationByte(s[end])) --end;
    cut = true;
  }
  std::string out;
  for (size_t i = 0; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (cut) out += "...";
  return out;
}

// Digits with single underscores between them ("1_000"), Python's
// digitpart; with `underscore_first`, one underscore may also precede the
// first digit (as after 0x). Appends the digits sans underscores to *digits
// and returns the end of the run, or `pos` itself when there is no digit.
size_t ScanDigits(const std::string& s, size_t pos, bool (*is_digit)(char), bool underscore_first,
                  std::string* digits) {
  size_t end = pos;
  bool first = true;
  while (end < s.size()) {
    size_t next = end;
    if (s[next] == '_' && (!first || underscore_first)) ++next;
    if (next >= s.size() || !is_digit(s[next])) break;
    if (digits != nullptr) digits->push_back(s[next]);
    end = next + 1;
    first = false;
  }
  return end;
}

// Python's floatnumber / integer body without sign: digitpart, optional
// fraction, optional exponent. Returns the end, or `pos` when nothing
// number-like starts there. An incomplete exponent ("1e") is not consumed.
size_t ScanDecimalNumber(const std::string& s, size_t pos) {
  size_t end = ScanDigits(s, pos, IsDecDigit, false, nullptr);
  bool has_int = end > pos;
  if (end < s.size() && s[end] == '.') {
    size_t fraction_end = ScanDigits(s, end + 1, IsDecDigit, false, nullptr);
    if (has_int || fraction_end > end + 1) end = fraction_end;
  }
  if (end == pos) return pos;
  if (end < s.size() && (s[end] == 'e' || s[end] == 'E')) {
    size_t digits = end + 1;
    if (digits < s.size() && (s[digits] == '+' || s[digits] == '-')) ++digits;
    size_t exponent_end = ScanDigits(s, digits, IsDecDigit, false, nullptr);
    if (exponent_end > digits) end = exponent_end;
  }
  return end;
}

size_t SkipOneSign(const std::string& s) {
  return (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
}

// Rule 1: what Python's int(text) accepts in base 10.
bool SeedInt(const std::string& trimmed, std::string* text) {
  size_t start = SkipOneSign(trimmed);
  std::string digits;
  size_t end = ScanDigits(trimmed, start, IsDecDigit, false, &digits);
  if (end == start || end != trimmed.size()) return false;
  *text = SignedDecimal(start == 1 && trimmed[0] == '-', digits);
  return true;
}

// Rule 2: what Python's float(text) accepts.
bool SeedFloat(const std::string& trimmed, std::string* text) {
  size_t start = SkipOneSign(trimmed);
  std::string word = ToLower(trimmed.substr(start));
  bool special = word == "inf" || word == "infinity" || word == "nan";
  if (!special) {
    size_t end = ScanDecimalNumber(trimmed, start);
    if (end == start || end != trimmed.size()) return false;
  }
  *text = RemoveUnderscores(trimmed);
  return true;
}

// "0x1f", "-0b1", "0o_7": an int with a base prefix and at least one digit
// (or underscore) of that base, which the old tool would have kept as text.
bool LooksLikePrefixedInt(const std::string& trimmed) {
  size_t i = SkipOneSign(trimmed);
  if (trimmed.size() < i + 3 || trimmed[i] != '0') return false;
  char base = ToLower(trimmed[i + 1]);
  char digit = trimmed[i + 2];
  switch (base) {
    case 'x': return digit == '_' || IsHexDigit(digit);
    case 'o': return digit == '_' || IsOctDigit(digit);
    case 'b': return digit == '_' || IsBinDigit(digit);
    default: return false;
  }
}

// Rule 3: text that was clearly meant as a Python literal.
bool LooksLikeLiteral(const std::string& trimmed) {
  if (trimmed.empty()) return false;
  char c = trimmed[0];
  if (c == '[' || c == '(' || c == '{' || IsQuote(c)) return true;
  if ((c == 'r' || c == 'R') && trimmed.size() > 1 && IsQuote(trimmed[1])) return true;
  return LooksLikePrefixedInt(trimmed);
}

Value MakeScalar(Kind kind, std::string text) {
  Value value;
  value.kind = kind;
  value.text = std::move(text);
  return value;
}

// Python type name of the first part of `value` that cannot be hashed
// (a dict key or set element), or nullptr when it can.
const char* UnhashableType(const Value& value) {
  switch (value.kind) {
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kSet: return "set";
    case Kind::kTuple:
      for (const Value& item : value.items) {
        if (const char* type = UnhashableType(item)) return type;
      }
      return nullptr;
    default: return nullptr;
  }
}

// Recursive-descent parser for the literal grammar (see literal.h). Every
// Parse* method returns false after recording the first error; positions
// are byte offsets into the original text.
class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  // Parses the whole text as exactly one literal.
  bool ParseAll(Value* out, std::string* error);

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool At(char c) const { return !AtEnd() && text_[pos_] == c; }
  char CharAt(size_t pos) const { return pos < text_.size() ? text_[pos] : ' '; }
  bool Consume(char c);
  void SkipSpace();

  bool ParseValue(int depth, Value* out);
  bool OpenContainer(int depth);
  bool ParseList(int depth, Value* out);
  bool ParseParen(int depth, Value* out);
  bool ParseBrace(int depth, Value* out);
  bool ParseDictRest(int depth, size_t key_pos, Value key, Value* out);
  bool ParseItems(char close, int depth, const char* role, std::vector<Value>* items);
  bool CheckHashable(const Value& value, size_t pos, const char* role);

  bool ParseSigned(Value* out);
  bool ParseNumber(bool negative, Value* out);
  bool ParsePrefixedInt(bool negative, Value* out);
  bool ParseDecimal(bool negative, Value* out);
  bool ParseName(Value* out);

  size_t StringPrefixLength(size_t pos) const;
  bool ParseStrings(Value* out);
  bool ParseString(std::string* out);
  void AppendSourceChar(std::string* out);
  bool ParseEscape(std::string* out);
  bool ParseHexEscape(size_t start, int digits, std::string* out);

  bool FailAt(size_t pos, const std::string& what);
  bool FailExpected(const std::string& expected);
  std::string Describe(size_t pos) const;
  size_t Column(size_t pos) const;

  const std::string& text_;
  size_t pos_ = 0;
  std::string error_;
};

bool Parser::ParseAll(Value* out, std::string* error) {
  bool ok = ParseValue(0, out);
  if (ok) {
    SkipSpace();
    if (!AtEnd()) {
      std::string what = IsOperatorChar(text_[pos_])
                             ? "operator " + Describe(pos_) + " is not allowed in a literal"
                             : "unexpected " + Describe(pos_) + " after the end of the literal";
      // Python would read "1, 2" as a tuple; here a value is one literal.
      if (At(',')) what += " (put a tuple in parentheses)";
      ok = FailAt(pos_, what);
    }
  }
  if (!ok) *error = error_;
  return ok;
}

bool Parser::Consume(char c) {
  if (!At(c)) return false;
  ++pos_;
  return true;
}

// Whitespace between tokens, including Python's backslash line continuation.
void Parser::SkipSpace() {
  while (!AtEnd()) {
    if (IsAsciiSpace(text_[pos_])) {
      ++pos_;
    } else if (text_[pos_] == '\\' && (CharAt(pos_ + 1) == '\n' || CharAt(pos_ + 1) == '\r')) {
      pos_ += 2;
    } else {
      break;
    }
  }
}

bool Parser::ParseValue(int depth, Value* out) {
  SkipSpace();
  if (AtEnd()) return FailExpected("a value");
  char c = text_[pos_];
  switch (c) {
    case '[': return ParseList(depth, out);
    case '(': return ParseParen(depth, out);
    case '{': return ParseBrace(depth, out);
    case '\'':
    case '"': return ParseStrings(out);
    case '+':
    case '-': return ParseSigned(out);
    default: break;
  }
  if (IsDecDigit(c) || (c == '.' && IsDecDigit(CharAt(pos_ + 1)))) return ParseNumber(false, out);
  if (IsAsciiAlpha(c) || c == '_') {
    return StringPrefixLength(pos_) != std::string::npos ? ParseStrings(out) : ParseName(out);
  }
  if (text_.compare(pos_, 3, "...") == 0) return FailAt(pos_, "Ellipsis ('...') is not supported");
  return FailExpected("a value");
}

// Consumes an opening bracket, refusing to go deeper than kMaxDepth.
bool Parser::OpenContainer(int depth) {
  if (depth >= kMaxDepth) {
    return FailAt(pos_, "nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
  }
  ++pos_;
  return true;
}

bool Parser::ParseList(int depth, Value* out) {
  if (!OpenContainer(depth)) return false;
  out->kind = Kind::kList;
  SkipSpace();
  if (Consume(']')) return true;
  return ParseItems(']', depth + 1, nullptr, &out->items);
}

// "()" is an empty tuple and "(a,)" a tuple, but "(a)" is just a.
bool Parser::ParseParen(int depth, Value* out) {
  if (!OpenContainer(depth)) return false;
  out->kind = Kind::kTuple;
  SkipSpace();
  if (Consume(')')) return true;
  Value first;
  if (!ParseValue(depth + 1, &first)) return false;
  SkipSpace();
  if (Consume(')')) {
    *out = std::move(first);
    return true;
  }
  if (!Consume(',')) return FailExpected("',' or ')'");
  out->items.push_back(std::move(first));
  SkipSpace();
  if (Consume(')')) return true;
  return ParseItems(')', depth + 1, nullptr, &out->items);
}

// "{}" is an empty dict; the first element decides between dict and set.
bool Parser::ParseBrace(int depth, Value* out) {
  if (!OpenContainer(depth)) return false;
  out->kind = Kind::kDict;
  SkipSpace();
  if (Consume('}')) return true;
  size_t first_pos = pos_;
  Value first;
  if (!ParseValue(depth + 1, &first)) return false;
  SkipSpace();
  if (Consume(':')) return ParseDictRest(depth + 1, first_pos, std::move(first), out);
  if (!CheckHashable(first, first_pos, "set element")) return false;
  out->kind = Kind::kSet;
  out->items.push_back(std::move(first));
  if (Consume('}')) return true;
  if (!Consume(',')) return FailExpected("':', ',' or '}'");
  SkipSpace();
  if (Consume('}')) return true;
  return ParseItems('}', depth + 1, "set element", &out->items);
}

// Called just after the first key's ':'; parses "value (, key: value)* [,] }".
bool Parser::ParseDictRest(int depth, size_t key_pos, Value key, Value* out) {
  while (true) {
    if (!CheckHashable(key, key_pos, "dict key")) return false;
    Value value;
    if (!ParseValue(depth, &value)) return false;
    out->items.push_back(std::move(key));
    out->items.push_back(std::move(value));
    SkipSpace();
    if (Consume('}')) return true;
    if (!Consume(',')) return FailExpected("',' or '}'");
    SkipSpace();
    if (Consume('}')) return true;
    key_pos = pos_;
    key = Value();
    if (!ParseValue(depth, &key)) return false;
    SkipSpace();
    if (!Consume(':')) return FailExpected("':'");
  }
}

// Parses "item (, item)* [,] close" starting at an item. A non-null `role`
// ("set element") requires every item to be hashable.
bool Parser::ParseItems(char close, int depth, const char* role, std::vector<Value>* items) {
  const std::string expected = std::string("',' or '") + close + "'";
  while (true) {
    SkipSpace();
    size_t item_pos = pos_;
    Value item;
    if (!ParseValue(depth, &item)) return false;
    if (role != nullptr && !CheckHashable(item, item_pos, role)) return false;
    items->push_back(std::move(item));
    SkipSpace();
    if (Consume(close)) return true;
    if (!Consume(',')) return FailExpected(expected);
    SkipSpace();
    if (Consume(close)) return true;
  }
}

bool Parser::CheckHashable(const Value& value, size_t pos, const char* role) {
  const char* type = UnhashableType(value);
  if (type == nullptr) return true;
  std::string what = std::string("unhashable type: '") + type + "'";
  if (value.kind == Kind::kTuple) what += " inside a tuple";
  return FailAt(pos, what + " as " + role);
}

// Unary signs, possibly repeated ("--1" is 1, like Python's arithmetic);
// counted in a loop so a long run of signs cannot exhaust the stack.
bool Parser::ParseSigned(Value* out) {
  bool negative = false;
  while (At('+') || At('-')) {
    if (text_[pos_] == '-') negative = !negative;
    ++pos_;
    SkipSpace();
  }
  if (!AtEnd() && (IsDecDigit(text_[pos_]) || (At('.') && IsDecDigit(CharAt(pos_ + 1))))) {
    return ParseNumber(negative, out);
  }
  return FailExpected("a number after the sign");
}

bool Parser::ParseNumber(bool negative, Value* out) {
  if (At('0') && pos_ + 1 < text_.size()) {
    char base = ToLower(text_[pos_ + 1]);
    if (base == 'x' || base == 'o' || base == 'b') return ParsePrefixedInt(negative, out);
  }
  return ParseDecimal(negative, out);
}

// 0x / 0o / 0b ints keep their base (with a lowercase prefix), since
// int(text, 0) reads them back.
bool Parser::ParsePrefixedInt(bool negative, Value* out) {
  char base = ToLower(text_[pos_ + 1]);
  bool (*is_digit)(char) = base == 'x' ? IsHexDigit : base == 'o' ? IsOctDigit : IsBinDigit;
  const char* name = base == 'x' ? "hexadecimal" : base == 'o' ? "octal" : "binary";
  size_t digits_pos = pos_ + 2;
  std::string digits;
  size_t end = ScanDigits(text_, digits_pos, is_digit, true, &digits);
  if (IsDecDigit(CharAt(end))) {
    return FailAt(end, std::string("invalid digit '") + text_[end] + "' in " + name + " literal");
  }
  if (end == digits_pos || (end < text_.size() && IsIdentChar(text_[end]))) {
    return FailAt(end, std::string("invalid ") + name + " literal");
  }
  *out = MakeScalar(Kind::kInt, std::string(negative ? "-0" : "0") + base + digits);
  pos_ = end;
  return true;
}

bool Parser::ParseDecimal(bool negative, Value* out) {
  size_t start = pos_;
  size_t end = ScanDecimalNumber(text_, start);
  std::string body = RemoveUnderscores(text_.substr(start, end - start));
  if (end < text_.size() && (text_[end] == 'j' || text_[end] == 'J')) {
    return FailAt(start,
                  "complex number '" + Printable(body, kMaxNameBytes) + "j' is not supported");
  }
  if (end < text_.size() && IsIdentChar(text_[end])) return FailAt(end, "invalid decimal literal");
  pos_ = end;
  if (body.find_first_of(".eE") != std::string::npos) {
    *out = MakeScalar(Kind::kFloat, negative ? "-" + body : body);
    return true;
  }
  if (body.size() > 1 && body[0] == '0' && body.find_first_not_of('0') != std::string::npos) {
    return FailAt(start,
                  "leading zeros in decimal integer literals are not permitted "
                  "(use an 0o prefix for octal integers)");
  }
  *out = MakeScalar(Kind::kInt, SignedDecimal(negative, body));
  return true;
}

bool Parser::ParseName(Value* out) {
  size_t start = pos_;
  while (!AtEnd() && IsIdentChar(text_[pos_])) ++pos_;
  const std::string name = text_.substr(start, pos_ - start);
  if (name == "None") {
    out->kind = Kind::kNone;
    return true;
  }
  if (name == "True" || name == "False") {
    out->kind = Kind::kBool;
    out->boolean = name == "True";
    return true;
  }
  const std::string shown = Printable(name, kMaxNameBytes);
  SkipSpace();
  if (Consume('(')) {
    // set() is how Python (and ToPythonLiteral) spells the empty set.
    SkipSpace();
    if (name == "set" && Consume(')')) {
      out->kind = Kind::kSet;
      return true;
    }
    return FailAt(start, "function call '" + shown + "(...)' is not allowed in a literal");
  }
  const std::string lower = ToLower(name);
  std::string hint = "quote strings, e.g. '" + shown + "'";
  if (lower == "true" || lower == "false" || lower == "none" || lower == "null") {
    hint = lower == "true"    ? "did you mean True?"
           : lower == "false" ? "did you mean False?"
                              : "did you mean None?";
  } else if (lower == "inf" || lower == "infinity" || lower == "nan") {
    hint = "inf and nan are only accepted as a whole value, not inside a literal";
  }
  return FailAt(start, "name '" + shown + "' is not allowed in a literal (" + hint + ")");
}

// Length of a string prefix (r, u, b, f, rb, ...) at `pos` when a quote
// follows it; npos when no string literal starts at `pos`.
size_t Parser::StringPrefixLength(size_t pos) const {
  size_t length = 0;
  while (length < 2 && IsAsciiAlpha(CharAt(pos + length))) ++length;
  if (pos + length >= text_.size() || !IsQuote(text_[pos + length])) return std::string::npos;
  const std::string prefix = ToLower(text_.substr(pos, length));
  static const char* const kPrefixes[] = {"", "r", "u", "b", "f", "br", "rb", "fr", "rf"};
  for (const char* known : kPrefixes) {
    if (prefix == known) return length;
  }
  return std::string::npos;
}

// Adjacent string literals concatenate, as in Python: 'a' "b" -> "ab".
bool Parser::ParseStrings(Value* out) {
  std::string text;
  do {
    if (!ParseString(&text)) return false;
    SkipSpace();
  } while (StringPrefixLength(pos_) != std::string::npos);
  *out = MakeScalar(Kind::kString, std::move(text));
  return true;
}

// Appends one (possibly raw or triple-quoted) string literal's contents.
bool Parser::ParseString(std::string* out) {
  const size_t start = pos_;
  const size_t prefix_length = StringPrefixLength(pos_);
  const std::string prefix = ToLower(text_.substr(pos_, prefix_length));
  if (prefix.find('b') != std::string::npos) {
    return FailAt(start, "bytes literals (b'...') are not supported");
  }
  if (prefix.find('f') != std::string::npos) return FailAt(start, "f-strings are not supported");
  const bool raw = prefix.find('r') != std::string::npos;
  pos_ += prefix_length;
  const char quote = text_[pos_];
  const std::string closing(3, quote);
  const bool triple = text_.compare(pos_, 3, closing) == 0;
  pos_ += triple ? 3 : 1;
  const std::string unterminated =
      triple ? "unterminated triple-quoted string starting" : "unterminated string starting";
  while (!AtEnd()) {
    char c = text_[pos_];
    if (c == quote && (!triple || text_.compare(pos_, 3, closing) == 0)) {
      pos_ += triple ? 3 : 1;
      return true;
    }
    if (!triple && (c == '\n' || c == '\r')) break;
    if (c == '\\' && raw) {
      // Raw strings keep the backslash and the character after it; that
      // character still cannot end the string.
      out->push_back(c);
      ++pos_;
      if (!AtEnd()) AppendSourceChar(out);
    } else if (c == '\\') {
      if (!ParseEscape(out)) return false;
    } else {
      AppendSourceChar(out);
    }
  }
  return FailAt(start, unterminated);
}

// Copies one byte of string body; like Python's tokenizer, "\r\n" and a
// lone "\r" are read as "\n".
void Parser::AppendSourceChar(std::string* out) {
  char c = text_[pos_++];
  if (c == '\r') {
    c = '\n';
    Consume('\n');
  }
  out->push_back(c);
}

// Decodes the escape sequence at pos_ (a backslash) like Python's str
// literals; a backslash at the very end is left for the caller to report as
// an unterminated string.
bool Parser::ParseEscape(std::string* out) {
  const size_t start = pos_;
  ++pos_;
  if (AtEnd()) return true;
  const char c = text_[pos_++];
  switch (c) {
    case '\n': return true;  // line continuation
    case '\r': Consume('\n'); return true;
    case '\\':
    case '\'':
    case '"': out->push_back(c); return true;
    case 'n': out->push_back('\n'); return true;
    case 't': out->push_back('\t'); return true;
    case 'r': out->push_back('\r'); return true;
    case 'a': out->push_back('\a'); return true;
    case 'b': out->push_back('\b'); return true;
    case 'f': out->push_back('\f'); return true;
    case 'v': out->push_back('\v'); return true;
    case 'x': return ParseHexEscape(start, 2, out);
    case 'u': return ParseHexEscape(start, 4, out);
    case 'U': return ParseHexEscape(start, 8, out);
    case 'N': return FailAt(start, "named Unicode escapes (\\N{...}) are not supported");
    default: break;
  }
  if (IsOctDigit(c)) {
    uint32_t code_point = static_cast<uint32_t>(c - '0');
    for (int i = 0; i < 2 && !AtEnd() && IsOctDigit(text_[pos_]); ++i) {
      code_point = code_point * 8 + static_cast<uint32_t>(text_[pos_++] - '0');
    }
    AppendUtf8(code_point, out);
    return true;
  }
  // Unknown escapes such as \d keep their backslash, as in Python.
  out->push_back('\\');
  out->push_back(c);
  return true;
}

// \xhh, \uXXXX, \UXXXXXXXX: exactly `digits` hex digits after the letter.
bool Parser::ParseHexEscape(size_t start, int digits, std::string* out) {
  const std::string form = digits == 2 ? "\\xXX" : digits == 4 ? "\\uXXXX" : "\\UXXXXXXXX";
  uint32_t code_point = 0;
  for (int i = 0; i < digits; ++i) {
    if (AtEnd() || !IsHexDigit(text_[pos_])) {
      return FailAt(start, "truncated " + form + " escape");
    }
    code_point = code_point * 16 + static_cast<uint32_t>(HexValue(text_[pos_++]));
  }
  if (code_point > 0x10FFFF) {
    return FailAt(start, "illegal Unicode character in " + form + " escape (above U+10FFFF)");
  }
  if (code_point >= 0xD800 && code_point <= 0xDFFF) {
    return FailAt(start,
                  "surrogate code point in " + form + " escape (it cannot be encoded as UTF-8)");
  }
  AppendUtf8(code_point, out);
  return true;
}

// One sentence: what went wrong and where; "(end of value)" when the text
// ran out, which is otherwise easy to miss.
bool Parser::FailAt(size_t pos, const std::string& what) {
  error_ = "malformed Python literal \"" + Printable(text_, kMaxQuotedBytes) + "\": " + what +
           " at column " + std::to_string(Column(pos));
  if (pos >= text_.size()) error_ += " (end of value)";
  return false;
}

bool Parser::FailExpected(const std::string& expected) {
  if (AtEnd()) return FailAt(pos_, "expected " + expected);
  if (IsOperatorChar(text_[pos_])) {
    return FailAt(pos_, "operator " + Describe(pos_) + " is not allowed in a literal (expected " +
                            expected + ")");
  }
  return FailAt(pos_, "expected " + expected + ", found " + Describe(pos_));
}

// The token at `pos`, quoted for a message: a whole name, a run of operator
// characters, or one (UTF-8) character.
std::string Parser::Describe(size_t pos) const {
  size_t end = pos + 1;
  if (IsIdentChar(text_[pos])) {
    while (end < text_.size() && IsIdentChar(text_[end])) ++end;
  } else if (IsOperatorChar(text_[pos])) {
    while (end < text_.size() && end < pos + 3 && IsOperatorChar(text_[end])) ++end;
  } else {
    while (end < text_.size() && end < pos + 4 && IsContinuationByte(text_[end])) ++end;
  }
  std::string token = Printable(text_.substr(pos, end - pos), kMaxNameBytes);
  return token == "'" ? "\"'\"" : "'" + token + "'";
}

// 1-based column counted in characters, not bytes.
size_t Parser::Column(size_t pos) const {
  size_t column = 1;
  for (size_t i = 0; i < pos && i < text_.size(); ++i) {
    if (!IsContinuationByte(text_[i])) ++column;
  }
  return column;
}

ParseResult ParseUnguarded(const std::string& text) {
  ParseResult result;
  result.ok = true;
  const std::string trimmed = Trim(text);
  std::string number;
  if (SeedInt(trimmed, &number)) {
    result.value = MakeScalar(Kind::kInt, number);
  } else if (SeedFloat(trimmed, &number)) {
    result.value = MakeScalar(Kind::kFloat, number);
  } else if (trimmed == "None") {
    result.value.kind = Kind::kNone;
  } else if (trimmed == "True" || trimmed == "False") {
    result.value.kind = Kind::kBool;
    result.value.boolean = trimmed == "True";
  } else if (LooksLikeLiteral(trimmed)) {
    Parser parser(text);
    result.ok = parser.ParseAll(&result.value, &result.error);
    if (!result.ok) result.value = Value();
  } else {
    result.value = MakeScalar(Kind::kString, text);
  }
  return result;
}

// Python's repr of a str, always single-quoted; non-ASCII is kept as is.
void AppendStringRepr(const std::string& text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('\'');
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\'': *out += "\\'"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          *out += "\\x";
          out->push_back(kHex[byte >> 4]);
          out->push_back(kHex[byte & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('\'');
}

void AppendLiteral(const Value& value, std::string* out);

void AppendItems(const std::vector<Value>& items, std::string* out) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) *out += ", ";
    AppendLiteral(items[i], out);
  }
}

void AppendDict(const std::vector<Value>& items, std::string* out) {
  out->push_back('{');
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    if (i > 0) *out += ", ";
    AppendLiteral(items[i], out);
    *out += ": ";
    AppendLiteral(items[i + 1], out);
  }
  out->push_back('}');
}

void AppendLiteral(const Value& value, std::string* out) {
  switch (value.kind) {
    case Kind::kNone: *out += "None"; break;
    case Kind::kBool: *out += value.boolean ? "True" : "False"; break;
    case Kind::kInt:
    case Kind::kFloat: *out += value.text; break;
    case Kind::kString: AppendStringRepr(value.text, out); break;
    case Kind::kList:
      out->push_back('[');
      AppendItems(value.items, out);
      out->push_back(']');
      break;
    case Kind::kTuple:
      out->push_back('(');
      AppendItems(value.items, out);
      if (value.items.size() == 1) out->push_back(',');
      out->push_back(')');
      break;
    case Kind::kDict: AppendDict(value.items, out); break;
    case Kind::kSet:
      if (value.items.empty()) {
        *out += "set()";
        break;
      }
      out->push_back('{');
      AppendItems(value.items, out);
      out->push_back('}');
      break;
  }
}

}  // namespace

ParseResult ParseCommandLineValue(const std::string& text) {
  // Only allocation failures can throw; report them instead of crashing.
  try {
    return ParseUnguarded(text);
  } catch (...) {
    ParseResult result;
    result.error = "value too large to parse (out of memory)";
    return result;
  }
}

std::string ToPythonLiteral(const Value& value) {
  std::string out;
  AppendLiteral(value, &out);
  return out;
}

}  // namespace pt2ts
