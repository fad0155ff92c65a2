// The option schema (tool/options/convert_options.def) against what is made
// from it: every option marked as changing the artifact changes the
// conversion cache's key, the others leave it alone; every option naming a
// file is a named file; pt2ts_add_torchscript()'s keyword lists in
// cmake/Pt2tsFunctions.cmake are the schema's CMAKE column, and its format
// table is the format registry's (tool/options/artifact_formats.def).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cache/cache_key.h"
#include "options/artifact_formats.h"
#include "options/convert_options.h"
#include "options/named_files.h"
#include "options/path_prefix_map.h"

namespace pt2ts {
namespace {

// Each option type changed from any value to another valid one.
void Change(std::string* value) { *value += value->empty() ? "changed" : "-changed"; }
void Change(bool* value) { *value = !*value; }
void Change(double* value) { *value = *value * 2 + 1; }
void Change(std::vector<std::string>* values) { values->push_back("/changed=."); }  // a path, and an OLD=NEW map
void Change(std::vector<Value>* values) { values->push_back(Value{Value::Kind::kInt, false, "3", {}}); }
void Change(KeywordArguments* values) {
  values->emplace_back("changed", Value{Value::Kind::kInt, false, "3", {}});
}
void Change(std::vector<InputSpec>* values) { values->push_back({{2, 3}, "float32"}); }
void Change(std::vector<DynamicDim>* values) { values->push_back(DynamicDim{0, 0, 1, 16}); }
void Change(std::vector<NamedFile>* values) { values->push_back({"weights", "/w.pt", "h"}); }

ConvertOptions BaseOptions() {
  ConvertOptions options;
  options.module_path = "/p/net.py";
  options.model_name = "Net";
  options.save_path = "/out/net.pt";
  options.format = "torchscript";
  return options;
}

// The whole direct key, file contents ("hash of PATH") included.
std::string Key(const ConvertOptions& options) {
  const PathPrefixMap map(options.path_prefix_maps);
  std::vector<NamedFile> files = DirectlyNamedFiles(options);
  for (NamedFile& file : files) file.sha256 = "hash of " + file.path;
  return DirectKey(DirectKeyText(options, map, ToolIdentity{"0.1.0", "2.6.0", "3.11", "aa", "bb"}),
                   files, map);
}

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

bool NamesAFile(KeyRole role) {
  return role == KeyRole::kWeightsFile || role == KeyRole::kExampleInputsFile ||
         role == KeyRole::kCheckInputsFile || role == KeyRole::kDependsFiles;
}

TEST(OptionSchemaTest, ArtifactChangingOptionsChangeTheCacheKey) {
  const std::string base = Key(BaseOptions());
  std::set<std::string> seen{base};
  int changing = 0;
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key, help)         \
  {                                                                                           \
    ConvertOptions options = BaseOptions();                                                   \
    Change(&options.field);                                                                   \
    const std::string changed = Key(options);                                                 \
    if (KeyRole::key == KeyRole::kNone) {                                                     \
      EXPECT_EQ(changed, base) << #field " is marked kNone but changes the cache key";       \
    } else {                                                                                  \
      ++changing;                                                                             \
      EXPECT_TRUE(seen.insert(changed).second)                                                \
          << #field " changes the artifact but not the cache key (or the same way as another)"; \
    }                                                                                         \
    EXPECT_EQ(DirectlyNamedFiles(options).size() != DirectlyNamedFiles(BaseOptions()).size(), \
              NamesAFile(KeyRole::key))                                                       \
        << #field;                                                                            \
  }
#include "options/convert_options.def"
#undef PT2TS_OPTION
  EXPECT_GT(changing, 20);
}

// kNone is a claim that an option cannot change the artifact: each one is
// listed here, so that a new row marked kNone is a decision someone made.
TEST(OptionSchemaTest, OnlyTheseOptionsLeaveTheArtifactAlone) {
  const std::set<std::string> reviewed = {
      "verbose",        // messages only
      "depfile_path",   // a file beside the artifact
      "cache_dir",      // where artifacts are kept, not what they are
      "no_cache",       //
      "cache_max_size", //
      "staging_path",   // the front end's own files
      "check_path",     //
      "start_time",     //
      "named_files",    // the k...File options' files, which are in the key
  };
  std::set<std::string> marked;
  for (const Row& row : kRows) {
    if (row.key == KeyRole::kNone) marked.insert(row.field);
  }
  EXPECT_EQ(marked, reviewed);
}

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
