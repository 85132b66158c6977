#!/usr/bin/env bash
# Installs, into <repo>/.runtimes/, the versions of the tools that the tests run and the deployment
# files name: Prometheus, promtool, Alertmanager and amtool, kubectl, kustomize and docker-compose
# from Debian unstable, and Node 24 from the npm registry. apt reads its own sources list and keeps
# its lists and cache under .runtimes/apt, and dpkg -x unpacks the .deb files without installing
# them; the one change outside .runtimes/ is Alertmanager's templates (see
# install_alertmanager_templates). See USAGE.
set -euo pipefail

USAGE="usage: bash scripts/install-runtimes.sh [--update]
       bash scripts/install-runtimes.sh --help

Downloads the current Debian unstable packages prometheus, promtool, prometheus-alertmanager,
kubectl, kustomize and docker-compose with apt-get download (no root needed, nothing installed),
unpacks them with dpkg -x into .runtimes/debian and links their programs into .runtimes/bin
(Debian's Alertmanager reads its templates from /usr/share/prometheus/alertmanager only: when they
are missing there, they are copied there as root or with sudo -n, else the command is printed); and
the newest Node 24 release from the npm registry (package node-<platform>-<arch>@24) into
.runtimes/node24 (.runtimes/node24/bin/node). Prints every installed version.

Already installed parts are kept as they are (a run then takes a second); --update downloads the
current versions again. The tests look in .runtimes/bin before PATH; put it first on PATH yourself
to use these versions in a shell: export PATH=\$PWD/.runtimes/bin:\$PATH

Exit 0 when everything is installed, 1 when a download or an unpack failed or apt-get, dpkg-deb
or npm is missing, 2 on a bad command line."

update=false
for arg in "$@"; do
  case "$arg" in
    --help | -h)
      echo "$USAGE"
      exit 0
      ;;
    --update) update=true ;;
    *)
      echo "install-runtimes: unknown option $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
runtimes="$root/.runtimes"

# Debian unstable, not a release: it packages Prometheus 3.5 LTS and Alertmanager 0.33, which
# docker-compose.yml runs. It moves, so no version is pinned here: whatever it has today is
# downloaded and printed. Its Release file is checked against Debian's own archive keyring.
DEBIAN_MIRROR="http://deb.debian.org/debian"
DEBIAN_SUITE="unstable"
DEBIAN_KEYRING="/usr/share/keyrings/debian-archive-keyring.gpg"
# promtool is a package of its own in unstable (prometheus depends on it); kubectl likewise
# (kubernetes-client is an empty package that depends on it); prometheus-alertmanager holds amtool.
DEBIAN_PACKAGES=(prometheus promtool prometheus-alertmanager kubectl kustomize docker-compose)
# The programs linked into .runtimes/bin, as the packages install them under /usr/bin.
PROGRAMS=(prometheus promtool prometheus-alertmanager amtool kubectl kustomize docker-compose)
NODE_MAJOR=24

fail() {
  echo "install-runtimes: $*" >&2
  exit 1
}

debian_installed() {
  local program
  for program in "${PROGRAMS[@]}"; do
    [ -x "$runtimes/bin/$program" ] || return 1
  done
}

install_debian() {
  command -v apt-get >/dev/null || fail "apt-get not found: the Debian packages need apt (Debian, Ubuntu); without it, put ${PROGRAMS[*]} on PATH yourself"
  command -v dpkg-deb >/dev/null || fail "dpkg-deb not found: it unpacks the downloaded .deb files (package dpkg)"
  [ -r "$DEBIAN_KEYRING" ] || fail "$DEBIAN_KEYRING not found: it checks the downloads' signatures (package debian-archive-keyring)"

  local apt="$runtimes/apt" debs="$runtimes/debs"
  mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial"
  echo "deb [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $DEBIAN_SUITE main" >"$apt/sources.list"
  # An empty dpkg status: apt then picks each package's candidate as if nothing were installed.
  : >"$apt/state/status"
  # The system's apt.conf.d (a proxy, for one) still applies; its sources, pins and status do not.
  local options=(
    -q
    -o "Dir::Etc::SourceList=$apt/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=/dev/null"
    -o "Dir::State=$apt/state"
    -o "Dir::State::status=$apt/state/status"
    -o "Dir::Cache=$apt/cache"
  )
  echo "== apt-get update ($DEBIAN_SUITE from $DEBIAN_MIRROR, lists in .runtimes/apt)"
  apt-get "${options[@]}" update >"$apt/update.log" 2>&1 || {
    cat "$apt/update.log" >&2
    fail "apt-get update failed (log above)"
  }

  rm -rf "$debs"
  mkdir -p "$debs"
  # As root, apt downloads as its unprivileged _apt user, which must be able to write there.
  if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$debs"; fi
  echo "== apt-get download ${DEBIAN_PACKAGES[*]}"
  (cd "$debs" && apt-get "${options[@]}" download "${DEBIAN_PACKAGES[@]}") >"$apt/download.log" 2>&1 || {
    cat "$apt/download.log" >&2
    fail "apt-get download failed (log above)"
  }

  rm -rf "$runtimes/debian" "$runtimes/bin"
  mkdir -p "$runtimes/debian" "$runtimes/bin"
  local deb program
  for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$runtimes/debian" || fail "dpkg-deb -x $deb failed"
  done
  for program in "${PROGRAMS[@]}"; do
    [ -e "$runtimes/debian/usr/bin/$program" ] || fail "$program is not in the downloaded packages (has Debian moved it to another package?)"
    ln -sfn "../debian/usr/bin/$program" "$runtimes/bin/$program"
  done
}

node_installed() {
  [ -x "$runtimes/node$NODE_MAJOR/bin/node" ] &&
    [ "$("$runtimes/node$NODE_MAJOR/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$NODE_MAJOR" ]
}

install_node() {
  command -v npm >/dev/null || fail "npm not found: Node $NODE_MAJOR comes from the npm registry"
  # The npm package node@24 only depends on this platform package, which holds the binary.
  local package target work tarball
  package="node-$(node -p 'process.platform + "-" + process.arch')@$NODE_MAJOR"
  target="$runtimes/node$NODE_MAJOR"
  work="$runtimes/npm-pack"
  rm -rf "$work"
  mkdir -p "$work"
  echo "== npm pack $package"
  # npm pack checks the tarball against the registry's integrity hash.
  tarball="$(cd "$work" && npm pack "$package" --silent)" || fail "npm pack $package failed"
  rm -rf "$target"
  mkdir -p "$target"
  tar -xzf "$work/$tarball" -C "$target" --strip-components=1 || fail "unpacking $tarball failed"
  rm -rf "$work"
  node_installed || fail "$target/bin/node does not run or is not Node $NODE_MAJOR"
}

mkdir -p "$runtimes"
if $update || ! node_installed; then install_node; fi
if $update || ! debian_installed; then install_debian; fi

# Debian's Alertmanager reads its default notification templates from a path compiled into the
# binary, /usr/share/prometheus/alertmanager (upstream embeds them), and exits at startup without
# them. That one path cannot live under .runtimes: when it is missing, the package's templates are
# copied there (as root, or with passwordless sudo), the only change this script makes outside
# .runtimes; templates already there (Debian's own package) are left alone.
install_alertmanager_templates() {
  local share=/usr/share/prometheus/alertmanager source="$runtimes/debian/usr/share/prometheus/alertmanager"
  [ -f "$share/default.tmpl" ] && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "warning: $share/default.tmpl is missing and this script cannot write there; Alertmanager will not start until you run:" >&2
      echo "  sudo mkdir -p $share && sudo cp $source/*.tmpl $share/" >&2
      return 0
    fi
  fi
  echo "== copying Alertmanager's templates to $share (its binary reads them there)"
  $sudo mkdir -p "$share" && $sudo cp "$source"/*.tmpl "$share"/ || fail "copying the Alertmanager templates to $share failed"
}
install_alertmanager_templates

# The versions, as the programs themselves report them and as Debian numbers its packages.
bin="$runtimes/bin"
package_version() { dpkg-deb -f "$runtimes"/debs/"$1"_*.deb Version 2>/dev/null || echo '?'; }
echo "== installed in .runtimes (Debian $DEBIAN_SUITE packages, npm)"
echo "prometheus               $("$bin/prometheus" --version 2>&1 | head -1)"
echo "promtool                 $("$bin/promtool" --version 2>&1 | head -1)"
echo "prometheus-alertmanager  $("$bin/prometheus-alertmanager" --version 2>&1 | head -1)"
echo "amtool                   $("$bin/amtool" --version 2>&1 | head -1)"
echo "kubectl                  $("$bin/kubectl" version --client 2>&1 | head -1) (package $(package_version kubectl))"
echo "kustomize                package $(package_version kustomize)"
echo "docker-compose           $("$bin/docker-compose" version 2>&1 | head -1)"
echo "node                     $("$runtimes/node$NODE_MAJOR/bin/node" --version) (.runtimes/node$NODE_MAJOR/bin/node)"
