"""The shipped docs agree with the product: commands that parse, no private references."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from socialflow.cli import build_cli

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "benchmarks" / "README.md",
    # Not the npm packages that `npm ci --prefix examples/web` installs beside the example.
    *sorted(p for p in (ROOT / "examples").rglob("*.py") if "node_modules" not in p.parts),
    *sorted(p for p in (ROOT / "examples").rglob("*.md") if "node_modules" not in p.parts),
    *sorted((ROOT / "plugins").glob("*/README.md")),
    *sorted((ROOT / "socialflow" / "scaffold" / "template").rglob("*.tmpl")),
]
# Phrases that point at things a user of socialflow cannot see.
PRIVATE_REFERENCES = [
    r"DESIGN\.md",
    r"ENVIRONMENT\.md",
    r"\bthe issue\b",
    r"\bissue's\b",
    r"\bas before\b",
    r"steering repository",
    r"\bthe review\b",
    r"/work/shared",
]


def _tour_lines() -> list[str]:
    """The ``socialflow ...`` command lines of the README's bash blocks."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.DOTALL)
    lines = []
    for block in blocks:
        for raw in block.splitlines():
            for part in raw.split("#", 1)[0].split("&&"):
                words = shlex.split(part)
                if words and words[0].endswith("socialflow"):
                    lines.append(" ".join(words[1:]))
    return lines


def _parse(argv: list[str]) -> Any:
    """Parse a command line as the CLI would, without running it; returns the leaf context.

    Raises the CLI's usage error (missing argument, unknown option...) if it does not parse.
    """
    command: Any = typer.main.get_command(build_cli(with_plugins=False))
    name, args, parent = "socialflow", argv, None
    while True:
        context = command.make_context(name, list(args), parent=parent)
        rest = [*getattr(context, "_protected_args", []), *context.args]
        if not hasattr(command, "resolve_command") or not rest:
            return context
        name, command, args = command.resolve_command(context, rest)
        parent = context


def test_the_readme_tour_is_found() -> None:
    lines = _tour_lines()
    assert "migrate" in lines
    assert any(line.startswith("users create") for line in lines)
    assert len(lines) >= 10


@pytest.mark.parametrize("line", _tour_lines())
def test_every_readme_command_line_parses(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `users create` asks for the password when it is not given; the tour leaves it out.
    monkeypatch.setenv("SOCIALFLOW_NEW_USER_PASSWORD", "a long passphrase")
    try:
        context = _parse(shlex.split(line))
    except Exception as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else repr(exc)
        pytest.fail(f"README's `socialflow {line}` does not parse: {message}")
    assert context.command.name


@pytest.mark.parametrize(
    "line",
    ["users create alice --admin", "users frobnicate", "seed --userz 3", "videos list extra"],
)
def test_a_wrong_command_line_is_caught(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above would notice the mistakes the README once had."""
    monkeypatch.setenv("SOCIALFLOW_NEW_USER_PASSWORD", "a long passphrase")
    with pytest.raises(Exception, match=r"Missing|No such|unexpected extra|Got unexpected"):
        _parse(shlex.split(line))


@pytest.mark.parametrize("path", SHIPPED_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_docs_do_not_mention_private_papers(path: Path) -> None:
    text = path.read_text(errors="replace")
    found = [
        f"{m.group(0)!r} on line {text.count(chr(10), 0, m.start()) + 1}"
        for pattern in PRIVATE_REFERENCES
        for m in re.finditer(pattern, text, flags=re.IGNORECASE)
    ]
    assert not found, f"{path.relative_to(ROOT)} mentions what users cannot see: {found}"


def test_docs_name_the_extras_and_the_plugin_install() -> None:
    operators = (ROOT / "docs" / "operators.md").read_text()
    assert "socialflow[postgres]" in operators
    assert "socialflow[redis]" in operators
    storage = (ROOT / "docs" / "storage.md").read_text()
    assert "pip install ./plugins/socialflow-s3" in storage
    assert "pip install socialflow-s3\n" not in storage
