-- wrk script: POST /v1/simulate with a rotating set of realistic queries.
local queries = {
  "hi there",
  "What is the capital of Australia?",
  "Convert 72 degrees Fahrenheit to Celsius.",
  "Explain how a hash map handles collisions, with an example in Python.",
  "Write a SQL query that returns the top 5 customers by revenue in 2024.",
  "Compare the CAP theorem trade-offs of Cassandra and Spanner for a payments ledger.",
  "Prove that the square root of 2 is irrational.",
  "Design a multi-region, strongly consistent rate limiter and analyse its failure modes.",
}
local bodies = {}
for i, q in ipairs(queries) do
  bodies[i] = '{"query":"' .. q .. '"}'
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/v1/simulate", {["Content-Type"] = "application/json"},
                    bodies[(n % #bodies) + 1])
end
