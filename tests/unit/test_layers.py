"""The floors of ``cxdata`` as docs/architecture.md "Layers" states them: every module has a floor, and no module
imports from a floor above its own."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "cxdata"


def documented_floors() -> dict[str, int]:
    """``{"measures": 2, "scope": 2, …}`` from the table of docs/architecture.md (packages and top-level modules)."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    floors = {}
    for number, names in re.findall(r"^\| (\d+) \| ([^|]+) \|", text, re.M):
        for name in re.findall(r"`([\w.]+)/?`", names):
            floors[name.removesuffix(".py")] = int(number)
    return floors


def part_of(module: str) -> str:
    """The package or top-level module of ``cxdata`` that ``module`` ("cxdata.measures.metrics") belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> set[str]:
    """The ``cxdata`` modules a file imports (``from cxdata.measures import stats`` → ``cxdata.measures.stats``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "cxdata":
            found |= {node.module} if node.module.count(".") > 1 else {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "cxdata"}
    return found


def engine_modules() -> list[Path]:
    return [p for p in sorted(ENGINE.rglob("*.py")) if "migrations" not in p.parts and p.name != "__init__.py"]


def test_every_part_of_the_engine_has_a_documented_floor():
    floors = documented_floors()
    parts = {part_of(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in engine_modules()}
    assert parts - set(floors) == set(), "add these to the table in docs/architecture.md"
    assert set(floors) - parts == set(), "the table names parts that no longer exist"


def test_no_module_imports_from_a_floor_above_its_own():
    floors = documented_floors() | {"__init__": 0}
    upward = []
    for path in engine_modules():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for target in imports_of(path):
            if floors[part_of(target)] > floors[part_of(module)]:
                upward.append(f"{module} (floor {floors[part_of(module)]}) imports {target} "
                              f"(floor {floors[part_of(target)]})")
    assert upward == []


def test_the_floor_check_sees_an_upward_import(tmp_path):
    """The check above can fail: an import of the screens from a measure is found."""
    bad = tmp_path / "m.py"
    bad.write_text("from cxdata.screens import dashboard\nfrom cxdata import format as fmt\n")
    assert imports_of(bad) == {"cxdata.screens.dashboard", "cxdata.format"}
    floors = documented_floors()
    assert floors[part_of("cxdata.screens.dashboard")] > floors["measures"]
