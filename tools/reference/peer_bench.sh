#!/usr/bin/env bash
# dp4j beside Opacus (issue 12's speed targets): for each model, `./dp4j bench --json` and
# opacus_bench.py --json one after the other, the pair repeated (the side that goes first
# alternates), then one table. Run it on an otherwise idle machine; see README.md for the venv.
#
#   tools/reference/peer_bench.sh [--repeats K] [--rounds R] [--steps N] [--cifar-steps N]
#                                 [--models "tutorial-cnn cifar-cnn"] [--modes hooks,functorch,ew,ghost]
#                                 [--out DIR]
#
# PYTHON (default /tmp/ovenv/bin/python) runs Opacus. TF_ENABLE_ONEDNN_OPTS and the like pass through
# to dp4j unchanged. Every run's JSON and log stay in DIR (default /tmp/peer-bench-<time>).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-/tmp/ovenv/bin/python}"
repeats=1
rounds=3
steps=30
cifar_steps=10
models="tutorial-cnn cifar-cnn"
modes="hooks,functorch,ew,ghost"
out="/tmp/peer-bench-$(date -u +%Y%m%d-%H%M%S)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --cifar-steps) cifar_steps="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "peer_bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ ! -x "$python" ]]; then
  echo "peer_bench.sh: no Python at $python; install the venv as tools/reference/README.md says, or set PYTHON" >&2
  exit 2
fi
mkdir -p "$out"

# Share of CPU time the rest of the machine used over 2 s (what the run about to start competes with).
busy_percent() {
  local cpu u n s i w q sq st rest t1 i1
  read -r cpu u n s i w q sq st rest </proc/stat
  t1=$((u + n + s + i + w + q + sq + st)); i1=$((i + w))
  sleep 2
  read -r cpu u n s i w q sq st rest </proc/stat
  echo $((100 * ((u + n + s + i + w + q + sq + st - t1) - (i + w - i1)) / (u + n + s + i + w + q + sq + st - t1)))
}

run_dp4j() { # model steps file
  "$root/dp4j" bench --model "$1" --steps "$2" --rounds "$rounds" --json >"$3" 2>"${3%.json}.log"
}
run_opacus() { # model steps file
  "$python" "$root/tools/reference/opacus_bench.py" --model "$1" --steps "$2" --rounds "$rounds" \
    --modes "$modes" --json >"$3" 2>"${3%.json}.log"
}

for ((k = 1; k <= repeats; k++)); do
  for model in $models; do
    n=$steps
    [[ "$model" == cifar-cnn ]] && n=$cifar_steps
    sides=(dp4j opacus)
    ((k % 2 == 0)) && sides=(opacus dp4j)
    for side in "${sides[@]}"; do
      file="$out/$model-$side-$k.json"
      busy=$(busy_percent)
      echo "$busy" >"${file%.json}.busy"
      echo "[$(date -u +%H:%M:%S)] $side $model (repeat $k of $repeats, $rounds rounds of $n steps; CPU $busy% busy before)" >&2
      if ! "run_$side" "$model" "$n" "$file"; then
        echo "peer_bench.sh: $side $model failed; see ${file%.json}.log" >&2
        exit 1
      fi
    done
  done
done

python3 - "$out" "$models" "$repeats" <<'EOF'
import glob, json, statistics, sys
out, models, repeats = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
# torch's OpenMP threads spin while they wait, so on a busy machine Opacus slows down far more
# than dp4j (5-10x on 2 shared cores): such a run says nothing about the targets
busy = {f: int(open(f).read()) for f in sorted(glob.glob(f"{out}/*.busy"))}
busy = {f: pct for f, pct in busy.items() if pct > 10}
if busy:
    print("WARNING: other processes kept the CPU busy (> 10%) before "
          + ", ".join(f"{f.rsplit('/', 1)[1][:-5]} ({pct}%)" for f, pct in busy.items())
          + ": not a comparison; rerun on an idle machine")
print(f"{'model':<13} {'run':>3} {'side':<20} {'batch':>5} {'plain ms':>9} {'DP ms':>9} {'DP/plain':>8} {'DP ex/s':>8}")
cpu = engine = None
for model in models:
    speedups, dp4j_ratios = [], []
    for k in range(1, repeats + 1):
        d = json.load(open(f"{out}/{model}-dp4j-{k}.json"))
        o = json.load(open(f"{out}/{model}-opacus-{k}.json"))
        cpu = o.get("cpu")
        engine = f"dp4j onednn={d.get('onednn', '?')}; torch {o['torch']}, opacus {o['opacus']}, {o['threads']} threads"
        print(f"{model:<13} {k:>3} {'dp4j':<20} {d['batch_size']:>5} {d['nondp_ms_per_step']:>9.1f} "
              f"{d['dp_ms_per_step']:>9.1f} {d['ratio']:>8.2f} {d['examples_per_s']:>8.0f}")
        for mode, r in o["modes"].items():
            best = " (best)" if mode == o.get("best_mode") else ""
            print(f"{'':<13} {k:>3} {'opacus ' + mode + best:<20} {o['batch_size']:>5} "
                  f"{o['nondp_ms_per_step']:>9.1f} {r['dp_ms_per_step']:>9.1f} {r['ratio']:>8.2f} "
                  f"{r['examples_per_s']:>8.0f}")
        for mode, error in o.get("failed_modes", {}).items():
            print(f"{'':<13} {k:>3} {'opacus ' + mode:<20} failed: {error}")
        if "examples_per_s" in o:
            speedups.append(d["examples_per_s"] / o["examples_per_s"])
        dp4j_ratios.append(d["ratio"])
    target = 1.3 if model == "tutorial-cnn" else 1.4
    if speedups:
        print(f"{model}: dp4j DP examples/s over best Opacus mode: "
              + ", ".join(f"{s:.2f}" for s in speedups)
              + f" (median {statistics.median(speedups):.2f}; target >= 2.5); dp4j DP/plain median "
              f"{statistics.median(dp4j_ratios):.2f} (target <= {target})")
print(f"CPU: {cpu}; {engine}; results in {out}")
EOF
