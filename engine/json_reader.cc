// JSON text into documents: a SAX builder that places errors with the
// parser's own position and token, and refuses duplicate keys.
#include "engine/json_reader.h"

#include <cmath>
#include <set>
#include <vector>

namespace somas {

std::string TypeName(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "a list";
  if (j.is_object()) return "an object";
  return "a number";
}

namespace {

// Line and column of byte `offset` in `text` (1-based).
std::string Position(const std::string& text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Builds the document from nlohmann's SAX events, so that errors come with
// the parser's own position and token (no parsing of its messages), and
// records the first duplicate key (the DOM parser keeps the last silently).
class Builder : public nlohmann::json_sax<Json> {
 public:
  explicit Builder(Json* root) : root_(root) {}

  bool null() override { return Put(Json(nullptr)); }
  bool boolean(bool value) override { return Put(Json(value)); }
  bool number_integer(number_integer_t value) override { return Put(Json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return Put(Json(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) override {
    return Put(Json(value));
  }
  bool string(string_t& value) override { return Put(Json(value)); }
  bool binary(binary_t& value) override { return Put(Json::binary(value)); }
  bool start_object(std::size_t /*elements*/) override {
    open_.push_back(Place(Json::object()));
    keys_.emplace_back();
    return true;
  }
  bool key(string_t& key) override {
    if (!keys_.back().insert(key).second && duplicate_.empty()) duplicate_ = key;
    key_ = key;
    return true;
  }
  bool end_object() override {
    open_.pop_back();
    keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override {
    open_.push_back(Place(Json::array()));
    return true;
  }
  bool end_array() override {
    open_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& error) override {
    error_position_ = position;
    error_token_ = token;
    error_id_ = error.id;
    error_what_ = error.what();
    return false;
  }

  // After sax_parse: ok, or the error with its line and column.
  Status Result(const std::string& text) const {
    if (error_id_ == 406) {  // a number beyond double range: the token is its literal
      const size_t start =
          error_position_ >= error_token_.size() ? error_position_ - error_token_.size() : 0;
      return Status::Error("invalid JSON at " + Position(text, start) + ": the number " +
                           error_token_ + " is out of range (not finite)");
    }
    if (error_id_ != 0) {
      const size_t syntax = error_what_.find("syntax error");
      return Status::Error(
          "invalid JSON at " + Position(text, error_position_ ? error_position_ - 1 : 0) + ": " +
          (syntax == std::string::npos ? error_what_ : error_what_.substr(syntax)));
    }
    if (!duplicate_.empty()) return Status::Error("duplicate key \"" + duplicate_ + "\"");
    return Status();
  }

 private:
  // Puts `value` where the document is now: the root, the current key of
  // the open object, or the end of the open array; returns where it is.
  // (Pointers to open containers stay valid: only closed ones can move.)
  Json* Place(Json value) {
    if (open_.empty()) {
      *root_ = std::move(value);
      return root_;
    }
    Json& top = *open_.back();
    if (top.is_object()) {
      Json& slot = top[key_];
      slot = std::move(value);
      return &slot;
    }
    top.push_back(std::move(value));
    return &top.back();
  }
  bool Put(Json value) {
    Place(std::move(value));
    return true;
  }

  Json* root_;
  std::vector<Json*> open_;
  std::vector<std::set<std::string>> keys_;
  std::string key_, duplicate_;
  size_t error_position_ = 0;
  std::string error_token_, error_what_;
  int error_id_ = 0;
};

// Parses `text`, rejecting duplicate keys.
}  // namespace

Status ParseJson(const std::string& text, Json* out) {
  Json document;
  Builder builder(&document);
  Json::sax_parse(text, &builder);
  Status status = builder.Result(text);
  if (status.ok()) *out = std::move(document);
  return status;
}

Status Number(const Json& j, const std::string& what, double* out) {
  if (!j.is_number()) return Status::Error(what + " must be a number, not " + TypeName(j));
  *out = j.get<double>();
  if (!std::isfinite(*out)) return Status::Error(what + " must be finite");
  return Status();
}

}  // namespace somas
