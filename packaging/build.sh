#!/usr/bin/env bash
# A self-contained build: the wheel and sdist, a PyInstaller one-folder program (Python, Qt and
# QtWebEngine inside: nothing needed on the target but the usual desktop libraries), and a .deb
# with a menu entry, icons, the .mfapp file type and `mfos` on the PATH.
#
#   packaging/build.sh            -> dist/mainframe_os-V-py3-none-any.whl, dist/mainframe_os-V.tar.gz,
#                                    dist/mainframe-os_V_amd64.deb (lintian: no errors)
#   packaging/build.sh wheel      -> only the wheel and the sdist
#   SKIP_LINTIAN=1 packaging/build.sh   skip the lintian run (it is installed with apt as root)
#
# Works in build/pkg/ (a build venv with only the wheel and PyInstaller; reused between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
umask 022

PYINSTALLER=pyinstaller==6.22.3
BUILD=build==1.6.1
py=${PYTHON:-python3.11}
work=$root/build/pkg
out=$root/dist
mkdir -p "$work" "$out"
t0=$(date +%s)
say() { echo "build: $* ($(( $(date +%s) - t0 ))s)"; }
quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

# 1. Wheel and sdist (setup.py writes the git commit into mainframe_os/_build_info.py).
venv=$work/venv
stamp=$venv/.ok-$(echo "$PYINSTALLER $BUILD $py" | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  "$py" -m venv "$venv"
  quiet "$venv/bin/python" -m pip install -q "$PYINSTALLER" "$BUILD"
  touch "$stamp"
fi
version=$("$venv/bin/python" -c 'import re,sys; print(re.search(r"__version__ = \"(.+)\"", open("mainframe_os/__init__.py").read())[1])')
rm -f "$out"/mainframe_os-"$version"*
quiet "$venv/bin/python" -m build -q --sdist --wheel --outdir "$out" . >/dev/null
wheel=$out/mainframe_os-$version-py3-none-any.whl
say "wheel and sdist built"
if [ "${1:-}" = wheel ]; then echo "$wheel"; exit 0; fi

# 2. Install the wheel (with its pinned dependencies) into the build venv, freeze it.
quiet "$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"
deps=$venv/.deps-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$deps" ]; then quiet "$venv/bin/python" -m pip install -q "$wheel"; touch "$deps"; fi
"$venv/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$work/dist" --workpath "$work/pyi" \
  packaging/linux/mainframe-os.spec
app=$work/dist/mainframe-os
# The spec leaves unused Qt modules out: every kept Qt library must still find its Qt libraries;
# a plugin that needs a left-out one (e.g. a virtual keyboard) goes too.
libs="$app/_internal:$app/_internal/PySide6/Qt/lib"
for so in "$app"/_internal/PySide6/Qt/lib/libQt6*.so.6; do
  if LD_LIBRARY_PATH=$libs ldd "$so" | grep "libQt6.* not found"; then echo "build: $so lacks a Qt library" >&2; exit 1; fi
done
find "$app/_internal/PySide6/Qt/plugins" -name "*.so" | while read -r so; do
  if LD_LIBRARY_PATH=$libs ldd "$so" | grep -q "libQt6.* not found"; then rm -f "$so"; echo "build: left out ${so#"$app"/}"; fi
done
say "PyInstaller one-folder build in $app ($(du -sh "$app" | cut -f1))"

# 3. The .deb tree.
deb=$work/deb
rm -rf "$deb"
mkdir -p "$deb/DEBIAN" "$deb/usr/lib" "$deb/usr/bin" "$deb/usr/share/applications" \
  "$deb/usr/share/mime/packages" "$deb/usr/share/icons/hicolor/scalable/apps" "$deb/usr/share/doc/mainframe-os" \
  "$deb/usr/share/lintian/overrides"
cp -a "$app" "$deb/usr/lib/mainframe-os"
ln -s ../lib/mainframe-os/mainframe-os "$deb/usr/bin/mainframe-os"
ln -s ../lib/mainframe-os/mainframe-os "$deb/usr/bin/mfos"
install -m644 packaging/linux/mainframe-os.desktop "$deb/usr/share/applications/"
install -m644 packaging/linux/mainframe-os.xml "$deb/usr/share/mime/packages/"
install -m644 resources/icons/logo.svg "$deb/usr/share/icons/hicolor/scalable/apps/mainframe-os.svg"
QT_QPA_PLATFORM=offscreen "$venv/bin/python" packaging/linux/render_icons.py "$deb/usr/share/icons/hicolor"
install -m644 packaging/linux/copyright "$deb/usr/share/doc/mainframe-os/copyright"
sed "s/@VERSION@/$version/; s/@DATE@/$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")/" \
  packaging/linux/changelog | gzip -9n > "$deb/usr/share/doc/mainframe-os/changelog.gz"
install -m644 packaging/linux/lintian-overrides "$deb/usr/share/lintian/overrides/mainframe-os"
# Only the two programs are executable; libraries lose their symbol tables (about a tenth of the
# size). Not the main program: PyInstaller appends its archive to it, which strip would cut off.
find "$deb/usr" -type d -exec chmod 755 {} +
find "$deb/usr" -type f -exec chmod 644 {} +
chmod 755 "$deb/usr/lib/mainframe-os/mainframe-os" "$deb/usr/lib/mainframe-os/_internal/PySide6/Qt/libexec/QtWebEngineProcess"
find "$deb/usr/lib/mainframe-os/_internal" -type f \( -name "*.so" -o -name "*.so.*" -o -name QtWebEngineProcess \) \
  -exec strip --strip-unneeded {} + 2>/dev/null || true
size_kb=$(du -sk --apparent-size "$deb/usr" | cut -f1)
sed "s/@VERSION@/$version/; s/@SIZE@/$size_kb/" packaging/linux/control > "$deb/DEBIAN/control"
debfile=$out/mainframe-os_${version}_amd64.deb
rm -f "$debfile"
# gzip: a minute where xz takes many on two cores (and Debian's lintian refuses zstd members)
dpkg-deb --root-owner-group -Zgzip -z6 --build "$deb" "$debfile" >/dev/null
say "$(basename "$debfile"): $(du -h "$debfile" | cut -f1), installed $(( size_kb / 1024 )) MB"

# 4. lintian: errors fail the build (warnings are listed).
if [ -z "${SKIP_LINTIAN:-}" ]; then
  if ! command -v lintian >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "build: installing lintian"
    # (as root: apt's sandbox user cannot write to a /tmp of mode 0700, see dev.sh)
    apt-get -o APT::Sandbox::User=root update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root install -y -qq lintian >/dev/null
  fi
  command -v lintian >/dev/null || { echo "build: lintian is not installed (run as root, or SKIP_LINTIAN=1)" >&2; exit 1; }
  say "lintian starts"
  lintian --fail-on error --suppress-tags-from-file /dev/null "$debfile" || { echo "build: lintian found errors" >&2; exit 1; }
  say "lintian: no errors"
fi
echo "$debfile"
