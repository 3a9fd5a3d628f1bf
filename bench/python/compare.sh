#!/usr/bin/env bash
# Our `bench train --algo ippo` and the Python reference (ppo_reference.py), alternately on the same
# machine: A B A B A B (PAIRS pairs). Writes bench/results/python-vs-leed-<UTC date-time>.json with
# every run's figures, the load before each run, and the median ratio.
#
#   bench/python/compare.sh                  # 3 pairs, 30 s measured per run
#   PAIRS=1 SECONDS_PER_RUN=10 bench/python/compare.sh
#   PYTHON=/usr/bin/python3 OUT=/tmp/x.json bench/python/compare.sh
#   OMP_WAIT_POLICY=PASSIVE bench/python/compare.sh   # the Python side with the wait policy ours always sets
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAIRS=${PAIRS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-30}
PYTHON=${PYTHON:-/usr/bin/python3}
DLL="$ROOT/src/Leed.Dashboard/bin/Release/net10.0/Leed.Dashboard.dll"
OUT=${OUT:-"$ROOT/bench/results/python-vs-leed-$(date -u +%Y%m%d-%H%M).json"}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [[ ! -f "$DLL" ]]; then
    echo "Building the CLI (Release)..." >&2
    dotnet build -c Release "$ROOT/src/Leed.Dashboard" >&2
fi
"$PYTHON" -c 'import torch, numpy' || { echo "$PYTHON cannot import torch and numpy" >&2; exit 1; }

# The Python side reads the map from this file; make sure it is the map ours trains on.
dotnet "$DLL" maps show synthetic-medium --data "$WORK/data" 2>/dev/null > "$WORK/map.txt"
if ! cmp -s "$WORK/map.txt" "$ROOT/bench/python/synthetic-medium.txt"; then
    echo "bench/python/synthetic-medium.txt differs from \`maps show synthetic-medium\`; refresh it." >&2
    exit 1
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }

for pair in $(seq 1 "$PAIRS"); do
    echo "pair $pair/$PAIRS: ours (load $(load))..." >&2
    load > "$WORK/ours-$pair.load"
    dotnet "$DLL" bench train --algo ippo --seconds "$SECONDS_PER_RUN" --data "$WORK/data" \
        > "$WORK/ours-$pair.json" 2> "$WORK/ours-$pair.log"
    load >> "$WORK/ours-$pair.load"
    echo "pair $pair/$PAIRS: python (load $(load))..." >&2
    load > "$WORK/python-$pair.load"
    "$PYTHON" "$ROOT/bench/python/ppo_reference.py" --seconds "$SECONDS_PER_RUN" \
        > "$WORK/python-$pair.json" 2> "$WORK/python-$pair.log"
    load >> "$WORK/python-$pair.load"
done

"$PYTHON" - "$WORK" "$PAIRS" "$OUT" "$ROOT" <<'EOF'
import json, os, statistics, subprocess, sys, datetime
work, pairs, out, root = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def read(name):
    with open(os.path.join(work, name + ".json")) as f:
        result = json.load(f)
    with open(os.path.join(work, name + ".load")) as f:
        before, after = (line.split() for line in f.read().splitlines())
    result["loadBefore"], result["loadAfter"] = [float(v) for v in before], [float(v) for v in after]
    return result

def sh(command):
    try:
        return subprocess.run(command, shell=True, capture_output=True, text=True, cwd=root).stdout.strip()
    except OSError:
        return None

runs = []
for pair in range(1, pairs + 1):
    ours, python = read(f"ours-{pair}"), read(f"python-{pair}")
    runs.append({
        "pair": pair, "ours": ours, "python": python,
        "speedRatio": round(ours["agentStepsPerSecond"] / python["agentStepsPerSecond"], 2),
        "kernelRatio": round(ours["kernelGflopPerSecond"] / python["kernelGflopPerSecond"], 2),
    })

def median(key, side=None):
    values = [run[key] if side is None else run[side][key] for run in runs]
    return round(statistics.median(values), 3)

lscpu = sh("lscpu")
model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), None) if lscpu else None
summary = {
    "benchmark": "IPPO, synthetic-medium (48x48), 20 agents, 16 envs x 128 steps, 4 epochs x 4 minibatches, 2 torch threads",
    "recorded": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "order": "ours, python, alternating (A B A B ...)",
    "pythonOmpWaitPolicy": runs[0]["python"].get("ompWaitPolicy"),
    "machine": {"cpu": model, "cores": os.cpu_count(), "kernel": sh("uname -r"),
                "dotnet": sh("dotnet --version"), "commit": sh("git rev-parse --short HEAD")},
    "medianSpeedRatio": median("speedRatio"),
    "speedRatios": [run["speedRatio"] for run in runs],
    "medianAgentStepsPerSecond": {"ours": median("agentStepsPerSecond", "ours"), "python": median("agentStepsPerSecond", "python")},
    "medianKernelGflopPerSecond": {"ours": median("kernelGflopPerSecond", "ours"), "python": median("kernelGflopPerSecond", "python")},
    "medianKernelRatio": median("kernelRatio"),
    # Above 1: besides the kernels, our loop around them is faster too (see README.md for why this is only indicative).
    "medianSpeedRatioOverKernelRatio": round(statistics.median(run["speedRatio"] / run["kernelRatio"] for run in runs), 2),
    "medianKernelFraction": {"ours": median("kernelFraction", "ours"), "python": median("kernelFraction", "python")},
    "medianKernelFractionCpu": {"ours": median("kernelFractionCpu", "ours"), "python": median("kernelFractionCpu", "python")},
    "runs": runs,
}
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")
print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2))
print(f"written: {out}", file=sys.stderr)
EOF
