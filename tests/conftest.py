"""Suite-wide fixtures live in the ``socialflow`` pytest plugin
(``socialflow/testing/pytest_plugin.py``), which also enforces the strict-skip
rule of ``SOCIALFLOW_TEST_STRICT=1`` for every suite that loads it."""
