-- wrk script for bench/read-paths.sh: POSTs one GraphQL body (BENCH_BODY, JSON) with optional
-- BENCH_AUTHORIZATION and BENCH_CACHE_CONTROL headers, counts non-200 answers and bodies that
-- carry GraphQL "errors", and prints one machine-readable RESULT line when done.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and authorization ~= "" then wrk.headers["Authorization"] = authorization end
local cache_control = os.getenv("BENCH_CACHE_CONTROL")
if cache_control and cache_control ~= "" then wrk.headers["Cache-Control"] = cache_control end
wrk.body = os.getenv("BENCH_BODY")

local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  failed = 0
end

function response(status, headers, body)
  if status ~= 200 or (body and string.find(body, '"errors"', 1, true)) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local failures = 0
  for _, thread in ipairs(threads) do failures = failures + (thread:get("failed") or 0) end
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    failures + errors.connect + errors.read + errors.write + errors.timeout))
end
