"""The README's layout section names every module under ``src/`` and nothing that is gone.

A newcomer reads that block to find their way; it must match ``find src -name '*.py'`` exactly
(``__init__.py`` files left out). A folder is a line ending in ``/`` (its indentation nests it in
the folder above); the ``.py`` names on the lines below it, indented further, are its modules.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layout_block(readme: str) -> list[str]:
    section = readme.split("\n## Layout\n", 1)[1]
    match = re.search(r"```\n(.*?)\n```", section, re.DOTALL)
    assert match, "the Layout section has no code block"
    return match.group(1).splitlines()


def _modules_listed(lines: list[str]) -> set[str]:
    """Paths of the modules a layout block names, from its folders' nesting."""
    folders: list[tuple[int, str]] = []  # (indentation, path) of the enclosing folders
    listed: set[str] = set()
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        first = line.split()[0]
        while folders and folders[-1][0] >= indent:
            folders.pop()
        if first.endswith("/"):
            parent = folders[-1][1] + "/" if folders else ""
            folders.append((indent, parent + first.rstrip("/")))
            continue
        if not folders:  # a file at the top (docs/ARCHITECTURE.md), not a module
            continue
        listed |= {f"{folders[-1][1]}/{name}" for name in line.split() if name.endswith(".py")}
    return listed


def test_the_parser_reads_nesting() -> None:
    lines = ["src/a/     the a package", "  x.py y.py", "  b/       nested", "    z.py",
             "  w.py", "src/c/", "  v.py", "docs/NOTES.md   a file, not a module"]
    assert _modules_listed(lines) == {"src/a/x.py", "src/a/y.py", "src/a/b/z.py", "src/a/w.py",
                                      "src/c/v.py"}


def test_the_readme_layout_matches_the_tree() -> None:
    block = _layout_block((ROOT / "README.md").read_text(encoding="utf-8"))
    listed = {path for path in _modules_listed(block) if path.startswith("src/")}
    tree = {p.relative_to(ROOT).as_posix() for p in (ROOT / "src").rglob("*.py")
            if p.name != "__init__.py"}
    assert len(tree) > 100  # the walk found the package
    assert not tree - listed, f"add to the README's Layout section: {sorted(tree - listed)}"
    assert not listed - tree, f"gone, remove from the README's Layout: {sorted(listed - tree)}"
