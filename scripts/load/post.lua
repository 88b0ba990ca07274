-- wrk script: POST one JSON body over and over, optionally pausing between requests.
-- Arguments (after `--`): BODY-FILE PATH [DELAY-MS]
--   BODY-FILE  the request body, sent with Content-Type: application/json
--   PATH       the route, e.g. /v1/models/aegmm/predict
--   DELAY-MS   milliseconds each connection waits before its next request (0: none),
--              which sets the offered rate to connections × 1000 / (DELAY-MS + latency)
local delay_ms = 0

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.path = args[2]
  wrk.headers["Content-Type"] = "application/json"
  delay_ms = tonumber(args[3] or "0")
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  io.write(string.format("percentiles_us p50 %d p99 %d p99.9 %d max %d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
