"""The AOTInductor settings pt2ts compiles .pt2 packages with by default:
the fastest that keep the package within pt2ts's check against the eager
model (BENCHMARKS.md, "Defaults of .pt2 packages", measures each one).
format_aoti.py applies them; the package's metadata records them under
SETTINGS_KEY."""

import json
import os

from _pt2ts import reporting

SETTINGS_KEY = "pt2ts.inductor"


def _sleef_is_shared(torch):
    """Whether this torch's LibTorch uses Sleef (the vector math library
    behind at::vec) as a shared library of its own (Debian's does; pip's
    wheels link it in statically): then it is mapped in this process."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            return any("/libsleef.so" in line for line in maps)
    except OSError:
        return False


def _link_sleef(torch):
    """Inductor's vector kernels call Sleef, but on Linux it links them
    against libtorch only (Windows gets `sleef` too). Where Sleef is a shared
    library of its own, the kernels' Sleef symbols stay unresolved: the
    vector-ISA probe's test library fails to load, so inductor falls back to
    scalar kernels. Linking `sleef` explicitly makes the probe pass and makes
    every compiled package name libsleef.so as a NEEDED dependency, so C++
    programs load it with nothing preloaded. The probe's on-disk cache key
    gets a suffix, so a probe library built without Sleef is not reused."""
    import torch._inductor.cpp_builder as cpp_builder
    import torch._inductor.cpu_vec_isa as cpu_vec_isa
    related = getattr(cpp_builder, "_get_torch_related_args", None)
    fingerprint = getattr(cpu_vec_isa, "_get_isa_dry_compile_fingerprint", None)
    if related is None or fingerprint is None:
        return False
    if getattr(related, "pt2ts_links_sleef", False):
        return True

    def with_sleef(*args, **kwargs):
        include_dirs, library_dirs, libraries = related(*args, **kwargs)
        return include_dirs, library_dirs, list(libraries) + ["sleef"]

    def fingerprint_with_sleef(*args, **kwargs):
        return fingerprint(*args, **kwargs) + "=sleef"

    with_sleef.pt2ts_links_sleef = True
    cpp_builder._get_torch_related_args = with_sleef
    cpu_vec_isa._get_isa_dry_compile_fingerprint = fingerprint_with_sleef
    # Answers the probe gave before, in this process, without Sleef.
    for cached in (getattr(cpu_vec_isa, "pick_vec_isa", None),
                   getattr(cpu_vec_isa, "valid_vec_isa_list", None),
                   getattr(cpu_vec_isa.VecISA, "_VecISA__bool__impl", None)):
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()
    return True


def vector_isa(torch):
    """The vector instruction set the package's kernels will use ("avx512",
    "avx2"...), or "none" for scalar kernels; links Sleef where needed."""
    import torch._inductor.cpu_vec_isa as cpu_vec_isa
    linked = _sleef_is_shared(torch) and _link_sleef(torch)
    isa = cpu_vec_isa.pick_vec_isa()
    if not isa:
        reporting.step("AOTInductor found no usable vector instructions: scalar kernels%s" % (
            "" if not linked or os.path.exists("/usr/include/x86_64-linux-gnu/sleef.h")
            or os.path.exists("/usr/include/sleef.h")
            else " (install libsleef-dev: its sleef.h is what vector kernels include)"))
        return "none"
    return str(isa)


def _channels_last_convolutions_are_right(torch):
    """Inductor runs convolutions in channels-last memory layout (its layout
    optimisation). Debian 13's torch 2.6 computes a 1x1 stride-2
    convolution over 256 channels wrongly in that layout (eager PyTorch
    too, in oneDNN: off by 35 on random weights), which made resnet18's
    package compute something else than the model (pt2ts's check found it).
    This probe repeats that convolution in both layouts (a few ms)."""
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(512, 256, 1, 1, generator=generator)
    images = torch.randn(2, 256, 4, 4, generator=generator)
    with torch.no_grad():
        expected = torch.nn.functional.conv2d(images, weight, stride=2)
        actual = torch.nn.functional.conv2d(
            images.contiguous(memory_format=torch.channels_last), weight, stride=2)
    return torch.allclose(actual, expected, rtol=1e-4, atol=1e-4)


# The floating types oneDNN's prepacked kernels take.
_ONEDNN_FLOATING_TYPES = ("float32", "bfloat16", "float16")


def _freezable(torch, exported):
    """Whether `freezing` may be applied: its oneDNN weight prepacking fuses
    convolutions whatever their type, and a float64 model's package then
    fails at run time ("itensor_view_from_dense expects
    float/bfloat16/half/int8/fp8 tensor input", pip torch 2.14.1): only
    models whose floating parameters and buffers oneDNN takes are frozen."""
    tensors = list(exported.state_dict.values())
    tensors += list(getattr(exported, "constants", {}).values())
    return all(str(tensor.dtype).replace("torch.", "") in _ONEDNN_FLOATING_TYPES
               for tensor in tensors
               if isinstance(tensor, torch.Tensor) and tensor.is_floating_point())


def choose(torch, exported):
    """(inductor config overrides, the same plus the vector instruction set
    as JSON text for the metadata) for the ExportedProgram `exported`."""
    applied = {"vector_isa": vector_isa(torch)}
    # Constant folding and oneDNN weight prepacking at compile time
    # (BENCHMARKS.md); inductor honours it only with gradients off, so
    # format_aoti.write compiles under torch.no_grad().
    # dynamic_threads: the kernels' OpenMP regions take the running
    # program's thread count (at::set_num_threads, OMP_NUM_THREADS) instead
    # of the converting machine's core count, written into the code
    # (`num_threads(2)` on a 2-core machine): a package made on a big build
    # machine would otherwise start that many threads everywhere, and one
    # run with fewer threads than that spin-waits (3x eager measured).
    configs = {"freezing": _freezable(torch, exported), "cpp.dynamic_threads": True}
    if not configs["freezing"]:
        reporting.step("the model computes in a floating type oneDNN's prepacked kernels do not "
                       "take (float64): AOTInductor compiles it without freezing")
    if not _channels_last_convolutions_are_right(torch):
        configs["layout_optimization"] = False
        reporting.step("this torch computes channels-last convolutions wrongly: AOTInductor "
                       "keeps the model's memory layout")
    applied.update(configs)
    return configs, json.dumps(applied, sort_keys=True)
