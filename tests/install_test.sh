#!/usr/bin/env bash
# Installs somas into a temporary prefix with //:install, as a user would, then
#   c:      compiles examples/c/pool_demo.c with plain cc and pkg-config, and runs it;
#   python: runs tests/python/somas_test.py with Debian's python3 on the installed module;
#   spark:  runs tests/python/spark_test.py (somas.spark) the same way.
set -euo pipefail

mode=$1
root="$TEST_SRCDIR/somas"
prefix="$TEST_TMPDIR/prefix"
rm -rf "$prefix"
"$root/install" "$prefix" > /dev/null

# Only public headers are installed.
for header in "$prefix"/include/somas/*.h; do
  if grep -nE '#include *["<](hwy|engine|models)/' "$header"; then
    echo "install_test: $header includes an internal or third-party header" >&2
    exit 1
  fi
done

# Under --config=asan the library carries AddressSanitizer, whose runtime must
# be loaded first: preload it into the programs that use the library.
preload=()
asan=$(readelf -d "$prefix/lib/libsomas.so" | sed -n 's/.*Shared library: \[\(libasan[^]]*\)\].*/\1/p')
if [[ -n "$asan" ]]; then
  preload=(env "LD_PRELOAD=$(cc -print-file-name="$asan")")
fi

case $mode in
  c)
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    cc -std=c99 -Wall -Wextra -Werror -pedantic "$root/examples/c/pool_demo.c" \
      $(pkg-config --cflags --libs somas) -o "$TEST_TMPDIR/pool_demo"
    "${preload[@]}" "$TEST_TMPDIR/pool_demo" "$TEST_TMPDIR/pool_demo.ckpt"
    # The C++ header on its own, with the standard library alone (-I only for somas).
    printf '#include <somas/somas.h>\nint main() { return somas::Version()[0] == 0; }\n' > "$TEST_TMPDIR/api.cc"
    c++ -std=c++17 -Wall -Werror "$TEST_TMPDIR/api.cc" $(pkg-config --cflags --libs somas) \
      -o "$TEST_TMPDIR/api"
    "${preload[@]}" "$TEST_TMPDIR/api"
    # The static library, as docs/embedding.md links it: the program needs no libsomas.so.
    sanitize=()
    [[ -n "$asan" ]] && sanitize=(-fsanitize=address,undefined)
    cc -std=c99 -Wall -Werror "${sanitize[@]}" "$root/examples/c/pool_demo.c" \
      $(pkg-config --cflags somas) "$prefix/lib/libsomas.a" -lhwy -lhwy_contrib -lz -lstdc++ -lm \
      -pthread -o "$TEST_TMPDIR/pool_demo_static"
    if readelf -d "$TEST_TMPDIR/pool_demo_static" | grep -q 'libsomas'; then
      echo "install_test: the static program still needs libsomas.so" >&2
      exit 1
    fi
    "$TEST_TMPDIR/pool_demo_static" "$TEST_TMPDIR/pool_demo_static.ckpt"
    # A moved install: pkg-config must point into the new place, and the old
    # one is gone, so a baked-in path would fail to compile or to run.
    rm -rf "$prefix.moved"
    mv "$prefix" "$prefix.moved"
    export PKG_CONFIG_PATH="$prefix.moved/lib/pkgconfig"
    [[ $(pkg-config --variable=includedir somas) == "$prefix.moved/lib/pkgconfig/../../include" ]] || {
      echo "install_test: somas.pc does not follow its prefix: $(pkg-config --variable=includedir somas)" >&2
      exit 1
    }
    cc -std=c99 -Wall -Werror "$root/examples/c/pool_demo.c" $(pkg-config --cflags --libs somas) \
      -o "$TEST_TMPDIR/pool_demo_moved"
    "${preload[@]}" "$TEST_TMPDIR/pool_demo_moved" "$TEST_TMPDIR/pool_demo_moved.ckpt"
    ;;
  python)
    # (CPython itself keeps memory until exit: no leak report for it.)
    PYTHONPATH="$prefix/lib/python" ASAN_OPTIONS=detect_leaks=0 "${preload[@]}" \
      /usr/bin/python3 "$root/tests/python/somas_test.py" -v
    ;;
  spark)
    PYTHONPATH="$prefix/lib/python" ASAN_OPTIONS=detect_leaks=0 "${preload[@]}" \
      /usr/bin/python3 "$root/tests/python/spark_test.py" -v
    ;;
  *)
    echo "install_test: unknown mode $mode" >&2
    exit 2
    ;;
esac
