"""The hypothesis profile in force is the one HYPOTHESIS_PROFILE names, and budgets scale with it."""

from hypothesis import settings

from tests.hypothesis_profiles import PROFILE, examples


def test_the_loaded_profile_sets_the_default_budget_and_no_deadline():
    assert settings.default.deadline is None
    assert settings.default.max_examples == (100 if PROFILE == "ci" else 10)


def test_a_property_gets_its_full_budget_in_ci_and_a_tenth_in_dev():
    if PROFILE == "ci":
        assert (examples(300), examples(10)) == (300, 10)
    else:
        assert (examples(300), examples(10)) == (30, 5)
