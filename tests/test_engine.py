"""The engine is chosen on a workspace's first use, recorded, and never silently switched."""

from __future__ import annotations

import pytest

from orchestration.lib.engine import EngineConflict, recorded_engine, workspace_engine
from orchestration.lib.workspace import Workspace


def test_first_use_records_the_requested_engine_and_later_commands_use_it(tmp_path, monkeypatch):
    monkeypatch.delenv("JIFEN_ENGINE", raising=False)
    workspace = Workspace.at(tmp_path / "home")
    assert workspace_engine(workspace, "spark") == "spark"
    assert recorded_engine(workspace) == "spark"
    assert workspace_engine(workspace) == "spark"  # no request: the recorded engine


def test_the_environment_chooses_when_no_option_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("JIFEN_ENGINE", "Spark")
    assert workspace_engine(Workspace.at(tmp_path / "home")) == "spark"


def test_a_conflicting_request_is_refused_naming_both_engines(tmp_path, monkeypatch):
    monkeypatch.delenv("JIFEN_ENGINE", raising=False)
    workspace = Workspace.at(tmp_path / "home")
    workspace_engine(workspace)
    with pytest.raises(EngineConflict, match=r"runs on duckdb .* --engine asks for spark"):
        workspace_engine(workspace, "spark")
    monkeypatch.setenv("JIFEN_ENGINE", "spark")
    with pytest.raises(EngineConflict, match="JIFEN_ENGINE asks for spark"):
        workspace_engine(workspace)
    assert recorded_engine(workspace) == "duckdb"


def test_a_workspace_with_a_duckdb_warehouse_from_before_is_duckdb(tmp_path, monkeypatch):
    monkeypatch.delenv("JIFEN_ENGINE", raising=False)
    workspace = Workspace.at(tmp_path / "home")
    workspace.state.mkdir(parents=True)
    workspace.warehouse.write_bytes(b"")
    assert workspace_engine(workspace) == "duckdb"
    with pytest.raises(EngineConflict):
        workspace_engine(workspace, "spark")


def test_an_unknown_engine_is_refused(tmp_path):
    with pytest.raises(EngineConflict, match="the engines are duckdb, spark"):
        workspace_engine(Workspace.at(tmp_path / "home"), "postgres")


@pytest.mark.parametrize("command", [["close", "2026-07"], ["standings", "--period", "2026-07"]])
def test_every_command_that_runs_a_close_asks_the_recorded_engine(tmp_path, monkeypatch, command):
    """`standings` is a workspace's first command too (the benchmark's history): it records
    the engine asked for, and refuses a conflicting one, before any work starts."""
    from typer.testing import CliRunner

    from orchestration.cli import app

    monkeypatch.delenv("JIFEN_ENGINE", raising=False)
    workspace = Workspace.at(tmp_path / "home")
    workspace_engine(workspace)
    asked = [*command, "--engine", "spark", "--home", str(workspace.home)]
    refused = CliRunner().invoke(app, asked)
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())  # the console wraps long lines
    assert "runs on duckdb" in said and "--engine asks for spark" in said
