// SPDX-License-Identifier: MIT
// examples/common/json.cpp - recursive-descent JSON parser.
#include "common/json.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/file_checks.hpp"
#include "common/unicode.hpp"

namespace trex {

class json_parser {
 public:
  explicit json_parser(std::string_view s) : s_(s) {}

  json run() {
    ws();
    json v = value(0);
    ws();
    if (i_ != s_.size()) fail("trailing characters after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1, col = 1;
    for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw error("json: " + what + " at line " + std::to_string(line) + " column " + std::to_string(col));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool lit(const char* w) {
    const std::size_t n = std::strlen(w);
    if (s_.compare(i_, n, w) != 0) return false;
    i_ += n;
    return true;
  }

  json value(int depth) {
    if (depth > 512) fail("nesting deeper than 512");
    if (i_ >= s_.size()) fail("unexpected end of input");
    json v;
    const char c = s_[i_];
    if (c == '{') {
      v.kind_ = json::kind::object;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return v;
      }
      for (;;) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string key");
        std::string key = string();
        ws();
        if (i_ >= s_.size() || s_[i_] != ':') fail("expected ':'");
        ++i_;
        ws();
        v.obj_.emplace_back(std::move(key), value(depth + 1));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return v;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.kind_ = json::kind::array;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      for (;;) {
        ws();
        v.arr_.push_back(value(depth + 1));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return v;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind_ = json::kind::string;
      v.str_ = string();
      return v;
    }
    if (lit("true")) {
      v.kind_ = json::kind::boolean;
      v.b_ = true;
      return v;
    }
    if (lit("false")) {
      v.kind_ = json::kind::boolean;
      return v;
    }
    if (lit("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind_ = json::kind::number;
      v.num_ = number();
      return v;
    }
    fail(std::string("unexpected character '") + c + "'");
  }

  double number() {
    const std::size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      const std::size_t d0 = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - d0;
    };
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      fail("bad number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) fail("bad number: digits expected after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) fail("bad number: exponent digits expected");
    }
    const std::string tok(s_.substr(start, i_ - start));
    // Integers (the common case: token ids, shapes) without strtod.
    if (tok.find_first_of(".eE") == std::string::npos && tok.size() < 16) {
      long long x = 0;
      for (char ch : tok)
        if (ch != '-') x = x * 10 + (ch - '0');
      return tok[0] == '-' ? -double(x) : double(x);
    }
    return std::strtod(tok.c_str(), nullptr);  // JSON numbers use '.', locale "C" assumed
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char ch = s_[i_++];
      v <<= 4;
      if (ch >= '0' && ch <= '9') {
        v |= unsigned(ch - '0');
      } else if (ch >= 'a' && ch <= 'f') {
        v |= unsigned(ch - 'a' + 10);
      } else if (ch >= 'A' && ch <= 'F') {
        v |= unsigned(ch - 'A' + 10);
      } else {
        fail("bad hex digit in \\u escape");
      }
    }
    return v;
  }

  std::string string() {
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      // copy the run of plain characters in one go
      const std::size_t run = i_;
      while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' && static_cast<unsigned char>(s_[i_]) >= 0x20) ++i_;
      out.append(s_.data() + run, i_ - run);
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c != '\\') fail("control character in string");
      if (++i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i_ + 2 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
              i_ += 2;
              const unsigned lo = hex4();
              if (lo < 0xDC00 || lo > 0xDFFF) fail("invalid low surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              fail("unpaired high surrogate");
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired low surrogate");
          }
          utf8_append(out, cp);
          break;
        }
        default: fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

json json::parse(std::string_view text) { return json_parser(text).run(); }

namespace {
const char* kind_name(json::kind k) {
  switch (k) {
    case json::kind::null: return "null";
    case json::kind::boolean: return "bool";
    case json::kind::number: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "?";
}
[[noreturn]] void type_fail(json::kind have, const char* want) {
  throw error(std::string("json: expected ") + want + ", got " + kind_name(have));
}
}  // namespace

bool json::as_bool() const {
  if (kind_ != kind::boolean) type_fail(kind_, "bool");
  return b_;
}
double json::as_double() const {
  if (kind_ != kind::number) type_fail(kind_, "number");
  return num_;
}
std::int64_t json::as_int() const {
  if (kind_ != kind::number) type_fail(kind_, "number");
  if (!(num_ == std::floor(num_)) || std::fabs(num_) > 9.0e15) throw error("json: expected an integer, got " + std::to_string(num_));
  return static_cast<std::int64_t>(num_);
}
const std::string& json::as_string() const {
  if (kind_ != kind::string) type_fail(kind_, "string");
  return str_;
}
const std::vector<json>& json::as_array() const {
  if (kind_ != kind::array) type_fail(kind_, "array");
  return arr_;
}
const std::vector<std::pair<std::string, json>>& json::as_object() const {
  if (kind_ != kind::object) type_fail(kind_, "object");
  return obj_;
}
const json* json::find(std::string_view key) const {
  if (kind_ != kind::object) return nullptr;
  for (const auto& kv : obj_)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
const json& json::at(std::string_view key) const {
  const json* j = find(key);
  if (!j) throw error("json: missing key '" + std::string(key) + "'");
  return *j;
}
std::size_t json::size() const {
  if (kind_ == kind::array) return arr_.size();
  if (kind_ == kind::object) return obj_.size();
  return 0;
}

json parse_json_file(const std::string& path) {
  const std::string s = read_file(path);
  try {
    return json::parse(s);
  } catch (const error& e) {
    throw error(path + ": " + e.what());
  }
}

}  // namespace trex
