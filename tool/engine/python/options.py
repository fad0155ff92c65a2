"""The boundary with the front end: the options come in as one typed, frozen
record, and the conversion's outcome goes back as one result object.

The options are declared once, in tool/options/convert_options.def: the
front end sends every row's value with a schema of their Python types, and
a value of the wrong type is an error here, at the boundary, instead of
deep inside a conversion. Each option's meaning is that file's HELP text."""

import builtins
import dataclasses

from _pt2ts import environment_files


class Options:
    """What to convert and how (the front end's ConvertOptions): one
    read-only attribute per option, e.g. options.save_path."""

    __slots__ = ("_values",)

    def __init__(self, values, schema):
        unknown, missing = sorted(set(values) - set(schema)), sorted(set(schema) - set(values))
        if unknown or missing:
            raise TypeError("the front end and the engine disagree on the options: unknown %s, "
                            "missing %s" % (unknown or "none", missing or "none"))
        for name, type_name in schema.items():
            if not isinstance(values[name], getattr(builtins, type_name)):
                raise TypeError("option %r must be %s, got %r" % (name, type_name, values[name]))
        object.__setattr__(self, "_values", dict(values))

    @classmethod
    def from_front_end(cls, values, schema):
        """Builds the record from the front end's dict and schema ({name:
        Python type name}), naming every unknown or missing key at once."""
        return cls(values, schema)

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError("no option %r (tool/options/convert_options.def)" % name) from None

    def __setattr__(self, name, value):
        raise AttributeError("options are read-only")


@dataclasses.dataclass(frozen=True)
class Result:
    """What the conversion tells the front end."""

    exit_code: int
    # Every file the conversion read (inventory.Entry), for the depfile.
    inputs: tuple = ()
    # Whether check_path was written (example inputs were given).
    wrote_check: bool = False
    # The libtorch_cpu library Python's torch loaded: the artifact is checked
    # in this process only if pt2ts's own LibTorch is that same file.
    python_libtorch_path: str = ""
    # The interpreter's and torch's files, for the conversion cache's key.
    environment: tuple = dataclasses.field(default_factory=environment_files.collect)
