"""The documentation's links: every relative link in README.md and docs/*.md
names a file or folder that exists, and a `#anchor` names a heading of the
target Markdown file, by GitHub's rules for heading anchors. README.md stays
a front door (at most 16000 bytes); the manual is under docs/.

Standard library only: no torch, no pt2ts binary (the PT2TS_* variables
CTest sets are not used).
"""

import re
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README_MAX_BYTES = 16000

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target) and ![alt](target), with an optional "title".
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)


def prose_lines(text):
    """(line number, line) for each line outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            yield number, line
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and line.strip() == match.group(1):
            fence = None


def heading_text(raw):
    """The heading's text as GitHub renders it: code spans keep their
    content, links keep their text, emphasis markers go."""
    text = CODE_SPAN.sub(lambda m: m.group(2).strip(), raw)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return text


def slug(text):
    """GitHub's anchor for a heading: lowercase, every character that is not
    a letter, digit, '_', '-' or space removed, spaces turned into '-'."""
    text = heading_text(text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    """Every anchor a Markdown file defines: its headings' slugs (a repeated
    slug gets -1, -2, ... as on GitHub) and explicit <a name|id=...>."""
    seen = {}
    result = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        result.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(path):
    """(line number, target) for each link in a Markdown file, outside code."""
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            yield number, target


def broken_links(path, root):
    """Descriptions of the relative links in `path` that do not resolve."""
    problems = []
    for number, target in links(path):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("//"):
            continue  # http:, https:, mailto:: not checked here
        file_part, _, anchor = target.partition("#")
        file_part = file_part.split("?", 1)[0]
        where = f"{path.relative_to(root)}:{number}: link {target!r}"
        if file_part.startswith("/"):
            problems.append(f"{where}: absolute path; use a relative one")
            continue
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            problems.append(f"{where}: {file_part} does not exist")
            continue
        if not anchor:
            continue
        if resolved.is_dir() or resolved.suffix.lower() != ".md":
            problems.append(f"{where}: an anchor into a file that is not Markdown")
        elif anchor not in anchors(resolved):
            problems.append(f"{where}: no heading of {resolved.name} has the anchor #{anchor}")
    return problems


def documents(root):
    return [root / "README.md"] + sorted((root / "docs").glob("*.md"))


class DocsTest(unittest.TestCase):
    def test_links_resolve(self):
        problems = []
        for path in documents(ROOT):
            problems.extend(broken_links(path, ROOT))
        if problems:
            self.fail("broken links:\n" + "\n".join(problems))

    def test_readme_is_short(self):
        size = (ROOT / "README.md").stat().st_size
        self.assertLessEqual(
            size, README_MAX_BYTES,
            f"README.md is {size} bytes; move detail into docs/ and link it")

    def test_readme_starts_with_the_two_ci_commands(self):
        # .ci/run and .ci/debian.sh run the lines of the first ```sh block.
        lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        start = lines.index("```sh")
        end = lines.index("```", start + 1)
        self.assertEqual(len(lines[start + 1:end]), 2, "the first ```sh block must hold two commands")


class CheckerTest(unittest.TestCase):
    """The checker itself finds what it should, on a made-up tree."""

    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="pt2ts-docs-")
        self.addCleanup(folder.cleanup)
        self.root = Path(folder.name)
        (self.root / "docs").mkdir()
        (self.root / "docs" / "guide.md").write_text(
            "# Guide\n\n## How `--args` and `--kwargs` values are read\n\n"
            "## AOTInductor packages (.pt2)\n\n## With pip's torch\n\n## Notes\n\n## Notes\n\n"
            "```sh\n## not a heading\n```\n", encoding="utf-8")

    def check(self, markdown):
        readme = self.root / "README.md"
        readme.write_text(markdown, encoding="utf-8")
        return broken_links(readme, self.root)

    def test_slugs(self):
        self.assertEqual(slug("How `--args` and `--kwargs` values are read"),
                         "how---args-and---kwargs-values-are-read")
        self.assertEqual(slug("AOTInductor packages (.pt2)"), "aotinductor-packages-pt2")
        self.assertEqual(slug("With pip's torch"), "with-pips-torch")
        self.assertEqual(slug("`pt2ts inspect FILE [--json]`"), "pt2ts-inspect-file---json")

    def test_good_links_pass(self):
        self.assertEqual(self.check(
            "[a](docs/guide.md) [b](docs/guide.md#with-pips-torch) [c](docs) "
            "[d](docs/guide.md#notes-1) [e](#top) [f](https://example.org/x#y)\n\n# Top\n"), [])

    def test_missing_file_fails(self):
        self.assertEqual(len(self.check("[a](docs/missing.md)\n")), 1)

    def test_missing_anchor_fails(self):
        self.assertEqual(len(self.check("[a](docs/guide.md#no-such-heading)\n")), 1)
        self.assertEqual(len(self.check("[a](docs/guide.md#not-a-heading)\n")), 1)
        self.assertEqual(len(self.check("[a](#nowhere)\n# Top\n")), 1)

    def test_links_in_code_are_not_links(self):
        self.assertEqual(self.check("`[a](missing.md)`\n\n```\n[b](missing.md)\n```\n"), [])


if __name__ == "__main__":
    unittest.main()
