#!/usr/bin/env bash
# The engine bench (LeNet-5 and BigCNN training and inference samples/s) on an NVIDIA GPU through the
# webgpu backend (Dawn -> Vulkan), and PyTorch CUDA on the same models when python3 has torch, on a
# bare Linux machine that may lack Node, the Vulkan loader and network. Finishes in under 5 minutes.
#   here:        bash bench/gpu/pack.sh             (fills .device/, about 30 MiB)
#   GPU machine: bash bench/gpu/run-on-device.sh    (from the repo root, with .device/ carried)
# Writes to $OUT (else .device/out): run-log.txt, adapter.json, engine-webgpu.json, pytorch-cuda.json.
# Every step runs and reports even when an earlier one failed, so a failed run still explains itself.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DEV=$ROOT/.device
OUT=${OUT:-$DEV/out}
mkdir -p "$OUT"
exec > >(tee "$OUT/run-log.txt") 2>&1
TEE=$!
step() { printf '\n== %s (t=%ss)\n' "$*" "$SECONDS"; }

unpack_xz() { # file destination-file-or-dir; xz(1) or, where it is missing, Python's lzma
  if command -v xz >/dev/null; then
    if [[ -d $2 ]]; then xz -dc "$1" | tar -xf - -C "$2"; else xz -dc "$1" > "$2"; fi
  elif [[ -d $2 ]]; then
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

step "machine"
uname -srm
grep -E '^(PRETTY_NAME)=' /etc/os-release 2>/dev/null
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -4

step "node"
NODE=
if command -v node >/dev/null && [[ $(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) =~ ^(20|21|22)$ ]]; then
  NODE=$(command -v node)
elif [[ -f $DEV/node.xz ]]; then
  mkdir -p "$DEV/bin"
  [[ -x $DEV/bin/node ]] || { unpack_xz "$DEV/node.xz" "$DEV/bin/node.part" && chmod +x "$DEV/bin/node.part" && mv "$DEV/bin/node.part" "$DEV/bin/node"; }
  NODE=$DEV/bin/node
fi
if [[ -z $NODE ]] || ! "$NODE" --version; then
  echo "no Node 20-22 here and no usable .device/node.xz: run bench/gpu/pack.sh and carry .device"; NODE=
fi

step "squish (dist/ and node_modules/)"
if [[ ! -f dist/bench/engine.js || ! -f node_modules/webgpu/package.json ]]; then
  if [[ -f $DEV/app.tar.xz ]]; then unpack_xz "$DEV/app.tar.xz" "$ROOT" && echo "unpacked .device/app.tar.xz"; else echo "no .device/app.tar.xz: run bench/gpu/pack.sh and carry .device"; fi
fi
ls -d dist/bench node_modules/webgpu/dist/linux-x64 2>&1

step "Vulkan loader and GL dispatch (glvnd) libraries"
# NVIDIA's Vulkan driver also needs glvnd's libEGL/libGLX/libGLdispatch, which GPU images without
# graphics packages lack. pack.sh carries Debian's; they are unpacked beside the repo, not into /, and
# found through LD_LIBRARY_PATH like dawn.node's dlopen.
missing=
for lib in libvulkan.so.1 libGLdispatch.so.0 libEGL.so.1 libGLX.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib " || missing+=" $lib"
done
echo "missing:${missing:- none}"
if [[ -n $missing ]]; then
  rm -rf "$DEV/sys"
  for deb in "$DEV"/*.deb; do [[ -f $deb ]] && { dpkg-deb -x "$deb" "$DEV/sys" || echo "dpkg-deb could not unpack $deb"; }; done
  export LD_LIBRARY_PATH=$DEV/sys/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  ls "$DEV/sys/usr/lib/x86_64-linux-gnu" 2>&1 | tr '\n' ' '; echo
fi

step "NVIDIA Vulkan driver (ICD)"
# The driver's Vulkan implementation lives in its GLX (or, headless, EGL) library.
find_lib() {
  local d
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /lib/x86_64-linux-gnu; do
    [[ -e $d/$1 ]] && { echo "$d/$1"; return; }
  done
  ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n {print $NF; exit}'
}
ICD_LIB=$(find_lib libGLX_nvidia.so.0)
[[ -n $ICD_LIB ]] || ICD_LIB=$(find_lib libEGL_nvidia.so.0)
echo "driver library: ${ICD_LIB:-none found}"
if [[ -n $ICD_LIB ]]; then
  libdir=$(dirname "$ICD_LIB")
  # Its own dependencies (libnvidia-glcore, -glvkspirv, -tls, -gpucomp) sit beside it.
  ldconfig -p 2>/dev/null | grep -q "$libdir" || export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  ldd "$ICD_LIB" 2>&1 | grep -i 'not found' && echo "(the libraries above are missing: the driver's Vulkan ICD cannot load)"
fi
ICD=
for d in /usr/local/nvidia/share/vulkan/icd.d /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  for f in "$d"/nvidia_icd*.json; do [[ -f $f ]] && { ICD=$f; break 2; }; done
done
if [[ -z $ICD && -n $ICD_LIB ]]; then
  ICD=$DEV/icd/nvidia_icd.json
  mkdir -p "$DEV/icd"
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$ICD_LIB" > "$ICD"
  echo "no nvidia_icd.json found; wrote one"
fi
# glvnd finds NVIDIA's EGL through a vendor manifest; the driver's own folder is not searched by default.
for f in /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json /usr/share/glvnd/egl_vendor.d/10_nvidia.json; do
  [[ -f $f ]] && { export __EGL_VENDOR_LIBRARY_FILENAMES=$f; echo "EGL vendor: $f"; break; }
done
ls /dev/nvidia* 2>&1 | tr '\n' ' '; echo
[[ -n $ICD_LIB ]] && ls "$(dirname "$ICD_LIB")" | grep -E 'GLX|EGL|GLdispatch|glcore|glvkspirv|gpucomp|tls' | tr '\n' ' '; echo
if [[ -n $ICD ]]; then
  echo "$ICD:"; cat "$ICD"; echo
  # Only NVIDIA's driver: no chance of Dawn taking a software (Mesa) adapter instead.
  export VK_DRIVER_FILES=$ICD VK_ICD_FILENAMES=$ICD
else
  echo "no NVIDIA Vulkan driver found (is this an NVIDIA machine? in Docker: NVIDIA_DRIVER_CAPABILITIES=all)"
fi
command -v vulkaninfo >/dev/null && timeout 30 vulkaninfo --summary 2>&1 | grep -E 'deviceName|deviceType|driverName|driverInfo|apiVersion' | head -12

# Dawn's Vulkan backend only; HOME-less machines still get a data cache.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)} SQUISH_CACHE_DIR=${SQUISH_CACHE_DIR:-$DEV/cache}

step "WebGPU adapter (Dawn)"
WEBGPU=no
if [[ -n $NODE ]]; then
  timeout 30 "$NODE" dist/bench/gpu/adapter.js > "$OUT/adapter.json" && WEBGPU=yes
  cat "$OUT/adapter.json"
fi
if [[ $WEBGPU == no && -n $NODE ]]; then
  echo "-- again with the Vulkan loader's driver log:"
  VK_LOADER_DEBUG=error,warn,driver timeout 30 "$NODE" dist/bench/gpu/adapter.js 2>&1 >/dev/null | grep -v '^$' | sort -u | head -30
fi

step "engine bench on webgpu (3 runs; PyTorch 1 CPU thread beside it)"
if [[ $WEBGPU == yes ]]; then
  py=$(command -v python3 || echo /usr/bin/python3)
  timeout 170 "$NODE" dist/bench/engine.js --backends webgpu --runs 3 --python "$py" > "$OUT/engine-webgpu.json"
  echo "exit $?"
  cat "$OUT/engine-webgpu.json"
else
  echo "skipped: the webgpu backend did not start (see above)"
fi

step "PyTorch CUDA, same models"
if python3 -c 'import torch' 2>/dev/null; then
  timeout 75 python3 bench/gpu/pytorch_cuda.py --runs 3 > "$OUT/pytorch-cuda.json"
  echo "exit $?"
  cat "$OUT/pytorch-cuda.json"
else
  echo "skipped: python3 has no torch"
fi

step "done"
ls -l "$OUT"
exec >&- 2>&-
wait "$TEE"  # run-log.txt complete before $OUT is collected
