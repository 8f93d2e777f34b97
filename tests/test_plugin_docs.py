"""docs/plugins.md and socialflow/plugins/specs.py cannot drift apart.

Every hookspec has a ``## socialflow_xxx(args)`` section whose arguments are
the hook's, with a Python example implementing it; every such section names
a real hook; and every example in the page at least compiles.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from socialflow.plugins import specs

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
HEADING = re.compile(r"^## (socialflow_\w+)\((.*)\)\s*$", re.MULTILINE)


def hookspecs() -> dict[str, list[str]]:
    """Hook name -> argument names, read from the markers pluggy puts on specs."""
    found = {}
    for name, function in vars(specs).items():
        if name.startswith("socialflow_") and hasattr(function, f"{specs.PROJECT_NAME}_spec"):
            found[name] = list(inspect.signature(function).parameters)
    return found


def sections() -> dict[str, tuple[list[str], str]]:
    """Heading hook name -> (arguments in the heading, the section's text)."""
    text = DOC.read_text()
    matches = list(HEADING.finditer(text))
    result = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        args = [a.strip() for a in match.group(2).split(",") if a.strip()]
        result[match.group(1)] = (args, body)
    return result


def test_specs_are_found() -> None:
    assert "socialflow_storage_backends" in hookspecs()
    assert hookspecs()["socialflow_cli"] == ["app"]


@pytest.mark.parametrize("hook", sorted(hookspecs()))
def test_every_hook_has_a_section_with_its_arguments_and_an_example(hook: str) -> None:
    documented = sections()
    assert hook in documented, f"docs/plugins.md has no `## {hook}(...)` section"
    args, body = documented[hook]
    assert args == hookspecs()[hook], (
        f"`## {hook}({', '.join(args)})` in docs/plugins.md, but specs.py says "
        f"{hook}({', '.join(hookspecs()[hook])})"
    )
    examples = re.findall(r"```python\n(.*?)```", body, re.DOTALL)
    assert any(f"def {hook}(" in example for example in examples), (
        f"the `{hook}` section needs a ```python example implementing it"
    )
    prose = re.sub(r"```.*?```", "", body, flags=re.DOTALL).strip()
    assert len(prose) > 40, f"the `{hook}` section should say what the hook is for"


def test_no_section_for_a_hook_that_does_not_exist() -> None:
    stale = set(sections()) - set(hookspecs())
    assert not stale, f"docs/plugins.md documents hooks specs.py does not have: {stale}"


def test_every_python_example_compiles() -> None:
    for example in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL):
        ast.parse(example)
