"""The tree invariants, checked in one place (``criteria.tree.validate_tree``)."""

import pytest

from criteria.tree import NodeSpec, TreeError, validate_tree

MANUAL = {"kind": "manual"}


def spec(code, parent, kind, points, rule=None, row=None):
    return NodeSpec(code=code, parent_code=parent, kind=kind, title=f"Tiêu chí {code}", max_points=points,
                    rule=rule, row=row)


def good():
    return [
        spec("ND1", None, "content", "3", row=2),
        spec("I", "ND1", "section", "3", row=3),
        spec("1.1", "I", "criterion", "1,5", MANUAL, row=4),
        spec("1.2", "I", "criterion", "1.5", MANUAL, row=5),
    ]


def messages(specs, total="3"):
    with pytest.raises(TreeError) as exc:
        validate_tree(specs, total)
    return [str(p) for p in exc.value.problems]


def test_a_good_tree_is_linked_and_grouped():
    roots = validate_tree(good(), "3")
    assert [r.code for r in roots] == ["ND1"]
    leaf = roots[0].children[0].children[1]
    assert leaf.code == "1.2" and leaf.group == "ND1" and leaf.depth == 2 and leaf.is_leaf


def test_duplicate_code():
    specs = good() + [spec("1.1", "I", "criterion", "0", MANUAL, row=6)]
    assert "Dòng 6: Mã “1.1” bị trùng (đã có ở dòng 4)." in messages(specs)


def test_unknown_parent():
    specs = good() + [spec("1.3", "IX", "criterion", "0", MANUAL, row=6)]
    assert "Dòng 6: Mã cha “IX” không tồn tại." in messages(specs)


def test_children_not_summing_names_parent_expected_and_actual():
    specs = good()
    specs[3].max_points = "1"
    assert "Dòng 3: Tổng điểm các tiêu chí con của “I” là 2,5, khác điểm tối đa 3." in messages(specs)


def test_total_not_declared():
    assert "Bộ tiêu chí: Tổng điểm các nội dung là 3, khác tổng điểm công bố 100." in messages(good(), "100")


def test_cycle_is_detected():
    specs = [spec("ND1", None, "content", "1", row=2), spec("A", "B", "section", "1", MANUAL, row=3),
             spec("B", "A", "section", "1", MANUAL, row=4)]
    assert any("vòng lặp" in m for m in messages(specs, "1"))


@pytest.mark.parametrize(
    "points, message", [("abc", "không phải là một số"), ("-1", "không được âm"), (None, "để trống")]
)
def test_bad_maximum(points, message):
    specs = good()
    specs[2].max_points = points
    assert any(message in m and m.startswith("Dòng 4") for m in messages(specs))


def test_leaf_without_rule_and_rule_on_parent():
    specs = good()
    specs[2].rule = None
    specs[1].rule = MANUAL
    found = messages(specs)
    assert "Dòng 4: Tiêu chí lá phải có cách chấm điểm (rule)." in found
    assert "Dòng 3: Chỉ tiêu chí lá (không có tiêu chí con) mới có cách chấm điểm." in found


def test_kind_out_of_place():
    specs = good()
    specs[1].kind = "criterion"
    assert any("phải có loại “Lĩnh vực”" in m for m in messages(specs))


def test_every_problem_is_reported_at_once():
    specs = good()
    specs[2].max_points = "x"
    specs[3].rule = {"kind": "bogus"}
    specs.append(spec("1.2", "I", "criterion", "1", MANUAL, row=9))
    found = messages(specs)
    assert len(found) >= 3


def test_codes_and_agencies_longer_than_a_node_stores_are_refused_by_row():
    """Found by the hypothesis import test on PostgreSQL (SQLite does not enforce lengths): a 33-character
    code reached the database as a DataError instead of a row error."""
    from criteria.models import Node
    from criteria.tree import MAX_AGENCY, MAX_CODE, MAX_GROUP_CODE, NodeSpec, TreeError, validate_tree

    assert (MAX_CODE, MAX_GROUP_CODE, MAX_AGENCY) == (Node._meta.get_field("code").max_length,
                                                      Node._meta.get_field("group").max_length,
                                                      Node._meta.get_field("appraising_agency").max_length)
    specs = [NodeSpec(code="NOIDUNG123", parent_code=None, kind="content", title="Nội dung", max_points="1", row=2),
             NodeSpec(code="I", parent_code="NOIDUNG123", kind="section", title="Mục", max_points="1", row=3),
             NodeSpec(code="1." + "0" * 31, parent_code="I", kind="criterion", title="Tiêu chí", max_points="1",
                      appraising_agency="S" * 256, rule={"kind": "direct"}, row=4)]
    with pytest.raises(TreeError) as refused:
        validate_tree(specs, "1")
    messages = {(p.row, p.message.split(" ")[0]) for p in refused.value.problems}
    text = " ".join(p.message for p in refused.value.problems)
    assert "dài quá 8 ký tự" in text and "dài quá 32 ký tự" in text and "dài quá 255 ký tự" in text
    assert {row for row, _ in messages} >= {2, 4}
