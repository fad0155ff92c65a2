#include "cli.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "exit_codes.h"
#include "input_spec.h"
#include "literal.h"
#include "pt2ts_version.h"

namespace pt2ts {
namespace {

constexpr const char* kDescription =
    "Convert a PyTorch model written in Python into a TorchScript file.\n\n"
    "pt2ts imports MODULE_PATH (a .py file, a package folder or a dotted module\n"
    "name), builds MODEL_NAME(*ARGS, **KWARGS) (a class or a factory function),\n"
    "loads the weights given with -w, switches the model to eval mode, scripts it\n"
    "with torch.jit.script and saves it atomically to SAVE_PATH.";

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

bool IsPythonIdentifier(const std::string& text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool letter = std::isalpha(c) || c == '_' || c >= 0x80;
    if (!letter && !(i > 0 && std::isdigit(c))) return false;
  }
  return true;
}

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

// Drops the empty value of a bare option and unmarks the others.
std::vector<std::string> UnprotectValues(const std::vector<std::string>& values) {
  std::vector<std::string> result;
  for (std::string value : values) {
    if (value.empty()) continue;
    Unprotect(&value);
    result.push_back(std::move(value));
  }
  return result;
}

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

  CLI::App app{kDescription, "pt2ts"};
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("pt2ts ") + kPt2tsVersion);
  app.get_formatter()->column_width(30);

  app.add_option("module_path", options.module_path,
                 "Python file (model.py), package folder, or dotted module name (zoo.models)")
      ->required();
  app.add_option("model_name", options.model_name,
                 "Class or factory function in that module returning a torch.nn.Module")
      ->required();
  app.add_option("-s,--save_path,--save-path", options.save_path,
                 "Where to write the TorchScript file; its folder is created if missing")
      ->capture_default_str();
  app.add_option("-w,--state_dict,--state-dict", options.state_dict_path,
                 "Weights: a state dict or training checkpoint saved with torch.save");
  app.add_option("--state_key,--state-key", options.state_key,
                 "Take the state dict from checkpoint[KEY] (default: the file itself if it is a "
                 "state dict, else the first of state_dict, model_state_dict, model_state, model, "
                 "net, network, module, weights, params)");
  app.add_option("--args", raw_args, "Constructor positional arguments")->expected(0, -1);
  app.add_option("--kwargs", raw_kwargs, "Constructor keyword arguments: KEY VALUE [KEY VALUE ...]")
      ->expected(0, -1);
  app.add_option("--pythonpath", options.python_paths,
                 "Add an import root to sys.path (repeatable; searched in order)")
      ->take_all()
      ->allow_extra_args(false);
  app.add_option("--python", options.python_executable,
                 "Run as this virtual environment's interpreter (its bin/python), so packages "
                 "installed there import")
      ->envname("PT2TS_PYTHON");
  app.add_flag("--trust-weights", options.trust_weights,
               "Allow the weights file to run code when unpickled (only for files you trust)");
  app.add_flag("--non-strict", options.non_strict,
               "Load the weights that match the model; report the rest as a warning");
  app.add_flag("--train", options.train, "Keep training mode (default: model.eval())");
  app.add_flag("-v,--verbose", options.verbose, "Report each step with its time");
  std::vector<std::string> raw_input_specs;
  app.add_option("--example-input", raw_input_specs,
                 "Check the artifact on a random input of this shape and dtype (one per forward "
                 "argument, in order): 1x3x224x224, 2x20x80:float32, 2:int64. Floats are "
                 "standard normal, integers in [0, 10), from a fixed seed")
      ->take_all()
      ->allow_extra_args(false);
  app.add_option("--example-inputs", options.example_inputs_path,
                 "Check the artifact on the inputs in this file: a tensor or a tuple/list of "
                 "tensors saved with torch.save (for inputs that must be valid, e.g. token ids)");
  app.add_option("--rtol", options.rtol, "Relative tolerance of the check against eager PyTorch")
      ->capture_default_str()
      ->check(kTolerance);
  app.add_option("--atol", options.atol, "Absolute tolerance of the check against eager PyTorch")
      ->capture_default_str()
      ->check(kTolerance);
  app.add_flag("--allow-torch-version-mismatch", options.allow_torch_version_mismatch,
               "Convert even though the Python environment's torch is another version than "
               "pt2ts's LibTorch (the artifact may not load in your C++ program)");
  app.add_option("--depfile", options.depfile_path,
                 "Also write a Makefile-style depfile listing every Python file the conversion "
                 "imported from outside the Python installation, and the weights (for build "
                 "systems)");

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

  for (std::string* value : {&options.module_path, &options.model_name, &options.save_path,
                             &options.state_dict_path, &options.state_key,
                             &options.python_executable, &options.depfile_path}) {
    Unprotect(value);
  }
  for (std::string& path : options.python_paths) Unprotect(&path);
  // Absolute, so sys.executable stays valid whatever the model does with the
  // current directory (not resolved: a venv's bin/python is a symlink).
  if (!options.python_executable.empty() && options.python_executable[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof(cwd)) != nullptr) {
      options.python_executable = std::string(cwd) + "/" + options.python_executable;
    }
  }
  for (const std::string& text : raw_input_specs) {
    InputSpecResult spec = ParseInputSpec(text);
    if (!spec.ok) return UsageError(spec.error);
    options.example_inputs.push_back(spec.spec);
  }
  Unprotect(&options.example_inputs_path);
  if (!options.example_inputs.empty() && !options.example_inputs_path.empty()) {
    return UsageError("--example-input and --example-inputs exclude each other: give the "
                      "inputs either as shapes or as a file");
  }
  if ((app.count("--rtol") > 0 || app.count("--atol") > 0) && options.example_inputs.empty() &&
      options.example_inputs_path.empty()) {
    return UsageError("--rtol/--atol set the tolerance of the check on example inputs; give the "
                      "inputs with --example-input SHAPE or --example-inputs FILE");
  }
  if (!FillArgs(UnprotectValues(raw_args), &options) ||
      !FillKwargs(UnprotectValues(raw_kwargs), &options)) {
    result.exit_now = true;
    result.exit_code = kExitUsageError;
  }
  return result;
}

}  // namespace pt2ts
