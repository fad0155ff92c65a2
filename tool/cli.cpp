#include "cli.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "artifact_formats.h"
#include "cache/local_store.h"
#include "diagnostics.h"
#include "dynamic_dim.h"
#include "directories.h"
#include "exit_codes.h"
#include "input_spec.h"
#include "literal.h"
#include "option_rules.h"
#include "path_prefix_map.h"
#include "pt2ts_version.h"
#include "python_names.h"

namespace pt2ts {
namespace {

constexpr const char* kDescription =
    "Convert a PyTorch model written in Python into a TorchScript file or an\n"
    "AOTInductor package (.pt2).\n\n"
    "pt2ts imports MODULE_PATH (a .py file, a package folder or a dotted module\n"
    "name), builds MODEL_NAME(*ARGS, **KWARGS) (a class or a factory function),\n"
    "loads the weights given with -w, switches the model to eval mode, scripts it\n"
    "with torch.jit.script (or traces it: --method) and saves it atomically to\n"
    "SAVE_PATH. For a .pt2 package (--format aoti) it captures the model with\n"
    "torch.export on the example inputs and compiles it with AOTInductor.";

constexpr const char* kFooter =
    "Values of --args and --kwargs: an int (3, -1, 010) or float (3.0, 1e-3, inf)\n"
    "as the old pytorch_to_torch.py read them; else a Python literal (True, False,\n"
    "None, 'quoted', 0x1f, [1, 2], (2, 2), {'a': 1}); anything else is passed as a\n"
    "string (relu stays 'relu'). A value that starts like a literal ([ ( { ' \") but\n"
    "does not parse is an error. Quote values for the shell: --args '[1, 2]'.\n\n"
    "Options taking several values end at the next option or at --, so the\n"
    "positionals may come first or after --:  pt2ts m.py Net --args 1 2\n"
    "                                          pt2ts --args 1 2 -- m.py Net\n\n"
    "Exit codes: 0 success, 1 conversion failed, 2 usage error,\n"
    "128+N killed by signal N (the output is never left half-written).";

// Parses one --args/--kwargs value; on a malformed literal reports a usage
// error and returns false.
bool ParseValue(const std::string& where, const std::string& text, Value* value) {
  ParseResult result = ParseCommandLineValue(text);
  if (!result.ok) {
    PrintError(where + ": " + result.error);
    return false;
  }
  *value = std::move(result.value);
  return true;
}

bool FillKwargs(const std::vector<std::string>& raw, ConvertOptions* options) {
  if (raw.size() % 2 != 0) {
    std::string message = "--kwargs takes KEY VALUE pairs, got " + std::to_string(raw.size()) +
                          " values (an odd count)";
    for (const std::string& item : raw) {
      const size_t equals = item.find('=');
      if (equals != std::string::npos && equals > 0) {
        message += "; write '" + item.substr(0, equals) + " " + item.substr(equals + 1) +
                   "' instead of '" + item + "'";
        break;
      }
    }
    PrintError(message);
    return false;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < raw.size(); i += 2) {
    const std::string& key = raw[i];
    if (!IsPythonIdentifier(key)) {
      PrintError("--kwargs key '" + key + "' is not a Python identifier (expected KEY VALUE pairs)");
      return false;
    }
    if (!seen.insert(key).second) {
      PrintError("--kwargs key '" + key + "' is given twice");
      return false;
    }
    Value value;
    if (!ParseValue("--kwargs " + key, raw[i + 1], &value)) return false;
    options->kwargs.emplace_back(key, std::move(value));
  }
  return true;
}

bool FillArgs(const std::vector<std::string>& raw, ConvertOptions* options) {
  for (size_t i = 0; i < raw.size(); ++i) {
    Value value;
    if (!ParseValue("--args value " + std::to_string(i + 1), raw[i], &value)) return false;
    options->args.push_back(std::move(value));
  }
  return true;
}

// CLI11 splits a value written as "[a,b]" into several values, and gives an
// option written with no value an empty one. Marking the user's own values
// that start with '[' or are empty, and unmarking them after parsing, keeps
// "--args '[1, 2]'" one value and lets a bare "--args" mean no values.
constexpr char kProtectMark = '\x1f';

std::string Protect(std::string value) {
  if (value.empty() || value.front() == '[') value.insert(value.begin(), kProtectMark);
  return value;
}

std::string ProtectArgument(const std::string& argument) {
  const size_t equals = argument.find('=');
  if (argument.rfind("--", 0) == 0 && equals != std::string::npos) {
    return argument.substr(0, equals + 1) + Protect(argument.substr(equals + 1));
  }
  return Protect(argument);
}

void Unprotect(std::string* value) {
  if (!value->empty() && value->front() == kProtectMark) value->erase(value->begin());
}

// Every option is declared through this class, which makes unmarking a
// property of the declaration: no option can forget it. Single values are
// unmarked before CLI11 converts and validates them; lists after parsing,
// when the empty value of a bare option (unmarked) is dropped and the
// user's own empty values (marked) are kept.
class OptionDeclarations {
 public:
  explicit OptionDeclarations(CLI::App* app) : app_(app) {}

  template <typename T>
  CLI::Option* Value(const std::string& names, T* target, const std::string& help) {
    return app_->add_option(names, *target, help)->transform(kUnmark);
  }

  CLI::Option* List(const std::string& names, std::vector<std::string>* target,
                    const std::string& help) {
    lists_.push_back(target);
    return app_->add_option(names, *target, help);
  }

  CLI::Option* Flag(const std::string& names, bool* target, const std::string& help) {
    return app_->add_flag(names, *target, help);
  }

  // After a successful parse.
  void UnmarkLists() {
    for (std::vector<std::string>* list : lists_) {
      std::vector<std::string> kept;
      for (std::string value : *list) {
        if (value.empty()) continue;
        Unprotect(&value);
        kept.push_back(std::move(value));
      }
      *list = std::move(kept);
    }
  }

  // The options written on the command line, by their first long name.
  std::set<std::string> Written() const {
    std::set<std::string> written;
    for (const CLI::Option* option : app_->get_options()) {
      if (option->count() > 0) written.insert(option->get_name());
    }
    return written;
  }

 private:
  const CLI::Validator kUnmark{[](std::string& value) {
                                 Unprotect(&value);
                                 return std::string();
                               },
                               ""};
  CLI::App* app_;
  std::vector<std::vector<std::string>*> lists_;
};

// A tolerance: a finite number >= 0 (CLI11's range check prints the range as
// a 300-digit number and lets "nan" through).
const CLI::Validator kTolerance(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0) {
        return "'" + text + "' is not a tolerance (a finite number >= 0, like 1e-4)";
      }
      return "";
    },
    "TOLERANCE");

// --cache-max-size: a size such as 5G (cache/local_store.h).
const CLI::Validator kCacheSize(
    [](std::string& text) -> std::string {
      uint64_t bytes = 0;
      return text.empty() || ParseSize(text, &bytes)
                 ? ""
                 : "'" + text + "' is not a size (like 5G, 500M, 2Gi or a number of bytes)";
    },
    "SIZE");

const CLI::Validator kPathPrefixMap(
    [](std::string& text) -> std::string {
      std::string unmarked = text;
      if (!unmarked.empty() && unmarked.front() == kProtectMark) unmarked.erase(0, 1);
      return unmarked.empty() ? "" : PathPrefixMap::ParseProblem(unmarked);
    },
    "OLD=NEW");

CommandLine UsageError(const std::string& message) {
  PrintError(message);
  std::fprintf(stderr, "Run 'pt2ts --help' for usage.\n");
  CommandLine result;
  result.exit_now = true;
  result.exit_code = kExitUsageError;
  return result;
}

}  // namespace

CommandLine ParseCommandLine(int argc, const char* const* argv) {
  CommandLine result;
  ConvertOptions& options = result.options;
  std::vector<std::string> raw_args;
  std::vector<std::string> raw_kwargs;
  std::vector<std::string> raw_input_specs;
  std::vector<std::string> raw_check_specs;
  std::vector<std::string> raw_dynamic_dims;

  CLI::App app{kDescription, "pt2ts"};
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("pt2ts ") + kPt2tsVersion);
  app.get_formatter()->column_width(30);
  OptionDeclarations declare(&app);

  declare.Value("module_path", &options.module_path,
                "Python file (model.py), package folder, or dotted module name (zoo.models)")
      ->required();
  declare.Value("model_name", &options.model_name,
                "Class or factory function in that module returning a torch.nn.Module")
      ->required();
  declare.Value("-s,--save_path,--save-path", &options.save_path,
                "Where to write the TorchScript file; its folder is created if missing")
      ->capture_default_str();
  declare.Value("-w,--state_dict,--state-dict", &options.state_dict_path,
                "Weights: a state dict or training checkpoint saved with torch.save");
  declare.Value("--state_key,--state-key", &options.state_key,
                "Take the state dict from checkpoint[KEY] (default: the file itself if it is a "
                "state dict, else the first of state_dict, model_state_dict, model_state, model, "
                "net, network, module, weights, params)");
  declare.List("--args", &raw_args, "Constructor positional arguments")->expected(0, -1);
  declare.List("--kwargs", &raw_kwargs, "Constructor keyword arguments: KEY VALUE [KEY VALUE ...]")
      ->expected(0, -1);
  declare.List("--pythonpath", &options.python_paths,
               "Add an import root to sys.path (repeatable; searched in order)")
      ->take_all()
      ->allow_extra_args(false);
  declare.Value("--python", &options.python_executable,
                "Run as this virtual environment's interpreter (its bin/python), so packages "
                "installed there import")
      ->envname("PT2TS_PYTHON");
  declare.Flag("--trust-weights", &options.trust_weights,
               "Allow the weights file to run code when unpickled (only for files you trust)");
  declare.Flag("--non-strict", &options.non_strict,
               "Load the weights that match the model; report the rest as a warning");
  declare.Flag("--train", &options.train, "Keep training mode (default: model.eval())");
  declare.Flag("-v,--verbose", &options.verbose, "Report each step with its time");
  declare.List("--example-input", &raw_input_specs,
               "Check the artifact on a random input of this shape and dtype (one per forward "
               "argument, in order): 1x3x224x224, 2x20x80:float32, 2:int64. Floats are "
               "standard normal, integers in [0, 10), from a fixed seed")
      ->take_all()
      ->allow_extra_args(false);
  declare.Value("--example-inputs", &options.example_inputs_path,
                "Check the artifact on the inputs in this file: a tensor or a tuple/list of "
                "tensors saved with torch.save (for inputs that must be valid, e.g. token ids)");
  declare.List("--check-input", &raw_check_specs,
               "One more input set, only to check the artifact (same grammar as "
               "--example-input, one per forward argument), e.g. with another batch size: for "
               "traces also torch's own trace check")
      ->take_all()
      ->allow_extra_args(false);
  declare.Value("--check-inputs", &options.check_inputs_path,
                "More input sets to check on, from a file saved with torch.save: a tensor or a "
                "tuple of tensors (one set), or a list of tuples (several sets)");
  declare.Value("--method", &options.method,
                "How the model is captured: script (torch.jit.script; keeps Python control "
                "flow), trace (torch.jit.trace on the example inputs, for models scripting "
                "refuses; records one path through the model), auto (script, and trace when "
                "scripting fails and example inputs are given)")
      ->capture_default_str()
      ->check(CLI::IsMember({"script", "trace", "auto"}));
  declare.Value("--format", &options.format,
                "What to write: torchscript (a TorchScript archive for torch::jit::load; the "
                "default), lite (a lite-interpreter file for torch::jit::_load_for_mobile; the "
                "default for a save path ending in .ptl) or aoti (an AOTInductor package for "
                "torch::inductor::AOTIModelPackageLoader, made with torch.export; needs torch >= "
                "2.6 and example inputs; the default for a save path ending in .pt2)")
      ->check([](const std::string& name) {
        return FindArtifactFormat(name) != nullptr
                   ? std::string()
                   : "'" + name + "' is not a format (known: " + ArtifactFormatNames() + ")";
      });
  declare.List("--dynamic-dim", &raw_dynamic_dims,
               "For .pt2 packages: INPUT:DIM[:MIN:MAX], dimension DIM of forward argument INPUT "
               "(both from 0) takes any size (within MIN..MAX) instead of the example input's "
               "only (repeatable), e.g. 0:0:1:16 for a batch of 1 to 16. Without it a package "
               "accepts the example inputs' shapes only")
      ->take_all()
      ->allow_extra_args(false);
  declare.Flag("--freeze", &options.freeze,
               "torch.jit.freeze the captured model: parameters become constants, batch norms "
               "fold into convolutions (eval mode only)");
  declare.List("--preserve", &options.preserve,
               "With --freeze: keep this attribute or method (repeatable)")
      ->take_all()
      ->allow_extra_args(false);
  declare.Value("--rtol", &options.rtol, "Relative tolerance of the check against eager PyTorch")
      ->capture_default_str()
      ->check(kTolerance);
  declare.Value("--atol", &options.atol, "Absolute tolerance of the check against eager PyTorch")
      ->capture_default_str()
      ->check(kTolerance);
  declare.Flag("--allow-torch-version-mismatch", &options.allow_torch_version_mismatch,
               "Convert even though the Python environment's torch is another version than "
               "pt2ts's LibTorch (the artifact may not load in your C++ program)");
  declare.Value("--depfile", &options.depfile_path,
                "Also write a Makefile-style depfile listing every file the conversion read: the "
                "Python files it imported from outside the Python installation, the weights, "
                "the inputs and --depends files (for build systems)");
  declare.List("--depends", &options.depends,
               "Another file the artifact depends on, such as data the model reads (repeatable): "
               "recorded with its SHA-256 in the metadata and listed in the depfile")
      ->take_all()
      ->allow_extra_args(false);

  // The conversion cache (README "Conversion cache") and path mapping.
  declare.Value("--cache-dir", &options.cache_dir,
                "Keep converted artifacts in this folder and reuse them when nothing they depend "
                "on changed (the cache is off without it)")
      ->envname("PT2TS_CACHE_DIR");
  declare.Flag("--no-cache", &options.no_cache, "Do not use the cache for this conversion");
  declare.Value("--cache-max-size", &options.cache_max_size,
                "The cache folder's maximum size, e.g. 5G (the default), 500M, 2Gi; least "
                "recently used artifacts go first")
      ->envname("PT2TS_CACHE_MAX_SIZE")
      ->check(kCacheSize);
  declare.List("--path-prefix-map", &options.path_prefix_maps,
               "Record paths under folder OLD as under NEW in the artifact (repeatable; like "
               "-ffile-prefix-map), so checkouts in different folders give identical files")
      ->take_all()
      ->allow_extra_args(false)
      ->check(kPathPrefixMap);

  try {
    std::vector<std::string> arguments;  // CLI11 wants them in reverse order
    for (int i = argc - 1; i > 0; --i) arguments.push_back(ProtectArgument(argv[i]));
    app.parse(std::move(arguments));
  } catch (const CLI::CallForHelp& e) {
    result.exit_now = true;
    result.exit_code = app.exit(e);
    return result;
  } catch (const CLI::CallForVersion& e) {
    result.exit_now = true;
    result.exit_code = app.exit(e);
    return result;
  } catch (const CLI::RequiredError&) {
    return UsageError(
        "missing arguments: pt2ts needs MODULE_PATH and MODEL_NAME, e.g. "
        "'pt2ts model.py Net -s net.pt'");
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what());
  }
  declare.UnmarkLists();

  // Absolute, so sys.executable stays valid whatever the model does with the
  // current directory.
  if (!options.python_executable.empty()) {
    options.python_executable = AbsolutePath(options.python_executable);
  }
  for (const auto& [texts, specs] : {std::pair{&raw_input_specs, &options.example_inputs},
                                      std::pair{&raw_check_specs, &options.check_inputs}}) {
    for (const std::string& text : *texts) {
      InputSpecResult spec = ParseInputSpec(text);
      if (!spec.ok) return UsageError(spec.error);
      specs->push_back(spec.spec);
    }
  }
  for (const std::string& text : raw_dynamic_dims) {
    DynamicDimResult dim = ParseDynamicDim(text);
    if (!dim.ok) return UsageError(dim.error);
    options.dynamic_dims.push_back(dim.dim);
  }
  if (!FillArgs(raw_args, &options) || !FillKwargs(raw_kwargs, &options)) {
    result.exit_now = true;
    result.exit_code = kExitUsageError;
    return result;
  }
  const std::set<std::string> written = declare.Written();
  if (options.format.empty()) {
    const ArtifactFormat* format = ArtifactFormatOfPath(options.save_path);
    options.format = format != nullptr ? format->name : kArtifactFormats[0].name;
  } else if (written.count("--save_path") == 0) {
    // The default file name takes the chosen format's extension.
    const ArtifactFormat* format = FindArtifactFormat(options.format);
    options.save_path = "./torchScriptModel" + std::string(format->extension);
  }
  const std::string rule_error = CheckOptionRules({options, written});
  if (!rule_error.empty()) return UsageError(rule_error);
  const std::string dims_error = CheckDynamicDims(options.dynamic_dims, options.example_inputs);
  if (!dims_error.empty()) return UsageError(dims_error);
  return result;
}

InspectCommandLine ParseInspectCommandLine(int argc, const char* const* argv) {
  InspectCommandLine result;
  CLI::App app{"Describe an artifact (.pt, .ptl, .pt2): its format, methods or input specs, "
               "the submodule tree with parameter counts, parameters and buffers by dtype, "
               "and pt2ts's metadata when present. Starts no Python.",
               "pt2ts inspect"};
  app.add_option("file", result.path, "The artifact")->required()->check(CLI::ExistingFile);
  app.add_flag("--json", result.json, "Print the same as JSON, for scripts");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    result.exit_now = true;
    result.exit_code = app.exit(e);
  } catch (const CLI::ParseError& e) {
    PrintError(std::string(e.what()) + " (usage: pt2ts inspect FILE [--json])");
    result.exit_now = true;
    result.exit_code = kExitUsageError;
  }
  return result;
}

CacheCommandLine ParseCacheCommandLine(int argc, const char* const* argv) {
  CacheCommandLine result;
  CLI::App app{"The conversion cache: `stats` prints its entries, size, hits, misses and "
               "evictions; `clear` removes every entry and zeroes the counters.",
               "pt2ts cache"};
  app.require_subcommand(1);
  app.fallthrough();  // --cache-dir may follow the subcommand
  app.add_option("--cache-dir", result.dir, "The cache folder (default: $PT2TS_CACHE_DIR)")
      ->envname("PT2TS_CACHE_DIR");
  app.add_option("--cache-max-size", result.max_size_text, "The maximum size, as for conversions")
      ->envname("PT2TS_CACHE_MAX_SIZE");
  CLI::App* stats = app.add_subcommand("stats", "Print the cache's counters");
  stats->add_flag("--json", result.json,
                  "As JSON (keys entries, bytes, hits, misses, evictions, ...)");
  CLI::App* clear = app.add_subcommand("clear", "Remove every entry and zero the counters");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    result.exit_now = true;
    result.exit_code = app.exit(e);
    return result;
  } catch (const CLI::ParseError& e) {
    PrintError(std::string(e.what()) + " (usage: pt2ts cache stats [--json] | pt2ts cache clear)");
    result.exit_now = true;
    result.exit_code = kExitUsageError;
    return result;
  }
  result.clear = clear->parsed();
  return result;
}

}  // namespace pt2ts
