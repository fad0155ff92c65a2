// Atomic output: the artifact is written into a private folder beside its
// final path and renamed into place only when complete. A failure, or
// SIGINT/SIGTERM/SIGHUP at any moment, leaves no partial file and never
// touches a previous artifact at that path.
//
// The staging folder holds a file with the *final* name because torch.jit.save
// names the zip's top-level folder after the file: a temporary file name would
// change the bytes (see docs/stack-notes.md, "Reproducible artifacts").
#pragma once

#include <string>
#include <thread>
#include <vector>

namespace pt2ts {

class StagedOutput {
 public:
  StagedOutput() = default;
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;
  // Removes the staged file and folder unless Commit() succeeded.
  ~StagedOutput();

  // Creates the output's folder if missing (removed again on failure) and a
  // staging folder inside it,
  // and installs the signal handlers that clean up. On failure returns false
  // and sets *error.
  bool Prepare(const std::string& final_path, std::string* error);

  // Where the artifact must be written.
  const std::string& staging_path() const { return staging_file_; }
  // A scratch file beside it (removed with the staging folder).
  const std::string& scratch_path() const { return scratch_file_; }

  // Starts flushing the written staged file to disk on a background thread,
  // so that the disk works while LibTorch checks the artifact (on a 1 GB
  // model that hides most of the fsync). Optional: Commit() flushes anyway.
  void StartFlush();

  // How Commit makes the artifact durable. kFlushed: the staged file (and
  // then its folder) is flushed to disk before and after the rename, so a
  // power cut never leaves a new time stamp on an empty file: what a
  // conversion does. kRenameOnly: only the rename, atomic for every process
  // but not flushed, as cp, compilers and ccache write files: what a cache
  // hit does, so that it costs about what copying the artifact costs.
  enum class Durability { kFlushed, kRenameOnly };

  // Flushes the staged file to disk (or waits for StartFlush's flush) as
  // `durability` says and renames it over the final path.
  bool Commit(std::string* error, Durability durability = Durability::kFlushed);

 private:
  void Discard();
  // Waits for StartFlush's thread; returns whether its fsync succeeded (errno
  // set when not).
  bool FinishFlush();
  void RemoveCreatedDirectories();

  std::string final_path_;
  std::string staging_dir_;
  std::string staging_file_;
  std::string scratch_file_;
  std::vector<std::string> created_dirs_;  // removed again if nothing is committed
  bool active_ = false;
  std::thread flush_thread_;
  bool flush_ok_ = false;  // written by flush_thread_, read after join()
  int flush_errno_ = 0;
};

}  // namespace pt2ts
