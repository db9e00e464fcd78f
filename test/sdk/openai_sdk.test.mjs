// The official `openai` npm SDK, unmodified, pointed at AMAIMA in execution mode, with
// every provider entry pointed at the fake provider on loopback. Run by ctest:
//   AMAIMA_BINARY=... AMAIMA_FAKE_PROVIDER=... node --test test/sdk/openai_sdk.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { adminKey, startGateway } from './gateway.mjs';

let gateway;
let client;

function script(rules) {
  return gateway.script(rules);
}

function fakeRequests() {
  return gateway.fakeRequests();
}

before(async () => {
  gateway = await startGateway('sdk');
  client = new OpenAI({ apiKey: adminKey, baseURL: `http://127.0.0.1:${gateway.port}/v1`, maxRetries: 0 });
});

after(() => {
  gateway?.stop();
});

test('chat completion with model auto, and the decision headers', async () => {
  await script([]);
  const { data, response } = await client.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: 'What is the capital of France?' }] })
    .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0].message.content, 'Echo: What is the capital of France?');
  assert.equal(data.choices[0].finish_reason, 'stop');
  assert.ok(data.usage.total_tokens > 0);
  const decisionId = response.headers.get('x-amaima-decision-id');
  assert.match(decisionId, /^[0-9a-f-]{36}$/);
  assert.equal(data.id, `chatcmpl-${decisionId}`);
  assert.ok(Number(response.headers.get('x-amaima-overhead-ms')) >= 0);
});

test('streaming with include_usage, parsed by the SDK chunk by chunk', async () => {
  await script([]);
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'count one two three' }],
  });
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.choices.length > 0) {
      text += chunk.choices[0].delta.content ?? '';
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, 'Echo: count one two three');
  assert.equal(finish, 'stop');
  assert.ok(chunks >= 4);
  assert.ok(usage && usage.completion_tokens > 0);
});

test('tool calls, streamed and assembled by the SDK helper', async () => {
  await script([{ tool_call: { name: 'get_weather', arguments: { city: 'Oslo' }, id: 'call_w1' } }]);
  const tools = [{
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  }];
  const runner = client.beta.chat.completions.stream({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'weather in Oslo?' }],
    tools,
  });
  const completion = await runner.finalChatCompletion();
  const call = completion.choices[0].message.tool_calls[0];
  assert.equal(completion.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.id, 'call_w1');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
  const sent = (await fakeRequests()).at(-1).json;
  assert.equal(sent.tools[0].function.name, 'get_weather');
});

test('embeddings and models', async () => {
  await script([]);
  const embedded = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
  assert.equal(embedded.data.length, 2);
  assert.ok(embedded.data[0].embedding.length > 0);
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes('auto'));
  assert.ok(ids.includes('gpt-4o-mini'));
});

test('errors arrive as the SDK error classes', async () => {
  await script([]);
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.NotFoundError && error.code === 'model_not_found'
      && error.param === 'model');
  await assert.rejects(
    client.chat.completions.create({ model: 'auto', messages: [] }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'messages');
  await script([{ status: 500 }]);
  await assert.rejects(
    client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.InternalServerError && error.status === 503
      && error.code === 'SYSTEM_NO_HEALTHY_UPSTREAM'
      && /^[0-9a-f-]{36}$/.test(error.headers['x-amaima-decision-id']));
});

test('a failure mid-stream reaches the SDK as an error, not a silent end', async () => {
  await script([{ model: 'gpt-4o-mini', error_after_chunks: 2 }]);
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }],
  });
  let text = '';
  await assert.rejects(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  }, (error) => error instanceof OpenAI.APIError);
  assert.ok(text.length > 0);
});
