#!/usr/bin/env bash
# Builds the web client into web/dist, installing what is missing:
#   cargo (wasm32, profile wasm-release) → wasm-bindgen → wasm-opt -Oz → content-hashed files.
# Works on a fresh Debian machine with rustup, node and npm. Tools it installs
# itself go to .tools/ (git-ignored).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start=$(date +%s)

# The CLI must match the wasm-bindgen crate pinned with "=" in web/Cargo.toml.
bindgen_version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' web/Cargo.toml)
binaryen_version=132
tools="$root/.tools"
target_dir=${CARGO_TARGET_DIR:-$root/target}
dist="$root/web/dist"

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

bindgen=""
for candidate in "$tools/bin/wasm-bindgen" "$(command -v wasm-bindgen || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$("$candidate" --version)" = "wasm-bindgen $bindgen_version" ]; then
    bindgen=$candidate
    break
  fi
done
if [ -z "$bindgen" ]; then
  echo "Installing wasm-bindgen-cli $bindgen_version into $tools (a few minutes, once)…"
  # Not --locked: the registry copy's lock file lacks a dependency's newest patch.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --root "$tools"
  bindgen="$tools/bin/wasm-bindgen"
fi

wasm_opt="$tools/npm/node_modules/.bin/wasm-opt"
if [ ! -x "$wasm_opt" ] || ! "$wasm_opt" --version | grep -q "version $binaryen_version"; then
  echo "Installing binaryen@$binaryen_version (wasm-opt) from npm into $tools/npm…"
  mkdir -p "$tools/npm"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "binaryen@$binaryen_version"
fi

cargo build --profile wasm-release --target wasm32-unknown-unknown -p web
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/web.wasm"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bindgen" --target web --no-typescript --remove-name-section --out-dir "$work" --out-name app "$wasm"
"$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue "$work/app_bg.wasm" -o "$work/app.wasm"

hash() { sha256sum "$1" | cut -c1-16; }
wasm_name="app-$(hash "$work/app.wasm").wasm"
js_name="app-$(hash "$work/app.js").js"
css_name="style-$(hash web/assets/style.css).css"

rm -rf "$dist"
mkdir -p "$dist"
cp "$work/app.wasm" "$dist/$wasm_name"
cp "$work/app.js" "$dist/$js_name"
# JavaScript snippets of crates (dioxus' interpreter), imported by app.js from
# ./snippets/<crate>-<hash>/…
if [ -d "$work/snippets" ]; then cp -r "$work/snippets" "$dist/snippets"; fi
cp web/assets/style.css "$dist/$css_name"
sed -e "s/{{STYLE}}/$css_name/g" -e "s/{{SCRIPT}}/$js_name/g" -e "s/{{WASM}}/$wasm_name/g" \
  web/index.html >"$dist/index.html"

size() { printf '%8d B raw %8d B gzip' "$(wc -c <"$1")" "$(gzip -9 -c "$1" | wc -c)"; }
echo "web/dist ready in $(( $(date +%s) - start )) s:"
echo "  $wasm_name  $(size "$dist/$wasm_name")"
echo "  $js_name  $(size "$dist/$js_name")"
echo "  $css_name  $(size "$dist/$css_name")"
