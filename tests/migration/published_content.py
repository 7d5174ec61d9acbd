"""Prints, as JSON, what a database's published results are: every ranking version's snapshot (canonical
JSON) and each period's annex as the template renders it (a fixed print time). Run at the commit before a
data migration to make the expected file, and after migrating to compare (test_period_membership_migration).

    DATABASE_URL=sqlite:////tmp/db.sqlite3 python tests/migration/published_content.py out.json
"""

import datetime
import json
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()


from ranking.models import RankingVersion  # noqa: E402
from ranking.reports import annex_html, current_versions  # noqa: E402
from submissions.models import Period  # noqa: E402

out = {"snapshots": {}, "annex": {}}
for version in RankingVersion.objects.order_by("pk"):
    key = f"{version.period.code}/{version.block.code}/{version.number}"
    out["snapshots"][key] = json.dumps(version.snapshot, sort_keys=True, ensure_ascii=False)
for period in Period.objects.all():
    versions = current_versions(period)
    if versions:
        out["annex"][period.code] = annex_html(
            period, versions, printed_at=datetime.datetime(2025, 1, 21, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
            font_dir="FONTS")
with open(sys.argv[1], "w") as handle:
    json.dump(out, handle, ensure_ascii=False, indent=1, sort_keys=True)
