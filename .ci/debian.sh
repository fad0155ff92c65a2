#!/usr/bin/env bash
# CI stage: the README's two commands, as root, in a fresh minimal Debian root.
#
#   .ci/debian.sh SUITE [--bootstrap-only]      (SUITE: bookworm, trixie, forky...)
#
# A pristine root (debootstrap --variant=minbase) is made once per suite and
# kept under $PT2TS_ROOT_CACHE (default /var/tmp/pt2ts-roots); every run works
# on a fresh copy of it, never on a used one, and removes the copy afterwards.
# The mirror is the one this machine's apt sources use. The checkout's HEAD is
# exported with `git archive` (so uncommitted changes are not tested) into
# /root/pt2ts inside the copy, and the first ```sh block of README.md runs
# there line by line, exactly as .ci/run runs it natively. /proc and
# /dev/pts are mounted for the run and unmounted on any exit. Must run as root.
#
# C++ builds inside the root go through the root's own ccache, with its cache
# kept on this machine under $PT2TS_CCACHE_ROOT/SUITE (default
# /var/tmp/pt2ts-ccache; one per release, since each has its own g++), so a
# later run of the same release recompiles only what changed.
#
# Environment: PT2TS_ROOT_CACHE (see above), PT2TS_CCACHE_ROOT, PT2TS_ROOT_BENCH=1
# also runs the cold resnet18 benchmark inside the root after the tests (for
# BENCHMARKS.md); PT2TS_ROOT_BENCH=inference runs only the README's first
# command (build, install, the example) and then the inference benchmark
# (bench/inference.py: the artifacts in C++ against eager), not the tests,
# with $PT2TS_ROOT_BENCH_ARGS as its arguments (default: every model, and
# resnet18's .pt2 variants).
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${1:?usage: .ci/debian.sh SUITE [--bootstrap-only]}
cache=${PT2TS_ROOT_CACHE:-/var/tmp/pt2ts-roots}
pristine=$cache/$suite

stage() { echo; echo "=== [$suite] $* ($(date -u +%H:%M:%S))"; }

# The first URIs of this machine's apt sources (deb822 first, then the
# one-line format), skipping the security archive, which has no base system.
host_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }')
  fi
  [ -n "$uri" ] || { echo ".ci/debian.sh: no mirror found in /etc/apt/sources*" >&2; return 1; }
  echo "$uri"
}

bootstrap() {
  local mirror script=() partial=$pristine.partial
  mirror=$(host_mirror)
  # debootstrap knows released suites by name; testing has no script of its
  # own under its code name and is bootstrapped with the unstable one.
  [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)
  stage "debootstrap --variant=minbase $suite (from $mirror)"
  rm -rf "$partial"
  mkdir -p "$cache"
  # ccache is the harness's (see below), not the README's.
  debootstrap --variant=minbase --include=ca-certificates,ccache "$suite" "$partial" "$mirror" "${script[@]}"
  # The registry's Release files can be past their Valid-Until date (testing's
  # is): a harness detail, so it lives here and not in the README.
  echo 'Acquire::Check-Valid-Until "false";' >"$partial/etc/apt/apt.conf.d/99pt2ts-ci-valid-until"
  rm -f "$partial"/var/cache/apt/archives/*.deb  # the pristine copy stays small
  mv "$partial" "$pristine"
}

[ -d "$pristine" ] || bootstrap
[ "${2-}" = --bootstrap-only ] && exit 0

work=$(mktemp -d "$cache/$suite.run-XXXXXX")
# Downloaded .deb files are kept between runs (apt checks each against the
# signed index before using it), so a run does not fetch ~1 GB again.
debs=$cache/$suite.debs
mounts=("$work/var/cache/apt/archives" "$work/proc" "$work/dev/pts" "$work/var/cache/pt2ts-ccache")
cleanup() {
  local status=$? mount
  for mount in "${mounts[@]}"; do
    if mountpoint -q "$mount"; then umount "$mount" || umount -l "$mount"; fi
  done
  # Never delete through a mount that failed to go away.
  for mount in "${mounts[@]}"; do
    if mountpoint -q "$mount"; then exit 1; fi
  done
  rm -rf --one-file-system "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

stage "fresh copy of the pristine root"
cp -a "$pristine/." "$work/"
cp -L /etc/resolv.conf "$work/etc/resolv.conf"
# A throw-away root: dpkg need not fsync each of the ~1 GB of files it
# unpacks (what buildd chroots do too). A harness detail, not the README's.
echo force-unsafe-io >"$work/etc/dpkg/dpkg.cfg.d/99pt2ts-ci-unsafe-io"
mkdir "$work/root/pt2ts"
git archive HEAD | tar -x -C "$work/root/pt2ts"
mkdir -p "$debs/partial"
mount --bind "$debs" "$work/var/cache/apt/archives"
mount -t proc proc "$work/proc"
# Pseudo-terminals, for the tests of what pt2ts prints on a terminal.
mount --bind /dev/pts "$work/dev/pts"
launcher=()
if [ -x "$work/usr/bin/ccache" ]; then
  ccache_dir=${PT2TS_CCACHE_ROOT:-/var/tmp/pt2ts-ccache}/$suite
  mkdir -p "$ccache_dir" "$work/var/cache/pt2ts-ccache"
  mount --bind "$ccache_dir" "$work/var/cache/pt2ts-ccache"
  launcher=(CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_DIR=/var/cache/pt2ts-ccache
            CCACHE_BASEDIR=/root/pt2ts CCACHE_NOHASHDIR=1)
else
  echo "(this root was bootstrapped without ccache: building without a compiler cache)"
fi

inside() {
  chroot "$work" /usr/bin/env -i HOME=/root LANG=C.UTF-8 "${launcher[@]}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -euo pipefail -c "cd /root/pt2ts && $1"
}

stage "release: $(. "$work/etc/os-release"; echo "${PRETTY_NAME:-$suite}")"
mapfile -t commands < <(awk '/^```sh$/ {inside=1; next} inside && /^```$/ {exit} inside' README.md)
if [ "${#commands[@]}" -ne 2 ]; then
  echo ".ci/debian.sh: expected exactly two commands at the top of README.md, found ${#commands[@]}" >&2
  exit 1
fi
# Packages only some releases ship, for tests that skip without them
# (python3-transformers: tests/test_hf_models.py; Debian testing has it):
# installed after the README's first command (which ran apt-get update)
# wherever the release's archive has them. Not in the README: its command
# must work on every release.
optional_packages=(python3-transformers)
install_optional_packages() {
  local package found=()
  for package in "${optional_packages[@]}"; do
    # A candidate version, not just a name: trixie's archive mentions
    # python3-transformers (another package refers to it) but has none.
    if inside "apt-cache policy $package 2>/dev/null | grep 'Candidate: [^(]' >/dev/null"; then
      found+=("$package")
    fi
  done
  stage "optional test packages this release has: ${found[*]:-none of ${optional_packages[*]}}"
  if [ "${#found[@]}" -gt 0 ]; then
    inside "apt-get install -y --no-install-recommends ${found[*]}"
  fi
}

[ "${PT2TS_ROOT_BENCH-}" = inference ] && commands=("${commands[0]}")
for index in "${!commands[@]}"; do
  stage "README: ${commands[index]}"
  inside "${commands[index]}"
  if [ "$index" = 0 ]; then install_optional_packages; fi
done

if [ "${PT2TS_ROOT_BENCH-}" = 1 ]; then
  stage "benchmark: cold resnet18 conversion"
  inside "/usr/bin/python3 bench/run_benchmarks.py --only resnet18 --runs 3"
elif [ "${PT2TS_ROOT_BENCH-}" = inference ]; then
  stage "benchmark: inference of the artifacts in C++ against eager"
  inside "/usr/bin/python3 bench/run_benchmarks.py --inference ${PT2TS_ROOT_BENCH_ARGS:---aoti-variants resnet18}"
fi
stage "passed"
