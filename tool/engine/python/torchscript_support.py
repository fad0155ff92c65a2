"""What torch says about TorchScript's own future, turned into pt2ts's words.

Newer torch releases deprecate TorchScript: torch 2.14 on Python 3.14 warns on
every torch.jit.script and torch.jit.save ("... is not supported in Python
3.14+ and may break"), and a release may one day refuse it outright. Such a
warning becomes one `pt2ts: note:` per conversion, saying what it means; a
refusal becomes one `pt2ts: error:`. Recognised by category and by what the
text is about (torch.jit / TorchScript) plus generic key phrases, not by one
release's exact wording."""

import re
import warnings

from _pt2ts import reporting
from _pt2ts.errors import ConversionError

# What to use instead.
ALTERNATIVE = "a .pt2 AOTInductor package (--format aoti, captured with torch.export)"

_CATEGORIES = (FutureWarning, DeprecationWarning, PendingDeprecationWarning, UserWarning)
_SUBJECT = re.compile(r"torch\.jit|torchscript|\bjit\.(script|trace|save|load)\b", re.IGNORECASE)
_PHRASES = re.compile(r"not supported|unsupported|no longer supported|deprecat|may break|"
                      r"will be removed|has been removed|is removed|disabled|discontinued|"
                      r"switch to torch\.(compile|export)|use torch\.export", re.IGNORECASE)
# A refusal speaks of TorchScript itself ("torch.jit.script is disabled",
# "TorchScript has been removed"), not of a construct in the user's model...
_REFUSAL = re.compile(r"(torch\.jit(\.\w+)?|torchscript)( \w+)?\s+(is|are|has been|was|were)\b",
                      re.IGNORECASE)
# ...and, unlike a compile error, points at no source line.
_SOURCE_LOCATION = re.compile(r'File "[^"]+", line \d+')

_state = {"noted": False, "writes_torchscript": True}


def _about_torchscript_support(text):
    return bool(_SUBJECT.search(text) and _PHRASES.search(text))


def install(writes_torchscript=True):
    """Routes TorchScript support warnings to one note; others pass through
    to the warning display already in place (reporting's). A conversion that
    writes no TorchScript (a .pt2 package) drops them: torch's export and
    inductor touch torch.jit internally (torch 2.13 warns that
    torch.jit.script_method is deprecated), which says nothing about the
    artifact."""
    _state["writes_torchscript"] = writes_torchscript
    # DeprecationWarnings are hidden outside __main__ by default: show
    # TorchScript's, like FutureWarnings.
    for category in (DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("default", category=category,
                                message=r"(?s).*(torch\.jit|torchscript)")
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if not noted(message, category):
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def noted(message, category):
    """Whether the warning is about TorchScript's support, and so became (or
    already was) the one note; for code that collects warnings itself."""
    if issubclass(category, _CATEGORIES) and _about_torchscript_support(str(message)):
        if _state["writes_torchscript"]:
            _note_once(str(message))
        return True
    return False


# The note, printed on every such conversion: short, and current (pt2ts
# writes .pt2 packages today). torch's own words come with -v.
NOTE = ("this torch no longer fully supports TorchScript: the artifact works and is checked, "
        "but a later torch may break it; write .pt2 instead (--format aoti)")


def _note_once(message):
    if _state["noted"]:
        return
    _state["noted"] = True
    text = NOTE
    if reporting.verbose():
        first_line = message.strip().splitlines()[0] if message.strip() else message
        text += " (torch says: \"%s\")" % first_line.rstrip(".")
    reporting.note(text)


def raise_if_refused(exc):
    """Called with what torch.jit raised: a refusal to do TorchScript at all
    (not a compile error in the user's model) becomes one clear error."""
    text = str(exc)
    # An AttributeError on torch.jit itself: this torch has no TorchScript API.
    missing_api = isinstance(exc, AttributeError) and "torch.jit" in text
    refused = (_REFUSAL.search(text) and _about_torchscript_support(text)
               and not _SOURCE_LOCATION.search(text))
    if not (missing_api or refused):
        return
    first_line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    raise ConversionError("this torch refuses to write TorchScript (%s: %s): use a torch that "
                          "still supports TorchScript; the alternative is %s"
                          % (type(exc).__name__, first_line, ALTERNATIVE)) from None
