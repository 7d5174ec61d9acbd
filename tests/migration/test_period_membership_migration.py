"""Existing data migrates without loss (issue #12 item 6): a database made at the commit before period
membership (fixtures/migration/README.md) is migrated; its published 2024 results are byte-identical and
every period gets its membership from the blocks and quotas of the time."""

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "migration" / "before-membership.sqlite3.gz"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    path = tmp_path_factory.mktemp("migration") / "db.sqlite3"
    with gzip.open(FIXTURE) as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    before = sqlite3.connect(path)
    units = dict(before.execute("select id, block_id from submissions_unit"))
    quotas = dict(before.execute("select id, excellent_quota from submissions_block"))
    before.close()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    out = path.with_suffix(".json")
    subprocess.run([sys.executable, "tests/migration/published_content.py", str(out)], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return path, units, quotas, json.loads(out.read_text())


def test_published_results_are_byte_identical_after_the_migration(migrated):
    _, _, _, content = migrated
    expected = json.loads((FIXTURE.parent / "before-membership.expected.json").read_text())
    assert len(expected["snapshots"]) == 4 and set(expected["annex"]) == {"demo"}
    assert content["snapshots"] == expected["snapshots"]
    assert content["annex"] == expected["annex"]


def test_every_period_gets_its_membership_from_the_organisation_of_the_time(migrated):
    path, units, quotas, _ = migrated
    db = sqlite3.connect(path)
    rows = db.execute("select unit_id, block_id from submissions_submission").fetchall()
    assert rows and all(block == units[unit] for unit, block in rows)
    period_blocks = db.execute("select block_id, excellent_quota from submissions_periodblock").fetchall()
    assert period_blocks and all(quota == quotas[block] for block, quota in period_blocks)
    assert db.execute("select count(*) from submissions_submission where block_id is null").fetchone() == (0,)
