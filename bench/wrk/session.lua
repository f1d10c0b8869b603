-- wrk script of bench/load.py: one connection per wrk thread (-t N -c N), so each thread's
-- requests are sequential and its state is the connection's state.
--   args: mode ("get", "step-save" or "bare-save"), path ("{id}" is replaced by the thread's
--   id from the list), ids (comma-separated, one per thread), cookie, fields (step-save:
--   comma-separated item ids)
-- get: GET path with the session cookie.
-- step-save / bare-save: GET path (the page's own CSRF token and, for a step, its version),
-- then POST the form with new values; 302 is success, anything else counts as an error.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local function split(s)
  local out = {}
  for v in string.gmatch(s or "", "[^,]+") do table.insert(out, v) end
  return out
end

function init(args)
  mode = args[1]
  local ids = split(args[3])
  my_id = ids[(id % #ids) + 1]
  path = string.gsub(args[2], "{id}", my_id)
  cookie = args[4]
  items = split(args[5])
  state, level, failed = "get", 2, 0
end

local function form_body()
  level = 5 - level -- alternate 2 and 3: every save changes its rows
  local parts = { "csrf_token=" .. token }
  if mode == "step-save" then
    table.insert(parts, "version=" .. version)
    table.insert(parts, "nav=next")
    for _, item in ipairs(items) do
      local f = "item-" .. item .. "-"
      table.insert(parts, f .. "current=" .. level)
      table.insert(parts, f .. "target=4")
      table.insert(parts, f .. "evidence=%E6%A0%B9%E6%8B%A0" .. level) -- 根拠2 / 根拠3
      table.insert(parts, f .. "action=")
    end
  else
    table.insert(parts, "slot=" .. my_id)
    for i = 1, 35 do
      table.insert(parts, "c" .. i .. "=" .. level)
      table.insert(parts, "t" .. i .. "=4")
      table.insert(parts, "e" .. i .. "=%E6%A0%B9%E6%8B%A0" .. level)
    end
  end
  return table.concat(parts, "&")
end

function request()
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  if mode == "get" or state == "get" then
    return wrk.format("GET", path, headers)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", path, headers, form_body())
end

function response(status, headers, body)
  local set = headers["Set-Cookie"] or headers["set-cookie"]
  if set then cookie = string.match(set, "^([^;]+)") end
  if mode == "get" then return end
  if state == "get" then
    token = string.match(body, 'name="csrf_token" value="([^"]+)"')
    version = string.match(body, 'name="version" value="(%d+)"')
    state = "post"
  else
    if status ~= 302 then failed = failed + 1 end
    state = "get"
  end
end

function done(summary, latency, requests)
  io.write(string.format("P95_US %d\nP50_US %d\n", latency:percentile(95), latency:percentile(50)))
end
