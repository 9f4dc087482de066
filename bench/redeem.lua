-- wrk script of bench/redemption.py's HTTP scenarios: `wrk -t N -c N -s redeem.lua URL -- PLAN OUTDIR SECONDS RUN [INTERVAL]`.
-- Each thread is one client with one connection: it redeems its own (token, gift) pairs from PLAN (a Lua file
-- setting `plans`, and `address`: the recipient's JSON fields), one POST at a time, and when they are done (or SECONDS have passed) writes one JSON record
-- [start, end, status, error code] per request to OUTDIR/client-<id>.json and stops. Times are CLOCK_MONOTONIC
-- seconds, as Python's time.monotonic().
--
-- Without INTERVAL a client sends its next request as soon as the last one is answered (closed loop). With it, the
-- client is paced: its k-th request is due INTERVAL seconds after its (k-1)-th, whatever the server's speed (the
-- clients' schedules are staggered evenly over one interval), and a request's start is when it was due, unless it
-- went out earlier: a server that falls behind the schedule sees the wait counted in its latency, as wrk2 does
-- (no coordinated omission).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *out);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local created = 0
function setup(thread)
  created = created + 1
  thread:set("id", created)
end

local plan, out, seconds, run, records, index, began, sent_at, finished, awaiting
local interval, origin  -- paced: seconds between this client's requests, and when its first one is due
function init(args)
  dofile(args[1])
  plan, out, seconds, run = plans[id], args[2], tonumber(args[3]), args[4]
  records, index, finished, awaiting = {}, 0, false, false
  interval = tonumber(args[5]) or 0
end

local function due(n)
  return origin + (n - 1) * interval
end

function delay()  -- milliseconds until the next request is due (wrk asks before each request)
  if interval == 0 then return 0 end
  local at = now()
  origin = origin or at + (id - 1) * interval / #plans
  local next_index = awaiting and index or index + 1
  return math.max(0, math.floor((due(next_index) - at) * 1000))
end

local function finish()
  if finished then return end
  finished = true
  local lines = {}
  for n, r in ipairs(records) do
    lines[n] = string.format('[%.6f,%.6f,%d,"%s"]', r[1], r[2], r[3], r[4])
  end
  local file = io.open(string.format("%s/client-%d.json", out, id), "w")
  file:write("[" .. table.concat(lines, ",") .. "]")
  file:close()
  wrk.thread:stop()
end

function request()
  sent_at = now()
  began = began or sent_at
  if not awaiting then  -- a request built for a connection that was then dropped is built again, with its key
    index = index + 1
  end
  awaiting = true
  local item = plan[index]
  if item == nil or sent_at - began > seconds then
    finish()
    return wrk.format("GET", "/api/v1/catalog/")  -- never answered: the thread has stopped
  end
  local body = string.format('{"gift": %d, "quantity": 1, %s}', item[2], address)
  local headers = {
    ["Authorization"] = "Token " .. item[1],
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, id, index),
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", "/api/v1/orders/", headers, body)
end

function response(status, headers, body)
  if finished then return end
  awaiting = false
  local code = ""
  if status >= 400 then
    code = string.match(body, '"code"%s*:%s*"([%w_]+)"') or string.format("HTTP %d", status)
  end
  local start = sent_at
  if interval > 0 then start = math.min(sent_at, due(index)) end
  records[#records + 1] = {start, now(), status, code}
  if index >= #plan then finish() end
end
