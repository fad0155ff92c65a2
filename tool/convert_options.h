// Everything a conversion needs, as parsed from the command line. The front
// end fills it; the engine (a separately loaded library) reads it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dynamic_dim.h"
#include "input_spec.h"
#include "value.h"

namespace pt2ts {

struct ConvertOptions {
  std::string module_path;  // a .py file, a package folder or a dotted module name
  std::string model_name;   // class or factory inside that module (may be dotted)
  std::string save_path = "./torchScriptModel.pt";
  std::string state_dict_path;  // -w; empty: keep the constructor's weights
  std::string state_key;        // --state_key; empty: detect
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
  std::vector<std::string> python_paths;  // --pythonpath, in order
  std::string python_executable;          // --python / PT2TS_PYTHON; empty: the built-in one
  bool trust_weights = false;
  bool non_strict = false;
  bool train = false;
  bool verbose = false;
  std::string depfile_path;  // --depfile; empty: none
  std::vector<std::string> depends;  // --depends: more files the artifact depends on
  std::vector<InputSpec> example_inputs;  // --example-input, one per forward argument
  std::string example_inputs_path;        // --example-inputs FILE
  std::vector<InputSpec> check_inputs;    // --check-input: one more set, only to check
  std::string check_inputs_path;          // --check-inputs FILE: one or several more sets
  std::string method = "script";          // --method script|trace|auto
  bool freeze = false;                    // --freeze
  std::vector<std::string> preserve;      // --preserve NAME: kept by freezing
  std::string format;  // --format (artifact_formats.h); "" until chosen from the save path
  std::vector<DynamicDim> dynamic_dims;   // --dynamic-dim: sizes a .pt2 package accepts
  double rtol = 1e-5;
  double atol = 1e-5;
  bool allow_torch_version_mismatch = false;

  // The conversion cache (tool/cache/) and --path-prefix-map.
  std::string cache_dir;       // --cache-dir / PT2TS_CACHE_DIR; empty: no cache
  bool no_cache = false;       // --no-cache
  std::string cache_max_size;  // --cache-max-size / PT2TS_CACHE_MAX_SIZE; empty: 5G
  std::vector<std::string> path_prefix_maps;  // --path-prefix-map OLD=NEW, in order

  // Filled by the front end before the engine runs.
  std::string staging_path;    // where the engine writes the artifact
  std::string check_path;      // where it writes example inputs and eager outputs
  double start_time = 0;       // steady-clock seconds at process start, for -v timings
};

}  // namespace pt2ts
