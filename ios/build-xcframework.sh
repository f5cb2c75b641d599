#!/usr/bin/env bash
# Builds KipochiFFI.xcframework (device + simulator static libraries, generated Swift bindings)
# on a Mac with Xcode and rustup. UNTESTED on the project's Linux machines (no Apple toolchain).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  cargo build -p kipochi-ffi --release --target "$t"
done
# Bindings come from the unstripped host library (uniffi --library mode).
cargo build -p kipochi-ffi --release
cargo run -p uniffi-bindgen -- generate --library target/release/libkipochi_ffi.dylib \
  --language swift --out-dir bindings/swift --no-format
out=ios/build
rm -rf "$out" && mkdir -p "$out/headers" "$out/sim"
cp bindings/swift/kipochiFFI.h "$out/headers/"
cp bindings/swift/kipochiFFI.modulemap "$out/headers/module.modulemap"
lipo -create target/aarch64-apple-ios-sim/release/libkipochi_ffi.a \
  target/x86_64-apple-ios/release/libkipochi_ffi.a -output "$out/sim/libkipochi_ffi.a"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/libkipochi_ffi.a -headers "$out/headers" \
  -library "$out/sim/libkipochi_ffi.a" -headers "$out/headers" \
  -output "$out/KipochiFFI.xcframework"
mkdir -p ios/Sources/Kipochi
cp bindings/swift/kipochi.swift ios/Sources/Kipochi/
echo "ios/build/KipochiFFI.xcframework and ios/Sources/Kipochi/kipochi.swift are ready"
