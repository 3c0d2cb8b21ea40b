#!/usr/bin/env bash
# The webgpu engine on a lent GPU machine (an NVIDIA H100/H200 with nothing installed and no network).
#
# Here, once (packs what the machine lacks into two git-ignored folders, ≈ 55 MiB together: the Vulkan loader and glvnd
# .debs, Deno, node_modules without typings and sources maps, the npm registry metadata Deno checks):
#   scripts/bench/gpu_check.sh pack
# There, as one device call with carry [".gl", ".gpu"] and a timeout of 600 s:
#   bash scripts/bench/gpu_check.sh            (setup-only: stop after the adapter, to check the packing)
# It installs the Vulkan loader and glvnd libraries from .gl/*.deb, unpacks Deno and node_modules from .gpu/, then
#   1. the adapter and nvidia-smi                                      → $OUT/adapter.json, $OUT/nvidia-smi.txt
#   2. the lockstep bench: all 1,200 grid runs, 2 epochs, counters     → $OUT/bench-lockstep.json
#   3. the full default grid on --engine webgpu (20 epochs), timed     → $OUT/grid-webgpu.json (+ grid-webgpu.log)
#   4. a 2-epoch grid on both engines (native: one worker per core), and the accuracy distributions compared
#                                                                      → $OUT/engines-2-epochs.json
#   5. the tfjs experiments' bench on WebGPU (what remains of the time) → $OUT/bench-tfjs-webgpu.json
# Every stage has its own time limit, so a slow one leaves the others' files.
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ "${1:-}" = pack ]; then
  set -e
  for d in /.gl/ /.gpu/; do grep -qx "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
  mkdir -p .gl .gpu /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  xz -T0 -6 -c "$(readlink -f "$(command -v deno)")" >.gpu/deno.xz
  # Source maps, typings, minified bundles and sources are not loaded at run time.
  # (tar exits 1 when a running Deno touches node_modules/.deno meanwhile: harmless.)
  { tar -cf - --exclude='*.map' --exclude='*.d.ts' --exclude='*.min.js' --exclude='*.md' --exclude='*.ts' \
    --warning=no-file-changed node_modules || [ $? -eq 1 ]; } | xz -T0 -3 >.gpu/node_modules.tar.xz
  # Deno checks the npm packages' registry metadata (a few hundred KiB) before using node_modules.
  dir="$(deno info --json | sed -n 's/.*"npmCache": "\(.*\)\/npm".*/\1/p')"
  (cd "${dir:-$HOME/.cache/deno}" && find npm -name registry.json | tar -cf - -T - | xz >"$OLDPWD/.gpu/deno_dir.tar.xz")
  du -sh .gl .gpu
  exit 0
fi

OUT="${OUT:-results/gpu-check}"
mkdir -p "$OUT"
log() { echo "[$(date -u +%T)] $*" | tee -a "$OUT/gpu-check.log"; }

# The loaders, as the device README says; the driver's ICD where the image keeps it.
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
mkdir -p /tmp/gpu-check/bin
command -v deno >/dev/null || { xz -dc .gpu/deno.xz >/tmp/gpu-check/bin/deno && chmod +x /tmp/gpu-check/bin/deno; }
export PATH="/tmp/gpu-check/bin:$PATH"
[ -d node_modules ] || tar -xJf .gpu/node_modules.tar.xz
mkdir -p /tmp/gpu-check/deno_dir && tar -C /tmp/gpu-check/deno_dir -xJf .gpu/deno_dir.tar.xz
export DENO_DIR=/tmp/gpu-check/deno_dir
export DENO_WEBGPU_BACKEND=vulkan DENO_NO_UPDATE_CHECK=1 XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
log "setup done: $(deno --version | head -1)"

nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1 || true
deno eval 'const a = await navigator.gpu.requestAdapter();
console.log(JSON.stringify({ info: a?.info, limits: a && Object.fromEntries(
  ["maxBufferSize", "maxStorageBufferBindingSize", "maxStorageBuffersPerShaderStage"].map((k) => [k, a.limits[k]])) }))' \
  >"$OUT/adapter.json" 2>>"$OUT/gpu-check.log"
log "adapter: $(cat "$OUT/adapter.json")"
[ "${1:-}" = setup-only ] && exit 0

log "bench: lockstep, the whole grid for 2 epochs"
timeout 100 deno task bench --backends lockstep --out /tmp/gpu-check/bench >>"$OUT/gpu-check.log" 2>&1
cp /tmp/gpu-check/bench/latest.json "$OUT/bench-lockstep.json" 2>/dev/null || log "bench: no JSON"

log "grid: 1,200 runs x 20 epochs on --engine webgpu"
start=$(date +%s.%N)
timeout 200 deno task siamese-grid --engine webgpu --fresh --out /tmp/gpu-check/grid >"$OUT/grid-webgpu.log" 2>&1
rc=$?
end=$(date +%s.%N)
log "grid: exit $rc after $(awk "BEGIN { print $end - $start }") s"
[ -f /tmp/gpu-check/grid/grid-index.json ] &&
  deno run -A scripts/bench/webgpu.ts compare /tmp/gpu-check/grid /tmp/gpu-check/grid "$OUT/grid-webgpu.json" >/dev/null

log "engines: the grid for 2 epochs on webgpu and on native ($(nproc) workers)"
timeout 45 deno task siamese-grid --engine webgpu --epochs 2 --fresh --out /tmp/gpu-check/e2-webgpu >/dev/null 2>&1
timeout 120 deno task siamese-grid --engine native --epochs 2 --fresh --out /tmp/gpu-check/e2-native >/dev/null 2>&1
deno run -A scripts/bench/webgpu.ts compare /tmp/gpu-check/e2-webgpu /tmp/gpu-check/e2-native \
  "$OUT/engines-2-epochs.json" >/dev/null 2>>"$OUT/gpu-check.log" || log "engines: comparison failed"

log "bench: tfjs experiments on WebGPU"
timeout 60 deno task bench --backends webgpu --experiments --out /tmp/gpu-check/tfjs >>"$OUT/gpu-check.log" 2>&1
cp /tmp/gpu-check/tfjs/latest.json "$OUT/bench-tfjs-webgpu.json" 2>/dev/null || log "tfjs bench: no JSON"
log "done"
