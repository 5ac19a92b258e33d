"""The documentation keeps up with the code (in the style of datasette's documentation tests): every
command-line command and option, environment variable, URL parameter and ``report --json`` key is named in
the README or in ``docs/``, and nothing there or in the code points to a document outside the repository.

"Named" means written as code, in backticks (`` `--where` ``, `` `MOMENTO_DATA_DIR` ``, `` `rows_page` ``).
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxdata.__main__ import build_parser
from cxdata.scope import Scope
from cxdata.screens.summary import report_dict

ROOT = Path(__file__).parent.parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
CODE = [p for folder in ("cxdata", "ui", "app_pages", "bench") for p in sorted((ROOT / folder).rglob("*.py"))]
CODE.append(ROOT / "app.py")


def documented() -> set[str]:
    """Everything the docs write in backticks, split at spaces, brackets, ``=`` and ``|`` so that
    `` `--start YYYY-MM-DD` `` and `` `[--json]` `` name ``--start`` and ``--json``."""
    found: set[str] = set()
    for doc in DOCS:
        for code in re.findall(r"`+([^`]+)`+", doc.read_text()):
            found.update(w for w in re.split(r"[\s\[\]{}=|,.…():]+", code) if w)
    return found


def undocumented(names: set[str]) -> list[str]:
    return sorted(names - documented())


# ---------------------------------------------------------------- command line

def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_command_and_option_is_documented() -> None:
    commands = subcommands(build_parser())
    names = set(commands)
    for command in commands.values():
        names.update(o for a in command._actions for o in a.option_strings if o.startswith("--") and o != "--help")
    assert undocumented(names) == []


# ---------------------------------------------------------------- environment

def environment_variables() -> set[str]:
    pattern = re.compile(r"\b(MOMENTO_[A-Z_]+|DATABASE_URL)\b")
    return {m for path in CODE for m in pattern.findall(path.read_text())}


def test_every_environment_variable_is_documented() -> None:
    names = environment_variables()
    assert {"MOMENTO_DATA_DIR", "DATABASE_URL", "MOMENTO_PARSE_MEMORY_MB"} <= names  # the scan finds them
    assert undocumented(names) == []


# ---------------------------------------------------------------- URL parameters

def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` and ``A, B = "a", "b"`` assignments."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (zip(target.elts, node.value.elts) if isinstance(target, ast.Tuple)
                         and isinstance(node.value, ast.Tuple) else [(target, node.value)])
                found.update({t.id: v.value for t, v in pairs if isinstance(t, ast.Name)
                              and isinstance(v, ast.Constant) and isinstance(v.value, str)})
    return found


def bound_keys(path: Path) -> Iterator[str]:
    """The URL parameter of every widget bound to the URL in ``path`` whose key can be read from the source:
    a string, a module-level string constant, or a planner input ``key(letter, "invest")`` (``a_invest``…)."""
    tree = ast.parse(path.read_text())
    constants = _module_strings(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not (any(k.arg == "bind" for k in node.keywords) or (
                isinstance(node.func, ast.Name) and node.func.id == "bound_number_input")):
            continue
        key = next((k.value for k in node.keywords if k.arg == "key"), None)
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield key.value
        elif isinstance(key, ast.Name) and key.id in constants:
            yield constants[key.id]
        elif (isinstance(key, ast.Call) and isinstance(key.func, ast.Name) and key.func.id == "key"
              and isinstance(key.args[-1], ast.Constant)):
            yield f"a_{key.args[-1].value}"


def url_parameters() -> set[str]:
    from ui.initiatives import FIELDS
    from ui.planner import AMOUNTS
    from ui.state import GLOBAL_KINDS, PAGE_KINDS, RESERVED

    names = {*GLOBAL_KINDS, *PAGE_KINDS, *RESERVED, *FIELDS.values(), *(f"a_{amount}" for amount in AMOUNTS)}
    for path in CODE:
        names.update(bound_keys(path))
    return names


def test_every_url_parameter_is_documented() -> None:
    names = url_parameters()
    assert {"period", "rows_page", "a_invest", "a_wait_cap", "new_title", "find", "revenue_rows"} <= names  # the scan finds them
    # A planner input is documented once for the three scenarios (`a_invest`, or `invest` beside `a_`).
    missing = [n for n in undocumented(names) if not (n.startswith("a_") and n[2:] in documented())]
    assert missing == []


# ---------------------------------------------------------------- report --json

def json_keys(value: object, depth: int = 0) -> Iterator[str]:
    """Every dictionary key of ``value`` down to the rows of its lists (not the values of ``by`` or ``excluded``,
    which are data: attribute names and reasons)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            if key not in ("by", "excluded", "where"):
                yield from json_keys(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            yield from json_keys(inner, depth + 1)


def test_every_report_json_key_is_documented(sample_analysis, sample_store) -> None:
    from cxdata.settings import load_settings

    scope = Scope("sample", sample_store.active_version("sample"), None, None, None)
    report = report_dict(sample_analysis, scope, load_settings(sample_store))
    names = {"dataset", "version", *json_keys(report)}
    assert {"kpis", "churn_model", "gamma_without_volume", "attributable", "churn_uplift_per_1000", "headlines",
            "text"} <= names
    assert undocumented(names) == []


# ---------------------------------------------------------------- nothing outside

OUTSIDE = re.compile(r"\b(DESIGN|METHOD|STYLE)\.md\b|\.\./shared/")


@pytest.mark.parametrize("kind", ["docs", "code"])
def test_nothing_points_outside_the_repository(kind: str) -> None:
    tracked = subprocess.run(["git", "ls-files", "*.md", "*.py", "*.toml", "Makefile"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    files = [f for f in tracked if f.endswith(".md") == (kind == "docs")]
    assert files
    assert [f for f in files if OUTSIDE.search((ROOT / f).read_text())] == []


def test_every_relative_link_in_the_docs_opens_a_file() -> None:
    broken = [(doc.name, target) for doc in DOCS for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text())
              if not (doc.parent / target).exists()]
    assert broken == []


def test_the_engine_never_loads_streamlit() -> None:
    """Every ``cxdata`` module (but the Alembic scripts, which run inside Alembic) imported in a fresh
    interpreter: Streamlit is not among the loaded modules."""
    modules = sorted(".".join(p.relative_to(ROOT).parent.parts if p.name == "__init__.py" else
                              p.relative_to(ROOT).with_suffix("").parts)
                     for p in (ROOT / "cxdata").rglob("*.py") if "migrations/" not in p.as_posix())
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\nprint('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
