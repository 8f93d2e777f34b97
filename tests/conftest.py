"""Suite-wide policy: under SOCIALFLOW_TEST_STRICT (CI) no test may be skipped."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from socialflow.testing.services import strict


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if strict() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under SOCIALFLOW_TEST_STRICT: {report.longrepr}"
    return report
