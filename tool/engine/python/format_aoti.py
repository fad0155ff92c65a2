"""--format aoti (.pt2): an AOTInductor package, the model captured by
torch.export (export_capture.py) and compiled to C++ ahead of time, loaded
in C++ by torch::inductor::AOTIModelPackageLoader. Needs torch >= 2.6, a
C++ compiler and setuptools when converting."""

import hashlib
import importlib.util
import os
import re
import shutil
import struct
import sys
import tempfile
import time
import zipfile

from _pt2ts import aoti_settings, reporting, torch_version
from _pt2ts.errors import ConversionError

WRITER = "AOTInductor"
CAPTURE = "export_capture"  # torch.export, not TorchScript
MINIMUM_TORCH = (2, 6)

# Inductor appends the compiler's command lines to the generated .cpp in its
# cache after each compile: a package made with a warm cache would differ
# from one made with a cold one. They are stripped from the package.
_COMPILE_COMMENTS = re.compile(rb"(?:\n// Compile cmd\n// .*\n// Link cmd\n// .*\n)+\Z")
# Zip member times of a reproducible archive (the earliest zip can store).
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# Newer torch's archive writer stores an id that differs between two writes
# of the same contents.
_SERIALIZATION_ID = ".data/serialization_id"


def _compiler(torch):
    """The C++ compiler inductor runs: $CXX, else its configured default."""
    configured = torch._inductor.config.cpp.cxx
    names = [os.environ["CXX"]] if os.environ.get("CXX") else [
        name for name in (configured if isinstance(configured, (list, tuple)) else [configured])
        if name]
    return names[0] if names else "g++", any(shutil.which(name) for name in names)


def check_ready(torch, options):
    """Refuses, before the model is built, what the compile would fail on."""
    version = torch_version.release(torch.__version__)
    if version is None or version[:2] < MINIMUM_TORCH or not hasattr(torch, "_inductor"):
        raise ConversionError(
            "a .pt2 package (AOTInductor, --format aoti) needs torch >= 2.6; the Python at %s has "
            "torch %s: write a TorchScript file (.pt) instead, or use a newer torch"
            % (options.python_executable or sys.executable, torch.__version__))
    import torch._inductor.config  # noqa: F401 - read by _compiler()
    compiler, found = _compiler(torch)
    if not found:
        raise ConversionError(
            "AOTInductor compiles the package with a C++ compiler and '%s' is not on PATH: "
            "install g++ (apt-get install g++) or set CXX to a compiler" % compiler)
    if importlib.util.find_spec("setuptools") is None:
        raise ConversionError(
            "AOTInductor needs Python's setuptools to compile the package, and the Python at %s "
            "has none: install python3-setuptools (apt-get install python3-setuptools)"
            % (options.python_executable or sys.executable))


def _rewrite_with_fixed_times(path, members):
    """torch 2.6 writes the package with Python's zipfile, stamping the
    current time on each member: rewritten the same way, with fixed times."""
    rewritten = path + ".reproducible"
    with zipfile.ZipFile(rewritten, "w", compression=zipfile.ZIP_STORED) as package:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.external_attr = info.external_attr
            package.writestr(fixed, data)
    os.replace(rewritten, path)


def _replace_serialization_id(path, package, info, data):
    """Newer torch writes an aligned archive (which must not be rewritten)
    whose .data/serialization_id differs between runs: the id is replaced in
    place by one derived from the other members' contents, of the same
    length, with the CRC-32 updated in the member's local and central
    headers."""
    digest = hashlib.sha256()
    for other in package.infolist():
        if other.filename != info.filename:
            digest.update(other.filename.encode() + b"\0" + package.read(other))
    new_id = str(int(digest.hexdigest(), 16))[:len(data)].rjust(len(data), "0").encode()
    crc = struct.pack("<I", zipfile.crc32(new_id))
    with open(path, "r+b") as file:
        file.seek(info.header_offset)
        local = file.read(30)
        flags, = struct.unpack("<H", local[6:8])
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        data_start = info.header_offset + 30 + name_length + extra_length
        file.seek(data_start)
        file.write(new_id)
        if flags & 0x08:  # the CRC follows the data, in a data descriptor
            descriptor = data_start + len(data)
            file.seek(descriptor)
            file.seek(descriptor + (4 if file.read(4) == b"PK\x07\x08" else 0))
        else:
            file.seek(info.header_offset + 14)
        file.write(crc)
        # The central directory: entries of 46 bytes plus name, extra, comment.
        position = package.start_dir
        while True:
            file.seek(position)
            entry = file.read(46)
            if entry[:4] != b"PK\x01\x02":
                raise OSError("cannot find %s in the package's directory" % info.filename)
            name_length, extra_length, comment_length = struct.unpack("<HHH", entry[28:34])
            if file.read(name_length).decode() == info.filename:
                file.seek(position + 16)
                file.write(crc)
                return
            position += 46 + name_length + extra_length + comment_length


def _rewrite_with_torch_writer(torch, path, members):
    """Newer torch writes the package with its own aligned archive writer,
    which records the members under a folder named after the file and adds
    .data/version, byteorder and the serialization id itself: rewritten
    with that same writer, so the alignment its loader may rely on holds."""
    rewritten = path + ".reproducible"
    writer = torch._C.PyTorchFileWriter(rewritten)
    writer.set_min_version(6)
    automatic = (".data/version", "byteorder", _SERIALIZATION_ID)
    for info, data in members:
        name = info.filename.split("/", 1)[1]
        if name not in automatic:
            writer.write_record(name, data, len(data))
    writer.write_end_of_file()
    del writer
    os.replace(rewritten, path)


def _make_reproducible(torch, path):
    """The same model compiled twice gives the same bytes: see the three
    causes above. Each fix applies only where torch's output needs it."""
    with zipfile.ZipFile(path) as package:
        members = [(info, package.read(info)) for info in package.infolist()]
    cleaned = [(info, _COMPILE_COMMENTS.sub(b"", data) if info.filename.endswith(".cpp")
                else data) for info, data in members]
    # torch's own archive writer (newer torch) stores no times (zipfile
    # reads 1980-00-00) and aligns its members; torch 2.6 uses zipfile.
    own_writer = all(info.date_time[0] == 1980 for info, _ in members)
    if own_writer and cleaned != members:
        _rewrite_with_torch_writer(torch, path, cleaned)
    elif not own_writer:
        _rewrite_with_fixed_times(path, cleaned)
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            if info.filename.endswith("/" + _SERIALIZATION_ID):
                _replace_serialization_id(path, package, info, package.read(info))


class _Progress:
    """'pt2ts: compiling with AOTInductor... 12.3 s' when stderr is a
    terminal: the compile is long and otherwise silent."""

    def __enter__(self):
        self._start = time.monotonic()
        self._shown = sys.stderr.isatty() and not reporting.verbose()
        if self._shown:
            sys.stderr.write("pt2ts: compiling with AOTInductor...")
            sys.stderr.flush()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.monotonic() - self._start
        if self._shown:
            sys.stderr.write(" %.1f s\n" % self.seconds)
            sys.stderr.flush()


class _CompilerStderr:
    """The C++ compiler inductor runs writes its warnings about the
    generated code straight to this process's stderr (g++ 14 on vector
    kernels: -Wunused-but-set-variable): captured during the compile and
    shown only with -v. A failed compile's output is in inductor's
    exception, which pt2ts reports."""

    def __enter__(self):
        sys.stderr.flush()
        self._saved = os.dup(2)
        self._file = tempfile.TemporaryFile()
        os.dup2(self._file.fileno(), 2)
        return self

    def __exit__(self, *exc_info):
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._file.seek(0)
        text = self._file.read().decode(errors="replace")
        self._file.close()
        if text.strip() and reporting.verbose():
            sys.stderr.write(text)
            sys.stderr.flush()


# AOTInductor generates checks of each input's dtype, sizes, strides and
# device against what the package was compiled for, but its generated code
# runs them only when the process sets AOTI_RUNTIME_CHECK_INPUTS (torch
# >= 2.7's codegen/cpp_wrapper_cpu.py, _check_aoti_runtime_check_inputs_env):
# otherwise a package compiled for batch 2 returns a batch-2 result for a
# batch-3 input. pt2ts rewrites that one getenv in the generated C++ before
# it is compiled, so the checks run unless the variable says 0. torch 2.6
# generates no checks outside debug builds (-O0): its packages do not check.
_CHECKS_GATE = 'getenv("AOTI_RUNTIME_CHECK_INPUTS")'
_CHECKS_ON_BY_DEFAULT = ('(getenv("AOTI_RUNTIME_CHECK_INPUTS") ? '
                         'getenv("AOTI_RUNTIME_CHECK_INPUTS") : "1")')
# The package's own metadata: "on" when it checks its inputs on every call.
INPUT_CHECKS_KEY = "pt2ts.input_checks"
# The generated bounds of a dynamic dimension are not those declared: torch
# 2.13 checked <= 15 for a batch exported with Dim(max=16) (small_net in
# tests/fixtures/models/aoti/nets.py), and >= 2 for Dim(min=1). Those two
# checks are disabled; static sizes, ranks, strides, dtypes and devices stay.
_DYNAMIC_BOUND_CHECK = re.compile(
    r'if \(\w+_size\[\d+\] [<>] -?\d+\) \{(?=\s*std::stringstream ss;\s*'
    r'ss << "[^"]*dim value is too (?:small|large) at )')

# With freezing, inductor's oneDNN fusions name their kernels after a Python
# object's repr, address included ("<function ..._register_unary_fusion_
# lowering.<locals>.fn at 0x7f608f49c5e0>"), in the generated size checks'
# messages: the code, its hashed file names and the package would differ
# between two conversions of the same model. The address is dropped.
_OBJECT_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def _generates_gated_checks(torch):
    """Whether this torch's AOTInductor generates the gated input checks."""
    import torch._inductor.codegen.cpp_wrapper_cpu as wrapper
    try:
        with open(wrapper.__file__, encoding="utf-8") as source:
            return _CHECKS_GATE in source.read()
    except OSError:
        return False


class _InputChecksOn:
    """Within it, AOTInductor's generated wrapper runs its input checks
    unless AOTI_RUNTIME_CHECK_INPUTS=0: the C++ text handed to its compiler
    (AotCodeCompiler.compile, called once per compiled graph) is rewritten."""

    def __init__(self, torch):
        self._compiler = torch._inductor.codecache.AotCodeCompiler
        self.rewritten = 0
        self.compile_seconds = 0.0  # in AotCodeCompiler.compile: the C++ compile

    def __enter__(self):
        original = self._compiler.__dict__["compile"]
        self._original = original
        compile_function = original.__func__
        context = self

        def compile_with_checks(cls, graph, wrapper_code, *args, **kwargs):
            context.rewritten += wrapper_code.count(_CHECKS_GATE)
            wrapper_code = wrapper_code.replace(_CHECKS_GATE, _CHECKS_ON_BY_DEFAULT)
            wrapper_code = _DYNAMIC_BOUND_CHECK.sub("if (false) {", wrapper_code)
            wrapper_code = _OBJECT_ADDRESS.sub(">", wrapper_code)
            start = time.monotonic()
            try:
                return compile_function(cls, graph, wrapper_code, *args, **kwargs)
            finally:
                context.compile_seconds += time.monotonic() - start

        self._compiler.compile = classmethod(compile_with_checks)
        return self

    def __exit__(self, *exc_info):
        self._compiler.compile = self._original


def _inductor_configs(torch, exported, extra_files, input_checks):
    configs, applied = aoti_settings.choose(torch, exported)
    configs["aot_inductor.metadata"] = dict(
        extra_files, **{INPUT_CHECKS_KEY: "on" if input_checks else "off",
                        aoti_settings.SETTINGS_KEY: applied})
    return configs


def write(torch, exported, path, extra_files):
    """Compiles the ExportedProgram into the package at `path`; extra_files
    (pt2ts.json) go into the package metadata."""
    # Everything in this process: no compile workers to outlive a signal.
    torch._inductor.config.compile_threads = 1
    import torch._inductor.codecache  # noqa: F401 - patched by _InputChecksOn
    input_checks = _generates_gated_checks(torch)
    configs = _inductor_configs(torch, exported, extra_files, input_checks)
    # Gradients off: inductor applies `freezing` (constant folding, oneDNN
    # weight prepacking) only when it compiles with grad disabled
    # (compile_fx: `config.freezing and not torch.is_grad_enabled()`);
    # with grad on the setting is silently ignored (BENCHMARKS.md).
    with _Progress() as progress, reporting.quiet_torch_logs(), \
            _InputChecksOn(torch) as checks, _CompilerStderr(), torch.no_grad():
        try:
            torch._inductor.aoti_compile_and_package(exported, package_path=path,
                                                     inductor_configs=configs)
        except KeyboardInterrupt:
            raise
        except OSError:
            raise
        except Exception as exc:  # noqa: B902 - inductor raises many types
            text = str(exc).strip()
            headline = next((line.strip() for line in text.splitlines() if line.strip()),
                            type(exc).__name__)
            raise ConversionError("AOTInductor cannot compile the model: %s: %s"
                                  % (type(exc).__name__, headline), text) from None
    if input_checks and not checks.rewritten:
        raise ConversionError("pt2ts found no input checks in the C++ code AOTInductor "
                              "generated (torch %s): the package would not refuse inputs of "
                              "other shapes; please report this" % torch.__version__)
    reporting.step("compiled with AOTInductor in %.1f s (C++ compile and link %.1f s); %s" % (
        progress.seconds, checks.compile_seconds,
        "the package checks its inputs' shapes and dtypes on every call" if input_checks
        else "this torch's AOTInductor generates no input checks: the package does not check "
        "its inputs' shapes"))
    _make_reproducible(torch, path)
