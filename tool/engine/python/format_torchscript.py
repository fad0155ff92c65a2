"""--format torchscript (.pt, the default): a TorchScript archive, loaded in
C++ by torch::jit::load."""

WRITER = "torch.jit.save"


def write(torch, module, path, extra_files):
    torch.jit.save(module, path, _extra_files=extra_files)
