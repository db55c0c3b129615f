#!/usr/bin/env bash
# The README's "A trained model on real photos": verify, enroll, identify (known and unknown),
# eval-identify and cluster on LFW people, plus Haar and MTCNN detection on a photo with several faces.
#
#   scripts/experiments/photos_demo.sh MODEL LFW_DIR [--out DIR] [--verify-threshold T] [--l2-threshold T]
#
# MODEL: a checkpoint or export. The people (peopleDevTest, unseen by lfw_view1.sh's training):
# 3 photos each of 5 people enrolled, 2 more each as probes, 2 photos each of 2 people not
# enrolled; all 29 as the album. Thresholds: --verify-threshold in the model's metric (default
# 1.5, squared L2), --l2-threshold for identify/eval-identify/cluster (default 1.08; agglomerative
# and eval-identify use 1.22, chinese whispers 1.0, as the README shows).
set -uo pipefail
cd "$(dirname "$0")/../.."
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
MODEL=$(realpath "$1"); LFW=$(cd "$2" && pwd)/lfw-deepfunneled; shift 2
OUT=runs/photos_demo; VT=1.5; LT=1.08
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --verify-threshold) VT=$2; shift 2 ;;
    --l2-threshold) LT=$2; shift 2 ;;
    *) usage ;;
  esac
done
FACENET=$(realpath ./build/facenet)
rm -rf "$OUT" && mkdir -p "$OUT/people" "$OUT/probes" "$OUT/album" && cd "$OUT" || exit 1
link() { mkdir -p "$2" && ln -s "$LFW/$1" "$2/$(basename "$1")"; }
for p in Adrien_Brody Amelie_Mauresmo Ben_Affleck Celine_Dion Condoleezza_Rice; do
  ls "$LFW/$p" | head -3 | while read -r f; do link "$p/$f" "people/$p"; link "$p/$f" "album/$p"; done
  ls "$LFW/$p" | sed -n 4,5p | while read -r f; do link "$p/$f" "probes/$p"; link "$p/$f" "album/$p"; done
done
for p in Ali_Naimi Ana_Palacio; do
  ls "$LFW/$p" | head -2 | while read -r f; do link "$p/$f" "probes/$p"; link "$p/$f" "album/$p"; done
done
run() { echo "\$ facenet $*" | sed "s|$MODEL|model.pt|; s|$LFW|lfw|g"; "$FACENET" "$@" 2>&1 | grep -v '^\[' | sed "s|$LFW|lfw|g"; }
run verify --model "$MODEL" --threshold "$VT" "$LFW/Adrien_Brody/Adrien_Brody_0001.jpg" "$LFW/Adrien_Brody/Adrien_Brody_0002.jpg"
run verify --model "$MODEL" --threshold "$VT" "$LFW/Adrien_Brody/Adrien_Brody_0001.jpg" "$LFW/Celine_Dion/Celine_Dion_0001.jpg"
run enroll --model "$MODEL" --gallery people --out gallery.fgal
run identify --gallery gallery.fgal --probe probes/Celine_Dion/Celine_Dion_0004.jpg -k 3 --threshold "$LT"
run identify --gallery gallery.fgal --probe probes/Ana_Palacio/Ana_Palacio_0001.jpg -k 3 --threshold "$LT"
run eval-identify --gallery gallery.fgal --probes probes --out eval-id --threshold 1.22
run cluster album --model "$MODEL" --out clusters --labels album --threshold 1.0
run cluster album --model "$MODEL" --out clusters-agglomerative --labels album --method agglomerative --threshold 1.22
run embed --model "$MODEL" --detect haar "$LFW/Amer_al-Saadi/Amer_al-Saadi_0002.jpg" --out one.csv
echo '$ cut -d, -f1-7 one.csv'
cut -d, -f1-7 one.csv | sed "s|$LFW|lfw|g"
run embed --model "$MODEL" --detect mtcnn "$LFW/Amer_al-Saadi/Amer_al-Saadi_0002.jpg" --out one-mtcnn.csv
echo '$ cut -d, -f1-7 one-mtcnn.csv'
cut -d, -f1-7 one-mtcnn.csv | sed "s|$LFW|lfw|g"
