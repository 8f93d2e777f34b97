"""The import rules of docs/architecture.md hold: import-linter's contracts, and plugin
distributions importing only the contract, the kernel and the testing helpers."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a plugin distribution may import of socialflow.
PLUGIN_ALLOWED = ("socialflow.plugins", "socialflow.core", "socialflow.testing")


def test_the_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is missing: pip install -e '.[dev]'"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def _socialflow_imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n == "socialflow" or n.startswith("socialflow.")]


def test_plugin_distributions_import_only_the_contract_and_the_kernel() -> None:
    sources = sorted(ROOT.glob("plugins/*/src/**/*.py"))
    assert sources, "no plugin sources found"
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources
        for name in _socialflow_imports(path)
        if name != "socialflow" and not name.startswith(PLUGIN_ALLOWED)
    }
    assert not offending, sorted(offending)


@pytest.mark.parametrize(
    ("old", "name"), [("socialflow.settings", "Settings"), ("socialflow.api.deps", "CurrentUser")]
)
def test_old_public_import_paths_still_work_with_a_deprecation_warning(
    old: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match="the old name goes in the next release"):
        module = importlib.import_module(old)
    assert getattr(module, name) is not None
