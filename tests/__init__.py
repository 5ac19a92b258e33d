"""Momento's tests. A package, so that pytest puts the project root on ``sys.path`` and ``tests.shape_files``
and ``tests.app.apptest_helpers`` import by name; tests/unit, tests/app and tests/e2e are not packages (their
modules import their helpers, such as ``nasty_files`` or ``apptest_helpers``, by plain name)."""
