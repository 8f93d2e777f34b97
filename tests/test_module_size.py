"""Small modules with one job: a module over 400 lines must say why in its docstring.

docs/contributing.md: "No module over ~400 lines without a reason in its
docstring". The reason is a paragraph starting with "Long because"; a module
that grows past the limit either splits by job or gives one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import socialflow

LIMIT = 400
MARKER = "Long because"
PACKAGE = Path(socialflow.__file__).parent
SKIPPED = ("migrations", "scaffold/template")


def _modules() -> list[Path]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if any(relative.startswith(f"{skip}/") or f"/{skip}/" in relative for skip in SKIPPED):
            continue
        found.append(path)
    return found


def test_modules_are_found() -> None:
    modules = {path.relative_to(PACKAGE).as_posix() for path in _modules()}
    assert "app.py" in modules
    assert "core/settings/model.py" in modules
    assert not any("/migrations/" in name or name.startswith("migrations/") for name in modules)


def unexplained(paths: list[Path]) -> list[str]:
    """``name (n lines)`` of each module over the limit without the marker in its docstring."""
    found = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines <= LIMIT:
            continue
        if MARKER not in (ast.get_docstring(ast.parse(source)) or ""):
            name = (
                path.relative_to(PACKAGE).as_posix() if path.is_relative_to(PACKAGE) else path.name
            )
            found.append(f"socialflow/{name} ({lines} lines)")
    return found


def test_the_check_tells_long_modules_apart(tmp_path: Path) -> None:
    body = "x = 1\n" * LIMIT
    short = tmp_path / "short.py"
    short.write_text('"""Short."""\n' + "x = 1\n" * (LIMIT - 1))
    silent = tmp_path / "silent.py"
    silent.write_text('"""Does many things."""\n' + body)
    explained = tmp_path / "explained.py"
    explained.write_text('"""Does one big thing.\n\nLong because it must."""\n' + body)
    in_code_only = tmp_path / "in_code_only.py"
    in_code_only.write_text('"""Does many things."""\n# Long because\n' + body)
    assert unexplained([short, silent, explained, in_code_only]) == [
        f"socialflow/silent.py ({LIMIT + 1} lines)",
        f"socialflow/in_code_only.py ({LIMIT + 2} lines)",
    ]


def test_long_modules_say_why() -> None:
    found = unexplained(_modules())
    assert not found, (
        f"Modules over {LIMIT} lines without a {MARKER!r} paragraph in their docstring "
        "(split them by job, or say why they are long): " + ", ".join(found)
    )
