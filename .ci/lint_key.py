"""Prints the key under which .ci/lint.sh remembers that clang-tidy found
nothing in one file: a SHA-256 of everything its verdict depends on, namely
clang-tidy's version, the .clang-tidy configuration, the file's compile
command and its preprocessed text (the file and every header it includes,
ours and LibTorch's). The same key means clang-tidy would read the same
input with the same rules, as ccache reasons about compilers.

    lint_key.py CLANG_TIDY BUILD_DIR FILE

Run from the checkout's root; FILE is relative to it; files of fuzz/ are not in the build's
compile_commands.json and get lint.sh's own command for them."""

import hashlib
import json
import os
import shlex
import subprocess
import sys


def compile_command(build_dir, path):
    if path.startswith("fuzz/"):
        return ["clang++-14", "-std=c++17", "-Itool", "-Ifuzz", path], os.getcwd()
    target = os.path.abspath(path)
    with open(os.path.join(build_dir, "compile_commands.json")) as file:
        for entry in json.load(file):
            if os.path.abspath(os.path.join(entry["directory"], entry["file"])) == target:
                arguments = entry.get("arguments") or shlex.split(entry["command"])
                return arguments, entry["directory"]
    raise SystemExit("lint_key.py: %s is not in %s/compile_commands.json" % (path, build_dir))


def preprocess_command(arguments):
    """The compile command with -c and -o OUT replaced by -E to stdout."""
    result, skip = [], False
    for argument in arguments:
        if skip:
            skip = False
        elif argument == "-o":
            skip = True
        elif argument != "-c" and not argument.startswith("-o"):
            result.append(argument)
    return result[:1] + ["-E"] + result[1:]


def main(clang_tidy, build_dir, path):
    digest = hashlib.sha256()
    version = subprocess.run([clang_tidy, "--version"], capture_output=True, check=True).stdout
    digest.update(version)
    with open(".clang-tidy", "rb") as file:
        digest.update(file.read())
    # The checkout's own path is left out (as CCACHE_BASEDIR does), so that a
    # fresh clone elsewhere finds the results of earlier runs.
    checkout = os.getcwd().encode()
    arguments, directory = compile_command(build_dir, path)
    digest.update("\0".join(arguments).encode().replace(checkout, b"<checkout>"))
    text = subprocess.run(preprocess_command(arguments), cwd=directory, capture_output=True,
                          check=True).stdout
    digest.update(text.replace(checkout, b"<checkout>"))
    print(digest.hexdigest())


if __name__ == "__main__":
    main(*sys.argv[1:4])
