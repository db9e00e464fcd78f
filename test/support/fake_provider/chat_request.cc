#include "test/support/fake_provider/chat_request.h"

#include <boost/json/serialize.hpp>

namespace amaima::testing {

namespace json = boost::json;

namespace {

constexpr std::string_view kGeminiPrefix = "/v1beta/models/";

Error Invalid(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

// Appends the text of an OpenAI/Anthropic/Ollama message content: a string, or an
// array of parts of which the "text" ones (and Anthropic tool results) count.
void AppendContentText(const json::value& content, std::string& out) {
  if (content.is_string()) {
    out += content.get_string();
    return;
  }
  if (!content.is_array()) {
    return;
  }
  for (const json::value& part : content.get_array()) {
    if (!part.is_object()) {
      continue;
    }
    const json::object& object = part.get_object();
    if (const json::value* text = object.if_contains("text");
        text != nullptr && text->is_string()) {
      if (!out.empty()) {
        out += ' ';
      }
      out += text->get_string();
    } else if (const json::value* nested = object.if_contains("content"); nested != nullptr) {
      AppendContentText(*nested, out);
    }
  }
}

// Appends the "text" of each of Gemini's `parts`.
void AppendGeminiParts(const json::value& content, std::string& out) {
  const json::object* object = content.if_object();
  const json::value* parts = object == nullptr ? nullptr : object->if_contains("parts");
  if (parts == nullptr || !parts->is_array()) {
    return;
  }
  for (const json::value& part : parts->get_array()) {
    const json::object* part_object = part.if_object();
    const json::value* text = part_object == nullptr ? nullptr : part_object->if_contains("text");
    if (text != nullptr && text->is_string()) {
      if (!out.empty()) {
        out += ' ';
      }
      out += text->get_string();
    }
  }
}

bool BoolField(const json::object& object, std::string_view key, bool fallback) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_bool() ? value->get_bool() : fallback;
}

std::string StringField(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

// Reads "tools": OpenAI and Ollama [{type, function: {name}}], Anthropic [{name}].
void ReadToolNames(const json::object& body, std::vector<std::string>& names) {
  const json::value* tools = body.if_contains("tools");
  if (tools == nullptr || !tools->is_array()) {
    return;
  }
  for (const json::value& tool : tools->get_array()) {
    const json::object* object = tool.if_object();
    if (object == nullptr) {
      continue;
    }
    if (const json::value* function = object->if_contains("function");
        function != nullptr && function->is_object()) {
      names.push_back(StringField(function->get_object(), "name"));
    } else if (const json::value* declarations = object->if_contains("functionDeclarations");
               declarations != nullptr && declarations->is_array()) {
      for (const json::value& declaration : declarations->get_array()) {
        if (declaration.is_object()) {
          names.push_back(StringField(declaration.get_object(), "name"));
        }
      }
    } else if (object->contains("name")) {
      names.push_back(StringField(*object, "name"));
    }
  }
}

// Reads the role/content "messages" of the OpenAI, Anthropic and Ollama dialects.
Status ReadMessages(const json::object& body, ChatRequest& request, std::string& all_text) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array() || messages->get_array().empty()) {
    return Invalid("'messages' must be a non-empty array");
  }
  for (const json::value& message : messages->get_array()) {
    if (!message.is_object()) {
      return Invalid("each message must be an object");
    }
    const json::object& object = message.get_object();
    const json::value* role = object.if_contains("role");
    if (role == nullptr || !role->is_string()) {
      return Invalid("each message must have a string 'role'");
    }
    std::string text;
    if (const json::value* content = object.if_contains("content"); content != nullptr) {
      AppendContentText(*content, text);
    }
    if (role->get_string() == "user") {
      request.last_user_text = text;
    }
    all_text += text;
    all_text += ' ';
  }
  return {};
}

Status ReadModel(const json::object& body, ChatRequest& request) {
  const json::value* model = body.if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty()) {
    return Invalid("'model' must be a non-empty string");
  }
  request.model = std::string(model->get_string());
  return {};
}

Result<ChatRequest> ReadOpenAi(const json::object& body) {
  ChatRequest request;
  std::string all_text;
  if (Status read = ReadModel(body, request); !read) {
    return read.error();
  }
  if (Status read = ReadMessages(body, request, all_text); !read) {
    return read.error();
  }
  request.stream = BoolField(body, "stream", false);
  if (const json::value* options = body.if_contains("stream_options");
      options != nullptr && options->is_object()) {
    request.include_usage = BoolField(options->get_object(), "include_usage", false);
  }
  if (const json::value* format = body.if_contains("response_format");
      format != nullptr && format->is_object()) {
    const std::string type = StringField(format->get_object(), "type");
    request.json_mode = type == "json_object" || type == "json_schema";
  }
  ReadToolNames(body, request.tool_names);
  request.prompt_tokens = CountWords(all_text);
  return request;
}

Result<ChatRequest> ReadAnthropic(const json::object& body) {
  ChatRequest request;
  std::string all_text;
  if (Status read = ReadModel(body, request); !read) {
    return read.error();
  }
  const json::value* max_tokens = body.if_contains("max_tokens");
  if (max_tokens == nullptr || !(max_tokens->is_int64() || max_tokens->is_uint64())) {
    return Invalid("max_tokens: Field required");
  }
  if (const json::value* system = body.if_contains("system"); system != nullptr) {
    AppendContentText(*system, all_text);
    all_text += ' ';
  }
  if (Status read = ReadMessages(body, request, all_text); !read) {
    return read.error();
  }
  request.stream = BoolField(body, "stream", false);
  ReadToolNames(body, request.tool_names);
  request.prompt_tokens = CountWords(all_text);
  return request;
}

Result<ChatRequest> ReadGemini(const json::object& body, std::string_view path_model, bool stream) {
  ChatRequest request;
  request.model = std::string(path_model);
  request.stream = stream;
  const json::value* contents = body.if_contains("contents");
  if (contents == nullptr || !contents->is_array() || contents->get_array().empty()) {
    return Invalid("* GenerateContentRequest.contents: contents is not specified");
  }
  std::string all_text;
  if (const json::value* system = body.if_contains("systemInstruction"); system != nullptr) {
    AppendGeminiParts(*system, all_text);
    all_text += ' ';
  }
  for (const json::value& content : contents->get_array()) {
    if (!content.is_object()) {
      return Invalid("* GenerateContentRequest.contents: each content must be an object");
    }
    std::string text;
    AppendGeminiParts(content, text);
    const std::string role = StringField(content.get_object(), "role");
    if (role.empty() || role == "user") {
      request.last_user_text = text;
    }
    all_text += text;
    all_text += ' ';
  }
  if (const json::value* config = body.if_contains("generationConfig");
      config != nullptr && config->is_object()) {
    request.json_mode = StringField(config->get_object(), "responseMimeType") == "application/json";
  }
  ReadToolNames(body, request.tool_names);
  request.prompt_tokens = CountWords(all_text);
  return request;
}

Result<ChatRequest> ReadOllama(const json::object& body) {
  ChatRequest request;
  std::string all_text;
  if (Status read = ReadModel(body, request); !read) {
    return read.error();
  }
  if (Status read = ReadMessages(body, request, all_text); !read) {
    return read.error();
  }
  // Ollama streams unless told otherwise.
  request.stream = BoolField(body, "stream", true);
  if (const json::value* format = body.if_contains("format"); format != nullptr) {
    request.json_mode =
        format->is_object() || (format->is_string() && format->get_string() == "json");
  }
  ReadToolNames(body, request.tool_names);
  request.prompt_tokens = CountWords(all_text);
  return request;
}

}  // namespace

EndpointMatch ClassifyEndpoint(std::string_view method, std::string_view path) {
  EndpointMatch match;
  const auto expect = [&match, method](Endpoint endpoint, std::string_view wanted) {
    match.endpoint = endpoint;
    match.method_allowed = method == wanted;
  };
  if (path == "/v1/chat/completions") {
    expect(Endpoint::kOpenAiChat, "POST");
  } else if (path == "/v1/embeddings") {
    expect(Endpoint::kOpenAiEmbeddings, "POST");
  } else if (path == "/v1/models") {
    expect(Endpoint::kOpenAiModels, "GET");
  } else if (path == "/v1/messages") {
    expect(Endpoint::kAnthropicMessages, "POST");
  } else if (path == "/api/chat") {
    expect(Endpoint::kOllamaChat, "POST");
  } else if (path == "/api/tags") {
    expect(Endpoint::kOllamaTags, "GET");
  } else if (path == "/api/embed") {
    expect(Endpoint::kOllamaEmbed, "POST");
  } else if (path == "/v1beta/models") {
    expect(Endpoint::kGeminiModels, "GET");
  } else if (path.substr(0, kGeminiPrefix.size()) == kGeminiPrefix) {
    const std::string_view rest = path.substr(kGeminiPrefix.size());
    const std::size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && colon > 0) {
      const std::string_view action = rest.substr(colon + 1);
      if (action == "generateContent") {
        expect(Endpoint::kGeminiGenerate, "POST");
      } else if (action == "streamGenerateContent") {
        expect(Endpoint::kGeminiStream, "POST");
      } else if (action == "embedContent") {
        expect(Endpoint::kGeminiEmbed, "POST");
      } else if (action == "batchEmbedContents") {
        expect(Endpoint::kGeminiBatchEmbed, "POST");
      }
      if (match.endpoint != Endpoint::kUnknown) {
        match.path_model = std::string(rest.substr(0, colon));
      }
    }
  }
  return match;
}

Dialect DialectOf(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kAnthropicMessages:
      return Dialect::kAnthropic;
    case Endpoint::kGeminiGenerate:
    case Endpoint::kGeminiStream:
    case Endpoint::kGeminiModels:
    case Endpoint::kGeminiEmbed:
    case Endpoint::kGeminiBatchEmbed:
      return Dialect::kGemini;
    case Endpoint::kOllamaChat:
    case Endpoint::kOllamaTags:
    case Endpoint::kOllamaEmbed:
      return Dialect::kOllama;
    default:
      return Dialect::kOpenAi;
  }
}

Result<ChatRequest> ReadChatRequest(Endpoint endpoint, const json::value& body,
                                    std::string_view path_model) {
  if (!body.is_object()) {
    return Invalid("the request body must be a JSON object");
  }
  const json::object& object = body.get_object();
  switch (endpoint) {
    case Endpoint::kOpenAiChat:
      return ReadOpenAi(object);
    case Endpoint::kAnthropicMessages:
      return ReadAnthropic(object);
    case Endpoint::kGeminiGenerate:
      return ReadGemini(object, path_model, false);
    case Endpoint::kGeminiStream:
      return ReadGemini(object, path_model, true);
    case Endpoint::kOllamaChat:
      return ReadOllama(object);
    default:
      return Invalid("not a chat endpoint");
  }
}

namespace {

Result<EmbeddingsRequest> ReadOpenAiEmbeddings(const json::object& object) {
  EmbeddingsRequest request;
  request.model = StringField(object, "model");
  if (request.model.empty()) {
    return Invalid("'model' must be a non-empty string");
  }
  const json::value* input = object.if_contains("input");
  if (input == nullptr) {
    return Invalid("'input' is a required property");
  }
  if (input->is_string()) {
    request.inputs.emplace_back(input->get_string());
  } else if (input->is_array() && !input->get_array().empty()) {
    for (const json::value& item : input->get_array()) {
      if (item.is_string()) {
        request.inputs.emplace_back(item.get_string());
      } else if (item.is_array() || item.is_int64()) {
        // Token arrays: the tokens' text form stands in for the input.
        request.inputs.push_back(json::serialize(item));
      } else {
        return Invalid("'input' items must be strings or token arrays");
      }
    }
    if (input->get_array().front().is_int64()) {
      // One token array given flat ([1, 2, 3]) is one input.
      request.inputs.assign(1, json::serialize(*input));
    }
  } else {
    return Invalid("'input' must be a string or a non-empty array");
  }
  if (const json::value* dimensions = object.if_contains("dimensions");
      dimensions != nullptr && dimensions->is_int64()) {
    if (dimensions->get_int64() < 1 || dimensions->get_int64() > 65536) {
      return Invalid("'dimensions' must be between 1 and 65536");
    }
    request.dimensions = static_cast<int>(dimensions->get_int64());
  }
  request.base64 = StringField(object, "encoding_format") == "base64";
  return request;
}

// Reads `outputDimensionality` (Gemini) or `dimensions` (Ollama) into `request`.
Status ReadDimensions(const json::object& object, std::string_view key, std::string_view field,
                      EmbeddingsRequest& request) {
  const json::value* dimensions = object.if_contains(key);
  if (dimensions == nullptr || dimensions->is_null()) {
    return {};
  }
  if (!dimensions->is_int64() || dimensions->get_int64() < 1 || dimensions->get_int64() > 65536) {
    return Invalid(std::string(field) + " must be an integer between 1 and 65536");
  }
  request.dimensions = static_cast<int>(dimensions->get_int64());
  return {};
}

// Reads one Gemini EmbedContentRequest ({"model"?, "content": {"parts"}, ...}); `where`
// names it in errors as Google's do ("* EmbedContentRequest.content: ...").
Status ReadGeminiEmbedContent(const json::object& object, std::string_view path_model,
                              const std::string& where, EmbeddingsRequest& request) {
  if (const std::string model = StringField(object, "model");
      !model.empty() && model != "models/" + std::string(path_model)) {
    return Invalid("* " + where + ".model: the model in the request (" + model
                   + ") must match the model in the URL (models/" + std::string(path_model) + ")");
  }
  const json::value* content = object.if_contains("content");
  if (content == nullptr || !content->is_object()) {
    return Invalid("* " + where + ".content: content is not specified");
  }
  std::string text;
  AppendGeminiParts(*content, text);
  if (text.empty()) {
    return Invalid("* " + where + ".content.parts: contents must not be empty");
  }
  request.inputs.push_back(std::move(text));
  return ReadDimensions(object, "outputDimensionality", "* " + where + ".outputDimensionality",
                        request);
}

Result<EmbeddingsRequest> ReadGeminiEmbeddings(const json::object& object,
                                               std::string_view path_model, bool batch) {
  EmbeddingsRequest request;
  request.model = std::string(path_model);
  if (!batch) {
    if (Status read = ReadGeminiEmbedContent(object, path_model, "EmbedContentRequest", request);
        !read) {
      return read.error();
    }
    return request;
  }
  const json::value* requests = object.if_contains("requests");
  if (requests == nullptr || !requests->is_array() || requests->get_array().empty()) {
    return Invalid("* BatchEmbedContentsRequest.requests: requests is not specified");
  }
  std::size_t index = 0;
  for (const json::value& item : requests->get_array()) {
    const std::string where = "BatchEmbedContentsRequest.requests[" + std::to_string(index++) + "]";
    if (!item.is_object()) {
      return Invalid("* " + where + ": must be an object");
    }
    if (Status read = ReadGeminiEmbedContent(item.get_object(), path_model, where, request);
        !read) {
      return read.error();
    }
  }
  return request;
}

Result<EmbeddingsRequest> ReadOllamaEmbeddings(const json::object& object) {
  EmbeddingsRequest request;
  request.model = StringField(object, "model");
  if (request.model.empty()) {
    return Invalid("model is required");
  }
  const json::value* input = object.if_contains("input");
  if (input != nullptr && input->is_string()) {
    request.inputs.emplace_back(input->get_string());
  } else if (input != nullptr && input->is_array()) {
    for (const json::value& item : input->get_array()) {
      if (!item.is_string()) {
        return Invalid("invalid input type");
      }
      request.inputs.emplace_back(item.get_string());
    }
  } else if (input != nullptr && !input->is_null()) {
    return Invalid("invalid input type");
  }
  if (Status read = ReadDimensions(object, "dimensions", "dimensions", request); !read) {
    return read.error();
  }
  return request;
}

}  // namespace

bool IsEmbeddings(Endpoint endpoint) {
  return endpoint == Endpoint::kOpenAiEmbeddings || endpoint == Endpoint::kGeminiEmbed
         || endpoint == Endpoint::kGeminiBatchEmbed || endpoint == Endpoint::kOllamaEmbed;
}

Result<EmbeddingsRequest> ReadEmbeddingsRequest(Endpoint endpoint, const json::value& body,
                                                std::string_view path_model) {
  if (!body.is_object()) {
    return Invalid("the request body must be a JSON object");
  }
  const json::object& object = body.get_object();
  switch (endpoint) {
    case Endpoint::kOpenAiEmbeddings:
      return ReadOpenAiEmbeddings(object);
    case Endpoint::kGeminiEmbed:
      return ReadGeminiEmbeddings(object, path_model, false);
    case Endpoint::kGeminiBatchEmbed:
      return ReadGeminiEmbeddings(object, path_model, true);
    case Endpoint::kOllamaEmbed:
      return ReadOllamaEmbeddings(object);
    default:
      return Invalid("not an embeddings endpoint");
  }
}

int CountWords(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) {
      ++words;
    }
    in_word = !space;
  }
  return words;
}

}  // namespace amaima::testing
