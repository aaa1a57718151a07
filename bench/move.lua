-- wrk: every connection (one per thread) moves its own goal around the same board.
-- The goals, lanes, stages and headers come from environment variables set by bench/run.py.
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

local function split(text)
  local out = {}
  for item in string.gmatch(text, "[^,]+") do table.insert(out, item) end
  return out
end

function init(args)
  goals = split(os.getenv("BENCH_GOALS"))
  lanes = split(os.getenv("BENCH_LANES"))
  stages = split(os.getenv("BENCH_STAGES"))
  goal = goals[(index - 1) % #goals + 1]
  mode = os.getenv("BENCH_MODE")
  if mode == "edit" then  -- each goal's current version, so the first save is not stale
    version = tonumber(split(os.getenv("BENCH_VERSIONS"))[(index - 1) % #goals + 1])
  end
  math.randomseed(index * 7919)
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")
  wrk.headers["HX-Request"] = "true"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  if mode == "edit" then
    local body = "title=Goal+" .. goal .. "&status=active&notes=edited+" .. version ..
      "&version=" .. version
    return wrk.format("POST", "/goals/" .. goal .. "/edit", nil, body)
  end
  local body = "lane_id=" .. lanes[math.random(#lanes)] .. "&stage_id=" ..
    stages[math.random(#stages)] .. "&position=" .. math.random(0, 40)
  return wrk.format("POST", "/goals/" .. goal .. "/move", nil, body)
end

function response(status, headers, body)
  if mode ~= "edit" then return end
  if status == 200 then
    version = version + 1
  elseif status == 409 then  -- someone else saved first: carry on from the version shown
    version = tonumber(string.match(body, 'name="version" type="hidden" value="(%d+)"')) or version
  end
end
