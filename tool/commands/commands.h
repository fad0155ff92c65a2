// The commands of the pt2ts executable; each returns the exit code.
#pragma once

namespace pt2ts {

// pt2ts [options] module_path model_name: the conversion (the default).
int RunConvertCommand(int argc, char** argv);

// pt2ts inspect FILE [--json]: describe any TorchScript file (no Python).
int RunInspectCommand(int argc, char** argv);

// pt2ts cache stats [--json] | clear: the conversion cache (cache/).
int RunCacheCommand(int argc, char** argv);

// pt2ts __verify ARTIFACT CHECK RTOL ATOL VERBOSE START_TIME: internal; checks an
// artifact in a fresh process holding only LibTorch (used when the Python
// environment's torch is another build than pt2ts's LibTorch).
int RunVerifyCommand(int argc, char** argv);

}  // namespace pt2ts
