"""Every table the app draws writes a missing value as the formatter does ("–", ``ui.text.NO_VALUE``), never
Streamlit's default "None": each ``st.dataframe`` call of ``ui/`` and ``app_pages/`` passes ``placeholder``."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tables_without_placeholder(source: str) -> list[int]:
    """The line of each ``….dataframe(…)`` call in ``source`` without a ``placeholder`` keyword."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dataframe"
            and "placeholder" not in {k.arg for k in node.keywords}]


def test_every_table_of_the_app_shows_a_dash_for_a_missing_value() -> None:
    files = [*(ROOT / "ui").rglob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"]
    missing = {str(f.relative_to(ROOT)): lines for f in files if (lines := tables_without_placeholder(f.read_text()))}
    assert missing == {}


def test_the_check_sees_a_table_without_it() -> None:
    assert tables_without_placeholder("st.dataframe(frame, hide_index=True)\nst.dataframe(f, placeholder='–')") == [1]
