#!/usr/bin/env bash
# One entry point for a fresh machine: sets up .venv (idempotent) and then
#   packaging/dev.sh run   -> starts the launcher on the embedded defaults (dev chain, local home)
#   packaging/dev.sh test  -> runs the whole test suite (what .ci/run calls)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

py=${PYTHON:-}
if [ -z "$py" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      py=$cand; break
    fi
  done
fi
[ -n "$py" ] || { echo "Python 3.11 is required" >&2; exit 1; }

# System libraries QtWebEngine needs offscreen; installed only when missing.
need_apt=()
for lib in libnss3.so libxkbcommon.so.0 libasound.so.2 libxcomposite.so.1 libxdamage.so.1 libxrandr.so.2 libxtst.so.6 libgbm.so.1 libdbus-1.so.3 libxkbfile.so.1 libxshmfence.so.1; do
  ldconfig -p 2>/dev/null | grep -qi "$lib" || need_apt+=("$lib")
done
if [ ${#need_apt[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system libraries for Qt: ${need_apt[*]}"
  # apt's sandbox user (_apt) cannot write to a /tmp that is root's alone (mode 0700, as on some
  # machines of this kind): run its helpers as root, or the update fails "not signed"
  apt-get -o APT::Sandbox::User=root update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
    apt-get -o APT::Sandbox::User=root install -y -qq \
    libnss3 libxkbcommon0 libxkbcommon-x11-0 libasound2 libxcomposite1 libxdamage1 libxrandr2 \
    libxtst6 libgbm1 libdbus-1-3 libxkbfile1 libxshmfence1 libegl1 libgl1 fonts-dejavu-core >/dev/null
fi

stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  [ -d .venv ] || "$py" -m venv .venv
  # (this machine's pip config lists local mirrors that may be absent: silence those warnings only)
  quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
  quiet .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  quiet .venv/bin/python -m pip install -q -e ".[test]"
  touch "$stamp"
fi

if [ "$(id -u)" = 0 ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi

case "${1:-run}" in
  run)
    shift || true
    exec .venv/bin/mainframe-os "$@"
    ;;
  test)
    shift || true
    if [ -x packaging/test-deps.sh ]; then packaging/test-deps.sh; fi
    export QT_QPA_PLATFORM=offscreen
    # the whole suite: the default one (pyproject: not slow) plus the tests marked slow.
    # On 2 loaded cores a timing-bound test (real sockets, chains, Qt) can lose a race it
    # wins alone: each failed test runs once more, shown as R and "rerun" in the summary; a
    # test that fails twice, or more than 5 reruns in the suite, fails the run.
    exec .venv/bin/python -m pytest -m "slow or not slow" --reruns 1 --max-suite-reruns 5 "$@"
    ;;
  *)
    echo "usage: packaging/dev.sh [run|test] [args...]" >&2; exit 2;;
esac
