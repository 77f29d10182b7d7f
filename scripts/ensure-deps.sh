#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh machine; a no-op when it is all there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(etcd-server etcd-client mariadb-server mariadb-client postgresql zstd awscli jq shellcheck util-linux openssl procps attr acl chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-deps: installing ${missing[*]}"
  SUDO=''
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -c 'import moto.server' 2>/dev/null || ! command -v moto_server >/dev/null; then
  echo "ensure-deps: installing moto[server]"
  python3 -m pip install --quiet 'moto[server]'
fi

if ! command -v cfn-lint >/dev/null; then
  echo "ensure-deps: installing cfn-lint"
  python3 -m pip install --quiet cfn-lint
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
