#include "test/support/fake_provider/wire_format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace amaima::testing {

namespace json = boost::json;

namespace wire {

std::string SseData(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  out += "data: ";
  out += payload;
  out += "\n\n";
  return out;
}

std::string SseEvent(std::string_view event, std::string_view payload) {
  std::string out;
  out.reserve(event.size() + payload.size() + 16);
  out += "event: ";
  out += event;
  out += "\ndata: ";
  out += payload;
  out += "\n\n";
  return out;
}

std::string ToolCallId(const Completion& completion, std::string_view prefix) {
  if (completion.tool_call && !completion.tool_call->id.empty()) {
    return completion.tool_call->id;
  }
  return std::string(prefix) + completion.id;
}

std::string Rfc3339(std::int64_t created) {
  const auto seconds = static_cast<std::time_t>(created);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::array<char, 40> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &parts);
  return std::string(text.data(), n) + ".000000Z";
}

}  // namespace wire

namespace {

// FNV-1a: a stable seed for a text.
std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string Base64(const unsigned char* data, std::size_t size) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (std::size_t i = 0; i < size; i += 3) {
    const std::uint32_t b0 = data[i];
    const std::uint32_t b1 = i + 1 < size ? data[i + 1] : 0U;
    const std::uint32_t b2 = i + 2 < size ? data[i + 2] : 0U;
    const std::uint32_t triple = (b0 << 16U) | (b1 << 8U) | b2;
    out += kAlphabet[(triple >> 18U) & 63U];
    out += kAlphabet[(triple >> 12U) & 63U];
    out += i + 1 < size ? kAlphabet[(triple >> 6U) & 63U] : '=';
    out += i + 2 < size ? kAlphabet[triple & 63U] : '=';
  }
  return out;
}

std::string OpenAiModels(const std::vector<std::string>& models, std::int64_t created) {
  json::array data;
  for (const std::string& model : models) {
    data.push_back(json::object{
        {"id", model}, {"object", "model"}, {"created", created}, {"owned_by", "fake"}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::string GeminiModels(const std::vector<std::string>& models) {
  json::array list;
  for (const std::string& model : models) {
    list.push_back(json::object{
        {"name", "models/" + model},
        {"version", "001"},
        {"displayName", model},
        {"inputTokenLimit", 1048576},
        {"outputTokenLimit", 8192},
        {"supportedGenerationMethods", json::array{"generateContent", "countTokens"}}});
  }
  return json::serialize(json::object{{"models", std::move(list)}});
}

std::string OllamaTags(const std::vector<std::string>& models, std::int64_t created) {
  json::array list;
  for (const std::string& model : models) {
    const std::string name = model.find(':') == std::string::npos ? model + ":latest" : model;
    std::array<char, 17> digest{};
    std::snprintf(digest.data(), digest.size(), "%016llx",
                  static_cast<unsigned long long>(Fnv1a(name)));  // NOLINT(google-runtime-int)
    std::string sha;
    for (int i = 0; i < 4; ++i) {
      sha += digest.data();
    }
    list.push_back(json::object{{"name", name},
                                {"model", name},
                                {"modified_at", wire::Rfc3339(created)},
                                {"size", 1000000000},
                                {"digest", sha},
                                {"details", json::object{{"parent_model", ""},
                                                         {"format", "gguf"},
                                                         {"family", "llama"},
                                                         {"families", json::array{"llama"}},
                                                         {"parameter_size", "1B"},
                                                         {"quantization_level", "Q4_0"}}}});
  }
  return json::serialize(json::object{{"models", std::move(list)}});
}

}  // namespace

std::string RenderBody(Endpoint endpoint, const Completion& completion) {
  switch (DialectOf(endpoint)) {
    case Dialect::kAnthropic:
      return wire::AnthropicBody(completion);
    case Dialect::kGemini:
      return wire::GeminiBody(completion);
    case Dialect::kOllama:
      return wire::OllamaBody(completion);
    case Dialect::kOpenAi:
      break;
  }
  return wire::OpenAiBody(completion);
}

std::vector<std::string> RenderStream(Endpoint endpoint, const Completion& completion) {
  switch (DialectOf(endpoint)) {
    case Dialect::kAnthropic:
      return wire::AnthropicStream(completion);
    case Dialect::kGemini:
      return wire::GeminiStream(completion);
    case Dialect::kOllama:
      return wire::OllamaStream(completion);
    case Dialect::kOpenAi:
      break;
  }
  return wire::OpenAiStream(completion);
}

std::string_view StreamContentType(Dialect dialect) {
  return dialect == Dialect::kOllama ? "application/x-ndjson" : "text/event-stream";
}

std::string RenderError(Dialect dialect, const ProviderError& error) {
  switch (dialect) {
    case Dialect::kAnthropic:
      return wire::AnthropicError(error);
    case Dialect::kGemini:
      return wire::GeminiError(error);
    case Dialect::kOllama:
      return wire::OllamaError(error);
    case Dialect::kOpenAi:
      break;
  }
  return wire::OpenAiError(error);
}

std::string RenderStreamError(Dialect dialect, const ProviderError& error) {
  switch (dialect) {
    case Dialect::kAnthropic: {
      json::value body = json::parse(wire::AnthropicError(error));
      body.get_object().erase("request_id");
      return wire::SseEvent("error", json::serialize(body));
    }
    case Dialect::kGemini:
      return "data: " + wire::GeminiError(error) + "\r\n\r\n";
    case Dialect::kOllama:
      return wire::OllamaError(error) + "\n";
    case Dialect::kOpenAi:
      break;
  }
  return wire::SseData(wire::OpenAiError(error));
}

std::string DefaultMalformedChunk(Dialect dialect) {
  if (dialect == Dialect::kOllama) {
    return "{\"model\": \"broken\", \"message\": {\n";
  }
  return "data: {\"id\": \"broken\", \"choices\": [{\"delta\": \n\n";
}

std::string RenderModels(Endpoint endpoint, const std::vector<std::string>& models,
                         std::int64_t created) {
  if (endpoint == Endpoint::kGeminiModels) {
    return GeminiModels(models);
  }
  if (endpoint == Endpoint::kOllamaTags) {
    return OllamaTags(models, created);
  }
  return OpenAiModels(models, created);
}

std::vector<float> EmbeddingVector(std::string_view text, int dimensions) {
  std::vector<float> vector(static_cast<std::size_t>(std::max(dimensions, 1)));
  std::uint64_t state = Fnv1a(text) | 1U;
  double norm = 0.0;
  for (float& component : vector) {
    // xorshift64*: a small deterministic generator seeded by the text.
    state ^= state >> 12U;
    state ^= state << 25U;
    state ^= state >> 27U;
    const std::uint64_t bits = state * 0x2545F4914F6CDD1DULL;
    const double unit = static_cast<double>(bits >> 11U) / static_cast<double>(1ULL << 53U);
    component = static_cast<float>(unit * 2.0 - 1.0);
    norm += static_cast<double>(component) * component;
  }
  const double scale = norm > 0.0 ? 1.0 / std::sqrt(norm) : 1.0;
  for (float& component : vector) {
    component = static_cast<float>(component * scale);
  }
  return vector;
}

std::string RenderEmbeddings(Endpoint endpoint, const EmbeddingsRequest& request,
                             int default_dimensions) {
  const int dimensions = request.dimensions > 0 ? request.dimensions : default_dimensions;
  if (endpoint == Endpoint::kGeminiEmbed || endpoint == Endpoint::kGeminiBatchEmbed) {
    return wire::GeminiEmbeddings(request, dimensions, endpoint == Endpoint::kGeminiBatchEmbed);
  }
  if (endpoint == Endpoint::kOllamaEmbed) {
    return wire::OllamaEmbeddings(request, dimensions);
  }
  json::array data;
  int tokens = 0;
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    const std::vector<float> vector = EmbeddingVector(request.inputs[i], dimensions);
    tokens += std::max(1, CountWords(request.inputs[i]));
    json::value embedding;
    if (request.base64) {
      std::string bytes(vector.size() * sizeof(float), '\0');
      std::memcpy(bytes.data(), vector.data(), bytes.size());
      embedding = Base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    } else {
      json::array values;
      values.reserve(vector.size());
      for (const float component : vector) {
        values.push_back(static_cast<double>(component));
      }
      embedding = std::move(values);
    }
    data.push_back(json::object{{"object", "embedding"},
                                {"index", static_cast<std::int64_t>(i)},
                                {"embedding", std::move(embedding)}});
  }
  return json::serialize(
      json::object{{"object", "list"},
                   {"data", std::move(data)},
                   {"model", request.model},
                   {"usage", json::object{{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

}  // namespace amaima::testing
