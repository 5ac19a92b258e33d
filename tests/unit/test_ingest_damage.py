"""The reader never damages a file silently (issue 11): mixed encodings, old Mac line endings, a quote
never closed, a value beyond the header, Excel formula cells without a usable value.

Every file is written here byte by byte (workbooks with openpyxl, patched with zipfile where Excel
writes what openpyxl cannot) and read with :func:`cxdata.ingest.read.read_file`. The row counts the
assertions use are taken from the bytes themselves (physical lines, spreadsheet rows), not from the
reader: every data row of the file must be in ``RawTable.frame``, trusted or not.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from cxdata.ingest.read import ROW, TOO_LONG, read_file
from nasty_files import csv_bytes, patch_xlsx, xlsx_bytes

ACCENTED = ["Perché è già così?", "Più caffè per favore", "Nöel à Noël", "Qualità: 10 €", "Così così — ok"]


def rejects(raw) -> dict[int, str]:
    return dict(raw.reader_rejects.iter_rows())


def data_lines(data: bytes) -> int:
    """Physical lines below the header line (LF, CRLF or lone CR), as a text editor counts them."""
    return len(data.splitlines()) - 1


def rows(raw) -> list[int]:
    return raw.frame.get_column(ROW).to_list()


# ---------------------------------------------------------------- mixed encodings


def _accented_rows(n: int) -> list[list[str]]:
    return [[f"A{i}", f"2025-03-{i % 28 + 1:02d}", ACCENTED[i % len(ACCENTED)]] for i in range(2, n + 2)]


def test_a_utf8_file_with_three_windows_1252_lines_keeps_every_accent():
    table = [["id", "date", "comment"]] + _accented_rows(44)  # lines 1..45; row number = line number
    odd = {12, 40, 41}
    data = b"".join(csv_bytes([row], encoding="cp1252" if number in odd else "utf-8")
                    for number, row in enumerate(table, start=1))
    raw = read_file(data, "mixed.csv")
    assert raw.encoding == "UTF-8"
    assert "3 line(s) were not valid UTF-8 and were read as Windows-1252: rows 12, 40, 41." in raw.notes
    assert raw.frame.height == data_lines(data) == 44
    assert rows(raw) == list(range(2, 46))
    assert raw.frame.get_column("comment").to_list() == [r[2] for r in table[1:]]  # no mojibake anywhere
    assert not any("Ã" in c for c in raw.frame.get_column("comment").to_list())
    assert raw.reader_rejects.is_empty()


def test_a_windows_1252_file_with_one_utf8_line_keeps_every_accent():
    table = [["id", "date", "comment"]] + _accented_rows(6)
    data = b"".join(csv_bytes([row], encoding="utf-8" if number == 4 else "cp1252")
                    for number, row in enumerate(table, start=1))
    raw = read_file(data, "mostly-1252.csv")
    assert raw.encoding == "Windows-1252 (Latin-1)"
    assert "1 line(s) were valid UTF-8 and were read as UTF-8: row 4." in raw.notes
    assert raw.frame.get_column("comment").to_list() == [r[2] for r in table[1:]]


def test_a_utf8_file_with_a_bom_and_one_windows_1252_line_is_read_not_refused():
    header, good, odd = ["id", "comment"], ["B1", "però sì"], ["B2", "caffè"]
    data = csv_bytes([header, good], bom=True) + csv_bytes([odd], encoding="cp1252")
    raw = read_file(data, "bom.csv")
    assert raw.encoding == "UTF-8 with BOM" and raw.columns == ["id", "comment"]
    assert raw.frame.get_column("comment").to_list() == ["però sì", "caffè"]
    assert "1 line(s) were not valid UTF-8 and were read as Windows-1252: row 3." in raw.notes


def test_odd_lines_are_named_by_their_row_when_a_value_spans_lines():
    # Row 2's comment spans physical lines 2–3, so physical line 5 is row 4 (as Excel numbers the rows).
    data = (b'id,comment\nM1,"first\nsecond"\nM2,ok\n' + "M3,già\n".encode("cp1252")
            + "M4,più\n".encode())
    raw = read_file(data, "span.csv")
    assert raw.frame.get_column("comment").to_list() == ["first\nsecond", "ok", "già", "più"]
    assert rows(raw) == [2, 3, 4, 5]
    assert "1 line(s) were not valid UTF-8 and were read as Windows-1252: row 4." in raw.notes


def test_a_file_entirely_in_windows_1252_has_no_line_note():
    table = [["id", "comment"]] + [[f"W{i}", ACCENTED[i]] for i in range(5)]
    raw = read_file(csv_bytes(table, encoding="cp1252"), "w.csv")
    assert raw.encoding == "Windows-1252 (Latin-1)"
    assert raw.frame.get_column("comment").to_list() == ACCENTED
    assert not any("line(s)" in n for n in raw.notes)


# ---------------------------------------------------------------- line endings


def test_old_mac_line_endings_split_every_row():
    table = [["id", "date", "nps"]] + [[f"M{i}", f"2025-03-{i % 28 + 1:02d}", str(i % 11)] for i in range(30)]
    data = csv_bytes(table, newline="\r")
    raw = read_file(data, "mac.csv")
    assert raw.frame.height == data_lines(data) == 30
    assert raw.frame.get_column("id").to_list() == [f"M{i}" for i in range(30)]
    assert raw.frame.get_column("nps").to_list() == [str(i % 11) for i in range(30)]
    assert raw.reader_rejects.is_empty()
    assert any("lone carriage return" in n for n in raw.notes)


def test_a_file_that_switches_to_lone_cr_line_endings_loses_no_row():
    # The first 10 lines end in LF, the other 21 in CR: Polars alone merged those 20 rows into one.
    table = [["id", "date", "nps"]] + [[f"M{i}", f"2025-03-{i % 28 + 1:02d}", str(i % 11)] for i in range(30)]
    data = csv_bytes(table[:10]) + csv_bytes(table[10:], newline="\r")
    raw = read_file(data, "switch.csv")
    assert raw.frame.height == data_lines(data) == 30
    assert raw.frame.select("id", "date", "nps").rows() == [tuple(r) for r in table[1:]]
    assert rows(raw) == list(range(2, 32))
    assert raw.reader_rejects.is_empty()


def test_a_cr_inside_a_quoted_value_stays_in_the_value():
    data = b'id,comment\rQ1,"two\rlines"\rQ2,ok\r'
    raw = read_file(data, "mac-quoted.csv")
    assert raw.frame.get_column("comment").to_list() == ["two\rlines", "ok"]
    assert rows(raw) == [2, 3] and raw.reader_rejects.is_empty()


def test_a_cr_typed_inside_an_unquoted_value_of_an_lf_file_does_not_cut_the_row():
    # Only a CR with a whole row on both sides ends a line in a file that uses LF.
    data = b"id,date,comment\nC1,2025-03-01,first\rsecond\nC2,2025-03-02,ok\nC3,2025-03-03,fine\n"
    raw = read_file(data, "cr-in-value.csv")
    assert raw.frame.select("id", "comment").rows() == [("C1", "first\rsecond"), ("C2", "ok"), ("C3", "fine")]
    assert rows(raw) == [2, 3, 4] and raw.reader_rejects.is_empty()


def test_lone_cr_line_endings_with_a_quote_inside_a_value():
    # A stray quote (5" screen) breaks the quick CR → LF rewrite: the csv module splits these lines.
    data = b'id,comment\rQ1,a 5" screen\rQ2,"quoted, with comma"\rQ3,ok\r'
    raw = read_file(data, "mac-stray.csv")
    assert raw.frame.get_column("comment").to_list() == ['a 5" screen', "quoted, with comma", "ok"]
    assert raw.frame.height == data_lines(data) == 3 and raw.reader_rejects.is_empty()


def test_a_csv_table_below_many_blank_lines_is_found_with_its_line_numbers():
    data = b"\n" * 35 + b"id,date\nA,2025-03-01\nB,2025-03-02\n"
    raw = read_file(data, "blank-top.csv")
    assert raw.header_row == 36 and raw.columns == ["id", "date"]
    assert raw.frame.select(ROW, "id").rows() == [(37, "A"), (38, "B")]


# ---------------------------------------------------------------- unclosed quotes


def _interactions(n: int) -> list[list[str]]:
    return [["id", "date", "comment"]] + [[f"U{i}", f"2025-03-{i % 28 + 1:02d}", "fine"] for i in range(2, n + 2)]


def test_an_unclosed_quote_rejects_its_row_and_every_line_it_swallowed():
    table = _interactions(50)  # line k holds U{k}
    table[5][2] = '"never closed'  # line 6 opens a quote nothing closes: lines 7..51 are swallowed
    data = csv_bytes(table)
    raw = read_file(data, "unclosed.csv")
    assert raw.frame.height == data_lines(data) == 50  # rows in: every physical line, not 5
    assert rows(raw) == list(range(2, 52))
    swallowed = data_lines(data) - 5  # the lines below line 6
    assert swallowed == 45
    assert rejects(raw) == {
        6: "unclosed quote: this row and the 45 lines after it were read as one value",
        **{line: "unclosed quote on row 6: this line was read into that row's value" for line in range(7, 52)},
    }
    trusted = raw.frame.filter(~pl.col(ROW).is_in(list(rejects(raw))))
    assert trusted.rows() == [(k, f"U{k}", f"2025-03-{k % 28 + 1:02d}", "fine") for k in range(2, 6)]
    assert any("closing quote is missing on row 6" in n for n in raw.notes)


def test_a_quote_closed_by_a_later_row_rejects_the_lines_in_between_and_keeps_the_rest():
    table = _interactions(30)
    table[5][2] = '"never closed'  # line 6
    table[12][2] = '"quoted later"'  # line 13: its opening quote closes line 6's, so lines 7..13 are swallowed
    data = csv_bytes(table)
    raw = read_file(data, "closed-later.csv")
    assert raw.frame.height == data_lines(data) == 30
    assert rows(raw) == list(range(2, 32))
    assert rejects(raw) == {
        6: "unclosed quote: this row and the 7 lines after it were read as one value",
        **{line: "unclosed quote on row 6: this line was read into that row's value" for line in range(7, 14)},
    }
    after = raw.frame.filter(pl.col(ROW) > 13)
    assert after.rows() == [(k, f"U{k}", f"2025-03-{k % 28 + 1:02d}", "fine") for k in range(14, 32)]


def test_two_unclosed_quotes_are_each_counted_on_the_lines_of_the_file():
    table = _interactions(16)
    table[3][2] = '"never closed'  # line 4 swallows lines 5–6 (the quote on line 6 closes it)
    table[5][2] = '"closing"'
    table[9][2] = '"again never closed'  # line 10 swallows lines 11–12
    table[11][2] = '"closing again"'
    data = csv_bytes(table)
    raw = read_file(data, "two.csv")
    assert raw.frame.height == data_lines(data) == 16
    assert rows(raw) == list(range(2, 18))
    assert sorted(rejects(raw)) == [4, 5, 6, 10, 11, 12]
    assert rejects(raw)[10] == "unclosed quote: this row and the 2 lines after it were read as one value"
    assert rejects(raw)[12] == "unclosed quote on row 10: this line was read into that row's value"
    trusted = raw.frame.filter(~pl.col(ROW).is_in(list(rejects(raw))))
    assert trusted.select(ROW, "id").rows() == [(k, f"U{k}") for k in (2, 3, 7, 8, 9, 13, 14, 15, 16, 17)]
    assert any(n.startswith("A closing quote is missing on rows 4, 10: the 4 line(s) after them") for n in raw.notes)
    assert not any("span several lines" in n for n in raw.notes)  # the rejected rows are not pointed out twice


def test_an_unclosed_quote_on_the_last_row_without_a_final_newline():
    data = csv_bytes(_interactions(3))[:-1] + b'\nU5,2025-03-05,"never closed\nU6,2025-03-06,fine'
    raw = read_file(data, "tail.csv")
    assert raw.frame.height == data_lines(data) == 5
    assert rejects(raw) == {5: "unclosed quote: this row and the 1 line after it were read as one value",
                            6: "unclosed quote on row 5: this line was read into that row's value"}


def test_multi_line_comments_in_closed_quotes_stay_accepted():
    comments = [
        "Called twice,\nthen again, no answer",  # commas, but no line splits into id, date, comment
        "Line one\nsaid: yes, no, maybe",  # three fields, but 'said: yes' is no id
        "first\n\nthird line",
        "A1\n2025-03-01",  # looks like values, but not a whole row (two fields, no separator)
    ]
    table = [["id", "date", "comment"]] + [
        [f"C{i}", f"2025-03-0{i + 1}", '"' + c + '"'] for i, c in enumerate(comments)
    ] + [[f"C{i}", f"2025-03-0{i + 1}", "plain"] for i in range(4, 8)]
    raw = read_file(csv_bytes(table), "comments.csv")
    assert raw.frame.get_column("comment").to_list() == comments + ["plain"] * 4
    assert rows(raw) == list(range(2, 10))  # one row per record, as Excel shows them
    assert raw.reader_rejects.is_empty()
    assert not any(n.startswith("A closing quote is missing") for n in raw.notes)


def test_a_two_line_comment_in_a_file_of_free_text_columns_stays_accepted():
    # Every column holds prose, so only the width can tell a row: one row-like line is not enough.
    table = [["name", "comment"], ["Ada Lovelace", '"Hi,\nJohn Smith, called back"'], ["Alan Turing", "ok thanks"],
             ["Grace Hopper", "fine by me"]]
    raw = read_file(csv_bytes(table), "prose.csv")
    assert raw.frame.get_column("comment").to_list() == ["Hi,\nJohn Smith, called back", "ok thanks", "fine by me"]
    assert raw.reader_rejects.is_empty()


# ---------------------------------------------------------------- values beyond the header


def test_a_row_whose_only_value_is_beyond_the_header_is_rejected_not_skipped():
    data = b"id,date,channel\nR1,2025-03-01,phone\n,,,EXTRA\nR3,2025-03-03,chat\nR4,2025-03-04,email,MORE\n"
    raw = read_file(data, "beyond.csv")
    assert raw.frame.height == data_lines(data) == 4
    assert raw.frame.rows() == [(2, "R1", "2025-03-01", "phone"), (3, None, None, None),
                                (4, "R3", "2025-03-03", "chat"), (5, "R4", "2025-03-04", "email")]
    assert rejects(raw) == {3: TOO_LONG, 5: TOO_LONG}
    assert TOO_LONG == "more fields than the header (an unquoted separator inside a value?)"
    assert not any("empty row" in n for n in raw.notes)


def test_too_long_rows_after_an_unclosed_quote_keep_their_line_numbers():
    table = _interactions(8)
    table[3][2] = '"never closed'  # line 4 swallows lines 5..6 up to the quote on line 6
    table[5][2] = '"closing"'
    table[7].append("EXTRA")  # line 8: one field too many
    data = csv_bytes(table)
    raw = read_file(data, "both.csv")
    assert raw.frame.height == data_lines(data) == 8
    assert {row: reason.split(":")[0] for row, reason in rejects(raw).items()} == {
        4: "unclosed quote", 5: "unclosed quote on row 4", 6: "unclosed quote on row 4", 8: TOO_LONG.split(":")[0]}


# ---------------------------------------------------------------- Excel formula cells


def _sheet_xml(n: int) -> str:
    return f"xl/worksheets/sheet{n}.xml"


def test_formulas_saved_without_a_value_are_listed_and_empty():
    # openpyxl stores formulas and never their results, as a workbook built by a script.
    table = [["id", "date", "wait", "handle", "ratio"]] + [
        [f"F{r}", date(2025, 3, r), r * 10, r, f"=C{r}/D{r}"] for r in range(2, 6)]
    raw = read_file(xlsx_bytes({"Data": table}, formulas=True), "formulas.xlsx")
    assert raw.frame.height == len(table) - 1
    assert raw.frame.get_column("ratio").to_list() == [None] * 4
    assert raw.frame.get_column("wait").to_list() == ["20", "30", "40", "50"]
    assert raw.cell_problems.rows() == [(r, "ratio", f"=C{r}/D{r}", "formula without a saved value")
                                        for r in range(2, 6)]
    assert raw.cell_problems.schema == pl.Schema({ROW: pl.Int64, "column": pl.String, "value": pl.String,
                                                  "problem": pl.String})
    assert any("4 formula(s) without a saved value" in n and "rows 2, 3, 4, 5" in n for n in raw.notes)


ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


def _excel_saved(xml: str) -> str:
    """Give every formula of column E the result Excel would save: an error on rows 2–8, 2.5 on row 9."""
    def cell(m: re.Match) -> str:
        row, formula = int(m.group(1)), m.group(2)
        if row <= 8:
            return f'<c r="E{row}" t="e"><f>{formula}</f><v>{ERRORS[row - 2]}</v></c>'
        return f'<c r="E{row}"><f>{formula}</f><v>2.5</v></c>'
    return re.sub(r'<c r="E(\d+)"><f>([^<]*)</f><v\s*/></c>', cell, xml)


def test_formula_errors_are_listed_and_emptied_and_saved_results_kept():
    table = [["id", "date", "wait", "handle", "ratio", "note"]] + [
        [f"E{r}", date(2025, 3, r), r, 0, f"=C{r}/D{r}", None] for r in range(2, 10)]

    def typed_error_text(book):  # a comment that reads '#DIV/0!' as text is a value, not an error
        cell = book["Data"]["F3"]
        cell.value, cell.data_type = "#DIV/0!", "s"

    data = patch_xlsx(xlsx_bytes({"Data": table}, typed_error_text, formulas=True), _sheet_xml(1), _excel_saved)
    raw = read_file(data, "errors.xlsx")
    assert raw.frame.height == len(table) - 1
    assert raw.frame.get_column("ratio").to_list() == [None] * 7 + ["2.5"]
    assert raw.frame.get_column("note").to_list() == [None, "#DIV/0!"] + [None] * 6
    assert raw.cell_problems.rows() == [(r, "ratio", code, f"formula error {code}") for r, code in
                                        zip(range(2, 9), ERRORS)]
    assert any("7 formula error(s) (#N/A, #DIV/0!, #VALUE!, #REF!, #NAME?, #NUM!, #NULL!)" in n for n in raw.notes)


def test_shared_formulas_without_values_are_listed_with_their_own_text():
    table = [["id", "date", "wait", "handle", "ratio"]] + [
        [f"S{r}", date(2025, 3, r), r, 2, f"=C{r}/D{r}"] for r in range(2, 5)]

    def shared(xml: str) -> str:  # Excel writes a column of copied formulas once, on its first cell
        xml = xml.replace('<c r="E2"><f>C2/D2</f><v /></c>', '<c r="E2"><f t="shared" ref="E2:E4" si="0">C2/D2</f></c>')
        return re.sub(r'<c r="E([34])"><f>C\1/D\1</f><v\s*/></c>', r'<c r="E\1"><f t="shared" si="0"/></c>', xml)

    raw = read_file(patch_xlsx(xlsx_bytes({"Data": table}, formulas=True), _sheet_xml(1), shared), "shared.xlsx")
    assert raw.cell_problems.select(ROW, "value").rows() == [(2, "=C2/D2"), (3, "=C3/D3"), (4, "=C4/D4")]


def test_cells_without_a_reference_are_found_by_the_full_parse():
    # Some writers leave out r="E2": cells are then placed by their order in the row.
    table = [["id", "date", "wait", "handle", "ratio"]] + [
        [f"P{r}", date(2025, 3, r), r, 0, f"=C{r}/D{r}"] for r in range(2, 5)]

    def no_refs(xml: str) -> str:
        xml = _excel_saved(xml)
        return re.sub(r'<c r="[A-Z]+[2-9]"', "<c", xml)

    raw = read_file(patch_xlsx(xlsx_bytes({"Data": table}, formulas=True), _sheet_xml(1), no_refs), "norefs.xlsx")
    assert raw.cell_problems.rows() == [(2, "ratio", "#N/A", "formula error #N/A"),
                                        (3, "ratio", "#DIV/0!", "formula error #DIV/0!"),
                                        (4, "ratio", "#VALUE!", "formula error #VALUE!")]
    assert raw.frame.get_column("id").to_list() == ["P2", "P3", "P4"]


def test_only_the_sheet_read_is_scanned_and_rows_are_spreadsheet_rows():
    # The table starts at B3 under a title; the sheet before it holds an error of its own.
    def layout(book):
        sheet = book["Data"]
        sheet.insert_rows(1, 1)
        sheet.insert_cols(1)
        sheet["A1"] = "Export of March"
        sheet["E9"] = "=SUM(D4:D6)"  # a totals row holding only a formula: outside calamine's range

    table = [["id", "date", "wait", "ratio"]] + [[f"X{r}", date(2025, 3, r), r, f"=D{r}*2"] for r in range(4, 7)]
    book = xlsx_bytes({"Cover": [["Notes"], ["n1"], ["=1/0"]], "Data": [[], *table]}, layout, formulas=True)
    data = patch_xlsx(book, _sheet_xml(1), lambda xml: xml.replace(
        '<c r="A3"><f>1/0</f><v /></c>', '<c r="A3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'))
    raw = read_file(data, "book.xlsx", sheet="Data")
    assert raw.header_row == 3  # the spreadsheet's row, not the table's
    assert raw.cell_problems.rows() == [(4, "ratio", "=D4*2", "formula without a saved value"),
                                        (5, "ratio", "=D5*2", "formula without a saved value"),
                                        (6, "ratio", "=D6*2", "formula without a saved value"),
                                        (9, "ratio", "=SUM(D4:D6)", "formula without a saved value")]
    assert rows(raw) == [4, 5, 6, 9]  # the totals row is a row of the file, listed, not dropped
    assert set(raw.frame.filter(pl.col(ROW) == 9).drop(ROW).row(0)) == {None}
    cover = read_file(data, "book.xlsx", sheet="Cover")
    assert cover.cell_problems.rows() == [(3, "Notes", "#DIV/0!", "formula error #DIV/0!")]
    assert cover.frame.rows() == [(2, "n1"), (3, None)]


def test_a_table_far_down_a_sheet_keeps_its_spreadsheet_row_numbers():
    raw = read_file(xlsx_bytes({"Data": [[]] * 39 + [["id", "date"], ["A", date(2025, 3, 1)], ["B", date(2025, 3, 2)]]}),
                    "far.xlsx")
    assert raw.header_row == 40 and raw.columns == ["id", "date"]
    assert raw.frame.select(ROW, "id").rows() == [(41, "A"), (42, "B")]


def test_a_workbook_without_formulas_has_no_cell_problems():
    raw = read_file(xlsx_bytes({"Data": [["id", "comment"], ["A", "=not a formula"], ["B", "#N/A as text"]]}), "x.xlsx")
    assert raw.cell_problems.is_empty() and raw.reader_rejects.is_empty()
    assert raw.frame.get_column("comment").to_list() == ["=not a formula", "#N/A as text"]
