#!/usr/bin/env bash
# Open311 GeoReport v2 conformance against a real server: builds wangge, creates the demo city
# in a temporary SQLite database, serves it on a free loopback port, then
#   1. check.py drives it with independent clients (PyPI's georeport for reading, requests for
#      posting, the standard library's XML parser), and
#   2. schemathesis runs the Open311 community's Swagger description (kept here beside this
#      script, CC BY 3.0 as its info.license says) against it
#      with bounded examples and the not_a_server_error check (skip with OPEN311_SCHEMATHESIS=0).
# The Python tools live in tests/open311/.venv (created here; versions in requirements.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
swagger=${OPEN311_SWAGGER:-$here/open311-georeport-v2.swagger.json}
cd "$root"

cargo build -q -p wangge
bin=${CARGO_TARGET_DIR:-$root/target}/debug/wangge

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
export WANGGE_KEY_FILE=$tmp/wangge.keys
db=sqlite://$tmp/wangge.db

"$bin" --database-url "$db" demo --seed 1 --people-per-grid 20 > "$tmp/demo.txt"
# `wangge demo` prints "open311 api_key: KEY"; older builds do not, so make one the server's way.
key=$(sed -n 's/.*open311 api_key: *\([^ ]*\).*/\1/p' "$tmp/demo.txt" | head -n1)
if [ -z "$key" ]; then
  key=$(python3 "$here/db_helper.py" key "$tmp/wangge.db")
  echo "demo printed no open311 api_key; created one in the database"
fi
read -r lat long < <(python3 "$here/db_helper.py" point "$tmp/wangge.db")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --database-url "$db" serve --listen "127.0.0.1:$port" > "$tmp/server.log" 2>&1 &
pid=$!
base=http://127.0.0.1:$port/open311/v2
for _ in $(seq 1 100); do
  python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$base/discovery.json" 2>/dev/null && break
  if ! kill -0 "$pid" 2>/dev/null; then cat "$tmp/server.log"; echo "the server did not start"; exit 1; fi
  sleep 0.2
done

venv=$here/.venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.installed"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.installed"
fi

echo "== independent client checks against $base"
"$venv/bin/python" "$here/check.py" --base "$base" --key "$key" --lat "$lat" --long "$long"

if [ "${OPEN311_SCHEMATHESIS:-1}" != "0" ]; then
  for format in json xml; do
    echo "== schemathesis ($format) with $swagger"
    # From the temporary directory, so its caches stay out of the work tree.
    (cd "$tmp" && OPEN311_FORMAT=$format OPEN311_API_KEY=$key \
      "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$swagger" --url "$base" \
      --checks not_a_server_error --max-examples "${OPEN311_MAX_EXAMPLES:-20}" \
      --generation-deterministic --suppress-health-check filter_too_much,too_slow \
      --request-timeout 10 --no-color)
  done
fi
echo "open311 conformance: passed"
