"""Coverage-guided fuzzing with atheris (libFuzzer) of document numbers, score inputs and the criteria
workbook import, a fixed number of inputs from a fixed seed in a subprocess each (a crash ends the fuzzer's
process, not pytest's). The hypothesis properties in test_hostile_input.py cover the same doors from the
other side: generated, shrinkable inputs through the views and services with the database."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from criteria.models import Framework
from criteria.spreadsheet import framework_export_xlsx

HARNESS = Path(__file__).parent / "fuzz" / "targets.py"
pytestmark = pytest.mark.skipif(importlib.util.find_spec("atheris") is None,
                                reason="atheris is not installed (x86-64 Linux, CPython ≤ 3.11 wheels only)")


def _fuzz(target: str, runs: int, tmp_path: Path, corpus: Path | None = None, max_len: int = 4096) -> str:
    corpus = corpus or tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    result = subprocess.run(
        [sys.executable, str(HARNESS), target, f"-runs={runs}", "-seed=20261126", f"-max_len={max_len}",
         f"-artifact_prefix={tmp_path}/", str(corpus)],
        capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert f"Done {runs} runs" in output, output[-2000:]
    return output


@pytest.mark.parametrize("target", ["docnumber", "score"])
def test_fuzz_typed_input_ends_in_a_result_or_a_clear_refusal(target, tmp_path):
    _fuzz(target, 50_000, tmp_path)


@pytest.mark.django_db
def test_fuzz_the_criteria_workbook_import(tmp_path):
    """Mutations of a real exported workbook: every damaged zip, sheet or cell is refused with a message."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed = framework_export_xlsx(Framework.objects.get(code="tn2024-hoi"))
    (corpus / "hoi.xlsx").write_bytes(seed)
    output = _fuzz("workbook", 1_500, tmp_path, corpus, max_len=2 * len(seed))
    print(output[-1500:])
