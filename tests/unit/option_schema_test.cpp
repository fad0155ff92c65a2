// The option schema (tool/options/convert_options.def) against what is made
// from it outside C++ (the cache key's side: cache_key_test.cpp):
// pt2ts_add_torchscript()'s keyword lists in
// cmake/Pt2tsFunctions.cmake are the schema's CMAKE column, and its format
// table is the format registry's (tool/options/artifact_formats.def).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "options/artifact_formats.h"
#include "options/convert_options.h"

namespace pt2ts {
namespace {

struct Row {
  const char* field;
  const char* names;
  const char* cmake;
  KeyRole key;
  bool is_flag;
  bool is_list;
};

const Row kRows[] = {
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key, help) \
  {#field, names, cmake, KeyRole::key, std::is_same_v<type, bool>,                    \
   !std::is_same_v<type, std::string> && !std::is_arithmetic_v<type>},
#include "options/convert_options.def"
#undef PT2TS_OPTION
};

// The words of `set(<name> ...)` (up to its closing parenthesis).
std::set<std::string> CMakeList(const std::string& text, const std::string& name) {
  const size_t start = text.find("set(" + name + " ");
  if (start == std::string::npos) return {};
  const size_t end = text.find(')', start);
  std::istringstream words(text.substr(start + 5 + name.size(), end - start - 5 - name.size()));
  std::set<std::string> result;
  for (std::string word; words >> word;) result.insert(word);
  return result;
}

TEST(OptionSchemaTest, CMakeKeywordsAreTheSchemas) {
  std::ifstream file(PT2TS_SOURCE_DIR "/cmake/Pt2tsFunctions.cmake");
  ASSERT_TRUE(file.good());
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const std::set<std::string> one_value = CMakeList(text, "one_value_keywords");
  const std::set<std::string> multi_value = CMakeList(text, "multi_value_keywords");
  std::smatch match;
  const std::regex flags_regex("cmake_parse_arguments\\(PARSE_ARGV 1 arg \"([A-Z_;]*)\"");
  ASSERT_TRUE(std::regex_search(text, match, flags_regex));
  std::set<std::string> flags;  // the keywords without a value
  std::istringstream flag_words(std::regex_replace(match[1].str(), std::regex(";"), " "));
  for (std::string word; flag_words >> word;) flags.insert(word);
  ASSERT_FALSE(one_value.empty());
  ASSERT_FALSE(multi_value.empty());

  std::set<std::string> declared;
  for (const Row& row : kRows) {
    if (*row.cmake == '\0') continue;
    declared.insert(row.cmake);
    const std::set<std::string>& expected =
        row.is_flag ? flags : row.is_list ? multi_value : one_value;
    EXPECT_EQ(expected.count(row.cmake), 1U)
        << row.cmake << " (" << row.field << ") is not in Pt2tsFunctions.cmake's "
        << (row.is_flag ? "flags" : row.is_list ? "multi_value_keywords" : "one_value_keywords");
  }
  // The keywords that are CMake's own: OPTIONS passes any pt2ts option on.
  const std::set<std::string> cmake_only = {"OPTIONS"};
  for (const std::set<std::string>* list : {&one_value, &multi_value, static_cast<const std::set<std::string>*>(&flags)}) {
    for (const std::string& keyword : *list) {
      EXPECT_TRUE(declared.count(keyword) == 1 || cmake_only.count(keyword) == 1)
          << keyword << " is in Pt2tsFunctions.cmake but not in convert_options.def's CMAKE column";
    }
  }
}

TEST(OptionSchemaTest, CMakeFormatsAreTheRegistrys) {
  std::ifstream file(PT2TS_SOURCE_DIR "/cmake/Pt2tsFunctions.cmake");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  std::smatch match;
  const std::regex table("function\\(_pt2ts_artifact_formats out_var\\)\\s*set\\(\\$\\{out_var\\} "
                         "((\"[^\"]*\" ?)+) PARENT_SCOPE\\)");
  ASSERT_TRUE(std::regex_search(text, match, table)) << "no _pt2ts_artifact_formats() table";
  std::vector<std::string> cmake_formats;
  const std::string entries = match[1].str();
  const std::regex entry("\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(entries.begin(), entries.end(), entry);
       it != std::sregex_iterator(); ++it) {
    cmake_formats.push_back((*it)[1].str());
  }
  std::vector<std::string> registry;
  for (const ArtifactFormat* format = kArtifactFormats; format->name != nullptr; ++format) {
    registry.push_back(std::string(format->name) + " " + format->extension + " " +
                       (format->exported ? "exported" : "scripted"));
  }
  EXPECT_EQ(cmake_formats, registry);
}

TEST(OptionSchemaTest, EveryCommandLineOptionHasALongName) {
  for (const Row& row : kRows) {
    const std::string names = row.names;
    if (names.empty() || names[0] != '-') continue;
    EXPECT_NE(names.find("--"), std::string::npos) << row.field;
  }
}

}  // namespace
}  // namespace pt2ts
