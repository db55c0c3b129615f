#!/usr/bin/env bash
# Fine-tune on your own people, measured: start from a MobileNet trained on LFW's peopleDevTrain,
# fine-tune on ORL people s1-s20 (images 1-5 of each), then score, before and after:
#   orl_heldout  images 6-10 of s1-s20 (the people fine-tuned on, images it never saw)
#   orl_unseen   s21-s40 (people outside the fine-tuning set, same camera)
#   pairsDevTest LFW View 1's test people (unseen people, the starting model's domain)
# for each fine-tuning variant, and print the trade-off table (summary.md).
#
#   scripts/experiments/finetune_orl.sh LFW_DIR ORL_DIR [--base CKPT | --base-minutes N]
#                                       [--minutes M] [--out DIR]
#
# Without --base the starting model is trained first (configs/lfw_view1_mobilenet.yaml for N
# minutes, default 8). Each variant fine-tunes for M minutes (default 3). The ORL split and the
# .bin pair sets are written under DIR (default runs/finetune_orl-<timestamp>); the images are
# linked, never copied.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
LFW=$(cd "$1" && pwd); ORL=$(cd "$2" && pwd); shift 2
BASE=""; BASE_MINUTES=8; MINUTES=3
OUT=runs/finetune_orl-$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
  case "$1" in
    --base) BASE=$2; shift 2 ;;
    --base-minutes) BASE_MINUTES=$2; shift 2 ;;
    --minutes) MINUTES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
FACENET=./build/facenet
[ -x "$FACENET" ] || bash scripts/build.sh
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
IMAGES="$LFW/lfw-deepfunneled"

echo "== ORL split and pair sets in $OUT/data"
python3 - "$ORL" "$OUT/data" <<'PY'
import os, pickle, random, sys
orl, out = sys.argv[1], sys.argv[2]
os.makedirs(f"{out}/orl_train", exist_ok=True)
img = lambda s, i: f"{orl}/s{s}/{i}.pgm"
for s in range(1, 21):
    d = f"{out}/orl_train/s{s}"
    os.makedirs(d, exist_ok=True)
    for i in range(1, 6):
        if not os.path.exists(f"{d}/{i}.pgm"): os.symlink(img(s, i), f"{d}/{i}.pgm")
def write_bin(path, people, images, per_person, seed):
    rng = random.Random(seed)
    same = [(img(s, a), img(s, b)) for s in people for a in images for b in images if a < b]
    rng.shuffle(same)
    same = same[:per_person * len(people)]
    diff = []
    while len(diff) < len(same):
        s, t = rng.sample(people, 2)
        diff.append((img(s, rng.choice(images)), img(t, rng.choice(images))))
    bins, issame = [], []
    for p, q in zip(same, diff):  # interleaved: every fold in order holds both kinds
        for pair, label in ((p, True), (q, False)):
            bins += [open(pair[0], "rb").read(), open(pair[1], "rb").read()]
            issame.append(label)
    with open(path, "wb") as f: pickle.dump((bins, issame), f, protocol=4)
    print(f"{path}: {len(issame)} pairs")
write_bin(f"{out}/orl_heldout.bin", list(range(1, 21)), list(range(6, 11)), 10, 1)
write_bin(f"{out}/orl_unseen.bin", list(range(21, 41)), list(range(1, 11)), 10, 2)
PY

if [ -z "$BASE" ]; then
  echo "== the starting model: $BASE_MINUTES minutes on LFW peopleDevTrain"
  $FACENET train --config configs/lfw_view1_mobilenet.yaml \
    --set data.root="$IMAGES" --set data.include_identities="$LFW/peopleDevTrain.txt" \
    --set eval.data_dir="$IMAGES" --set eval.pairs="$LFW/pairsDevTest.txt" \
    --set train.max_minutes="$BASE_MINUTES" --set train.eval_every_minutes=0 --set train.eval_every_epochs=0 \
    --set train.output_dir="$OUT/base"
  BASE="$OUT/base/checkpoints/last.pt"
fi

# name | --set overrides separated by ';' (the recipe's default, the balanced one, has none)
NONE_FROZEN="train.trainable_from=;train.head_only_epochs=0;train.lr_mult={}"
VARIANTS=(
  "everything trains at 1x|$NONE_FROZEN"
  "stage3 + embedding at 0.1x, head alone first (the default)|"
  "embedding layer only (trainable_from last_linear)|$NONE_FROZEN;train.trainable_from=last_linear"
)
for v in "${VARIANTS[@]}"; do
  name=${v%%|*}
  SETS=()
  IFS=';' read -r -a assignments <<< "${v#*|}"
  for a in "${assignments[@]}"; do SETS+=(--set "$a"); done
  dir="$OUT/$(echo "$name" | tr -c 'a-z0-9\n' '_' | cut -c1-24)"
  echo "== fine-tune: $name"
  $FACENET train --config configs/finetune_mobilenet.yaml --set train.init_from="$BASE" \
    --set data.root="$OUT/data/orl_train" --set eval.sets="[$OUT/data/orl_heldout.bin,$OUT/data/orl_unseen.bin]" \
    --set eval.data_dir="$IMAGES" --set eval.pairs="$LFW/pairsDevTest.txt" \
    --set train.max_minutes="$MINUTES" --set train.schedule_by_time=true --set train.output_dir="$dir" "${SETS[@]}"
  echo "$name|$dir" >> "$OUT/variants.txt"
done

{
  echo "# Fine-tuning on ORL s1-s20 from $BASE ($MINUTES min per variant, $(nproc) cores)"
  echo
  echo "| variant | orl_heldout (fine-tuned people) | orl_unseen | LFW pairsDevTest (unseen) |"
  echo "|---|---:|---:|---:|"
  while IFS='|' read -r name dir; do
    python3 - "$name" "$dir/before_after.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[2]))
cell = {s["set"]: f'{s["before"]:.3f} → {s.get("after", float("nan")):.3f} ({s.get("change", 0):+.3f})' for s in doc["sets"]}
get = lambda k: next((v for n, v in cell.items() if k in n), "-")
print(f'| {sys.argv[1]} | {get("orl_heldout")} | {get("orl_unseen")} | {get("pairsDevTest")} |')
PY
  done < "$OUT/variants.txt"
} | tee "$OUT/summary.md"
