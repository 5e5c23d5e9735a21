#!/usr/bin/env bash
# Compiles dp4j's native TensorFlow op (dp4j_ops.c) into the jar's resources. Run by Maven's
# generate-resources phase (dp4j-core/pom.xml). It needs only a C compiler: the op's source declares
# the TensorFlow C API functions it uses and takes them from the loaded TensorFlow at run time.
# Without a compiler, or on another platform, it builds nothing and dp4j computes the same norms
# with TensorFlow ops (slower); a compiler that fails on the source fails the build.
set -euo pipefail
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="$1/io/dp4j/native/linux-x86_64"
if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  echo "[dp4j native] not built: the op is built for x86-64 Linux only" >&2
  exit 0
fi
compiler="${CC:-cc}"
if ! command -v "$compiler" >/dev/null 2>&1; then
  echo "[dp4j native] WARNING not built: no C compiler ($compiler); install gcc for faster DP steps" >&2
  exit 0
fi
mkdir -p "$out_dir"
target="$out_dir/libdp4j_ops.so"
if [[ -f "$target" && "$target" -nt "$source_dir/dp4j_ops.c" && "$target" -nt "$source_dir/dp4j_sums.h" && "$target" -nt "$source_dir/build.sh" ]]; then
  exit 0
fi
# -O3 vectorizes the 16-lane accumulators; the source picks its AVX-512, AVX2+FMA or SSE2 code when
# the library loads, so it runs on any x86-64 CPU
"$compiler" -O3 -fPIC -shared -std=gnu11 -Wall -o "$target" "$source_dir/dp4j_ops.c" -lpthread -ldl
echo "[dp4j native] built $target" >&2
