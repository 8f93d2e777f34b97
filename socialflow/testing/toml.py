"""Writing the small TOML files tests and ``socialflow new`` need (no extra dependency)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(str(value))


def dumps(data: dict[str, Any]) -> str:
    lines = [
        f"{key} = {_value(value)}"
        for key, value in data.items()
        if value is not None and not isinstance(value, dict)
    ]
    for key, value in data.items():
        if isinstance(value, dict) and not all(isinstance(v, dict) for v in value.values()):
            # A flat section such as [rate_limits].
            lines.append(f"\n[{key}]")
            lines.extend(f"{k} = {_value(v)}" for k, v in value.items() if v is not None)
        elif isinstance(value, dict):
            for name, table in value.items():
                lines.append(f"\n[{key}.{name}]")
                lines.extend(f"{k} = {_value(v)}" for k, v in table.items() if v is not None)
    return "\n".join(lines) + "\n"


def write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(dumps(data))
