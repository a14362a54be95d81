"""The test suite. Its helpers live in tests/support, fixtures in the conftest.py files."""

import pytest

# The helpers' asserts report the values they compared, as those of test modules and
# conftest.py files do (pytest rewrites only those by itself).
pytest.register_assert_rewrite("tests.support")
