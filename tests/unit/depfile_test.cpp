// Tests for the depfile writer: which paths can be named, how they are
// escaped for CMake's depfile reader, the file's text, and the atomic write.
#include "output/depfile.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pt2ts {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The names in a folder, sorted.
std::vector<std::string> FilesIn(const std::string& folder) {
  std::vector<std::string> names;
  if (DIR* listing = ::opendir(folder.c_str())) {
    while (const dirent* entry = ::readdir(listing)) {
      if (entry->d_name[0] != '.') names.push_back(entry->d_name);
    }
    ::closedir(listing);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A fresh folder per test, removed afterwards.
class DepfileWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pt2ts-depfile-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    folder_ = pattern;
  }
  void TearDown() override {
    const std::string command = "rm -rf '" + folder_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string folder_;
};

TEST(DepfilePathProblemTest, OrdinaryPathsAreAccepted) {
  for (const std::string path : {"/src/model.py", "relative/net.py", "/a b/c#d/$e/%f.py",
                                 "/odd\\back/slash.py", "/ünïcödé/x.py", "C:/x.py", "/x:y.py"}) {
    EXPECT_EQ(DepfilePathProblem(path), "") << path;
  }
}

TEST(DepfilePathProblemTest, PathsNoEscapeCanWriteAreRefused) {
  EXPECT_EQ(DepfilePathProblem(""), "an empty path");
  EXPECT_EQ(DepfilePathProblem(std::string("/a\0b", 4)), "a NUL byte in a path");
  EXPECT_EQ(DepfilePathProblem("/a\nb"), "a newline in a path");
  EXPECT_EQ(DepfilePathProblem("/a\rb"), "a carriage return in a path");
  EXPECT_EQ(DepfilePathProblem("/a\tb"), "a tab in a path");
  EXPECT_EQ(DepfilePathProblem("/a\\"), "a path ending in a backslash");
  EXPECT_EQ(DepfilePathProblem("/a:"), "a path ending in ':'");
}

TEST(EscapeDepfilePathTest, SpecialCharactersAreEscaped) {
  EXPECT_EQ(EscapeDepfilePath("/plain/model.py"), "/plain/model.py");
  EXPECT_EQ(EscapeDepfilePath("/a b.py"), "/a\\ b.py");
  EXPECT_EQ(EscapeDepfilePath("/a  b"), "/a\\ \\ b");
  EXPECT_EQ(EscapeDepfilePath("/a#b"), "/a\\#b");
  EXPECT_EQ(EscapeDepfilePath("/a$b$$"), "/a$$b$$$$");
  // Backslashes are ordinary bytes, except in the run right before a space,
  // which doubles (2N+1 backslashes and a space read as N and a space).
  EXPECT_EQ(EscapeDepfilePath("/a\\b"), "/a\\b");
  EXPECT_EQ(EscapeDepfilePath("/a\\ b"), "/a\\\\\\ b");
  EXPECT_EQ(EscapeDepfilePath("/a\\\\ b"), "/a\\\\\\\\\\ b");
  EXPECT_EQ(EscapeDepfilePath("/50%=@!~().py"), "/50%=@!~().py");
}

TEST(FormatDepfileTest, OneDependencyPerLine) {
  EXPECT_EQ(FormatDepfile("/out/net.pt", {"/m/net.py", "/m/my blocks.py"}),
            "/out/net.pt: \\\n  /m/net.py \\\n  /m/my\\ blocks.py\n");
}

TEST(FormatDepfileTest, NoDependencies) { EXPECT_EQ(FormatDepfile("/o n.pt", {}), "/o\\ n.pt:\n"); }

TEST_F(DepfileWriteTest, WritesTheTextAndCreatesTheFolder) {
  const std::string path = folder_ + "/state/sub/net.d";
  std::string error;
  ASSERT_TRUE(WriteDepfile(path, "/out/net.pt", {"/m/net.py"}, &error)) << error;
  EXPECT_EQ(ReadFile(path), FormatDepfile("/out/net.pt", {"/m/net.py"}));
  // Written through a temporary file that is gone afterwards.
  EXPECT_EQ(FilesIn(folder_ + "/state/sub"), std::vector<std::string>{"net.d"});
}

TEST_F(DepfileWriteTest, ReplacesAPreviousDepfile) {
  const std::string path = folder_ + "/net.d";
  std::string error;
  ASSERT_TRUE(WriteDepfile(path, "/out/net.pt", {"/m/old.py"}, &error)) << error;
  ASSERT_TRUE(WriteDepfile(path, "/out/net.pt", {"/m/new.py"}, &error)) << error;
  EXPECT_EQ(ReadFile(path), FormatDepfile("/out/net.pt", {"/m/new.py"}));
}

TEST_F(DepfileWriteTest, UnnameablePathsFailAndKeepThePreviousFile) {
  const std::string path = folder_ + "/net.d";
  std::string error;
  ASSERT_TRUE(WriteDepfile(path, "/out/net.pt", {"/m/net.py"}, &error)) << error;
  const std::string previous = ReadFile(path);

  EXPECT_FALSE(WriteDepfile(path, "/out/net.pt", {"/m/net.py", "/m/a\nb.py"}, &error));
  EXPECT_EQ(error, "cannot write a depfile naming '/m/a\nb.py' (a newline in a path)");
  EXPECT_FALSE(WriteDepfile(path, "/out/net.pt:", {}, &error));
  EXPECT_EQ(error, "cannot write a depfile for '/out/net.pt:' (a path ending in ':')");
  EXPECT_EQ(ReadFile(path), previous);
}

TEST_F(DepfileWriteTest, AFolderInTheWayFailsWithoutLeftovers) {
  const std::string path = folder_ + "/net.d";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  ::mkdir((path + "/inside").c_str(), 0700);  // a non-empty folder: rename cannot replace it
  std::string error;
  EXPECT_FALSE(WriteDepfile(path, "/out/net.pt", {"/m/net.py"}, &error));
  EXPECT_EQ(error.rfind("cannot write depfile '" + path + "': ", 0), 0u) << error;
  EXPECT_EQ(FilesIn(folder_), std::vector<std::string>{"net.d"});  // no temporary left
}

}  // namespace
}  // namespace pt2ts
