// Tests for the conversion cache's pieces: the path prefix map, sizes,
// manifests (round trip, damage, variants), entry headers, the local store
// (fetch, damage, eviction) and the hash memo. The key: cache_key_test.cpp.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "cache/file_hash_memo.h"
#include "cache/local/entry_checksum.h"
#include "cache/local/entry_format.h"
#include "cache/local/local_store.h"
#include "cache/manifest.h"
#include "options/path_prefix_map.h"

namespace pt2ts {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/pt2ts-cache-unit-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(PathPrefixMapTest, MapsWholeFoldersAndTheLastMatchWins) {
  PathPrefixMap map({"/home/a/proj=.", "/home/a/proj/sub=/x"});
  EXPECT_EQ(map.Apply("/home/a/proj/net.py"), "./net.py");
  EXPECT_EQ(map.Apply("/home/a/proj"), ".");
  EXPECT_EQ(map.Apply("/home/a/project/net.py"), "/home/a/project/net.py");
  EXPECT_EQ(map.Apply("/home/a/proj/sub/m.py"), "/x/m.py");
  EXPECT_EQ(map.Unapply("./net.py"), "/home/a/proj/net.py");
  EXPECT_EQ(map.Unapply("/x/m.py"), "/home/a/proj/sub/m.py");
  EXPECT_EQ(map.Unapply("/usr/lib/python3/x.py"), "/usr/lib/python3/x.py");
  EXPECT_EQ(map.NewPrefixes(), (std::vector<std::string>{".", "/x"}));
}

TEST(PathPrefixMapTest, ParseProblems) {
  EXPECT_EQ(PathPrefixMap::ParseProblem("/a=/b"), "");
  EXPECT_EQ(PathPrefixMap::ParseProblem("/a="), "");
  EXPECT_NE(PathPrefixMap::ParseProblem("/a"), "");
  EXPECT_NE(PathPrefixMap::ParseProblem("=/b"), "");
}

TEST(ParseSizeTest, UnitsAndErrors) {
  uint64_t bytes = 0;
  EXPECT_TRUE(ParseSize("5G", &bytes));
  EXPECT_EQ(bytes, 5000000000ULL);
  EXPECT_TRUE(ParseSize("2Gi", &bytes));
  EXPECT_EQ(bytes, 2ULL << 30);
  EXPECT_TRUE(ParseSize("12k", &bytes));
  EXPECT_EQ(bytes, 12000ULL);
  EXPECT_TRUE(ParseSize("100MB", &bytes));
  EXPECT_EQ(bytes, 100000000ULL);
  EXPECT_TRUE(ParseSize("123", &bytes));
  EXPECT_EQ(bytes, 123ULL);
  for (const char* bad : {"", "G", "5X", "-1", "1.5G", "5 G"}) EXPECT_FALSE(ParseSize(bad, &bytes)) << bad;
}

ManifestVariant Variant(const std::string& hash, const std::string& key) {
  return {{{"module", "./net.py", hash}, {"environment", "/usr/bin/python3.11", std::string(64, 'e')}},
          key};
}

TEST(ManifestTest, RoundTripAndDamage) {
  const std::vector<ManifestVariant> variants = {Variant(std::string(64, 'a'), std::string(64, '1')),
                                                 Variant(std::string(64, 'b'), std::string(64, '2'))};
  const std::string text = FormatManifest(variants);
  std::vector<ManifestVariant> parsed;
  ASSERT_TRUE(ParseManifest(text, &parsed));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1].files[0].path, "./net.py");
  EXPECT_EQ(parsed[1].result_key, std::string(64, '2'));
  // Any flipped byte, a cut, or a foreign text is rejected.
  for (size_t i = 0; i < text.size(); i += 7) {
    std::string damaged = text;
    damaged[i] = static_cast<char>(damaged[i] ^ 1);
    EXPECT_FALSE(ParseManifest(damaged, &parsed)) << i;
  }
  EXPECT_FALSE(ParseManifest(text.substr(0, text.size() / 2), &parsed));
  EXPECT_FALSE(ParseManifest("", &parsed));
  EXPECT_FALSE(ParseManifest("hello\nchecksum " + Sha256Hex("hello\n") + "\n", &parsed));
}

TEST(ManifestTest, AddVariantKeepsNewestFirstWithoutDuplicates) {
  std::vector<ManifestVariant> variants;
  for (int i = 0; i < 20; ++i) {
    variants = AddVariant(variants, Variant(std::string(63, 'a') + "0123456789abcdef"[i % 16],
                                            std::string(64, '1')));
  }
  EXPECT_EQ(variants.size(), kMaxManifestVariants);
  EXPECT_EQ(variants[0].files[0].sha256.back(), '3');  // i = 19
  variants = AddVariant(variants, variants[5]);
  EXPECT_EQ(variants.size(), kMaxManifestVariants);
  EXPECT_EQ(variants[0].files[0].sha256, variants[0].files[0].sha256);
  EXPECT_NE(ResultKey("k", Variant(std::string(64, 'a'), "").files),
            ResultKey("k", Variant(std::string(64, 'b'), "").files));
}

TEST(EntryHeaderTest, RoundTrip) {
  const std::string header = EntryHeader(1234, std::string(kEntryChecksumHexSize, 'f'));
  EXPECT_EQ(header.size(), kEntryHeaderSize);
  uint64_t size = 0;
  std::string hash;
  ASSERT_TRUE(ParseEntryHeader(header, &size, &hash));
  EXPECT_EQ(size, 1234u);
  EXPECT_EQ(hash, std::string(kEntryChecksumHexSize, 'f'));
  EXPECT_FALSE(ParseEntryHeader(std::string(kEntryHeaderSize, ' '), &size, &hash));
  // A checksum of another length (an entry of another format) is refused.
  EXPECT_FALSE(ParseEntryHeader(EntryHeader(1234, std::string(64, 'f')), &size, &hash));
}

std::string ChecksumOf(const std::string& text, size_t piece) {
  EntryChecksum checksum;
  for (size_t at = 0; at < text.size(); at += piece) {
    checksum.Update(text.data() + at, std::min(piece, text.size() - at));
  }
  return checksum.HexDigest();
}

TEST(EntryChecksumTest, StreamingAgreesAndEveryByteCounts) {
  std::string text(100000, 'x');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 7919 % 251);
  const std::string whole = ChecksumOf(text, text.size());
  EXPECT_EQ(whole.size(), kEntryChecksumHexSize);
  EXPECT_EQ(whole.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(ChecksumOf(text, 1000), whole);
  EXPECT_EQ(ChecksumOf(text, 7), whole);
  // XXH3-128 of no bytes, as xxhsum -H2 prints it.
  EXPECT_EQ(ChecksumOf("", 1), "99aa06d3014798d86001c324468d497f");
  for (const size_t at : {size_t{0}, size_t{4095}, text.size() - 1}) {
    std::string changed = text;
    changed[at] = static_cast<char>(changed[at] ^ 1);
    EXPECT_NE(ChecksumOf(changed, 4096), whole) << at;
  }
  EXPECT_NE(ChecksumOf(text.substr(0, text.size() - 1), 4096), whole);
}

TEST(LocalStoreTest, StoreFetchAndDamage) {
  TempDir tmp;
  const LocalStore store(tmp.path() + "/cache", kDefaultCacheMaxSize);
  const std::string artifact = tmp.path() + "/a.pt";
  WriteFile(artifact, std::string(100000, 'x') + "end");
  std::string error;
  const std::string key(64, 'c');
  ASSERT_TRUE(store.StoreArtifact(key, artifact, &error)) << error;
  std::string detail;
  EXPECT_EQ(store.FetchArtifact(key, tmp.path() + "/b.pt", &detail), LocalStore::Fetch::kHit);
  EXPECT_EQ(ReadFile(tmp.path() + "/b.pt"), ReadFile(artifact));
  EXPECT_EQ(store.FetchArtifact(std::string(64, 'd'), tmp.path() + "/c.pt", &detail),
            LocalStore::Fetch::kMissing);
  // A flipped payload byte: broken, removed, nothing left at the destination.
  std::string entry = ReadFile(store.EntryPath(key));
  entry[entry.size() - 10] = 'y';
  WriteFile(store.EntryPath(key), entry);
  EXPECT_EQ(store.FetchArtifact(key, tmp.path() + "/d.pt", &detail), LocalStore::Fetch::kBroken);
  EXPECT_NE(::access(tmp.path().c_str(), F_OK), -1);
  EXPECT_EQ(::access((tmp.path() + "/d.pt").c_str(), F_OK), -1);
  EXPECT_EQ(::access(store.EntryPath(key).c_str(), F_OK), -1);
}

TEST(LocalStoreTest, EvictsLeastRecentlyUsed) {
  TempDir tmp;
  const LocalStore store(tmp.path() + "/cache", 25000);
  const std::string artifact = tmp.path() + "/a.pt";
  WriteFile(artifact, std::string(10000, 'x'));
  std::string error;
  const std::string keys[] = {std::string(64, '1'), std::string(64, '2'), std::string(64, '3')};
  for (const std::string& key : keys) {
    ASSERT_TRUE(store.StoreArtifact(key, artifact, &error));
    ::usleep(20000);
  }
  // The first is used again: the second is now the least recently used.
  std::string detail;
  ASSERT_EQ(store.FetchArtifact(keys[0], tmp.path() + "/b.pt", &detail), LocalStore::Fetch::kHit);
  EXPECT_EQ(store.Evict(), 1u);
  EXPECT_EQ(::access(store.EntryPath(keys[1]).c_str(), F_OK), -1);
  EXPECT_EQ(::access(store.EntryPath(keys[0]).c_str(), F_OK), 0);
  const CacheStats stats = store.Stats();
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_EQ(stats.evictions, 1u);
  ASSERT_TRUE(store.Clear(&error));
  EXPECT_EQ(store.Stats().entries, 0u);
}

TEST(FileHashMemoTest, NoticesChanges) {
  TempDir tmp;
  const FileHashMemo memo(tmp.path() + "/memo");
  const std::string file = tmp.path() + "/w.pt";
  WriteFile(file, "one");
  std::string hash;
  std::string error;
  ASSERT_TRUE(memo.Hash(file, &hash, &error));
  EXPECT_EQ(hash, Sha256Hex("one"));
  // Same size, rewritten at once (within the racy window): noticed.
  WriteFile(file, "two");
  ASSERT_TRUE(memo.Hash(file, &hash, &error));
  EXPECT_EQ(hash, Sha256Hex("two"));
  EXPECT_FALSE(memo.Hash(tmp.path() + "/missing", &hash, &error));
}

// An old file is remembered; rewriting it with the same size and putting
// its mtime back still changes its ctime, so the change is noticed.
TEST(FileHashMemoTest, RemembersOldFilesAndStillNoticesChanges) {
  TempDir tmp;
  const FileHashMemo memo(tmp.path() + "/memo");
  const std::string file = tmp.path() + "/w.pt";
  WriteFile(file, "one");
  const struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), old_times, 0), 0);
  ::sleep(2);  // past the racy window for the ctime too
  std::string hash;
  std::string error;
  ASSERT_TRUE(memo.Hash(file, &hash, &error));
  EXPECT_EQ(hash, Sha256Hex("one"));
  ASSERT_TRUE(memo.Hash(file, &hash, &error));  // from the memo
  EXPECT_EQ(hash, Sha256Hex("one"));
  WriteFile(file, "two");
  ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), old_times, 0), 0);
  ASSERT_TRUE(memo.Hash(file, &hash, &error));
  EXPECT_EQ(hash, Sha256Hex("two"));
}

}  // namespace
}  // namespace pt2ts
