"""``scan --shard K/N`` jobs and ``sovlint merge``: the merged report is the full scan's, in
every output format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from filetree import CORPUS, write_tree
from monorepo import FILES

FORMATS = ("json", "sarif", "html", "text", "junit", "gitlab", "github")


def _outputs(run_cli: Any, cwd: Path, command: list[str], tag: str) -> dict[str, str]:
    args = [a for fmt in FORMATS for a in ("--format", f"{fmt}:{tag}.{fmt}")]
    code, _, err = run_cli(*command, *args, cwd=cwd)
    assert code in (0, 1), err
    assert "Traceback" not in err
    return {fmt: (cwd / f"{tag}.{fmt}").read_text(encoding="utf-8") for fmt in FORMATS}


def _shard_then_merge(run_cli: Any, cwd: Path, count: int, *scan: str) -> dict[str, str]:
    reports = []
    for index in range(1, count + 1):
        code, _, err = run_cli("scan", *scan, "--shard", f"{index}/{count}", "--format",
                               f"json:shard-{index}.json", cwd=cwd)
        assert code in (0, 1), err
        reports.append(f"shard-{index}.json")
    return _outputs(run_cli, cwd, ["merge", *reports], "merged")


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_merged_shards_equal_one_scan_in_every_format(run_cli: Any, tmp_path: Path,
                                                      count: int) -> None:
    write_tree(tmp_path / "repo", FILES)
    full = _outputs(run_cli, tmp_path, ["scan", "repo"], "full")
    merged = _shard_then_merge(run_cli, tmp_path, count, "repo")
    for fmt in FORMATS:
        assert merged[fmt] == full[fmt], fmt
    assert json.loads(full["json"])["findings"]  # there is something to compare


def test_a_root_and_its_modules_stay_in_one_job(run_cli: Any, tmp_path: Path) -> None:
    write_tree(tmp_path / "repo", FILES)
    shards = []
    for index in (1, 2, 3):
        code, out, err = run_cli("scan", "repo", "--shard", f"{index}/3", "--format", "json",
                                 cwd=tmp_path)
        assert code in (0, 1), err
        shards.append(json.loads(out)["shard"])
    owners: dict[str, set[int]] = {}
    for section in shards:
        for path in section["files"]:
            owners.setdefault(path, set()).add(section["index"])
    # every root is in exactly one job, with every module it reads
    for root in ("repo/envs/prod/main.tf", "repo/apps/billing/main.tf", "repo/standalone/main.tf"):
        assert len(owners[root]) == 1, root
    job = next(iter(owners["repo/envs/prod/main.tf"]))
    for module in ("repo/modules/storage/main.tf", "repo/modules/database/main.tf",
                   "repo/modules/queue/main.tf"):
        assert job in owners[module]
    # manifests go one by one; the union is every file
    assert set(owners) == {f"repo/{name}" for name in FILES if not name.endswith(".tfvars")}


def test_the_split_is_the_same_on_every_run(run_cli: Any, tmp_path: Path) -> None:
    write_tree(tmp_path / "repo", FILES)
    runs = []
    for _ in range(2):
        code, out, _ = run_cli("scan", "repo", "--shard", "2/3", "--format", "json", cwd=tmp_path)
        runs.append(json.loads(out)["shard"]["files"])
    assert runs[0] == runs[1] and runs[0]


def test_merge_refuses_an_incomplete_or_mixed_set(run_cli: Any, tmp_path: Path) -> None:
    write_tree(tmp_path / "repo", FILES)
    for spec in ("1/3", "2/3", "1/2"):
        run_cli("scan", "repo", "--shard", spec, "--format", f"json:{spec.replace('/', '-of-')}.json",
                cwd=tmp_path)
    code, _, err = run_cli("merge", "1-of-3.json", "2-of-3.json", cwd=tmp_path)
    assert code == 2 and "missing job 3/3" in err
    code, _, err = run_cli("merge", "1-of-3.json", "1-of-3.json", "2-of-3.json", cwd=tmp_path)
    assert code == 2 and "given twice" in err
    code, _, err = run_cli("merge", "1-of-3.json", "1-of-2.json", cwd=tmp_path)
    assert code == 2 and "split" in err
    run_cli("scan", "repo", "--format", "json:plain.json", cwd=tmp_path)
    code, _, err = run_cli("merge", "plain.json", cwd=tmp_path)
    assert code == 2 and "--shard" in err
    run_cli("scan", "repo", "--shard", "3/3", "--profile", "secnumcloud", "--format",
            "json:3-of-3-secnumcloud.json", cwd=tmp_path)
    code, _, err = run_cli("merge", "1-of-3.json", "2-of-3.json", "3-of-3-secnumcloud.json",
                           cwd=tmp_path)
    assert code == 2 and "same options" in err
    assert "Traceback" not in err


def test_merge_needs_the_rules_of_the_jobs(run_cli: Any, tmp_path: Path) -> None:
    write_tree(tmp_path / "repo", FILES)
    run_cli("scan", "repo", "--shard", "1/1", "--disable", "SOV010", "--format", "json:one.json",
            cwd=tmp_path)
    code, _, err = run_cli("merge", "one.json", cwd=tmp_path)
    assert code == 2 and "--config/--profile/--policy" in err
    code, _, err = run_cli("merge", "one.json", "--disable", "SOV010", cwd=tmp_path)
    assert code in (0, 1), err


@pytest.mark.parametrize("value", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(run_cli: Any, tmp_path: Path, value: str) -> None:
    code, _, err = run_cli("scan", ".", "--shard", value, cwd=tmp_path)
    assert code == 2 and "K/N" in err


def test_merge_exit_code_follows_fail_on(run_cli: Any, tmp_path: Path) -> None:
    write_tree(tmp_path / "repo", FILES)
    run_cli("scan", "repo", "--shard", "1/1", "--format", "json:one.json", cwd=tmp_path)
    assert run_cli("merge", "one.json", cwd=tmp_path)[0] == 1
    assert run_cli("merge", "one.json", "--fail-on", "never", cwd=tmp_path)[0] == 0


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not there")
def test_merged_shards_of_the_terraform_corpus_equal_one_scan(run_cli: Any, tmp_path: Path) -> None:
    source = CORPUS / "terraform-aws-modules__terraform-aws-s3-bucket"
    import shutil

    shutil.copytree(source, tmp_path / "s3", ignore=shutil.ignore_patterns("*.yaml", "*.yml", "*.json"))
    full = _outputs(run_cli, tmp_path, ["scan", "s3"], "full")
    merged = _shard_then_merge(run_cli, tmp_path, 4, "s3")
    assert merged == full
    assert len(json.loads(full["json"])["resources"]) > 20
