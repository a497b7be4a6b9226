-- wrk script: GET one path, rotating over the tokens in a file (one a line).
-- wrk ... -s bench/load.lua URL -- <tokens file or -> <path> <scheme> [close|keep-alive]
-- "close" sends `Connection: close`, so every request opens a new connection.
local tokens = {}
local i = 0
local path, scheme
local extra = {}

function init(args)
  path, scheme = args[2], args[3]
  if args[4] == "close" then extra["Connection"] = "close" end
  if args[1] ~= "-" then
    for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  end
  i = math.random(math.max(#tokens, 1))
end

function request()
  local headers = {}
  for k, v in pairs(extra) do headers[k] = v end
  if #tokens == 0 then return wrk.format("GET", path, headers) end
  i = i % #tokens + 1
  headers["Authorization"] = scheme .. " " .. tokens[i]
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
