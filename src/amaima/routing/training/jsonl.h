#pragma once

#include <fstream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "amaima/core/result.h"

namespace amaima::routing::training {

// Parses every non-blank line of the JSONL file `path` as a JSON object and calls
// fn(object, where) with `where` = "path:line"; stops at the first failing call and
// returns its status. Fails with kNotFound when the file cannot be opened and
// kInvalidArgument (naming the line) for a line that is not a JSON object.
template <typename Fn>
Status ForEachJsonLine(const std::string& path, Fn fn) {
  std::ifstream file(path);
  if (!file) {
    return Fail(ErrorCode::kNotFound, "cannot open " + path);
  }
  std::string line;
  int line_number = 0;
  while (std::getline(file, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    const std::string where = path + ":" + std::to_string(line_number);
    boost::system::error_code error;
    const boost::json::value value = boost::json::parse(line, error);
    if (error || !value.is_object()) {
      return Fail(ErrorCode::kInvalidArgument, where + ": not a JSON object");
    }
    if (Status status = fn(value.get_object(), where); !status) {
      return status;
    }
  }
  return {};
}

}  // namespace amaima::routing::training
