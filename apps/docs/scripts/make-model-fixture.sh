#!/usr/bin/env bash
# Remakes test/fixtures/model (a tiny model exported by `gsa export`, the map
# baked in), test/fixtures/image.png and test/fixtures/expected.json (what
# `gsa predict` says about that image), with the built CLI. Seeded: a rerun
# gives the same files. Run from apps/docs after `pnpm build`.
set -euo pipefail
cd "$(dirname "$0")/.."
gsa="node ../cli/bin/gsa.js --quiet"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$gsa datasets synth --out "$work/data" --count 40 --size 16 --difficulty 0.1 --seed 0
cat > "$work/train.yaml" <<'YAML'
backboneOptions:
  widths: [4, 8]
YAML
$gsa train --data "folder:$work/data" --config "$work/train.yaml" --attention global \
  --channels 4 --epochs 2 --cutoff-epoch 1 --batch-size 16 --seed 0 --backend cpu --out "$work/run"
rm -rf test/fixtures/model
$gsa export --run "$work/run" --out test/fixtures/model
cp "$work/data/$(ls "$work/data" | grep -m1 '\.png$' | grep -v mask)" test/fixtures/image.png
$gsa predict --model test/fixtures/model test/fixtures/image.png --json > test/fixtures/expected.json
ls -l test/fixtures test/fixtures/model
