"""docs/architecture.md, "Who commits": services leave the commit to their caller.

Routes, Celery tasks and CLI commands own the transaction. A service function
that commits anyway (a long job in steps, a write that must survive the error
that follows it) says so with a ``Commits:`` sentence in its docstring. This
test reads every module of the built-in apps, except their routes, tasks and
CLI modules, and names each function that calls ``.commit()`` without one.
"""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "Commits:"
# The modules that own the transaction (``routes.py``, ``routes/``, ``routes_*.py``).
CALLER_MODULES = ("tasks.py", "cli.py")


def _app_folders() -> dict[str, Path]:
    """Every built-in app, as registered in the ``socialflow.apps`` entry-point group."""
    folders: dict[str, Path] = {}
    for entry in entry_points(group="socialflow.apps"):
        parts = entry.value.split(":")[0].split(".")
        if parts[0] == "socialflow":
            folders[entry.name] = ROOT.joinpath(*parts[:-1])
    return folders


def _is_caller(path: Path, app: Path) -> bool:
    relative = path.relative_to(app)
    if any(part == "routes" or part.startswith("routes_") for part in relative.parts[:-1]):
        return True
    return path.name in CALLER_MODULES or path.stem == "routes" or path.stem.startswith("routes_")


def _service_modules() -> list[Path]:
    modules = []
    for app in _app_folders().values():
        modules += [path for path in sorted(app.rglob("*.py")) if not _is_caller(path, app)]
    return modules


def _commits(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``function``'s own body (not a nested function's) calls ``.commit()``."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue  # checked on its own
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
        ):
            return True
        pending.extend(ast.iter_child_nodes(node))
    return False


def unmarked_commits(source: str, module: str) -> list[str]:
    """``module:qualified.name`` of each function that commits without ``Commits:``."""
    found: list[str] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                if _commits(child) and MARKER not in (ast.get_docstring(child) or ""):
                    found.append(f"{module}:{name} (line {child.lineno})")
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def test_every_built_in_app_is_read() -> None:
    apps = _app_folders()
    assert {"accounts", "graph", "video", "social", "notifications", "feeds", "search"} <= set(apps)
    read = {path.relative_to(ROOT).parts[1] for path in _service_modules()}
    assert read == {folder.name for folder in apps.values()}


@pytest.mark.parametrize(
    ("path", "caller"),
    [
        ("socialflow/x/routes.py", True),
        ("socialflow/x/routes/uploads.py", True),
        ("socialflow/x/routes_admin.py", True),
        ("socialflow/x/tasks.py", True),
        ("socialflow/x/cli.py", True),
        ("socialflow/x/posts.py", False),
        ("socialflow/x/media/tasks_helpers.py", False),
    ],
)
def test_routes_tasks_and_cli_are_the_callers(path: str, caller: bool) -> None:
    assert _is_caller(ROOT / path, ROOT / "socialflow/x") is caller


def test_the_check_names_a_service_that_commits_without_saying_so() -> None:
    source = '''
def quiet(session):
    """Changes rows."""
    session.add(1)
    session.commit()

def stepwise(sessions):
    """Runs in steps.

    Commits: each step, so a crash keeps the steps done.
    """
    with sessions() as session:
        session.commit()

def reader(session):
    def inner():
        session.commit()
    return inner

class Store:
    def save(self, session):
        session.commit()

def caller_only(session):
    """No commit here."""
    session.flush()
'''
    assert unmarked_commits(source, "m") == [
        "m:quiet (line 2)",
        "m:reader.inner (line 16)",
        "m:Store.save (line 21)",
    ]


def test_services_commit_only_where_their_docstring_says_why() -> None:
    offenders = [
        name
        for path in _service_modules()
        for name in unmarked_commits(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not offenders, (
        "These service functions call .commit() without a 'Commits:' sentence in their "
        "docstring; leave the commit to the route, task or CLI command, or say why the "
        "service must commit (docs/architecture.md, 'Who commits'): " + ", ".join(offenders)
    )
