// The official `@anthropic-ai/sdk` npm SDK, unmodified, pointed at AMAIMA's Anthropic-compatible
// surface (POST /v1/messages) in execution mode, with every provider entry pointed at the fake
// provider on loopback. Run by ctest:
//   AMAIMA_BINARY=... AMAIMA_FAKE_PROVIDER=... node --test test/sdk/anthropic_sdk.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { adminKey, startGateway } from './gateway.mjs';

let gateway;
let client;

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

function script(rules) {
  return gateway.script(rules);
}

function fakeRequests() {
  return gateway.fakeRequests();
}

// Response and error headers are a fetch Headers object in this SDK generation.
function header(headers, name) {
  return typeof headers?.get === 'function' ? headers.get(name) : headers?.[name];
}

before(async () => {
  gateway = await startGateway('anthropic-sdk');
  client = new Anthropic({ apiKey: adminKey, baseURL: `http://127.0.0.1:${gateway.port}`, maxRetries: 0 });
});

after(() => {
  gateway?.stop();
});

test('a pinned Claude model answers a Message, with the decision headers', async () => {
  await script([]);
  const { data, response } = await client.messages
    .create({
      model: 'claude-sonnet-4',
      max_tokens: 100,
      system: 'Answer briefly.',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    })
    .withResponse();
  assert.equal(data.type, 'message');
  assert.equal(data.role, 'assistant');
  assert.equal(data.model, 'claude-sonnet-4');
  assert.deepEqual(data.content, [{ type: 'text', text: 'Echo: What is the capital of France?' }]);
  assert.equal(data.stop_reason, 'end_turn');
  assert.equal(data.stop_sequence, null);
  assert.ok(data.usage.input_tokens > 0);
  assert.ok(data.usage.output_tokens > 0);
  const decisionId = response.headers.get('x-amaima-decision-id');
  assert.match(decisionId, /^[0-9a-f-]{36}$/);
  assert.equal(data.id, `msg_${decisionId.replaceAll('-', '')}`);
  assert.equal(response.headers.get('x-amaima-model'), 'claude-sonnet-4');
  assert.ok(response.headers.get('request-id'));
  assert.ok(Number(response.headers.get('x-amaima-overhead-ms')) >= 0);
  const sent = (await fakeRequests()).at(-1);
  assert.equal(sent.path, '/v1/messages');
  assert.equal(sent.json.model, 'claude-sonnet-4-20250514');
  assert.equal(sent.json.max_tokens, 100);
  assert.equal(sent.json.system, 'Answer briefly.');
});

test('model auto is routed by the decision plane; any catalog model can be pinned', async () => {
  await script([]);
  const { data: routed, response } = await client.messages
    .create({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  assert.notEqual(routed.model, 'auto');
  assert.equal(routed.model, response.headers.get('x-amaima-model'));
  assert.equal(routed.content[0].text, 'Echo: hi');

  const pinned = await client.messages.create({
    model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hello openai' }],
  });
  assert.equal(pinned.model, 'gpt-4o-mini');
  assert.equal(pinned.content[0].text, 'Echo: hello openai');
  assert.equal((await fakeRequests()).at(-1).path, '/v1/chat/completions');
});

test('messages.stream() delivers text events and the final message', async () => {
  await script([]);
  const stream = client.messages.stream({
    model: 'claude-sonnet-4',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'count one two three' }],
  });
  let text = '';
  stream.on('text', (delta) => { text += delta; });
  const message = await stream.finalMessage();
  assert.equal(text, 'Echo: count one two three');
  assert.equal(message.content[0].text, 'Echo: count one two three');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.model, 'claude-sonnet-4');
  assert.match(message.id, /^msg_[0-9a-f]{32}$/);
  assert.ok(message.usage.input_tokens > 0);
  assert.ok(message.usage.output_tokens > 0);
});

test('create({stream: true}) yields the raw event sequence', async () => {
  await script([]);
  const stream = await client.messages.create({
    model: 'auto',
    max_tokens: 100,
    stream: true,
    messages: [{ role: 'user', content: 'one two three' }],
  });
  const types = [];
  let text = '';
  let delta;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    if (event.type === 'message_delta') delta = event;
  }
  assert.equal(types[0], 'message_start');
  assert.equal(types[1], 'content_block_start');
  assert.equal(types.at(-3), 'content_block_stop');
  assert.equal(types.at(-2), 'message_delta');
  assert.equal(types.at(-1), 'message_stop');
  assert.ok(types.filter((t) => t === 'content_block_delta').length >= 3);
  assert.equal(text, 'Echo: one two three');
  assert.equal(delta.delta.stop_reason, 'end_turn');
  assert.ok(delta.usage.output_tokens > 0);
});

test('tool use, not streamed, and a tool_result round trip', async () => {
  await script([{ times: 1, tool_call: { name: 'get_weather', arguments: { city: 'Oslo' }, id: 'toolu_w1' } }]);
  const message = await client.messages.create({
    model: 'claude-sonnet-4',
    max_tokens: 200,
    tools: [weatherTool],
    tool_choice: { type: 'auto' },
    messages: [{ role: 'user', content: 'weather in Oslo?' }],
  });
  assert.equal(message.stop_reason, 'tool_use');
  const use = message.content.find((block) => block.type === 'tool_use');
  assert.deepEqual(use, { type: 'tool_use', id: 'toolu_w1', name: 'get_weather', input: { city: 'Oslo' } });
  let sent = (await fakeRequests()).at(-1).json;
  assert.equal(sent.tools[0].name, 'get_weather');
  assert.deepEqual(sent.tools[0].input_schema, weatherTool.input_schema);
  assert.deepEqual(sent.tool_choice, { type: 'auto' });

  const answer = await client.messages.create({
    model: 'claude-sonnet-4',
    max_tokens: 200,
    tools: [weatherTool],
    messages: [
      { role: 'user', content: 'weather in Oslo?' },
      { role: 'assistant', content: message.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_w1', content: '3 degrees' }] },
    ],
  });
  assert.equal(answer.stop_reason, 'end_turn');
  sent = (await fakeRequests()).at(-1).json;
  assert.deepEqual(sent.messages[1].content.at(-1),
    { type: 'tool_use', id: 'toolu_w1', name: 'get_weather', input: { city: 'Oslo' } });
  assert.deepEqual(sent.messages[2].content,
    [{ type: 'tool_result', tool_use_id: 'toolu_w1', content: '3 degrees' }]);
});

test('tool use, streamed and assembled by the SDK helper', async () => {
  await script([{ tool_call: { name: 'get_weather', arguments: { city: 'Oslo' }, id: 'toolu_w2' } }]);
  const stream = client.messages.stream({
    model: 'gpt-4o-mini',
    max_tokens: 200,
    tools: [weatherTool],
    tool_choice: { type: 'tool', name: 'get_weather' },
    messages: [{ role: 'user', content: 'weather in Oslo?' }],
  });
  let json = '';
  stream.on('inputJson', (partial) => { json += partial; });
  const message = await stream.finalMessage();
  assert.equal(message.stop_reason, 'tool_use');
  const use = message.content.find((block) => block.type === 'tool_use');
  assert.equal(use.id, 'toolu_w2');
  assert.equal(use.name, 'get_weather');
  assert.deepEqual(use.input, { city: 'Oslo' });
  assert.deepEqual(JSON.parse(json), { city: 'Oslo' });
  const sent = (await fakeRequests()).at(-1).json;
  assert.equal(sent.tools[0].function.name, 'get_weather');
  assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_weather' } });
});

test('errors arrive as the SDK error classes', async () => {
  await script([]);
  await assert.rejects(
    client.messages.create({ model: 'claude-9', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof Anthropic.NotFoundError && error.status === 404
      && error.error?.error?.type === 'not_found_error' && error.error?.error?.message === 'model: claude-9');
  await assert.rejects(
    client.messages.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof Anthropic.BadRequestError
      && error.error?.error?.type === 'invalid_request_error'
      && error.error?.error?.message === 'max_tokens: Field required');
  await script([{ status: 500 }]);
  await assert.rejects(
    client.messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof Anthropic.InternalServerError && error.status === 503
      && error.error?.error?.type === 'api_error'
      && header(error.headers, 'x-amaima-error-code') === 'SYSTEM_NO_HEALTHY_UPSTREAM'
      && /^[0-9a-f-]{36}$/.test(header(error.headers, 'x-amaima-decision-id')));
});

test('a failure mid-stream reaches the SDK as an error, not a silent end', async () => {
  await script([{ path: '/v1/messages', error_after_chunks: 4 }]);
  const stream = await client.messages.create({
    model: 'claude-sonnet-4', max_tokens: 100, stream: true,
    messages: [{ role: 'user', content: 'a b c d e f g h' }],
  });
  let text = '';
  await assert.rejects(async () => {
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
  }, (error) => error instanceof Anthropic.APIError);
  assert.ok(text.length > 0);
});

test('models.list() pages through Anthropic-shaped models', async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    assert.equal(model.type, 'model');
    assert.ok(model.display_name);
    assert.ok(!Number.isNaN(Date.parse(model.created_at)));
    ids.push(model.id);
  }
  assert.equal(ids[0], 'auto');
  assert.ok(ids.includes('claude-sonnet-4'));
  assert.ok(ids.includes('gpt-4o-mini'));
  assert.ok(!ids.includes('text-embedding-3-small'));
});
