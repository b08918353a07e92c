"""Paths given to `newsearch index` that do not exist or cannot be read.

None usable: exit 1 with one line naming them, and nothing is created (no index folder, no lock
file). Some usable: those are indexed, the others are listed in the summary, and the exit status
is 1 (the summary says so), so that a script notices a typo in one of its paths.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsearch.indexing import InputNotFoundError, index_paths
from tests.test_cli import SEEDS, assert_one_line_error, newsearch


def test_cli_only_missing_path_exits_1_and_creates_nothing(tmp_path):
    ix = tmp_path / "ix"
    missing = tmp_path / "no" / "such" / "path"
    line = assert_one_line_error(newsearch("index", missing, "--no-entities", index_dir=ix), 1)
    assert line == f"newsearch: no such file or folder: {missing}"
    assert not ix.exists()
    assert os.listdir(tmp_path) == []


def test_cli_several_missing_paths_are_all_named(tmp_path):
    ix = tmp_path / "ix"
    line = assert_one_line_error(newsearch("index", tmp_path / "a", tmp_path / "b", "--no-entities",
                                           index_dir=ix), 1)
    assert str(tmp_path / "a") in line and str(tmp_path / "b") in line
    assert not ix.exists()


def test_cli_some_missing_indexes_the_rest_and_exits_1(tmp_path):
    ix = tmp_path / "ix"
    missing = tmp_path / "nope"
    result = newsearch("index", SEEDS, missing, "--no-entities", index_dir=ix)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "added 2" in result.stdout
    assert f"{missing}: no such file or folder" in result.stdout
    assert "1 of 2 given paths not found or unreadable (exit status 1)" in result.stdout
    data = json.loads(newsearch("index", SEEDS, missing, "--no-entities", "--json", index_dir=ix).stdout)
    assert data["missing"] == [str(missing)] and data["unchanged"] == 2


def test_cli_symlink_loop_argument_is_reported_not_a_traceback(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    ix = tmp_path / "ix"
    line = assert_one_line_error(newsearch("index", loop, "--no-entities", index_dir=ix), 1)
    assert str(loop) in line and "loop" in line.replace(str(loop), "")
    assert not ix.exists()
    result = newsearch("index", loop, SEEDS, "--no-entities", index_dir=ix)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "added 2" in result.stdout and str(loop) in result.stdout


def test_api_raises_for_nothing_to_index_and_reports_missing_in_summary(tmp_path):
    ix = tmp_path / "ix"
    with pytest.raises(InputNotFoundError) as info:
        index_paths([tmp_path / "nope"], ix, entities=False, show_progress=False)
    assert str(info.value) == f"no such file or folder: {tmp_path / 'nope'}"
    assert not ix.exists()
    seen = []
    summary = index_paths([SEEDS, tmp_path / "nope"], ix, entities=False, show_progress=False,
                          on_problem=seen.append)
    assert summary.added == 2 and summary.missing == [str(tmp_path / "nope")]
    assert [p.path for p in seen] == [str(tmp_path / "nope")]  # reported once, through the callback too
    assert "no such file or folder" in summary.problems[0].reason


def test_file_in_place_of_a_folder_component_is_missing(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x", "utf-8")
    with pytest.raises(InputNotFoundError):
        index_paths([afile / "child"], tmp_path / "ix", entities=False, show_progress=False)
    assert not (tmp_path / "ix").exists()


def test_paths_are_taken_as_given_relative_ones_included(tmp_path, monkeypatch):
    monkeypatch.chdir(SEEDS.parent)
    summary = index_paths([Path("seeds")], tmp_path / "ix", entities=False, show_progress=False)
    assert summary.added == 2 and summary.missing == []


def test_fifo_as_the_only_argument_is_not_indexed_and_creates_nothing(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputNotFoundError) as info:
        index_paths([fifo], tmp_path / "ix", entities=False, show_progress=False)
    assert str(fifo) in str(info.value)
    assert not (tmp_path / "ix").exists()


def test_no_paths_and_a_nul_byte_path(tmp_path):
    with pytest.raises(InputNotFoundError, match="no files or folders given"):
        index_paths([], tmp_path / "ix", entities=False, show_progress=False)
    with pytest.raises(InputNotFoundError):
        index_paths([str(tmp_path / "bad\0name")], tmp_path / "ix", entities=False, show_progress=False)
    assert not (tmp_path / "ix").exists()
