-- wrk script of bench/redemption.py's HTTP scenarios: `wrk -t N -c N -s redeem.lua URL -- PLAN OUTDIR SECONDS RUN`.
-- Each thread is one client with one connection: it redeems its own (token, gift) pairs from PLAN (a Lua file
-- setting `plans`, and `address`: the recipient's JSON fields), one POST at a time, and when they are done (or SECONDS have passed) writes one JSON record
-- [start, end, status, error code] per request to OUTDIR/client-<id>.json and stops. Times are CLOCK_MONOTONIC
-- seconds, as Python's time.monotonic().
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
function init(args)
  dofile(args[1])
  plan, out, seconds, run = plans[id], args[2], tonumber(args[3]), args[4]
  records, index, finished, awaiting = {}, 0, false, false
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
  records[#records + 1] = {sent_at, now(), status, code}
  if index >= #plan then finish() end
end
