-- wrk script for bench/memory.sh: cycles through the requests of BENCH_MIX, a file with one
-- request per line as `AUTHORIZATION<TAB>CACHE-CONTROL<TAB>JSON BODY` (either header may be
-- empty), so every connection sends each kind in turn. Counts non-200 answers and bodies
-- with GraphQL "errors", and prints one machine-readable RESULT line when done.
local requests = {}
for line in io.lines(os.getenv("BENCH_MIX")) do
  local authorization, cache_control, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  if authorization ~= "" then headers["Authorization"] = authorization end
  if cache_control ~= "" then headers["Cache-Control"] = cache_control end
  table.insert(requests, wrk.format("POST", "/graphql", headers, body))
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  failed = 0
  next_request = 0
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
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
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    failures + errors.connect + errors.read + errors.write + errors.timeout))
end
