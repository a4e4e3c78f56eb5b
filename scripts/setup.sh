#!/usr/bin/env bash
# All set-up for a fresh Debian machine with Node 20: system packages, then npm packages from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || apt_packages+=(ffmpeg)
# Tests burn text into generated videos with this font (OCR), and drive the board in a real browser.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_packages+=(fonts-dejavu-core)
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)

if ((${#apt_packages[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${apt_packages[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends "${apt_packages[@]}" ||
    { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${apt_packages[@]}"; }
fi

# onnxruntime-node's postinstall downloads CUDA libraries and fails offline; the CPU provider ships
# in the package. See README "GPU" for enabling CUDA on a machine with internet.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
