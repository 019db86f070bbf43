"""`xuncha checklists validate` and `list` through click's CliRunner."""

from click.testing import CliRunner

from checklists import shipped_checklists
from checklists.cli import checklists_cli


def test_validate_shipped_content_exits_0_with_a_summary():
    result = CliRunner().invoke(checklists_cli, ["validate"])
    assert result.exit_code == 0, result.output
    items = sum(len(c.items) for c in shipped_checklists())
    assert result.output.strip() == f"OK: 7 checklist(s), {items} item(s)"


def test_validate_a_bad_file_exits_1_with_one_line_per_problem(make_doc, write_doc):
    doc = make_doc()
    doc["sections"][0]["items"][0]["weight"] = -1
    doc["sections"][0]["items"][2]["rectification_days"] = "soon"
    path = write_doc(doc, "bad.yaml")

    result = CliRunner().invoke(checklists_cli, ["validate", str(path)])

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: A1: 'weight' must be a positive number")
    assert lines[1].startswith(f"{path}: A3: 'rectification_days' must be a whole number")


def test_validate_a_folder(make_doc, write_doc, tmp_path):
    write_doc(make_doc(), "good.yaml")
    runner = CliRunner()
    ok = runner.invoke(checklists_cli, ["validate", str(tmp_path)])
    assert ok.exit_code == 0 and "OK: 1 checklist(s), 3 item(s)" in ok.output

    write_doc(make_doc(code="second", version=1), "second.yaml")
    bad = runner.invoke(checklists_cli, ["validate", str(tmp_path)])
    assert bad.exit_code == 1
    assert bad.stdout.splitlines() == [
        f"{tmp_path / 'second.yaml'}: checklist: 'version' must be a string "
        '(quote it, e.g. "2024.1"), got a number 1'
    ]


def test_validate_a_single_good_file(make_doc, write_doc):
    result = CliRunner().invoke(checklists_cli, ["validate", str(write_doc(make_doc()))])
    assert result.exit_code == 0
    assert result.output.strip() == "OK: 1 checklist(s), 3 item(s)"


def test_list_shows_every_shipped_version_id():
    result = CliRunner().invoke(checklists_cli, ["list"])
    assert result.exit_code == 0
    for checklist in shipped_checklists():
        assert checklist.version_id in result.output
