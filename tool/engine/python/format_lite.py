"""--format lite (.ptl): a lite-interpreter file (TorchScript's mobile
bytecode), loaded in C++ by torch::jit::_load_for_mobile."""

WRITER = "_save_for_lite_interpreter"


def write(torch, module, path, extra_files):
    module._save_for_lite_interpreter(path, _extra_files=extra_files)
