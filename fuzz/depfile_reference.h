// A small reference reader for Makefile-style depfiles, used by
// fuzz_depfile.cpp to check that what pt2ts writes reads back as what it
// meant.
//
// It follows the reader that actually consumes pt2ts's depfiles: CMake's
// (cmGccDepfileLexer.in.l and cmGccDepfileLexerHelper.cxx, CMake 3.25 as in
// Debian 12). pt2ts_add_torchscript() sets CMP0116 NEW, so with both the
// Ninja and the Makefile generators CMake parses the depfile itself
// (cmake -E cmake_transform_depfile) before the build tool sees it. The rules
// below are tried where a token starts, the longest match winning and the
// first rule breaking ties, as in flex:
//    $$                      -> $
//    \#                      -> #
//    (\\)*\<space>           -> 2N+1 backslashes and a space: N backslashes and a space
//    (\\)+<space>            -> 2N backslashes and a space: 2N backslashes, end of path
//    [ \t]*\<newline>        -> line continuation: end of path
//    <newline>               -> end of path and of the rule
//    :<newline>              -> end of the targets, then of the rule
//    :([ \t]+|\<newline>)    -> end of the targets
//    [ \t]+                  -> end of path
//    [a-zA-Z0-9+,/_.~()}{%=@[]!\x80-\xff-]+ and any other byte -> itself
// where <newline> is \r?\n. Any other backslash is an ordinary byte. (Newer
// CMake also reads \: as ':'; pt2ts never writes \:, and CMake then also
// turns every backslash of a path into '/': neither matters to the syntax.)
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace pt2ts_fuzz {

struct DepfileEntry {
  std::vector<std::string> targets;
  std::vector<std::string> dependencies;  // sorted, unique, non-empty (as CMake keeps them)
};

class ReferenceDepfileReader {
 public:
  // Returns false where CMake's reader fails (a second rule line with targets
  // but no ':'), like cmGccDepfileLexerHelper::readFile.
  bool Read(const std::string& text, std::vector<DepfileEntry>* entries) {
    text_ = &text;
    content_.clear();
    state_ = State::kRule;
    NewEntry();
    size_t pos = 0;
    while (pos < text.size()) pos = Step(pos);
    Sanitize();
    *entries = content_;
    return state_ != State::kFailed;
  }

 private:
  enum class State { kRule, kDependency, kFailed };

  char At(size_t pos) const { return pos < text_->size() ? (*text_)[pos] : '\0'; }
  bool AtEnd(size_t pos) const { return pos >= text_->size(); }
  static bool IsSpace(char c) { return c == ' ' || c == '\t'; }
  static bool IsPlain(char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string("+,/_.~()}{%=@[]!-").find(c) != std::string::npos || u >= 0x80;
  }
  // Length of a \r?\n at pos, or 0.
  size_t NewlineLength(size_t pos) const {
    if (AtEnd(pos)) return 0;
    if (At(pos) == '\n') return 1;
    if (At(pos) == '\r' && !AtEnd(pos + 1) && At(pos + 1) == '\n') return 2;
    return 0;
  }

  // Matches one token at pos and returns the position after it.
  size_t Step(size_t pos) {
    const char c = At(pos);
    if (c == '$' && !AtEnd(pos + 1) && At(pos + 1) == '$') {
      Add("$");
      return pos + 2;
    }
    if (c == '\\') {
      size_t run = 0;
      while (!AtEnd(pos + run) && At(pos + run) == '\\') ++run;
      if (!AtEnd(pos + run) && At(pos + run) == ' ') {
        if (run % 2 == 1) {
          Add(std::string(run / 2, '\\') + " ");
        } else {
          Add(std::string(run, '\\'));
          NewDependency();
        }
        return pos + run + 1;
      }
      if (!AtEnd(pos + 1) && At(pos + 1) == '#') {
        Add("#");
        return pos + 2;
      }
      if (const size_t newline = NewlineLength(pos + 1)) {
        NewRuleOrDependency();
        return pos + 1 + newline;
      }
      Add("\\");
      return pos + 1;
    }
    if (IsSpace(c)) {
      size_t run = 0;
      while (!AtEnd(pos + run) && IsSpace(At(pos + run))) ++run;
      if (At(pos + run) == '\\' && !AtEnd(pos + run)) {
        if (const size_t newline = NewlineLength(pos + run + 1)) {
          NewRuleOrDependency();
          return pos + run + 1 + newline;
        }
      }
      NewRuleOrDependency();
      return pos + run;
    }
    if (const size_t newline = NewlineLength(pos)) {
      NewEntry();
      return pos + newline;
    }
    if (c == ':') {
      if (const size_t newline = NewlineLength(pos + 1)) {
        NewDependency();
        NewEntry();
        return pos + 1 + newline;
      }
      if (!AtEnd(pos + 1) && IsSpace(At(pos + 1))) {
        size_t run = 0;
        while (!AtEnd(pos + 1 + run) && IsSpace(At(pos + 1 + run))) ++run;
        NewDependency();
        return pos + 1 + run;
      }
      if (!AtEnd(pos + 1) && At(pos + 1) == '\\') {
        if (const size_t newline = NewlineLength(pos + 2)) {
          NewDependency();
          return pos + 2 + newline;
        }
      }
      Add(":");
      return pos + 1;
    }
    if (IsPlain(c)) {
      size_t end = pos;
      while (!AtEnd(end) && IsPlain(At(end))) ++end;
      Add(text_->substr(pos, end - pos));
      return end;
    }
    Add(std::string(1, c));
    return pos + 1;
  }

  // cmGccDepfileLexerHelper's actions.
  void NewEntry() {
    if (state_ == State::kRule && !content_.empty()) {
      if (!content_.back().targets.empty() && !content_.back().targets.back().empty()) {
        state_ = State::kFailed;
      }
      return;
    }
    state_ = State::kRule;
    content_.emplace_back();
    NewRule();
  }
  void NewRule() {
    auto& targets = content_.back().targets;
    if (targets.empty() || !targets.back().empty()) targets.emplace_back();
  }
  void NewDependency() {
    if (state_ == State::kFailed) return;
    state_ = State::kDependency;
    auto& paths = content_.back().dependencies;
    if (paths.empty() || !paths.back().empty()) paths.emplace_back();
  }
  void NewRuleOrDependency() {
    if (state_ == State::kRule) {
      NewRule();
    } else if (state_ == State::kDependency) {
      NewDependency();
    }
  }
  void Add(const std::string& s) {
    if (content_.empty()) return;
    DepfileEntry& entry = content_.back();
    if (state_ == State::kRule && !entry.targets.empty()) {
      entry.targets.back() += s;
    } else if (state_ == State::kDependency && !entry.dependencies.empty()) {
      entry.dependencies.back() += s;
    }
  }
  void Sanitize() {
    std::vector<DepfileEntry> kept;
    for (DepfileEntry& entry : content_) {
      auto& paths = entry.dependencies;
      std::sort(paths.begin(), paths.end());
      paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
      paths.erase(std::remove(paths.begin(), paths.end(), std::string()), paths.end());
      auto& targets = entry.targets;
      targets.erase(std::remove(targets.begin(), targets.end(), std::string()), targets.end());
      if (!targets.empty()) kept.push_back(std::move(entry));
    }
    content_ = std::move(kept);
  }

  const std::string* text_ = nullptr;
  std::vector<DepfileEntry> content_;
  State state_ = State::kRule;
};

}  // namespace pt2ts_fuzz
