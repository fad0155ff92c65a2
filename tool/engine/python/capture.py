"""How the eager model becomes a TorchScript module (--method): compiled by
torch.jit.script, recorded by torch.jit.trace on the example inputs, or
scripted with tracing as the fallback ("auto"); then, with --freeze,
frozen. One entry point: capture()."""

import dataclasses
import inspect
import os
import re
import sys
import sysconfig
import warnings

from _pt2ts import reporting, torchscript_support
from _pt2ts.errors import ConversionError

_TRACE_HINT = "trace it instead: --method trace (or auto) with --example-input SHAPE"


@dataclasses.dataclass(frozen=True)
class Captured:
    module: object  # the torch.jit.ScriptModule to save
    method: str  # as used: "script" or "trace"
    trace_strict: object  # for traces, whether torch's strict mode held; else None


class _ScriptingFailed(ConversionError):
    """torch.jit.script refused the model; `headline` says where and why."""

    def __init__(self, headline, details):
        super().__init__("torch.jit.script cannot compile " + headline, details)
        self.headline = headline


def _script(torch, model, model_name):
    try:
        return torch.jit.script(model)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - torch raises several types here
        torchscript_support.raise_if_refused(exc)
        text = str(exc).strip("\n")
        headline = next((line for line in text.splitlines() if line.strip()), type(exc).__name__)
        location = re.search(r'File "([^"]+)", line (\d+)', text)
        where = " (%s, line %s)" % location.groups() if location else ""
        raise _ScriptingFailed("model '%s'%s: %s" % (model_name, where,
                                                     headline.strip().rstrip(":")),
                               text) from None


class _WarningCollector:
    """Collects the warnings of a trace and reports them once per place in
    the user's code (file and line), with how often they came. The tracer's
    are the best hint that a trace will not generalise (a tensor turned into
    a Python bool, int or list). One raised inside torch (an RNN's shape
    check) is reported at the innermost frame outside torch that led to it,
    naming the places in torch it came through: one user line that reaches
    two such places (torchaudio's DeepSpeech calling an RNN) is still one
    line, not one per place in torch."""

    def __init__(self, torch):
        self._torch_folder = os.path.join(os.path.dirname(os.path.abspath(torch.__file__)), "")
        # The warnings machinery lives there (warnings.py, and _py_warnings.py
        # from Python 3.14 on); no user model does.
        self._stdlib_folder = os.path.join(os.path.abspath(sysconfig.get_paths()["stdlib"]), "")
        # (file, line): {"messages": {"Category: message": None},
        #                "inside": {"torch/...:line": None}, "count": n}
        self._places = {}

    def _outside_torch(self, filename):
        """Whether a frame's file is the user's: not torch's, not the
        standard library's, not pt2ts's ("<pt2ts>/...") or frozen code's."""
        if filename.startswith("<"):
            return False
        filename = os.path.abspath(filename)
        return not (filename.startswith(self._torch_folder)
                    or filename.startswith(self._stdlib_folder))

    def record(self, message, category, filename, lineno, file=None, line=None):
        if torchscript_support.noted(message, category):
            return
        frame, inside = sys._getframe(1), None
        while frame is not None and not self._outside_torch(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is not None and not self._outside_torch(filename):
            inside = "torch/%s:%s" % (os.path.relpath(filename, self._torch_folder), lineno)
            filename, lineno = frame.f_code.co_filename, frame.f_lineno
        place = self._places.setdefault((filename, lineno),
                                        {"messages": {}, "inside": {}, "count": 0})
        place["messages"]["%s: %s" % (category.__name__, message)] = None
        if inside:
            place["inside"][inside] = None
        place["count"] += 1

    def report(self):
        for (filename, lineno), place in self._places.items():
            inside = list(place["inside"])
            through = ""
            if inside:
                through = " (in %s)" % (inside[0] if len(inside) == 1 else
                                        "%s and %s" % (", ".join(inside[:-1]), inside[-1]))
            count = place["count"]
            reporting.warning("%s:%s: %s%s%s" % (filename, lineno, " | ".join(place["messages"]),
                                                 through,
                                                 " (%d times)" % count if count > 1 else ""))


def _all_keywords(torch, model, input_set):
    """A set with keyword arguments the positional ones do not reach
    (example_inputs.py made the others positional) as one dict by name, the
    form torch.jit.trace takes keyword arguments in."""
    if "example_kwarg_inputs" not in inspect.signature(torch.jit.trace).parameters:
        raise ConversionError(
            "torch %s's tracer takes positional inputs only, and the %s leave out a parameter "
            "before %s: give the arguments in between too, script the model, or use a newer "
            "torch" % (torch.__version__, input_set.title(), ", ".join(input_set.kwargs)))
    names = [p.name for p in inspect.signature(model.forward).parameters.values()]
    return dict(zip(names, input_set.args), **input_set.kwargs)


def _trace_once(torch, model, example, check_sets, strict):
    if not example.kwargs:
        return torch.jit.trace(model, tuple(example.args), check_trace=True,
                               check_inputs=[tuple(s.args) for s in check_sets] or None,
                               strict=strict)
    return torch.jit.trace(model, example_kwarg_inputs=_all_keywords(torch, model, example),
                           check_trace=True, strict=strict,
                           check_inputs=[_all_keywords(torch, model, s)
                                         for s in check_sets] or None)


def _trace(torch, model, model_name, example, check_sets):
    """Returns (traced module, whether strict mode held). Strict mode refuses
    models returning dicts or lists; those are traced again without it."""
    collector = _WarningCollector(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("always", torch.jit.TracerWarning)
        warnings.showwarning = collector.record
        try:
            try:
                return _trace_once(torch, model, example, check_sets, strict=True), True
            except torch.jit.TracingCheckError:
                raise
            except RuntimeError as exc:
                torchscript_support.raise_if_refused(exc)
                collector = _WarningCollector(torch)  # the same warnings come again
                warnings.showwarning = collector.record
                return _trace_once(torch, model, example, check_sets, strict=False), False
        except (KeyboardInterrupt, ConversionError):
            raise
        except torch.jit.TracingCheckError as exc:
            text = str(exc).strip()
            reason = next((line.strip() for line in text.splitlines()
                           if line.strip().startswith("ERROR:")), text.splitlines()[0])
            on = ", ".join(s.title() for s in check_sets) or example.title()
            raise ConversionError(
                "the trace of model '%s' does not generalise: torch's trace check fails on the "
                "%s (%s). The trace recorded a shape or a data-dependent branch (see the "
                "warnings above); make that code shape-independent, or use --method script"
                % (model_name, on, reason.rstrip(".")), text) from None
        except Exception as exc:  # noqa: B902 - the user's forward may raise anything
            raise ConversionError(
                "torch.jit.trace cannot trace model '%s' on the %s: %s"
                % (model_name, example.title(), reporting.describe(exc)),
                reporting.user_traceback(exc)) from None
        finally:
            collector.report()


def _freeze(torch, module, model_name, preserve):
    try:
        return torch.jit.freeze(module, preserved_attrs=list(preserve))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: B902 - torch raises several types here
        text = str(exc).strip()
        raise ConversionError("torch.jit.freeze cannot freeze model '%s': %s"
                              % (model_name, text.splitlines()[0] if text else
                                 type(exc).__name__), text) from None


def capture(torch, model, options, example, check_sets):
    """example: the example InputSet or None; check_sets: more InputSets."""
    name = options.model_name
    if options.method == "trace":
        module, strict = _trace(torch, model, name, example, check_sets)
        captured = Captured(module, "trace", strict)
    else:
        try:
            captured = Captured(_script(torch, model, name), "script", None)
        except _ScriptingFailed as exc:
            if options.method == "script":
                raise ConversionError("%s; if it cannot be scripted, %s"
                                      % (exc.message, _TRACE_HINT), exc.details) from None
            if example is None:
                raise ConversionError("%s; --method auto would trace it on example inputs: give "
                                      "--example-input SHAPE or --example-inputs FILE"
                                      % exc.message, exc.details) from None
            reporting.note("torch.jit.script cannot compile %s; tracing it on the %s instead"
                           % (exc.headline, example.title()))
            module, strict = _trace(torch, model, name, example, check_sets)
            captured = Captured(module, "trace", strict)
    reporting.step("%s %s (%s mode)" % ("scripted" if captured.method == "script" else "traced",
                                        name, "training" if options.train else "eval"))
    if options.freeze:
        captured = dataclasses.replace(captured, module=_freeze(torch, captured.module, name,
                                                                options.preserve))
        reporting.step("froze %s" % name)
    return captured
