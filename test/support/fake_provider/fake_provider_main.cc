// amaima-fake-provider: the FakeProvider as a process, for tests and benchmark
// scripts in other languages. Serves until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "test/support/fake_provider/fake_provider.h"

#include <CLI/CLI.hpp>

namespace {

// Writes the port to `path` atomically (write, then rename), so that a reader
// polling the file never sees a partial number.
bool WriteReadyFile(const std::string& path, std::uint16_t port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << "\n";
    if (!out) {
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  return !ec;
}

bool ReadFile(const std::string& path, std::string& text) {
  std::ifstream in(path);
  if (!in) {
    return false;
  }
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Parses the command line, serves until a stop signal, and returns the exit code.
int Run(int argc, char** argv) {
  amaima::testing::FakeProviderOptions options;
  std::string ready_file;
  std::string script_file;
  std::string fixed_text;
  int fixed_chunks = 8;
  bool no_record = false;

  CLI::App app{"Scriptable fake LLM provider (OpenAI, Anthropic, Gemini, Ollama wire formats)"};
  app.add_option("--port", options.port, "Port to listen on (0 = ephemeral)")->default_val(0);
  app.add_option("--host", options.host, "Address to listen on")->default_val("127.0.0.1");
  app.add_option("--threads", options.threads, "Server threads")
      ->default_val(1)
      ->check(CLI::Range(1, 256));
  app.add_option("--ready-file", ready_file, "Write the bound port here once listening");
  app.add_option("--script", script_file, "JSON file with the initial script (rules)");
  app.add_option("--fixed-text", fixed_text,
                 "Benchmark mode: answer every chat request with this text");
  app.add_option("--fixed-chunks", fixed_chunks, "Benchmark mode: stream chunks per answer")
      ->default_val(8)
      ->check(CLI::Range(1, 100000));
  app.add_flag("--no-record", no_record, "Count requests but do not record them");
  CLI11_PARSE(app, argc, argv);
  options.record_requests = !no_record;

  // Block the stop signals before any thread starts, so that only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto provider = amaima::testing::FakeProvider::Start(options);
  if (!provider) {
    std::fprintf(stderr, "amaima-fake-provider: %s\n", provider.error().message.c_str());
    return 1;
  }
  if (!script_file.empty()) {
    std::string script;
    if (!ReadFile(script_file, script)) {
      std::fprintf(stderr, "amaima-fake-provider: cannot read %s\n", script_file.c_str());
      return 1;
    }
    if (amaima::Status loaded = (*provider)->SetScriptJson(script); !loaded) {
      std::fprintf(stderr, "amaima-fake-provider: %s: %s\n", script_file.c_str(),
                   loaded.error().message.c_str());
      return 1;
    }
  }
  if (!fixed_text.empty()) {
    (*provider)->SetFixedResponse(amaima::testing::FixedResponse{fixed_text, fixed_chunks});
  }
  if (!ready_file.empty() && !WriteReadyFile(ready_file, (*provider)->port())) {
    std::fprintf(stderr, "amaima-fake-provider: cannot write %s\n", ready_file.c_str());
    return 1;
  }
  std::printf("{\"msg\":\"fake provider listening\",\"port\":%u}\n",
              static_cast<unsigned>((*provider)->port()));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*provider)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    // The process's one catch-all: an exception here is a bug in the fake.
    std::fprintf(stderr, "amaima-fake-provider: unexpected error: %s\n", e.what());
    return 1;
  }
}
