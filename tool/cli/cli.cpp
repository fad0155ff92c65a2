#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdlib>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "base/files.h"
#include "base/size.h"
#include "cli/literal.h"
#include "cli/python_names.h"
#include "options/artifact_formats.h"
#include "options/dynamic_dim.h"
#include "options/input_spec.h"
#include "options/option_rules.h"
#include "options/path_prefix_map.h"
#include "options/precision.h"
#include "pt2ts_version.h"

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

// The --kwargs pairs; "" or the usage error's message.
std::string FillKwargs(const std::vector<std::string>& raw, KeywordArguments* kwargs) {
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
    return message;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < raw.size(); i += 2) {
    const std::string& key = raw[i];
    if (!IsPythonIdentifier(key)) {
      return "--kwargs key '" + key + "' is not a Python identifier (expected KEY VALUE pairs)";
    }
    if (!seen.insert(key).second) return "--kwargs key '" + key + "' is given twice";
    ParseResult value = ParseCommandLineValue(raw[i + 1]);
    if (!value.ok) return "--kwargs " + key + ": " + value.error;
    kwargs->emplace_back(key, std::move(value.value));
  }
  return "";
}

std::string FillArgs(const std::vector<std::string>& raw, std::vector<Value>* args) {
  for (size_t i = 0; i < raw.size(); ++i) {
    ParseResult value = ParseCommandLineValue(raw[i]);
    if (!value.ok) return "--args value " + std::to_string(i + 1) + ": " + value.error;
    args->push_back(std::move(value.value));
  }
  return "";
}

std::string FillInputSpecs(const std::vector<std::string>& raw, std::vector<InputSpec>* specs) {
  for (const std::string& text : raw) {
    InputSpecResult spec = ParseInputSpec(text);
    if (!spec.ok) return spec.error;
    specs->push_back(spec.spec);
  }
  return "";
}

std::string FillDynamicDims(const std::vector<std::string>& raw, std::vector<DynamicDim>* dims) {
  for (const std::string& text : raw) {
    DynamicDimResult dim = ParseDynamicDim(text);
    if (!dim.ok) return dim.error;
    dims->push_back(dim.dim);
  }
  return "";
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

// Every option is declared through this class, by its type (the shapes
// convert_options.def lists), which makes unmarking a property of the
// declaration: no option can forget it. Single values are unmarked before
// CLI11 converts and validates them; lists after parsing, when the empty
// value of a bare option (unmarked) is dropped and the user's own empty
// values (marked) are kept. Typed lists are parsed from their texts then.
class OptionDeclarations {
 public:
  explicit OptionDeclarations(CLI::App* app) : app_(app) {}

  CLI::Option* Add(const std::string& names, std::string* target, const std::string& help) {
    CLI::Option* option = app_->add_option(names, *target, help)->transform(kUnmark);
    return target->empty() ? option : option->capture_default_str();
  }

  CLI::Option* Add(const std::string& names, double* target, const std::string& help) {
    return app_->add_option(names, *target, help)->transform(kUnmark)->capture_default_str();
  }

  CLI::Option* Add(const std::string& names, bool* target, const std::string& help) {
    return app_->add_flag(names, *target, help);
  }

  // One value per use, repeatable.
  CLI::Option* Add(const std::string& names, std::vector<std::string>* target,
                   const std::string& help) {
    return List(names, target, help)->take_all()->allow_extra_args(false);
  }

  CLI::Option* Add(const std::string& names, std::vector<InputSpec>* target,
                   const std::string& help) {
    return Add(names, Typed(target, FillInputSpecs), help);
  }

  CLI::Option* Add(const std::string& names, std::vector<DynamicDim>* target,
                   const std::string& help) {
    return Add(names, Typed(target, FillDynamicDims), help);
  }

  // Every value up to the next option.
  CLI::Option* Add(const std::string& names, std::vector<Value>* target, const std::string& help) {
    return List(names, Typed(target, FillArgs), help)->expected(0, -1);
  }

  CLI::Option* Add(const std::string& names, KeywordArguments* target, const std::string& help) {
    return List(names, Typed(target, FillKwargs), help)->expected(0, -1);
  }

  // After a successful parse: unmarks the lists, then parses the typed
  // ones; "" or the first usage error.
  std::string Finish() {
    for (std::vector<std::string>* list : lists_) {
      std::vector<std::string> kept;
      for (std::string value : *list) {
        if (value.empty()) continue;
        Unprotect(&value);
        kept.push_back(std::move(value));
      }
      *list = std::move(kept);
    }
    for (const auto& parse : typed_) {
      std::string error = parse();
      if (!error.empty()) return error;
    }
    return "";
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
  CLI::Option* List(const std::string& names, std::vector<std::string>* target,
                    const std::string& help) {
    lists_.push_back(target);
    return app_->add_option(names, *target, help);
  }

  // A list of texts, parsed into *target by `parse` once the command line is.
  template <typename T>
  std::vector<std::string>* Typed(T* target,
                                  std::string (*parse)(const std::vector<std::string>&, T*)) {
    texts_.emplace_back();
    std::vector<std::string>* texts = &texts_.back();
    typed_.push_back([texts, target, parse] { return parse(*texts, target); });
    return texts;
  }

  const CLI::Validator kUnmark{[](std::string& value) {
                                 Unprotect(&value);
                                 return std::string();
                               },
                               ""};
  CLI::App* app_;
  std::vector<std::vector<std::string>*> lists_;
  std::deque<std::vector<std::string>> texts_;  // stable addresses
  std::vector<std::function<std::string()>> typed_;
};

// The CHECK column's validators. kAnyValue accepts everything.
const CLI::Validator kAnyValue;

const CLI::Validator kMethodName = CLI::IsMember({"script", "trace", "auto"});

const CLI::Validator kFormatName(
    [](std::string& name) {
      return FindArtifactFormat(name) != nullptr
                 ? std::string()
                 : "'" + name + "' is not a format (known: " + ArtifactFormatNames() + ")";
    },
    "");

const CLI::Validator kPrecisionName(
    [](std::string& name) {
      return FindPrecision(name) != nullptr
                 ? std::string()
                 : "'" + name + "' is not a precision (known: " + PrecisionNames() + ")";
    },
    "");

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

// --cache-max-size: a size such as 5G (base/size.h).
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

// Declares one option of convert_options.def, when it is on the command line.
template <bool kOnCommandLine, typename T>
void Declare(OptionDeclarations* declare, const char* names, const char* env,
             const CLI::Validator& check, T* target, const char* help) {
  if constexpr (kOnCommandLine) {
    CLI::Option* option = declare->Add(names, target, help);
    if (names[0] != '-') option->required();
    if (*env != '\0') option->envname(env);
    if (&check != &kAnyValue) option->check(check);
  }
}

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

  CLI::App app{kDescription, "pt2ts"};
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("pt2ts ") + kPt2tsVersion);
  app.get_formatter()->column_width(30);
  OptionDeclarations declare(&app);
  // Every row of convert_options.def that has NAMES; no leading '-' makes a
  // required positional.
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key, help) \
  Declare<(sizeof(names) > 1)>(&declare, names, env, check, &options.field, help);
#include "options/convert_options.def"
#undef PT2TS_OPTION

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
  const std::string list_error = declare.Finish();
  if (!list_error.empty()) return UsageError(list_error);

  // Absolute, so sys.executable stays valid whatever the model does with the
  // current directory.
  if (!options.python_executable.empty()) {
    options.python_executable = AbsolutePath(options.python_executable);
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
  // The check's tolerances follow --dtype unless given.
  if (const Precision* precision = FindPrecision(options.dtype)) {
    if (written.count("--rtol") == 0) options.rtol = precision->rtol;
    if (written.count("--atol") == 0) options.atol = precision->atol;
  }
  const std::string rule_error = CheckOptionRules({options, written});
  if (!rule_error.empty()) return UsageError(rule_error);
  const std::string dims_error = CheckDynamicDims(options.dynamic_dims, options.example_inputs);
  if (!dims_error.empty()) return UsageError(dims_error);
  if (IsExportedFormat(options.format) && !options.check_inputs.empty()) {
    const std::string shapes_error = CheckInputsFitShapes(
        options.dynamic_dims, options.example_inputs, options.check_inputs);
    if (!shapes_error.empty()) return UsageError(shapes_error);
  }
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
