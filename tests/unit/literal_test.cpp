// Tests for the command-line value rule (ParseCommandLineValue) and for
// ToPythonLiteral.
#include "cli/literal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace pt2ts {

// Lets GoogleTest print Values readably in failure messages.
void PrintTo(const Value& value, std::ostream* os) {
  static const char* const kKinds[] = {"None", "Bool",  "Int",  "Float", "String",
                                       "List", "Tuple", "Dict", "Set"};
  *os << "Value(" << kKinds[static_cast<int>(value.kind)] << ": " << ToPythonLiteral(value) << ")";
}

namespace {

using Kind = Value::Kind;

Value Scalar(Kind kind, std::string text) {
  Value value;
  value.kind = kind;
  value.text = std::move(text);
  return value;
}
Value Int(std::string text) { return Scalar(Kind::kInt, std::move(text)); }
Value Float(std::string text) { return Scalar(Kind::kFloat, std::move(text)); }
Value Str(std::string text) { return Scalar(Kind::kString, std::move(text)); }
Value NoneValue() { return Value(); }
Value Bool(bool b) {
  Value value;
  value.kind = Kind::kBool;
  value.boolean = b;
  return value;
}
Value Container(Kind kind, std::vector<Value> items) {
  Value value;
  value.kind = kind;
  value.items = std::move(items);
  return value;
}
Value List(std::vector<Value> items = {}) { return Container(Kind::kList, std::move(items)); }
Value Tuple(std::vector<Value> items = {}) { return Container(Kind::kTuple, std::move(items)); }
Value Dict(std::vector<Value> items = {}) { return Container(Kind::kDict, std::move(items)); }
Value Set(std::vector<Value> items = {}) { return Container(Kind::kSet, std::move(items)); }

// The value `text` parses to; records a failure when it does not parse.
Value Parse(const std::string& text) {
  ParseResult result = ParseCommandLineValue(text);
  EXPECT_TRUE(result.ok) << "input: " << text << "\nerror: " << result.error;
  EXPECT_TRUE(result.error.empty()) << result.error;
  return result.value;
}

// The error `text` gives; records a failure when it parses.
std::string Error(const std::string& text) {
  ParseResult result = ParseCommandLineValue(text);
  EXPECT_FALSE(result.ok) << "input: " << text << "\nparsed as: " << ToPythonLiteral(result.value);
  EXPECT_FALSE(result.error.empty());
  return result.error;
}

// Checks that `text` fails with an error containing every fragment.
void ExpectError(const std::string& text, const std::vector<std::string>& fragments) {
  std::string error = Error(text);
  for (const std::string& fragment : fragments) {
    EXPECT_NE(error.find(fragment), std::string::npos)
        << "input: " << text << "\nerror: " << error << "\nmissing: " << fragment;
  }
}

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// ---------------------------------------------------------------------------
// Rule 1: Python int() syntax, base 10.

TEST(SeedIntTest, CanonicalDecimal) {
  EXPECT_EQ(Parse("0"), Int("0"));
  EXPECT_EQ(Parse("3"), Int("3"));
  EXPECT_EQ(Parse("-12"), Int("-12"));
  EXPECT_EQ(Parse("+3"), Int("3"));
  EXPECT_EQ(Parse("-0"), Int("0"));
  EXPECT_EQ(Parse("+0"), Int("0"));
  EXPECT_EQ(Parse("00"), Int("0"));
  EXPECT_EQ(Parse("010"), Int("10"));
  EXPECT_EQ(Parse("-007"), Int("-7"));
  EXPECT_EQ(Parse("1_000"), Int("1000"));
  EXPECT_EQ(Parse("0_0_1"), Int("1"));
  EXPECT_EQ(Parse("123456789012345678901234567890"), Int("123456789012345678901234567890"));
}

TEST(SeedIntTest, SurroundingWhitespaceIsIgnored) {
  EXPECT_EQ(Parse(" 3 "), Int("3"));
  EXPECT_EQ(Parse("\t-12\n"), Int("-12"));
  EXPECT_EQ(Parse("\r\v\f42 "), Int("42"));
}

TEST(SeedIntTest, NonIntsAreNotInts) {
  EXPECT_EQ(Parse("1__000"), Str("1__000"));
  EXPECT_EQ(Parse("_1"), Str("_1"));
  EXPECT_EQ(Parse("1_"), Str("1_"));
  EXPECT_EQ(Parse("--1"), Str("--1"));
  EXPECT_EQ(Parse("+-1"), Str("+-1"));
  EXPECT_EQ(Parse("- 1"), Str("- 1"));
  EXPECT_EQ(Parse("1 000"), Str("1 000"));
  EXPECT_EQ(Parse("-"), Str("-"));
  EXPECT_EQ(Parse("+"), Str("+"));
}

// ---------------------------------------------------------------------------
// Rule 2: Python float() syntax.

TEST(SeedFloatTest, DecimalFloats) {
  EXPECT_EQ(Parse("1.5"), Float("1.5"));
  EXPECT_EQ(Parse("-1.5"), Float("-1.5"));
  EXPECT_EQ(Parse("+1.5"), Float("+1.5"));
  EXPECT_EQ(Parse(".5"), Float(".5"));
  EXPECT_EQ(Parse("-.5"), Float("-.5"));
  EXPECT_EQ(Parse("5."), Float("5."));
  EXPECT_EQ(Parse("1e5"), Float("1e5"));
  EXPECT_EQ(Parse("1E-3"), Float("1E-3"));
  EXPECT_EQ(Parse("1e-3"), Float("1e-3"));
  EXPECT_EQ(Parse("2.5e+10"), Float("2.5e+10"));
  EXPECT_EQ(Parse("5.e3"), Float("5.e3"));
  EXPECT_EQ(Parse("01.5"), Float("01.5"));
  EXPECT_EQ(Parse("1_0.5"), Float("10.5"));
  EXPECT_EQ(Parse("1_000.000_1"), Float("1000.0001"));
  EXPECT_EQ(Parse("1e1_0"), Float("1e10"));
  EXPECT_EQ(Parse(" 2.5 "), Float("2.5"));
  EXPECT_EQ(Parse("\n-1e-3\t"), Float("-1e-3"));
}

TEST(SeedFloatTest, InfinityAndNan) {
  EXPECT_EQ(Parse("inf"), Float("inf"));
  EXPECT_EQ(Parse("-inf"), Float("-inf"));
  EXPECT_EQ(Parse("+inf"), Float("+inf"));
  EXPECT_EQ(Parse("Infinity"), Float("Infinity"));
  EXPECT_EQ(Parse("-INFINITY"), Float("-INFINITY"));
  EXPECT_EQ(Parse("nan"), Float("nan"));
  EXPECT_EQ(Parse("NaN"), Float("NaN"));
  EXPECT_EQ(Parse("-nan"), Float("-nan"));
  EXPECT_EQ(Parse(" inf "), Float("inf"));
}

TEST(SeedFloatTest, NonFloatsStayStrings) {
  for (const char* text :
       {"1e", "1e+", "e5", ".", "-.", "1.5.2", "infinit", "infinityy", "nana", "3j", "1_.5", "1._5",
        "1.5_", "1e_5", "._5", "1__0.5", "1,5", "1.5f", "1d"}) {
    EXPECT_EQ(Parse(text), Str(text)) << text;
  }
}

// ---------------------------------------------------------------------------
// Rule 3: constants and literals.

TEST(ConstantTest, TrueFalseNone) {
  EXPECT_EQ(Parse("True"), Bool(true));
  EXPECT_EQ(Parse("False"), Bool(false));
  EXPECT_EQ(Parse("None"), NoneValue());
  EXPECT_EQ(Parse(" True\n"), Bool(true));
  EXPECT_EQ(Parse("\tNone "), NoneValue());
}

TEST(ConstantTest, OtherSpellingsAreStrings) {
  for (const char* text : {"true", "TRUE", "false", "none", "null", "Nonee", "True False"}) {
    EXPECT_EQ(Parse(text), Str(text)) << text;
  }
}

TEST(LiteralTest, Containers) {
  EXPECT_EQ(Parse("[1, 2]"), List({Int("1"), Int("2")}));
  EXPECT_EQ(Parse("[]"), List());
  EXPECT_EQ(Parse("[1,]"), List({Int("1")}));
  EXPECT_EQ(Parse("()"), Tuple());
  EXPECT_EQ(Parse("(1,)"), Tuple({Int("1")}));
  EXPECT_EQ(Parse("(1, 2)"), Tuple({Int("1"), Int("2")}));
  EXPECT_EQ(Parse("(1, 2,)"), Tuple({Int("1"), Int("2")}));
  EXPECT_EQ(Parse("{}"), Dict());
  EXPECT_EQ(Parse("{'a': 1}"), Dict({Str("a"), Int("1")}));
  EXPECT_EQ(Parse("{'a': 1, 'b': [2],}"), Dict({Str("a"), Int("1"), Str("b"), List({Int("2")})}));
  EXPECT_EQ(Parse("{1, 2}"), Set({Int("1"), Int("2")}));
  EXPECT_EQ(Parse("{1,}"), Set({Int("1")}));
  EXPECT_EQ(Parse("{1}"), Set({Int("1")}));
  EXPECT_EQ(Parse("[True, False, None]"), List({Bool(true), Bool(false), NoneValue()}));
}

TEST(LiteralTest, ParenthesizedExpressionIsNotATuple) {
  EXPECT_EQ(Parse("(1)"), Int("1"));
  EXPECT_EQ(Parse("((1))"), Int("1"));
  EXPECT_EQ(Parse("('a')"), Str("a"));
  EXPECT_EQ(Parse("((1,))"), Tuple({Int("1")}));
  EXPECT_EQ(Parse("[(1), (2,)]"), List({Int("1"), Tuple({Int("2")})}));
  EXPECT_EQ(Parse("(())"), Tuple());
}

TEST(LiteralTest, Nested) {
  EXPECT_EQ(Parse("[1, [2, [3, []]]]"),
            List({Int("1"), List({Int("2"), List({Int("3"), List()})})}));
  EXPECT_EQ(
      Parse("{'layers': [64, 128], 'act': ('relu', None), 'opts': {'bias': True}}"),
      Dict({Str("layers"), List({Int("64"), Int("128")}), Str("act"),
            Tuple({Str("relu"), NoneValue()}), Str("opts"), Dict({Str("bias"), Bool(true)})}));
  EXPECT_EQ(
      Parse("{(1, 2): {3, 4}, None: [set()]}"),
      Dict({Tuple({Int("1"), Int("2")}), Set({Int("3"), Int("4")}), NoneValue(), List({Set()})}));
}

TEST(LiteralTest, WhitespaceBetweenTokens) {
  EXPECT_EQ(Parse("  [1]  "), List({Int("1")}));
  EXPECT_EQ(Parse("[\n  1,\n\t2\n]"), List({Int("1"), Int("2")}));
  EXPECT_EQ(Parse("{ 'a' :\t1 , }"), Dict({Str("a"), Int("1")}));
  EXPECT_EQ(Parse("( 1 , )"), Tuple({Int("1")}));
  EXPECT_EQ(Parse("[ ]"), List());
  EXPECT_EQ(Parse("{ }"), Dict());
  EXPECT_EQ(Parse("[set( )]"), List({Set()}));
}

// "set()" alone does not start like a literal, so rule 4 keeps it as text
// (as the old tool did); inside a literal it is the empty set.
TEST(LiteralTest, EmptySetNeedsAnEnclosingLiteral) {
  EXPECT_EQ(Parse("set()"), Str("set()"));
  EXPECT_EQ(Parse("(set())"), Set());
  EXPECT_EQ(Parse("[set(), {1}]"), List({Set(), Set({Int("1")})}));
}

TEST(LiteralTest, BackslashLineContinuationBetweenTokens) {
  EXPECT_EQ(Parse("[1, \\\n 2]"), List({Int("1"), Int("2")}));
  EXPECT_EQ(Parse("('a'\\\r\n'b',)"), Tuple({Str("ab")}));
  ExpectError("[1, \\ 2]", {"expected a value, found '\\'", "column 5"});
}

TEST(LiteralTest, DecimalIntsInsideLiterals) {
  EXPECT_EQ(Parse("[0, 00, 0_0, -0, +5, 1_000, 123]"),
            List({Int("0"), Int("0"), Int("0"), Int("0"), Int("5"), Int("1000"), Int("123")}));
}

TEST(LiteralTest, RepeatedSigns) {
  EXPECT_EQ(Parse("[--1, -+-1, - 4, - - 5, +-0, ---2.5]"),
            List({Int("1"), Int("1"), Int("-4"), Int("5"), Int("0"), Float("-2.5")}));
}

TEST(LiteralTest, FloatsInsideLiterals) {
  EXPECT_EQ(Parse("[1.5, .5, 5., 1e5, 1.5e-3, -2.5, +1.5, 1_0.5, 01.5, 1E+5, -.5, 0e0]"),
            List({Float("1.5"), Float(".5"), Float("5."), Float("1e5"), Float("1.5e-3"),
                  Float("-2.5"), Float("1.5"), Float("10.5"), Float("01.5"), Float("1E+5"),
                  Float("-.5"), Float("0e0")}));
}

TEST(LiteralTest, PrefixedIntsAtTopLevel) {
  EXPECT_EQ(Parse("0x1f"), Int("0x1f"));
  EXPECT_EQ(Parse("0X1F"), Int("0x1F"));
  EXPECT_EQ(Parse("-0x1f"), Int("-0x1f"));
  EXPECT_EQ(Parse("+0o17"), Int("0o17"));
  EXPECT_EQ(Parse("-0O17"), Int("-0o17"));
  EXPECT_EQ(Parse("0b101"), Int("0b101"));
  EXPECT_EQ(Parse("0B1"), Int("0b1"));
  EXPECT_EQ(Parse("0x_ff"), Int("0xff"));
  EXPECT_EQ(Parse("0xdead_beef"), Int("0xdeadbeef"));
  EXPECT_EQ(Parse(" 0b1_0 "), Int("0b10"));
}

TEST(LiteralTest, PrefixedIntsInsideLiterals) {
  EXPECT_EQ(Parse("[0b1, -0o7, --0x1, -0x0, 0o_1]"),
            List({Int("0b1"), Int("-0o7"), Int("0x1"), Int("-0x0"), Int("0o1")}));
}

TEST(LiteralTest, PrefixWithoutDigitsOfItsBaseIsAString) {
  for (const char* text : {"0x", "0b", "0o", "0b2", "0o9", "0xg", "--0x1", "0y1", "x0x1"}) {
    EXPECT_EQ(Parse(text), Str(text)) << text;
  }
}

// ---------------------------------------------------------------------------
// Strings.

TEST(StringTest, Quotes) {
  EXPECT_EQ(Parse("'abc'"), Str("abc"));
  EXPECT_EQ(Parse("\"abc\""), Str("abc"));
  EXPECT_EQ(Parse("''"), Str(""));
  EXPECT_EQ(Parse("\"\""), Str(""));
  EXPECT_EQ(Parse("'a\"b'"), Str("a\"b"));
  EXPECT_EQ(Parse("\"a'b\""), Str("a'b"));
  EXPECT_EQ(Parse("  'padded'  "), Str("padded"));
  EXPECT_EQ(Parse("' 3 '"), Str(" 3 "));
  EXPECT_EQ(Parse("'[1]'"), Str("[1]"));
}

TEST(StringTest, TripleQuoted) {
  EXPECT_EQ(Parse("'''tri'ple'''"), Str("tri'ple"));
  EXPECT_EQ(Parse("\"\"\"a\nb\"\"\""), Str("a\nb"));
  EXPECT_EQ(Parse("'''a''b'''"), Str("a''b"));
  EXPECT_EQ(Parse("''''''"), Str(""));
  EXPECT_EQ(Parse("'''\\n'''"), Str("\n"));
  EXPECT_EQ(Parse("'''a\\'''' "), Str("a'"));
}

TEST(StringTest, RawStrings) {
  EXPECT_EQ(Parse("r'a\\nb'"), Str("a\\nb"));
  EXPECT_EQ(Parse("R\"x\\d\""), Str("x\\d"));
  EXPECT_EQ(Parse("r'\\''"), Str("\\'"));
  EXPECT_EQ(Parse("r'\\\\'"), Str("\\\\"));
  EXPECT_EQ(Parse("r'''a\\'''b'''"), Str("a\\'''b"));
  EXPECT_EQ(Parse("[r'\\x', R'\\u']"), List({Str("\\x"), Str("\\u")}));
}

TEST(StringTest, UnicodePrefixIsAcceptedInsideLiterals) {
  EXPECT_EQ(Parse("[u'x', U\"y\"]"), List({Str("x"), Str("y")}));
}

TEST(StringTest, AdjacentLiteralsConcatenate) {
  EXPECT_EQ(Parse("'a' 'b'"), Str("ab"));
  EXPECT_EQ(Parse("'a'\"b\"r'\\c'"), Str("ab\\c"));
  EXPECT_EQ(Parse("['a' 'b', 'c']"), List({Str("ab"), Str("c")}));
  EXPECT_EQ(Parse("('a'\n 'b')"), Str("ab"));
  EXPECT_EQ(Parse("{'k' 'ey': 'v' u'al'}"), Dict({Str("key"), Str("val")}));
}

TEST(StringTest, SimpleEscapes) {
  EXPECT_EQ(Parse(R"('\\')"), Str("\\"));
  EXPECT_EQ(Parse(R"('\'')"), Str("'"));
  EXPECT_EQ(Parse(R"('\"')"), Str("\""));
  EXPECT_EQ(Parse(R"("\"")"), Str("\""));
  EXPECT_EQ(Parse(R"('\n')"), Str("\n"));
  EXPECT_EQ(Parse(R"('\t')"), Str("\t"));
  EXPECT_EQ(Parse(R"('\r')"), Str("\r"));
  EXPECT_EQ(Parse(R"('\a')"), Str("\a"));
  EXPECT_EQ(Parse(R"('\b')"), Str("\b"));
  EXPECT_EQ(Parse(R"('\f')"), Str("\f"));
  EXPECT_EQ(Parse(R"('\v')"), Str("\v"));
  EXPECT_EQ(Parse(R"('a\tb\nc')"), Str("a\tb\nc"));
}

TEST(StringTest, OctalEscapes) {
  EXPECT_EQ(Parse(R"('\0')"), Str(std::string(1, '\0')));
  EXPECT_EQ(Parse(R"('\7')"), Str("\a"));
  EXPECT_EQ(Parse(R"('\101')"), Str("A"));
  EXPECT_EQ(Parse(R"('\1234')"), Str("S4"));  // at most three digits
  EXPECT_EQ(Parse(R"('\08')"), Str(std::string({'\0', '8'})));
  EXPECT_EQ(Parse(R"('\377')"), Str("\xc3\xbf"));  // U+00FF, like Python's str
  EXPECT_EQ(Parse(R"('\777')"), Str("\xc7\xbf"));  // U+01FF
}

TEST(StringTest, HexAndUnicodeEscapes) {
  EXPECT_EQ(Parse(R"('\x41')"), Str("A"));
  EXPECT_EQ(Parse(R"('\x4a\x4A')"), Str("JJ"));
  EXPECT_EQ(Parse(R"('\xff')"), Str("\xc3\xbf"));
  EXPECT_EQ(Parse(R"('\x00')"), Str(std::string(1, '\0')));
  EXPECT_EQ(Parse(R"('\u00e9')"), Str("\xc3\xa9"));
  EXPECT_EQ(Parse(R"('\u20AC')"), Str("\xe2\x82\xac"));
  EXPECT_EQ(Parse(R"('\U0001F600')"), Str("\xf0\x9f\x98\x80"));
  EXPECT_EQ(Parse(R"('\U0010FFFF')"), Str("\xf4\x8f\xbf\xbf"));
  EXPECT_EQ(Parse(R"('\u0041bc')"), Str("Abc"));
}

TEST(StringTest, LineContinuationIsRemoved) {
  EXPECT_EQ(Parse("'ab\\\ncd'"), Str("abcd"));
  EXPECT_EQ(Parse("'ab\\\r\ncd'"), Str("abcd"));
  EXPECT_EQ(Parse("'''a\\\nb'''"), Str("ab"));
}

TEST(StringTest, CarriageReturnsReadAsNewlinesLikePythonSource) {
  EXPECT_EQ(Parse("'''a\r\nb\rc'''"), Str("a\nb\nc"));
  EXPECT_EQ(Parse("r'''a\\\r\nb'''"), Str("a\\\nb"));
  EXPECT_EQ(Parse("r'a\\\rb'"), Str("a\\\nb"));
  EXPECT_EQ(Parse(R"('a\rb')"), Str("a\rb"));  // the \r escape is still a carriage return
}

TEST(StringTest, UnknownEscapesKeepTheBackslash) {
  EXPECT_EQ(Parse(R"('\d')"), Str("\\d"));
  EXPECT_EQ(Parse(R"('\8\9')"), Str("\\8\\9"));
  EXPECT_EQ(Parse(R"('C:\path\q')"), Str("C:\\path\\q"));
  EXPECT_EQ(Parse("'\\\xc3\xa9'"), Str("\\\xc3\xa9"));
}

TEST(StringTest, Utf8PassesThrough) {
  EXPECT_EQ(Parse("'h\xc3\xa9llo'"), Str("h\xc3\xa9llo"));
  EXPECT_EQ(Parse("['\xe6\x97\xa5\xe6\x9c\xac']"), List({Str("\xe6\x97\xa5\xe6\x9c\xac")}));
}

TEST(StringTest, EmbeddedNulByte) {
  EXPECT_EQ(Parse(std::string("'a\0b'", 5)), Str(std::string("a\0b", 3)));
}

// ---------------------------------------------------------------------------
// Rule 4: everything else is kept as the original text.

TEST(PlainStringTest, KeptUnchanged) {
  const std::vector<std::string> texts = {"relu",
                                          "a b",
                                          "1e",
                                          "--x",
                                          "3j",
                                          "",
                                          " ",
                                          " relu ",
                                          "it's",
                                          "x=[1]",
                                          "set()",
                                          "u'x'",
                                          "b'x'",
                                          "f'x'",
                                          "rb'x'",
                                          "a]",
                                          "1,2",
                                          "-x",
                                          "r",
                                          "R",
                                          "rr'x'",
                                          "None,",
                                          "True!",
                                          "0x",
                                          "path/to/file.py",
                                          "1 + 2",
                                          "Tensor[3]",
                                          "\xc3\xa9t\xc3\xa9"};
  for (const std::string& text : texts) {
    EXPECT_EQ(Parse(text), Str(text)) << text;
  }
}

// ---------------------------------------------------------------------------
// Errors.

TEST(ErrorTest, ExactMessageForMissingCloseBracket) {
  EXPECT_EQ(Error("[1, 2"),
            "malformed Python literal \"[1, 2\": expected ',' or ']' at column 6 (end of value)");
}

TEST(ErrorTest, UnterminatedContainers) {
  ExpectError("[", {"expected a value", "column 2", "(end of value)"});
  ExpectError("(", {"expected a value", "column 2"});
  ExpectError("{", {"expected a value", "column 2"});
  ExpectError("[1,", {"expected a value", "column 4", "(end of value)"});
  ExpectError("(1", {"expected ',' or ')'", "column 3"});
  ExpectError("(1,", {"expected a value"});
  ExpectError("{1: 2", {"expected ',' or '}'", "column 6"});
  ExpectError("{1:", {"expected a value", "column 4"});
  ExpectError("{1", {"expected ':', ',' or '}'", "column 3"});
  ExpectError("{1, 2", {"expected ',' or '}'"});
}

TEST(ErrorTest, MissingSeparators) {
  ExpectError("[1 2]", {"expected ',' or ']', found '2'", "column 4"});
  ExpectError("(1 2)", {"expected ',' or ')', found '2'"});
  ExpectError("{'a' 1}", {"found '1'", "column 6"});
  ExpectError("{1: 2, 3}", {"expected ':', found '}'", "column 9"});
  ExpectError("{1: 2 3: 4}", {"expected ',' or '}', found '3'"});
  ExpectError("{1, 2: 3}", {"expected ',' or '}', found ':'", "column 6"});
  ExpectError("[1, 2)", {"expected ',' or ']', found ')'", "column 6"});
}

TEST(ErrorTest, MissingValues) {
  ExpectError("[,]", {"expected a value, found ','", "column 2"});
  ExpectError("(,)", {"expected a value, found ','"});
  ExpectError("[1,,2]", {"expected a value, found ','", "column 4"});
  ExpectError("{:1}", {"expected a value, found ':'"});
  ExpectError("{1: }", {"expected a value, found '}'"});
  ExpectError("[1, ]]", {"unexpected ']' after the end of the literal", "column 6"});
}

TEST(ErrorTest, TrailingGarbage) {
  ExpectError("[1] x", {"unexpected 'x' after the end of the literal", "column 5"});
  ExpectError("[1]]", {"unexpected ']'", "column 4"});
  ExpectError("'a' b", {"unexpected 'b'", "column 5"});
  ExpectError("(1) + 2", {"operator '+' is not allowed", "column 5"});
  ExpectError("0x1f 2", {"unexpected '2'", "column 6"});
  ExpectError("{}{}", {"unexpected '{'", "column 3"});
}

TEST(ErrorTest, Operators) {
  ExpectError("[1 + 2]", {"operator '+' is not allowed in a literal", "column 4"});
  ExpectError("[2 * 3]", {"operator '*'"});
  ExpectError("[2 ** 3]", {"operator '**'"});
  ExpectError("[*a]", {"operator '*'", "column 2"});
  ExpectError("{**a}", {"operator '**'"});
  ExpectError("[1 == 1]", {"operator '=='"});
  ExpectError("[~1]", {"operator '~'"});
  ExpectError("[not 1]", {"name 'not'"});
}

TEST(ErrorTest, SignsNeedNumbers) {
  ExpectError("[-'a']", {"expected a number after the sign, found \"'\"", "column 3"});
  ExpectError("[-]", {"expected a number after the sign, found ']'"});
  ExpectError("[-True]", {"expected a number after the sign, found 'True'"});
  ExpectError("[-[1]]", {"expected a number after the sign"});
  ExpectError("(-", {"expected a number after the sign", "(end of value)"});
}

TEST(ErrorTest, ComplexNumbers) {
  ExpectError("[1j]", {"complex number '1j' is not supported", "column 2"});
  ExpectError("[1.5J]", {"complex number '1.5j'"});
  ExpectError("[-2j]", {"complex number"});
  ExpectError("(1e3j,)", {"complex number"});
  ExpectError("[1 + 2j]", {"operator '+'"});
}

TEST(ErrorTest, Names) {
  ExpectError("[relu]", {"name 'relu' is not allowed in a literal", "'relu'", "column 2"});
  ExpectError("[inf]", {"name 'inf'", "only accepted as a whole value"});
  ExpectError("[-inf]", {"expected a number after the sign, found 'inf'"});
  ExpectError("[nan]", {"name 'nan'"});
  ExpectError("[Infinity]", {"name 'Infinity'"});
  ExpectError("[true]", {"did you mean True?"});
  ExpectError("[false]", {"did you mean False?"});
  ExpectError("[null]", {"did you mean None?"});
  ExpectError("['a', b]", {"name 'b'", "column 7"});
  ExpectError("[_x]", {"name '_x'"});
  ExpectError("[\xc3\xa9]", {"expected a value, found '\xc3\xa9'", "column 2"});
}

TEST(ErrorTest, Calls) {
  ExpectError("[foo(1)]", {"function call 'foo(...)' is not allowed", "column 2"});
  ExpectError("[set([1])]", {"function call 'set(...)'"});
  ExpectError("[dict()]", {"function call 'dict(...)'"});
  ExpectError("[float('inf')]", {"function call 'float(...)'"});
  ExpectError("(frozenset({1}),)", {"function call 'frozenset(...)'"});
}

TEST(ErrorTest, Ellipsis) { ExpectError("[...]", {"Ellipsis", "column 2"}); }

TEST(ErrorTest, AttributeAndSubscript) {
  ExpectError("[1.5.2]", {"found '.'", "column 5"});
  ExpectError("[[1][0]]", {"expected ',' or ']', found '['"});
  ExpectError("[.]", {"expected a value, found '.'"});
}

TEST(ErrorTest, BadDecimalLiterals) {
  ExpectError("[007]", {"leading zeros in decimal integer literals", "column 2"});
  ExpectError("[0_7]", {"leading zeros"});
  ExpectError("[-01]", {"leading zeros"});
  ExpectError("[1_]", {"invalid decimal literal", "column 3"});
  ExpectError("[1__0]", {"invalid decimal literal"});
  ExpectError("[1e]", {"invalid decimal literal"});
  ExpectError("[1e+]", {"invalid decimal literal"});
  ExpectError("[1abc]", {"invalid decimal literal"});
  ExpectError("[1._5]", {"invalid decimal literal"});
  ExpectError("[1.5_]", {"invalid decimal literal"});
}

TEST(ErrorTest, BadPrefixedLiterals) {
  ExpectError("[0x]", {"invalid hexadecimal literal", "column 4"});
  ExpectError("[0xg]", {"invalid hexadecimal literal"});
  ExpectError("[0x1g]", {"invalid hexadecimal literal", "column 5"});
  ExpectError("[0x__1]", {"invalid hexadecimal literal"});
  ExpectError("[0x1_]", {"invalid hexadecimal literal"});
  ExpectError("[0b12]", {"invalid digit '2' in binary literal", "column 5"});
  ExpectError("[0b2]", {"invalid digit '2' in binary literal"});
  ExpectError("[0o8]", {"invalid digit '8' in octal literal"});
  ExpectError("[0o]", {"invalid octal literal"});
  ExpectError("[0b1j]", {"invalid binary literal"});
  // Top-level values that look like prefixed ints must be valid ones.
  ExpectError("0x1g", {"invalid hexadecimal literal", "column 4"});
  ExpectError("0b102", {"invalid digit '2' in binary literal"});
  ExpectError("0x1f.5", {"unexpected '.'"});
  ExpectError("0x1p3", {"invalid hexadecimal literal", "column 4"});  // no hex floats
  ExpectError("-0x1-2", {"operator '-'"});
}

TEST(ErrorTest, UnterminatedStrings) {
  EXPECT_EQ(Error("[1, 'abc"),
            "malformed Python literal \"[1, 'abc\": unterminated string starting at column 5");
  ExpectError("'abc", {"unterminated string starting at column 1"});
  ExpectError("\"abc'", {"unterminated string starting at column 1"});
  ExpectError("'abc\\'", {"unterminated string"});
  ExpectError("'abc\\", {"unterminated string"});
  ExpectError("r'abc\\'", {"unterminated string"});
  ExpectError("'a\nb'", {"unterminated string starting at column 1"});
  ExpectError("'a\rb'", {"unterminated string"});
  ExpectError("'''abc''", {"unterminated triple-quoted string starting at column 1"});
  ExpectError("[\"\"\"x\"]", {"unterminated triple-quoted string starting at column 2"});
  ExpectError("'", {"unterminated string"});
}

TEST(ErrorTest, BadEscapes) {
  ExpectError(R"('\x4')", {"truncated \\xXX escape", "column 2"});
  ExpectError(R"('\xg1')", {"truncated \\xXX escape"});
  ExpectError(R"('\x')", {"truncated \\xXX escape"});
  ExpectError(R"('ab\u12')", {"truncated \\uXXXX escape", "column 4"});
  ExpectError(R"('\U0001F60')", {"truncated \\UXXXXXXXX escape"});
  ExpectError(R"('\U00110000')", {"illegal Unicode character", "above U+10FFFF"});
  ExpectError(R"('\UFFFFFFFF')", {"illegal Unicode character"});
  ExpectError(R"('\ud800')", {"surrogate"});
  ExpectError(R"('\U0000DFFF')", {"surrogate"});
  ExpectError(R"('\N{EM DASH}')", {"\\N{...}", "not supported"});
}

TEST(ErrorTest, BytesAndFStrings) {
  ExpectError("[b'x']", {"bytes literals (b'...') are not supported", "column 2"});
  ExpectError("[B\"x\"]", {"bytes literals"});
  ExpectError("[rb'x']", {"bytes literals"});
  ExpectError("[Br'x']", {"bytes literals"});
  ExpectError("('a' b'x')", {"bytes literals", "column 6"});
  ExpectError("[f'x']", {"f-strings are not supported", "column 2"});
  ExpectError("[F'{x}']", {"f-strings"});
  ExpectError("[rf'x']", {"f-strings"});
  ExpectError("'a' f'b'", {"f-strings", "column 5"});
  ExpectError("[xr'x']", {"name 'xr'"});
}

TEST(ErrorTest, UnhashableKeysAndElements) {
  EXPECT_EQ(Error("{[1]: 2}"),
            "malformed Python literal \"{[1]: 2}\": unhashable type: 'list' as dict key at "
            "column 2");
  ExpectError("{'a': 1, {}: 2}", {"unhashable type: 'dict' as dict key", "column 10"});
  ExpectError("{{1}: 2}", {"unhashable type: 'set' as dict key"});
  ExpectError("{set(): 2}", {"unhashable type: 'set' as dict key"});
  ExpectError("{[1], 2}", {"unhashable type: 'list' as set element", "column 2"});
  ExpectError("{1, [2]}", {"unhashable type: 'list' as set element", "column 5"});
  ExpectError("{1, {}}", {"unhashable type: 'dict' as set element"});
  ExpectError("{(1, [2]): 3}", {"unhashable type: 'list' inside a tuple as dict key"});
  ExpectError("{((1, {}),)}", {"unhashable type: 'dict' inside a tuple as set element"});
  ExpectError("{1: 2, (3, (4, [5])): 6}", {"unhashable type: 'list' inside a tuple", "column 8"});
}

TEST(ErrorTest, HashableKeysAreFine) {
  EXPECT_EQ(Parse("{(1, (2, 'a')): 3, None: 4, 1.5: 5, True: 6, (): 7}"),
            Dict({Tuple({Int("1"), Tuple({Int("2"), Str("a")})}), Int("3"), NoneValue(), Int("4"),
                  Float("1.5"), Int("5"), Bool(true), Int("6"), Tuple(), Int("7")}));
  EXPECT_EQ(Parse("{(1, 2), 'a'}"), Set({Tuple({Int("1"), Int("2")}), Str("a")}));
  // Values may be anything.
  EXPECT_EQ(Parse("{1: [2], 3: {4: {5}}}"),
            Dict({Int("1"), List({Int("2")}), Int("3"), Dict({Int("4"), Set({Int("5")})})}));
}

TEST(ErrorTest, ColumnsCountCharactersNotBytes) {
  ExpectError("['\xc3\xa9\xe6\x97\xa5' x]", {"found 'x'", "column 7"});
  ExpectError("['\xc3\xa9', 1 2]", {"found '2'", "column 9"});
}

TEST(ErrorTest, LongValuesAreAbbreviatedInMessages) {
  std::string text = "[" + Repeat("1, ", 1000) + "x]";
  std::string error = Error(text);
  EXPECT_LT(error.size(), 300u) << error;
  EXPECT_NE(error.find("...\""), std::string::npos) << error;
  EXPECT_NE(error.find("name 'x'"), std::string::npos) << error;
  EXPECT_NE(error.find("column 3002"), std::string::npos) << error;
}

TEST(ErrorTest, ControlCharactersAreEscapedInMessages) {
  std::string error = Error("[1,\n x]");
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_NE(error.find("[1,\\n x]"), std::string::npos) << error;
}

TEST(ErrorTest, NoPrefix) {
  std::string error = Error("[");
  EXPECT_EQ(error.rfind("malformed Python literal", 0), 0u) << error;
}

// ---------------------------------------------------------------------------
// Robustness: depth, size, arbitrary bytes.

std::string Nested(const std::string& open, const std::string& inner, const std::string& close,
                   size_t depth) {
  return Repeat(open, depth) + inner + Repeat(close, depth);
}

TEST(RobustnessTest, NestingUpToTheLimitIsAccepted) {
  Value value = Parse(Nested("[", "1", "]", 100));
  int depth = 0;
  const Value* v = &value;
  while (v->kind == Kind::kList) {
    ++depth;
    ASSERT_EQ(v->items.size(), 1u);
    v = &v->items[0];
  }
  EXPECT_EQ(depth, 100);
  EXPECT_EQ(*v, Int("1"));
  EXPECT_EQ(Parse(Nested("(", "1", ")", 100)), Int("1"));
  EXPECT_EQ(Parse(Nested("{1: ", "2", "}", 100)).kind, Kind::kDict);
}

TEST(RobustnessTest, DeeperNestingIsAnError) {
  ExpectError(Nested("[", "1", "]", 101), {"nested too deeply", "column 101"});
  ExpectError(Nested("(", "", ")", 101), {"nested too deeply"});
  ExpectError(Nested("{1: ", "2", "}", 101), {"nested too deeply"});
  ExpectError(Nested("[(", "", ")]", 60), {"nested too deeply"});
}

TEST(RobustnessTest, VeryDeepInputDoesNotCrash) {
  ExpectError(Repeat("[", 1000000), {"nested too deeply"});
  ExpectError(Repeat("(", 1000000), {"nested too deeply"});
  ExpectError(Repeat("{", 1000000), {"nested too deeply"});
  ExpectError(Repeat("{1:", 1000000), {"nested too deeply"});
}

TEST(RobustnessTest, LongSignRunsAreNotRecursive) {
  EXPECT_EQ(Parse("[" + Repeat("-", 1000001) + "1]"), List({Int("-1")}));
  EXPECT_EQ(Parse("[" + Repeat("- ", 1000000) + "1]"), List({Int("1")}));
}

// Seconds of the fastest of three parses of `text`.
double FastestParseSeconds(const std::string& text) {
  double fastest = 1e9;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    Parse(text);
    fastest = std::min(
        fastest, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return fastest;
}

TEST(RobustnessTest, BigInputsAreLinear) {
  const size_t n = 200000;
  Value list = Parse("[" + Repeat("1, ", n) + "]");
  EXPECT_EQ(list.items.size(), n);
  Value dict = Parse("{" + Repeat("(1, 'a'): [2.5], ", n / 2) + "}");
  EXPECT_EQ(dict.items.size(), n);
  Value text = Parse("'" + Repeat("ab\\n", n) + "'");
  EXPECT_EQ(text.text.size(), 3 * n);
  Value joined = Parse(Repeat("'a' ", n));
  EXPECT_EQ(joined.text.size(), n);
  Value big_int = Parse(std::string(n, '7'));
  EXPECT_EQ(big_int.text.size(), n);
  ExpectError("[" + std::string(n, 'x') + "]", {"name 'xxx"});
  ExpectError("[" + Repeat("1, ", n) + "x]", {"name 'x'"});
  // Linear, not quadratic: four times the input takes about four times as
  // long (sixteen if quadratic). A ratio within one run, not a time limit,
  // so a slow or busy machine (sanitizers, parallel tests) does not matter.
  const double small = FastestParseSeconds("[" + Repeat("1, ", n / 4) + "]");
  const double large = FastestParseSeconds("[" + Repeat("1, ", n) + "]");
  EXPECT_LT(large, 10.0 * small + 0.05) << small << " s for n/4, " << large << " s for n";
}

// Deterministic pseudo-random inputs: never a crash, always a consistent
// result, and every value that parses round-trips through ToPythonLiteral.
TEST(RobustnessTest, RandomInputs) {
  const std::vector<std::string> pieces = {"[",       "]",
                                           "(",       ")",
                                           "{",       "}",
                                           ",",       ":",
                                           " ",       "'",
                                           "\"",      "'''",
                                           "\\",      "\\x4",
                                           "\\u00e9", "\\U0001F600",
                                           "\\n",     "r",
                                           "b",       "f",
                                           "1",       "0",
                                           "0x1f",    "_",
                                           ".",       "e",
                                           "-",       "+",
                                           "j",       "None",
                                           "True",    "set()",
                                           "inf",     "a",
                                           "\n",      "\xc3\xa9",
                                           "\xff",    std::string(1, '\0')};
  uint64_t state = 12345;
  auto next = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    size_t length = next() % 12;
    for (size_t j = 0; j < length; ++j) {
      text += pieces[next() % pieces.size()];
    }
    ParseResult result = ParseCommandLineValue(text);
    if (!result.ok) {
      EXPECT_EQ(result.error.rfind("malformed Python literal \"", 0), 0u) << result.error;
      continue;
    }
    ++parsed;
    EXPECT_TRUE(result.error.empty());
    ParseResult again = ParseCommandLineValue(ToPythonLiteral(result.value));
    ASSERT_TRUE(again.ok) << "input: " << text << "\nliteral: " << ToPythonLiteral(result.value)
                          << "\nerror: " << again.error;
    EXPECT_EQ(again.value, result.value) << "input: " << text;
  }
  EXPECT_GT(parsed, 1000);
}

// ---------------------------------------------------------------------------
// ToPythonLiteral.

TEST(ToPythonLiteralTest, Scalars) {
  EXPECT_EQ(ToPythonLiteral(NoneValue()), "None");
  EXPECT_EQ(ToPythonLiteral(Bool(true)), "True");
  EXPECT_EQ(ToPythonLiteral(Bool(false)), "False");
  EXPECT_EQ(ToPythonLiteral(Int("3")), "3");
  EXPECT_EQ(ToPythonLiteral(Int("-0x1f")), "-0x1f");
  EXPECT_EQ(ToPythonLiteral(Float("1e-3")), "1e-3");
  EXPECT_EQ(ToPythonLiteral(Float("-inf")), "-inf");
}

TEST(ToPythonLiteralTest, Strings) {
  EXPECT_EQ(ToPythonLiteral(Str("relu")), "'relu'");
  EXPECT_EQ(ToPythonLiteral(Str("")), "''");
  EXPECT_EQ(ToPythonLiteral(Str("a'b")), "'a\\'b'");
  EXPECT_EQ(ToPythonLiteral(Str("a\"b")), "'a\"b'");
  EXPECT_EQ(ToPythonLiteral(Str("a\\b")), "'a\\\\b'");
  EXPECT_EQ(ToPythonLiteral(Str("a\nb\tc\rd")), "'a\\nb\\tc\\rd'");
  EXPECT_EQ(ToPythonLiteral(Str(std::string("\0\x01\x1f\x7f", 4))), "'\\x00\\x01\\x1f\\x7f'");
  EXPECT_EQ(ToPythonLiteral(Str("\a\b\f\v")), "'\\x07\\x08\\x0c\\x0b'");
  EXPECT_EQ(ToPythonLiteral(Str("h\xc3\xa9 \xf0\x9f\x98\x80")), "'h\xc3\xa9 \xf0\x9f\x98\x80'");
}

TEST(ToPythonLiteralTest, Containers) {
  EXPECT_EQ(ToPythonLiteral(List()), "[]");
  EXPECT_EQ(ToPythonLiteral(List({Int("1"), Int("2")})), "[1, 2]");
  EXPECT_EQ(ToPythonLiteral(Tuple()), "()");
  EXPECT_EQ(ToPythonLiteral(Tuple({Int("1")})), "(1,)");
  EXPECT_EQ(ToPythonLiteral(Tuple({Int("1"), Str("a")})), "(1, 'a')");
  EXPECT_EQ(ToPythonLiteral(Dict()), "{}");
  EXPECT_EQ(ToPythonLiteral(Dict({Str("a"), Int("1"), Str("b"), List({Int("2")})})),
            "{'a': 1, 'b': [2]}");
  EXPECT_EQ(ToPythonLiteral(Set()), "set()");
  EXPECT_EQ(ToPythonLiteral(Set({Int("1"), Int("2")})), "{1, 2}");
  EXPECT_EQ(ToPythonLiteral(List({Tuple({Tuple()}), Set(), Dict({NoneValue(), Bool(false)})})),
            "[((),), set(), {None: False}]");
}

TEST(ToPythonLiteralTest, CanonicalizesParsedLiterals) {
  EXPECT_EQ(ToPythonLiteral(Parse("{ 'a' :[1,2,] , }")), "{'a': [1, 2]}");
  EXPECT_EQ(ToPythonLiteral(Parse("( 1 , )")), "(1,)");
  EXPECT_EQ(ToPythonLiteral(Parse("[--1, +2.5, 0X_1F, 1_000]")), "[1, 2.5, 0x1F, 1000]");
  EXPECT_EQ(ToPythonLiteral(Parse("\"it's\"")), "'it\\'s'");
  EXPECT_EQ(ToPythonLiteral(Parse("[r'\\d+']")), "['\\\\d+']");
}

TEST(ToPythonLiteralTest, RoundTrips) {
  for (const char* text : {"None",
                           "True",
                           "False",
                           "0",
                           "-12",
                           "010",
                           "1e-3",
                           "-inf",
                           "nan",
                           "5.",
                           "+1.5",
                           "0x1f",
                           "-0b101",
                           "relu",
                           "a b",
                           "",
                           " ",
                           "--x",
                           "set()",
                           "it's",
                           "[1, 2]",
                           "[]",
                           "()",
                           "(1,)",
                           "{}",
                           "{1, 2}",
                           "[set()]",
                           "{'a': 1, 'b': [2, (3,)]}",
                           "'a\\'b\"c'",
                           "'\\x00\\x7f\\u00e9'",
                           "'\\U0001F600'",
                           "'tab\\there'",
                           "'''multi\nline'''",
                           "r'C:\\path'",
                           "'\\\\'",
                           "[1.5, -.5, 1E5, -0x0, 0o17]",
                           "{(1, 'a'): {None: {True: ()}}}",
                           "[[[[[]]]]]",
                           "{'nested': [{'deep': ({1, 2.5, 'x'},)}]}",
                           "'h\xc3\xa9llo'",
                           "'\\a\\b\\f\\v\\r'",
                           "['a' 'b']",
                           "[-1, +2, --3]",
                           "(((1,),),)"}) {
    ParseResult first = ParseCommandLineValue(text);
    ASSERT_TRUE(first.ok) << text << ": " << first.error;
    std::string literal = ToPythonLiteral(first.value);
    ParseResult second = ParseCommandLineValue(literal);
    ASSERT_TRUE(second.ok) << text << " -> " << literal << ": " << second.error;
    EXPECT_EQ(second.value, first.value) << text << " -> " << literal;
    EXPECT_EQ(ToPythonLiteral(second.value), literal) << text;
  }
}

TEST(ToPythonLiteralTest, RoundTripsArbitraryBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  Value value = List({Str(all), Dict({Str(all), Tuple({Str(all)})})});
  ParseResult result = ParseCommandLineValue(ToPythonLiteral(value));
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.value, value);
  EXPECT_EQ(Parse(ToPythonLiteral(Str(all))), Str(all));
}

}  // namespace
}  // namespace pt2ts
