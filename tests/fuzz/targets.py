"""Coverage-guided fuzzing (atheris, libFuzzer) of what users type and upload: document numbers, score
inputs of every rule kind, and the criteria workbook import. Each input must end in a result or a clear
Vietnamese refusal (ValidationError, DocNumberError, TreeError); any other exception is a crash, and
libFuzzer prints the input that caused it.

Run: `.venv/bin/python tests/fuzz/targets.py docnumber|score|workbook -runs=20000 -seed=1 [CORPUS_DIR]`.
`tests/test_fuzz.py` runs each target for a fixed number of inputs from a fixed seed.
"""

import inspect
import os
import sys
from decimal import Decimal
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "CRITICAL")

import django  # noqa: E402

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402

from criteria.inputs import score_input  # noqa: E402
from criteria.models import Node  # noqa: E402
from criteria.spreadsheet import read_workbook  # noqa: E402
from criteria.tree import TreeError  # noqa: E402
from submissions.docnumber import DocNumberError, doc_number_warnings, parse_doc_number  # noqa: E402

RULES = [
    {"kind": "manual"},
    {"kind": "levels", "levels": [{"label": "Đạt", "points": "2"}, {"label": "Không đạt", "points": "0"}],
     "special": [{"label": "Không phát sinh", "points": "2"}]},
    {"kind": "percent", "threshold": "80", "factor": "3", "measure": "Tỷ lệ % hồ sơ đúng hạn",
     "below_label": "Dưới 80% = 0 điểm"},
    {"kind": "survey", "scale": 5},
]


def _refusal_has_a_message(exc: Exception) -> None:
    text = " ".join(getattr(exc, "messages", None) or [str(exc)])
    if not text.strip():
        raise AssertionError(f"refusal without a message: {exc!r}")


def docnumber(data: bytes) -> None:
    raw = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(200)
    try:
        doc = parse_doc_number(raw)
    except DocNumberError as exc:
        _refusal_has_a_message(exc)
        return
    assert doc.normalized, raw
    doc_number_warnings(doc)


def score(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    rule = RULES[provider.ConsumeIntInRange(0, len(RULES) - 1)]
    # A framework is checked when it is loaded: a levels rule never exceeds its maximum, a percent rule
    # gives at most its factor.
    maximum = {"levels": Decimal(2), "percent": Decimal(3)}.get(rule["kind"],
                                                                Decimal(provider.ConsumeIntInRange(0, 400)) / 4)
    raw = provider.ConsumeUnicodeNoSurrogates(60)
    node = Node(code="1.1", kind="criterion", rule=rule, max_points=maximum)
    try:
        choice, percent, points, reason = score_input(node, raw)
    except ValidationError as exc:
        _refusal_has_a_message(exc)
        return
    if points is not None:  # a result is a correct one: within 0..max, from what was typed
        assert 0 <= points <= node.max_points, (raw, points)
        assert reason, raw


def workbook(data: bytes) -> None:
    try:
        read_workbook(data)
    except (ValidationError, TreeError) as exc:
        _refusal_has_a_message(exc)


TARGETS = {"docnumber": docnumber, "score": score, "workbook": workbook}
MODULES = [sys.modules[name] for name in ("criteria.scoring", "criteria.spreadsheet", "criteria.tree",
                                          "criteria.inputs", "submissions.docnumber")]

if __name__ == "__main__":
    target = TARGETS[sys.argv.pop(1)]
    # Django set itself up (and imported these modules) before an import hook could see them: instrument
    # the functions of the modules under test in place, for coverage guidance (instrumenting everything
    # loaded, Django included, takes over a minute).
    for module in MODULES:
        for value in list(vars(module).values()):
            for function in [value, *vars(value).values()] if isinstance(value, type) else [value]:
                if inspect.isfunction(function) and function.__module__ == module.__name__:
                    atheris.instrument_func(function)
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
