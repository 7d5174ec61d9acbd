"""Hypothesis profiles: ``ci`` runs every property as many times as its test asks, ``dev`` a tenth of that.

``HYPOTHESIS_PROFILE`` chooses (``.ci/run`` exports ``ci``; a developer's ``make test`` gets ``dev``). A property
states its CI budget with ``examples(n)`` instead of a bare ``max_examples=n``, so the profile can scale it; a
property without a budget gets the profile's ``max_examples`` (Hypothesis's 100 under ``ci``, 10 under ``dev``).
"""

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
if PROFILE not in ("ci", "dev"):
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r}: choose 'ci' or 'dev'")

settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=10)
settings.load_profile(PROFILE)


def examples(ci: int) -> int:
    """This property's number of examples: ``ci`` under the ``ci`` profile, a tenth of it (at least 5) under ``dev``."""
    return ci if PROFILE == "ci" else max(5, ci // 10)
