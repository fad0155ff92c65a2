"""The layers of tool/ (docs/development.md, "Layout"): a file includes only
headers of its own layer or of a layer below it, so that the command line
never depends on the cache, the cache never on the engine, and so on.
Needs no build: it reads the sources."""

import os
import re
import unittest

TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tool")

# Lowest first. The engine and LibTorch libraries sit beside the front end's
# upper layers: they include base/ and options/ (and their own boundary
# headers are included by the layers that load them).
LAYERS = {"base": 0, "options": 1, "cli": 2, "engine": 2, "libtorch": 2, "output": 3,
          "cache": 4, "commands": 5}
INCLUDE = re.compile(r'^#include "([a-z_]+)/[^"]+"', re.MULTILINE)


def layer_violations(tool):
    """(file, include) pairs where a file includes a header of a higher
    layer, or of a sibling library (engine vs libtorch)."""
    found = []
    for folder, _, names in os.walk(tool):
        for name in names:
            if not name.endswith((".cpp", ".h", ".def")):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, tool)
            own = relative.split(os.sep)[0]
            if own not in LAYERS:
                continue  # main.cpp and generated headers' templates: the top
            with open(path, encoding="utf-8") as source:
                for included in INCLUDE.findall(source.read()):
                    if included not in LAYERS or included == own:
                        continue
                    if LAYERS[included] >= LAYERS[own]:
                        found.append((relative, included))
    return found


class LayersTest(unittest.TestCase):
    def test_every_folder_is_a_layer(self):
        folders = {entry for entry in os.listdir(TOOL) if os.path.isdir(os.path.join(TOOL, entry))}
        self.assertEqual(folders, set(LAYERS))

    def test_no_include_runs_up_the_layers(self):
        self.assertEqual(layer_violations(TOOL), [])

    def test_the_check_finds_an_include_up_the_layers(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tool:
            os.mkdir(os.path.join(tool, "cli"))
            with open(os.path.join(tool, "cli", "x.cpp"), "w", encoding="utf-8") as source:
                source.write('#include "base/files.h"\n#include "cache/local/local_store.h"\n')
            self.assertEqual(layer_violations(tool), [(os.path.join("cli", "x.cpp"), "cache")])


if __name__ == "__main__":
    unittest.main()
