#include "output/staged_output.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/files.h"

namespace pt2ts {
namespace {

// What the signal handler removes. Plain char arrays: a handler may only use
// async-signal-safe calls (unlink, rmdir) on data that is already there.
constexpr size_t kMaxPath = 4096;
char g_signal_file[kMaxPath];
char g_signal_scratch[kMaxPath];
char g_signal_dir[kMaxPath];
constexpr int kMaxCreatedDirs = 32;
char g_signal_created[kMaxCreatedDirs][kMaxPath];  // output folders pt2ts made
volatile sig_atomic_t g_signal_created_count = 0;
volatile sig_atomic_t g_signal_armed = 0;

// Interruptions (the process dies by them after cleaning up)...
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};
// ...and crashes, e.g. torch aborting when the disk fills up mid-write.
constexpr int kCrashSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};

void WriteStderr(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void CleanupAndDie(int signal_number) {
  if (g_signal_armed) {
    ::unlink(g_signal_file);
    ::unlink(g_signal_scratch);
    ::rmdir(g_signal_dir);
    for (int i = g_signal_created_count - 1; i >= 0; --i) ::rmdir(g_signal_created[i]);
    g_signal_armed = 0;
  }
  for (int crash : kCrashSignals) {
    if (signal_number == crash) {
      WriteStderr("pt2ts: error: pt2ts crashed during the conversion (see the message above, "
                  "e.g. a full disk); nothing was written\n");
    }
  }
  // Die by the same signal so callers (make, ninja, shells) see it.
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Leaves ignored signals ignored: under nohup, or as a background job of a
// non-interactive shell, SIGHUP/SIGINT must not kill the conversion.
void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = CleanupAndDie;
  sigemptyset(&action.sa_mask);
  for (int signal_number : kCleanupSignals) sigaddset(&action.sa_mask, signal_number);
  for (int signal_number : kCleanupSignals) {
    struct sigaction previous {};
    if (::sigaction(signal_number, nullptr, &previous) == 0 && previous.sa_handler == SIG_IGN) {
      continue;
    }
    ::sigaction(signal_number, &action, nullptr);
  }
  for (int signal_number : kCrashSignals) ::sigaction(signal_number, &action, nullptr);
}

// Beside the staged artifact: the example inputs and expected outputs for
// the LibTorch check.
constexpr const char kScratchName[] = "pt2ts-check.pt";

// A staging folder is ".NAME.pt2ts-PID-XXXXXX". One whose process is gone
// (killed by SIGKILL, which cannot be caught) is removed by the next
// conversion to the same path.
std::string StagingPrefix(const std::string& name) { return "." + name + ".pt2ts-"; }

void RemoveStaleStagingFolders(const std::string& dir, const std::string& name) {
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return;
  const std::string prefix = StagingPrefix(name);
  while (const dirent* entry = ::readdir(listing)) {
    const std::string entry_name = entry->d_name;
    if (entry_name.compare(0, prefix.size(), prefix) != 0) continue;
    const long pid = std::strtol(entry_name.c_str() + prefix.size(), nullptr, 10);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    const std::string stale = dir + "/" + entry_name;
    ::unlink((stale + "/" + name).c_str());
    ::unlink((stale + "/" + kScratchName).c_str());
    ::rmdir(stale.c_str());
  }
  ::closedir(listing);
}

// Blocks the cleanup signals for the lifetime of the object.
class SignalBlocker {
 public:
  SignalBlocker() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal_number : kCleanupSignals) sigaddset(&set, signal_number);
    ::sigprocmask(SIG_BLOCK, &set, &previous_);
  }
  ~SignalBlocker() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }

 private:
  sigset_t previous_;
};

bool SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

StagedOutput::~StagedOutput() { Discard(); }

void StagedOutput::StartFlush() {
  if (!active_ || flush_thread_.joinable()) return;
  // The thread inherits the blocked mask: the cleanup signals are always
  // handled on the main thread.
  SignalBlocker blocker;
  flush_thread_ = std::thread([this] {
    flush_ok_ = SyncPath(staging_file_, O_RDONLY);
    flush_errno_ = flush_ok_ ? 0 : errno;
  });
}

bool StagedOutput::FinishFlush() {
  if (!flush_thread_.joinable()) return false;
  flush_thread_.join();
  errno = flush_errno_;
  return flush_ok_;
}

bool StagedOutput::Prepare(const std::string& final_path, std::string* error) {
  final_path_ = final_path;
  const size_t slash = final_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : final_path.substr(0, slash);
  const std::string name = slash == std::string::npos ? final_path : final_path.substr(slash + 1);
  std::string failed;
  if (!MakeDirectories(slash == 0 ? "/" : dir, &created_dirs_, &failed)) {
    *error = ErrnoMessage("cannot create the output folder", failed);
    RemoveCreatedDirectories();
    return false;
  }
  RemoveStaleStagingFolders(slash == 0 ? "/" : dir, name);
  const std::string staging_dir = (slash == 0 ? "" : dir) + "/" + StagingPrefix(name) +
                                  std::to_string(::getpid()) + "-XXXXXX";
  if (staging_dir.size() + name.size() + 20 >= kMaxPath) {
    RemoveCreatedDirectories();
    *error = "output path is too long: '" + final_path + "'";
    return false;
  }
  // Signals wait until the handler knows what to remove: none may leave the
  // staging folder behind.
  SignalBlocker blocker;
  std::vector<char> buffer(staging_dir.begin(), staging_dir.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    *error = ErrnoMessage("cannot write into the output folder", dir);
    RemoveCreatedDirectories();
    return false;
  }
  staging_dir_ = buffer.data();
  staging_file_ = staging_dir_ + "/" + name;
  scratch_file_ = staging_dir_ + "/" + kScratchName;
  std::memcpy(g_signal_file, staging_file_.c_str(), staging_file_.size() + 1);
  std::memcpy(g_signal_scratch, scratch_file_.c_str(), scratch_file_.size() + 1);
  g_signal_created_count = 0;
  for (const std::string& created : created_dirs_) {
    if (g_signal_created_count == kMaxCreatedDirs || created.size() >= kMaxPath) break;
    std::memcpy(g_signal_created[g_signal_created_count], created.c_str(), created.size() + 1);
    g_signal_created_count = g_signal_created_count + 1;
  }
  std::memcpy(g_signal_dir, staging_dir_.c_str(), staging_dir_.size() + 1);
  g_signal_armed = 1;
  InstallSignalHandlers();
  active_ = true;
  return true;
}

bool StagedOutput::Commit(std::string* error, Durability durability) {
  const bool flush = durability == Durability::kFlushed;
  const bool flushed = flush_thread_.joinable() ? FinishFlush()
                                                : !flush || SyncPath(staging_file_, O_RDONLY);
  if (!flushed) {
    *error = ErrnoMessage("cannot write the artifact", staging_file_);
    return false;
  }
  SignalBlocker blocker;
  if (::rename(staging_file_.c_str(), final_path_.c_str()) != 0) {
    *error = ErrnoMessage("cannot move the artifact into place at", final_path_);
    return false;
  }
  ::unlink(scratch_file_.c_str());
  ::rmdir(staging_dir_.c_str());
  g_signal_armed = 0;
  active_ = false;
  created_dirs_.clear();
  if (!flush) return true;
  const size_t slash = final_path_.find_last_of('/');
  SyncPath(slash == std::string::npos ? "." : final_path_.substr(0, slash + 1), O_RDONLY | O_DIRECTORY);
  return true;
}

void StagedOutput::Discard() {
  FinishFlush();
  if (!active_) return;
  SignalBlocker blocker;
  ::unlink(staging_file_.c_str());
  ::unlink(scratch_file_.c_str());
  ::rmdir(staging_dir_.c_str());
  g_signal_armed = 0;
  active_ = false;
  RemoveCreatedDirectories();
}

void StagedOutput::RemoveCreatedDirectories() {
  // Deepest first; rmdir only removes folders that are still empty.
  for (auto dir = created_dirs_.rbegin(); dir != created_dirs_.rend(); ++dir) {
    ::rmdir(dir->c_str());
  }
  created_dirs_.clear();
}

}  // namespace pt2ts
