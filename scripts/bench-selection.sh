#!/usr/bin/env bash
# Listing and selecting 10,000 registered tests: omnitest's e2e harness (built with the
# `synthetic-cases` feature) against pytest collecting an equivalent suite with the same
# markers. Prints a Markdown table of mean wall times (hyperfine, after warm-up runs).
#
#   scripts/bench-selection.sh            # needs hyperfine and python3 with pytest
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 2; }
python3 -c 'import pytest' 2>/dev/null || { echo "pytest is required (pip install pytest)" >&2; exit 2; }

cargo build --release --quiet --test e2e --features synthetic-cases
e2e=$(cargo test --release --quiet --test e2e --features synthetic-cases --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "e2e" and m.get("executable"):
        print(m["executable"])')

suite=$(mktemp -d)
trap 'rm -rf "$suite"' EXIT
python3 - "$suite" <<'PY'
import pathlib, sys
root = pathlib.Path(sys.argv[1])
functions = ["diffusion", "omni", "tts", "cache", "parallel", "sp", "example", "benchmark"]
markers = ["core_model", "advanced_model", "full_model", *functions, "cpu", "gpu", "cuda", "rocm",
           "H100", "L4", "MI325", "distributed_cuda", "distributed_rocm", "slow"]
(root / "pyproject.toml").write_text(
    "[tool.pytest.ini_options]\naddopts = [\"--strict-markers\"]\nmarkers = [\n"
    + "".join(f'    "{m}",\n' for m in markers) + "]\n")
(root / "conftest.py").write_text(
    "def pytest_addoption(parser):\n"
    "    parser.addoption('--run-level', default='core_model',\n"
    "                     choices=['core_model', 'advanced_model', 'full_model'])\n")
tests = root / "tests"
tests.mkdir()
for module in range(100):
    lines = ["import pytest\n"]
    for test in range(100):
        i = module * 100 + test
        marks = {0: ["core_model"], 1: ["advanced_model"], 2: ["core_model", "full_model"]}[i % 3]
        marks.append(functions[i % len(functions)])
        if i % 50 == 0:
            marks.append("slow")
        marks += {0: ["cpu"], 1: ["gpu", "cuda", "L4"],
                  2: ["gpu", "cuda", "H100", "rocm", "MI325", "distributed_cuda", "distributed_rocm"],
                  3: ["gpu", "cuda", "H100"]}[i % 4]
        lines += [f"@pytest.mark.{m}" for m in marks]
        lines.append(f"def test_case_{i:05}():\n    pass\n")
    (tests / f"test_s{module:03}.py").write_text("\n".join(lines))
PY

echo "omnitest e2e binary: $e2e" >&2
echo "pytest $(python3 -c 'import pytest; print(pytest.__version__)'), suite in $suite" >&2
cd "$suite"
ours=$(mktemp) theirs=$(mktemp)
hyperfine --warmup 3 --runs 30 --style none --time-unit millisecond --export-markdown "$ours" \
  -n "omnitest --list (core_model)" "$e2e --list" \
  -n "omnitest --run-level advanced_model -m 'omni and not slow' --list" \
     "$e2e --run-level advanced_model -m 'omni and not slow' --list" \
  -n "omnitest --hardware cuda:H100 --cards 2 --partition hash:1/4 --list" \
     "$e2e --hardware cuda:H100 --cards 2 --partition hash:1/4 --list" >/dev/null
hyperfine --warmup 1 --runs 5 --style none --time-unit millisecond --export-markdown "$theirs" \
  -n "pytest --collect-only -m 'core_model and not slow'" \
     "python3 -m pytest -q -p no:cacheprovider --collect-only -m 'core_model and not slow'" \
  -n "pytest --collect-only -m 'advanced_model and omni and not slow'" \
     "python3 -m pytest -q -p no:cacheprovider --collect-only -m 'advanced_model and omni and not slow'" \
  -n "pytest --collect-only -m 'core_model and H100 and distributed_cuda and not slow'" \
     "python3 -m pytest -q -p no:cacheprovider --collect-only -m 'core_model and H100 and distributed_cuda and not slow'" \
  >/dev/null
cat "$ours"
tail -n +3 "$theirs"
rm -f "$ours" "$theirs"
