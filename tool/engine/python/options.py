"""The boundary with the front end: the options come in as one typed, frozen
record, and the conversion's outcome goes back as one result object. A key
the front end misspells, forgets or sends with the wrong type is an error
here, at the boundary, instead of deep inside a conversion."""

import dataclasses

from _pt2ts import environment_files


@dataclasses.dataclass(frozen=True)
class Options:
    """What to convert and how (the front end's ConvertOptions)."""

    module_path: str
    model_name: str
    save_path: str
    staging_path: str  # where the artifact is written (beside save_path)
    check_path: str  # where the example inputs and eager outputs go
    state_dict_path: str  # "" for none
    state_key: str  # "" to detect
    args: tuple  # constructor values, already Python objects
    kwargs: dict
    python_paths: tuple
    python_executable: str
    trust_weights: bool
    non_strict: bool
    train: bool
    verbose: bool
    start_time: float
    example_inputs: tuple  # of (shape tuple, dtype name) pairs
    example_inputs_path: str
    check_inputs: tuple  # one more input set, (shape tuple, dtype name) pairs
    check_inputs_path: str  # a file of one or several more input sets
    method: str  # "script", "trace" or "auto"
    freeze: bool
    preserve: tuple  # attribute and method names freezing keeps
    format: str  # "torchscript", "lite" or "aoti": the module format_<name>.py writes it
    dynamic_dims: tuple  # (input, dim, min or None, max or None) per --dynamic-dim
    depends: tuple  # further files the artifact depends on (CMake's DEPENDS)
    allow_torch_version_mismatch: bool
    libtorch_version: str
    pt2ts_version: str
    path_prefix_maps: tuple  # "OLD=NEW" texts, in command-line order (path_prefix_map.py)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, field.type):
                raise TypeError("option %r must be %s, got %r"
                                % (field.name, field.type.__name__, value))

    @classmethod
    def from_front_end(cls, values):
        """Builds the record from the front end's dict, naming every unknown
        or missing key at once."""
        names = {field.name for field in dataclasses.fields(cls)}
        unknown, missing = sorted(set(values) - names), sorted(names - set(values))
        if unknown or missing:
            raise TypeError("the front end and the engine disagree on the options: unknown %s, "
                            "missing %s" % (unknown or "none", missing or "none"))
        return cls(**values)


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
