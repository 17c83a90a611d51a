"""The doctor's registry: findings, repairs, what is left, unknown checks."""
import pytest

from socialgraph.operations import doctor


def test_run_reports_repairs_and_keeps_what_is_left(monkeypatch):
    fixed = []
    monkeypatch.setattr(doctor, "CHECKS", {})
    doctor.register_check("b_broken", lambda progress: [doctor.Finding("b_broken", "x", repair=lambda: 1 / 0)])
    doctor.register_check("a_fixable", lambda progress: [doctor.Finding("a_fixable", "y", repair=lambda: fixed.append(1))])
    doctor.register_check("c_manual", lambda progress: [doctor.Finding("c_manual", "z")])
    found, left = doctor.run()
    assert [f.check for f in found] == ["a_fixable", "b_broken", "c_manual"] and len(left) == 3 and fixed == []
    found, left = doctor.run(repair=True)
    assert fixed == [1] and [f.check for f in left] == ["b_broken", "c_manual"]
    assert doctor.run(only=["c_manual"])[0][0].line() == "c_manual: z"
    with pytest.raises(KeyError):
        doctor.run(only=["nope"])
