-- Used by bench/loadgen.py: stop each wrk thread after N responses
-- (`wrk ... -- N`), so a run is bounded in count as well as in time.
local limit = math.huge
local seen = 0

function init(args)
  limit = tonumber(args[1]) or math.huge
end

function response(status, headers, body)
  seen = seen + 1
  if seen >= limit then
    wrk.thread:stop()
  end
end
