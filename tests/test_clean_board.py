from tests.builders import check, clean_tables


def test_clean_board_has_no_findings(tmp_path):
    report = check(tmp_path, clean_tables())
    assert [(f.rule, f.cell, f.message) for f in report.findings] == []
