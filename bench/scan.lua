-- wrk script of bench/scan.py: each request scans a gate as one signed-in rider.
-- Args: <pairs file> (lines "<gate token> <rider cookie>"). Threads take interleaved lines.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

function init(args)
  pairs_list = {}
  for line in io.lines(args[1]) do
    local token, cookie = line:match("^(%S+) (%S+)$")
    if token then table.insert(pairs_list, { "/g/" .. token, "xgm_rider=" .. cookie }) end
  end
  step = tonumber(args[2]) or 1
  index = id + 1
end

function request()
  local pair = pairs_list[index]
  index = index + step
  if index > #pairs_list then index = id + 1 end
  return wrk.format("GET", pair[1], { ["Cookie"] = pair[2] })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
