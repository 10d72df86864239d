#!/usr/bin/env bash
# `tools/bazel run //:install -- PREFIX`: installs the headers, the shared and
# static libraries, a pkg-config file and the Python module under PREFIX.
set -euo pipefail

if [[ $# -ne 1 || "$1" == -* ]]; then
  echo "usage: tools/bazel run //:install -- PREFIX" >&2
  exit 2
fi
prefix=$1
# `bazel run` starts in the runfiles tree; a relative PREFIX is the user's.
if [[ "$prefix" != /* ]]; then prefix="${BUILD_WORKING_DIRECTORY:-$PWD}/$prefix"; fi

root="${RUNFILES_DIR:-${TEST_SRCDIR:-$0.runfiles}}/somas"
[[ -f "$root/libsomas.so" ]] || { echo "install: cannot find the built files in $root" >&2; exit 1; }
version=$(sed -n 's/^#define SOMAS_VERSION "\(.*\)"$/\1/p' "$root/somas/somas.h")

mkdir -p "$prefix/include/somas" "$prefix/lib/pkgconfig" "$prefix/lib/python/somas"
# (cp, not install(1): inside Bazel's runfiles `install` may name this script.)
cp -f "$root/somas/somas.h" "$root/somas/kernel_abi.h" "$root/somas/somas_c.h" \
  "$prefix/include/somas/"
cp -f "$root/libsomas.so" "$root/libsomas.a" "$prefix/lib/"
cp -f "$root/python/somas/__init__.py" "$root/python/somas/spark.py" "$prefix/lib/python/somas/"
chmod 644 "$prefix"/include/somas/*.h "$prefix/lib/libsomas.a" "$prefix/lib/python/somas/__init__.py" \
  "$prefix/lib/python/somas/spark.py"
chmod 755 "$prefix/lib/libsomas.so"

# Relocatable: every path is relative to the .pc file itself, so a prefix
# that is moved or copied elsewhere still builds against its own files.
cat > "$prefix/lib/pkgconfig/somas.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: somas
Description: Fast SIMD stepping of spiking-neuron soma populations (C++ API and C ABI)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lsomas
Libs.private: -lhwy -lhwy_contrib -lz -lstdc++ -lm -pthread
PC

cat <<MSG
installed somas $version into $prefix
  C/C++:  cc prog.c \$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs somas)
  Python: PYTHONPATH=$prefix/lib/python python3 -c 'import somas'
MSG
