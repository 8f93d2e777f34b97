"""The example's JavaScript libraries are the npm packages it pins, unchanged.

``examples/web/vendor/`` holds committed copies (the demo works without node),
made by ``npm ci && npm run vendor`` from the exact versions in
``package.json`` and its lock file. With the packages installed (``npm ci
--prefix examples/web``, as CI does) each copy must be byte for byte the file
of the locked package.
"""

from __future__ import annotations

import json
import re

from socialflow.testing.services import skip_or_fail
from tests.web_client.conftest import EXAMPLE

VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def _vendored() -> dict[str, str]:
    files: dict[str, str] = json.loads((EXAMPLE / "vendor.json").read_text())["files"]
    return files


def test_the_libraries_are_pinned_to_exact_versions_in_the_lock() -> None:
    wanted = json.loads((EXAMPLE / "package.json").read_text())["dependencies"]
    locked = json.loads((EXAMPLE / "package-lock.json").read_text())["packages"]
    assert set(wanted) == {"hls.js", "tus-js-client"}
    for name, version in wanted.items():
        assert VERSION.match(version), f"{name} {version!r} is a range, not a pinned version"
        assert locked[f"node_modules/{name}"]["version"] == version


def test_every_vendored_file_is_committed_and_every_library_has_its_licence() -> None:
    files = _vendored()
    for target in files:
        assert (EXAMPLE / target).is_file(), target
    packages = {source.split("/", 1)[0] for source in files.values()}
    licences = {t for t in files if t.startswith("vendor/licenses/")}
    assert {licence.split("/")[-1].split(".LICENSE")[0] for licence in licences} == packages
    # The page and its modules load what is vendored, from vendor/.
    assert 'src="vendor/tus.min.js"' in (EXAMPLE / "index.html").read_text()
    assert '"../vendor/hls.light.min.mjs"' in (EXAMPLE / "js" / "player.js").read_text()


def test_the_vendored_files_are_the_locked_packages_files() -> None:
    modules = EXAMPLE / "node_modules"
    if not (modules / "hls.js").is_dir():
        skip_or_fail("the example's npm packages are not installed: npm ci --prefix examples/web")
    locked = json.loads((EXAMPLE / "package-lock.json").read_text())["packages"]
    for target, source in _vendored().items():
        package = source.split("/", 1)[0]
        installed = json.loads((modules / package / "package.json").read_text())["version"]
        assert installed == locked[f"node_modules/{package}"]["version"], package
        copied, original = (EXAMPLE / target).read_bytes(), (modules / source).read_bytes()
        assert copied == original, f"{target} differs from {source}: run `npm run vendor`"
