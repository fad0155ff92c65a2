// The conversion cache's direct key (cache/cache_key.h): every option of
// the schema (options/convert_options.def) that changes the artifact
// changes the key, the others leave it alone, every option naming a file is
// a named file; what pt2ts itself is, the compiler of packages and the
// checkout's folder (mapped) count as they should.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cache/cache_key.h"
#include "options/convert_options.h"
#include "options/named_files.h"
#include "options/path_prefix_map.h"

namespace pt2ts {
namespace {

ConvertOptions BaseOptions() {
  ConvertOptions options;
  options.module_path = "/p/net.py";
  options.model_name = "Net";
  options.save_path = "/out/net.pt";
  options.format = "torchscript";
  return options;
}

// What pt2ts itself is changes the key too.
TEST(DirectKeyTest, TheToolsIdentityChangesTheKey) {
  const PathPrefixMap no_map({});
  const ToolIdentity tool{"0.1.0", "1.13.1", "3.11", "aa", "bb"};
  std::set<std::string> seen{DirectKeyText(BaseOptions(), no_map, tool)};
  for (auto change : std::vector<std::function<void(ToolIdentity*)>>{
           [](ToolIdentity* t) { t->pt2ts_version = "0.2.0"; },
           [](ToolIdentity* t) { t->libtorch_version = "2.6.0"; },
           [](ToolIdentity* t) { t->python_version = "3.13"; },
           [](ToolIdentity* t) { t->executable_sha256 = "cc"; },
           [](ToolIdentity* t) { t->engine_sha256 = "dd"; }}) {
    ToolIdentity other = tool;
    change(&other);
    EXPECT_TRUE(seen.insert(DirectKeyText(BaseOptions(), no_map, other)).second);
  }
  ConvertOptions moved = BaseOptions();
  moved.save_path = "/elsewhere/net.pt";  // the folder is no ingredient, the name is
  EXPECT_EQ(DirectKeyText(moved, no_map, tool), DirectKeyText(BaseOptions(), no_map, tool));
}

TEST(DirectKeyTest, PackagesDependOnTheCompilerAndInductorSettings) {
  const PathPrefixMap no_map({});
  const ToolIdentity tool{"0.1.0", "2.6.0", "3.13", "aa", "bb"};
  ConvertOptions options = BaseOptions();
  options.format = "aoti";
  const std::string base = DirectKeyText(options, no_map, tool);
  EXPECT_NE(base.find("\ncxx "), std::string::npos) << base;
  setenv("TORCHINDUCTOR_MAX_AUTOTUNE", "1", 1);
  EXPECT_NE(DirectKeyText(options, no_map, tool), base);
  unsetenv("TORCHINDUCTOR_MAX_AUTOTUNE");
  setenv("CXX", "/no/such/compiler", 1);
  EXPECT_NE(DirectKeyText(options, no_map, tool), base);
  unsetenv("CXX");
  EXPECT_EQ(DirectKeyText(options, no_map, tool), base);
  // TorchScript files are compiled by nothing: the compiler is no ingredient.
  EXPECT_EQ(DirectKeyText(BaseOptions(), no_map, tool).find("\ncxx "), std::string::npos);
}

TEST(DirectKeyTest, MappedCheckoutsShareTheKey) {
  const ToolIdentity tool{"0.1.0", "1.13.1", "3.11", "aa", "bb"};
  ConvertOptions a = BaseOptions();
  a.module_path = "/home/a/proj/net.py";
  a.path_prefix_maps = {"/home/a/proj=."};
  ConvertOptions b = BaseOptions();
  b.module_path = "/builds/proj/net.py";
  b.path_prefix_maps = {"/builds/proj=."};
  const PathPrefixMap map_a(a.path_prefix_maps);
  const PathPrefixMap map_b(b.path_prefix_maps);
  EXPECT_EQ(DirectKeyText(a, map_a, tool), DirectKeyText(b, map_b, tool));
  EXPECT_EQ(DirectKey("t", {{"weights", "/home/a/proj/w.pt", "h"}}, map_a),
            DirectKey("t", {{"weights", "/builds/proj/w.pt", "h"}}, map_b));
  EXPECT_NE(DirectKey("t", {{"weights", "/home/a/proj/w.pt", "h"}}, map_a),
            DirectKey("t", {{"weights", "/home/a/proj/w.pt", "h2"}}, map_a));
}

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

// The whole direct key, file contents ("hash of PATH") included.
std::string Key(const ConvertOptions& options) {
  const PathPrefixMap map(options.path_prefix_maps);
  std::vector<NamedFile> files = DirectlyNamedFiles(options);
  for (NamedFile& file : files) file.sha256 = "hash of " + file.path;
  return DirectKey(DirectKeyText(options, map, ToolIdentity{"0.1.0", "2.6.0", "3.11", "aa", "bb"}),
                   files, map);
}

bool NamesAFile(KeyRole role) {
  return role == KeyRole::kWeightsFile || role == KeyRole::kExampleInputsFile ||
         role == KeyRole::kCheckInputsFile || role == KeyRole::kDependsFiles;
}

TEST(DirectKeyTest, ArtifactChangingOptionsChangeTheKey) {
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
TEST(DirectKeyTest, OnlyTheseOptionsLeaveTheArtifactAlone) {
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
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key, help) \
  if (KeyRole::key == KeyRole::kNone) marked.insert(#field);
#include "options/convert_options.def"
#undef PT2TS_OPTION
  EXPECT_EQ(marked, reviewed);
}

}  // namespace
}  // namespace pt2ts
