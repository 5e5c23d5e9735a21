#!/usr/bin/env bash
# Python Keras loads what dp4j writes: the tutorial CNN and three models covering every layer type
# are saved as .keras by dp4j, loaded by keras.saving.load_model, and their predictions compared.
# Needs: a built ./dp4j (its shaded jar), MNIST in ~/.cache/dp4j/mnist, and a Python with tensorflow-cpu
# (PYTHON=/path/to/python, default python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${PYTHON:-python3}"
out="$(mktemp -d)"
"$root/dp4j" train --model tutorial-cnn --data mnist --limit 3000 --epochs 1 --out "$out/cnn.keras" --json >/dev/null 2>&1
test10k="$HOME/.cache/dp4j/mnist/t10k-images-idx3-ubyte"
"$root/dp4j" predict --model "$out/cnn.keras" --input "$test10k" --scale 0.00392156862745098 --json \
  >"$out/cnn.json" 2>/dev/null
"$py" "$here/keras_load_check.py" "$out/cnn.keras" "$test10k" "$out/cnn.json" --scale 0.00392156862745098
java -cp "$root/dp4j-cli/target/dp4j.jar" "$here/KerasExportZoo.java" "$out" 2>/dev/null
for m in image sequence reshape; do
  "$py" "$here/keras_load_check.py" "$out/$m.keras" "$out/$m.csv" "$out/$m.json"
done
rm -rf "$out"
