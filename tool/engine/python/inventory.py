"""One inventory of every file a conversion read: the imported Python files
that are not part of the Python installation (the model's file, its
siblings, packages under --pythonpath, transitively), the weights (with
the shards a safetensors index names), the
example and check inputs files and the extra --depends files, each with its absolute
path and SHA-256, computed once. The depfile and the metadata read from it."""

import dataclasses
import hashlib
import os
import site
import sys
import sysconfig
import threading

from _pt2ts import safetensors_file


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as file:
        # Large blocks for large files (few GIL hand-overs in a thread), no
        # more memory than the file for small ones.
        buffer = bytearray(min(8 << 20, max(1 << 16, os.fstat(file.fileno()).st_size)))
        view = memoryview(buffer)
        while True:
            count = file.readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
    return digest.hexdigest()


class _BackgroundDigest:
    """The SHA-256 of a file, computed on a background thread from the start
    of the conversion. hashlib and file reads release the GIL, so hashing a
    1 GB weights file (about 0.6 s) overlaps with importing torch and loading
    the weights instead of adding to them. The files before it in `after`
    (a sharded checkpoint's other shards) are hashed first, on the same
    thread: one file at a time."""

    def __init__(self, path, after=None):
        self._path = path
        self._after = after
        self._digest = None
        self._error = None
        self._thread = threading.Thread(target=self._compute, name="pt2ts-sha256", daemon=True)
        self._thread.start()

    def _compute(self):
        if self._after is not None:
            self._after.join()
        try:
            self._digest = sha256(self._path)
        except OSError as exc:  # raised again where the digest is needed
            self._error = exc

    def join(self):
        self._thread.join()

    def hexdigest(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest


@dataclasses.dataclass(frozen=True)
class Entry:
    path: str  # absolute
    kind: str  # "module", "weights", "example_inputs", "check_inputs" or "depends"
    sha256: str
    modules: tuple = ()  # for kind "module": the names it was imported as
    part_of: str = ""  # for a shard (kind "weights"): the safetensors index naming it


def _installation_folders():
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    folders.update(site.getsitepackages())
    return [os.path.join(os.path.abspath(f), "") for f in folders]


def _imported_user_files():
    """{absolute path: sorted module names} of the imported Python files
    outside the Python installation."""
    installed = _installation_folders()
    files = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not path or path.startswith("<") or not os.path.isfile(path):
            continue
        path = os.path.abspath(path)
        if not any(path.startswith(folder) for folder in installed):
            files.setdefault(path, []).append(name)
    return {path: tuple(sorted(names)) for path, names in files.items()}


class Inventory:
    """Started when the conversion starts (the weights are hashed meanwhile),
    completed once the model is built (everything it imported is known)."""

    def __init__(self, options):
        # The files the options name, (kind, absolute path, SHA-256 or "")
        # as the front end listed them: with their digests when the
        # conversion cache hashed them, so that nothing is hashed twice.
        # The weights, the large one, are hashed in the background otherwise.
        # Normalised as Python's own paths are ("../w.pt" from /x/y: /x/w.pt).
        self._named = tuple((kind, os.path.abspath(path), digest)
                            for kind, path, digest in options.named_files)
        self._digests = {path: (_BackgroundDigest(path) if kind == "weights" and not digest
                                else digest)
                         for kind, path, digest in self._named}
        # The shards of a sharded safetensors checkpoint, {shard: index}: the
        # weights too, for the depfile and the cache's manifest (none if the
        # index cannot be read: loading it reports why).
        self._shards = {}
        previous = None
        for kind, path, _ in self._named:
            if kind == "weights" and safetensors_file.is_index(path):
                for shard in safetensors_file.shard_paths(path):
                    if shard not in self._digests and shard not in self._shards:
                        self._shards[shard] = path
                        previous = self._digests[shard] = _BackgroundDigest(shard, previous)

    def _digest(self, path):
        digest = self._digests[path]
        if isinstance(digest, _BackgroundDigest):
            return digest.hexdigest()
        return digest or sha256(path)

    def complete(self):
        """All entries, sorted by path, one per file."""
        entries = {}
        for path, names in _imported_user_files().items():
            entries[path] = Entry(path, "module", sha256(path), names)
        for kind, path, _ in self._named:
            if path in entries:
                continue  # e.g. a DEPENDS file that was also imported
            entries[path] = Entry(path, kind, self._digest(path))
        for path, index in self._shards.items():
            if path not in entries:
                entries[path] = Entry(path, "weights", self._digest(path), part_of=index)
        return tuple(entries[path] for path in sorted(entries))
