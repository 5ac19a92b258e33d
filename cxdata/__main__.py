"""Command line: ``python -m cxdata sample | import | info``.

Exit codes: 0 done, 1 the file or request cannot be used (one sentence on stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cxdata.bootstrap import SAMPLE_DIR
from cxdata.ingest import UnusableFile, import_file
from cxdata.schema import TABLES
from cxdata.store import Store


def _parse_map(items: list[str]) -> dict[str, str | None]:
    """``SOURCE=field`` pairs; ``SOURCE=`` ignores the column."""
    overrides: dict[str, str | None] = {}
    for item in items:
        if "=" not in item:
            raise UnusableFile(f"--map expects SOURCE_COLUMN=field, got '{item}'.")
        source, field = item.split("=", 1)
        overrides[source] = field.strip() or None
    return overrides


def cmd_sample(args: argparse.Namespace) -> int:
    from cxdata.sample import write_sample_files

    for path in write_sample_files(Path(args.out)):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UnusableFile(f"There is no file at '{path}': check the path.")
    result = import_file(
        Store(), path.read_bytes(), path.name, args.table,
        dataset=args.dataset, sheet=args.sheet, overrides=_parse_map(args.map),
        mode=args.mode, force=args.force,
    )
    if args.json:
        out = {"status": result.status, "dataset": result.version.dataset, "version": result.version.number,
               "message": result.message}
        if result.report is not None:
            out |= result.report.to_dict()
        print(json.dumps(out, indent=2, default=str, ensure_ascii=False))
        return 0
    print(result.message)
    report = result.report
    if report is None:
        return 0
    for line in report.notes:
        print(f"  {line}")
    for note in report.conversions:
        print(f"  converted  {note.field}: {note.message} ({note.count:,})")
    for note in report.warnings():
        print(f"  cleared    {note.field}: {note.message} ({note.count:,})")
    rejected = report.rejected_rows()
    for row, reason in rejected.head(20).iter_rows():
        print(f"  rejected   row {row}: {reason}")
    if rejected.height > 20:
        print(f"  … and {rejected.height - 20:,} more rejected rows (use --json for the list)")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    store = Store()
    info = [
        {"dataset": v.dataset, "version": v.number, "active": v.active, "created_at": v.created_at.isoformat(),
         "note": v.note, "tables": v.tables}
        for name in store.datasets() for v in store.versions(name)
    ]
    if args.json:
        print(json.dumps({"data_dir": str(store.data_dir), "datasets": info}, indent=2))
        return 0
    if not info:
        print(f"No datasets in {store.data_dir}. Import one with: python -m cxdata import FILE --table interactions")
    for v in info:
        tables = ", ".join(f"{t} {n:,}" for t, n in v["tables"].items())
        print(f"{v['dataset']:<20} v{v['version']:<3} {'active' if v['active'] else '      '}  {tables}  ({v['note']})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cxdata", description="Momento's data engine.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="generate the sample company's files")
    p.add_argument("--out", default=str(SAMPLE_DIR), help="folder to write (default: sample_data/)")
    p.set_defaults(run=cmd_sample)

    p = sub.add_parser("import", help="import a CSV or XLSX file as a new dataset version")
    p.add_argument("file")
    p.add_argument("--table", required=True, choices=list(TABLES))
    p.add_argument("--dataset", default="default")
    p.add_argument("--sheet", help="sheet of a workbook (default: the first with data)")
    p.add_argument("--map", action="append", default=[], metavar="SOURCE=field",
                   help="map a column to a field (repeatable); SOURCE= ignores the column")
    p.add_argument("--mode", choices=["replace", "append"], default="replace",
                   help="replace the table (default) or append rows to the active version's table")
    p.add_argument("--force", action="store_true", help="import even if the identical file was imported before")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("info", help="list datasets, versions and row counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UnusableFile as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
