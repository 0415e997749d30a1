"""Sign-off (maker-checker) as a user runs it (issue 13): who acts, the decision log (the
latest decision stands), the approvers setting, decisions as Dagster runs."""

from __future__ import annotations

import os

import pytest
from test_payout import jifen, landed, published

from orchestration.defs.launch import run_close
from orchestration.lib.settings import SettingsError, load_settings
from orchestration.lib.workspace import Workspace
from orchestration.signoff import SignoffRefused, acting_user


def test_the_acting_user_is_by_else_jifen_user_else_the_os_user(monkeypatch):
    monkeypatch.setenv("JIFEN_USER", "ann")
    assert acting_user("li.wei") == "li.wei"
    assert acting_user(None) == "ann"
    monkeypatch.delenv("JIFEN_USER")
    monkeypatch.setattr("getpass.getuser", lambda: "svc-jifen")
    assert acting_user(None) == "svc-jifen"
    with pytest.raises(SignoffRefused, match=r"'Li Wei' \(--by\) is not a user id"):
        acting_user("Li Wei")


def test_the_approvers_setting_is_a_list_of_user_ids(tmp_path):
    ws = Workspace.at(tmp_path)
    ws.settings_file.write_text('approvers = ["li.wei", " mo "]\n', encoding="utf-8")
    assert load_settings(ws).approvers == ("li.wei", "mo")
    ws.settings_file.write_text('approvers = "li.wei"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="approvers must be a list of user ids"):
        load_settings(ws)


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    """July closed by a run without --by: the closer is JIFEN_USER."""
    ws = landed(tmp_path_factory.mktemp("signoff"))
    saved = os.environ.get("JIFEN_USER")
    os.environ["JIFEN_USER"] = "ann"
    try:
        run = run_close(ws, "2026-07")
    finally:
        os.environ.pop("JIFEN_USER")
        if saved is not None:
            os.environ["JIFEN_USER"] = saved
    assert run.success, run.errors
    return ws


def test_a_version_starts_pending_with_its_closer(closed):
    assert published(closed, "select period, version, status, closed_by from latest_approvals") == [
        ("2026-07", 1, "pending", "ann")
    ]


def test_the_latest_decision_stands_only_approvers_decide_and_runs_show_in_dagster(
    closed, tmp_path
):
    ws = closed
    ws.settings_file.write_text('approvers = ["li.wei"]\n', encoding="utf-8")
    try:
        stranger = jifen(ws, "approve", "2026-07", "--by", "mo")
        assert stranger.exit_code == 1
        assert "mo is not an approver of this workspace" in stranger.output
        unknown = jifen(ws, "approve", "2026-07", "--version", "2", "--by", "li.wei")
        assert unknown.exit_code == 1 and "2026-07 v2 is not published" in unknown.output

        reports = sorted(ws.reports_dir.rglob("*.html"))
        written = {path: path.stat().st_mtime_ns for path in reports}
        rejected = jifen(ws, "reject", "2026-07", "--by", "li.wei", "--reason", "CRM export late")
        assert rejected.exit_code == 0, rejected.output
        assert "rejected by li.wei: CRM export late" in rejected.output
        assert any(path.stat().st_mtime_ns > mtime for path, mtime in written.items())
        refused = jifen(ws, "payout", "2026-07", "--out", str(tmp_path / "pay"))
        assert refused.exit_code == 1
        assert "it is rejected by li.wei (CRM export late)" in refused.output

        approved = jifen(ws, "approve", "2026-07", "--version", "1", "--by", "li.wei")
        assert approved.exit_code == 0, approved.output
    finally:
        ws.settings_file.unlink()
    assert published(ws, "select status, decided_by from approvals order by seq") == [
        ("pending", None),
        ("rejected", "li.wei"),
        ("approved", "li.wei"),
    ]
    assert published(ws, "select status, decided_by from latest_approvals") == [
        ("approved", "li.wei")
    ]
    assert jifen(ws, "payout", "2026-07", "--out", str(tmp_path / "pay")).exit_code == 0
    late = jifen(ws, "reject", "2026-07", "--by", "mo", "--reason", "too late")
    assert (
        late.exit_code == 1 and "2026-07 v1 is already paid (batch PAY-2026-07-v1)" in late.output
    )

    # each decision and the payout ran as a Dagster job: they show in the UI
    from dagster import DagsterInstance, RunsFilter
    from dagster._core.instance.ref import InstanceRef

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(ws.dagster_home))) as instance:
        jobs = {run.job_name for run in instance.get_runs(filters=RunsFilter())}
    assert {"approve", "reject", "payout"} <= jobs
