-- wrk script for benchmarks/bench_server.py: one operation kind, or the mix.
-- Arguments (after --): OP (mix|get|filter|patch|create) and the samples file
-- with one "index id" line per seeded user.
local ids, names = {}, {}
local op = "mix"
local counter = 0
local ops = { "create", "get", "filter", "patch" }
local thread_no = 0
local headers = {
  ["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or ""),
  ["Content-Type"] = "application/scim+json",
}

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end

function init(args)
  op = args[1] or "mix"
  for line in io.lines(args[2]) do
    local index, id = line:match("^(%d+) (%S+)$")
    ids[#ids + 1] = id
    names[#names + 1] = "seed" .. index .. "@example.com"
  end
  math.randomseed(42 + thread_no)
end

function request()
  counter = counter + 1
  local kind = op
  if kind == "mix" then kind = ops[(counter % 4) + 1] end
  local i = math.random(#ids)
  if kind == "get" then
    return wrk.format("GET", "/Users/" .. ids[i], headers)
  elseif kind == "filter" then
    return wrk.format("GET", "/Users?filter=" .. urlencode('userName eq "' .. names[i] .. '"'), headers)
  elseif kind == "patch" then
    local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
      .. '"Operations":[{"op":"replace","path":"title","value":"t' .. counter .. '"}]}'
    return wrk.format("PATCH", "/Users/" .. ids[i], headers, body)
  end
  local user = "wrk" .. op .. thread_no .. "-" .. counter .. "-" .. math.random(1e9) .. "@example.com"
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. user
    .. '","name":{"givenName":"G","familyName":"F"},"active":true,'
    .. '"emails":[{"value":"' .. user .. '","type":"work","primary":true}]}'
  return wrk.format("POST", "/Users", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
