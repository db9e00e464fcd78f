-- wrk script: POST /v1/chat/completions with a small chat request. STREAM=1 in the
-- environment asks for a stream (stream: true and Accept: text/event-stream); API_KEY, when
-- set, is sent as a bearer token.
local stream = os.getenv("STREAM") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("API_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end
if stream then
  wrk.headers["Accept"] = "text/event-stream"
end
wrk.body = '{"model":"gpt-4o-mini","stream":' .. (stream and "true" or "false") ..
           ',"messages":[{"role":"user","content":"What is the capital of France?"}]}'
