// somas::Status: the error type every fallible engine call returns.
#ifndef SOMAS_ENGINE_STATUS_H_
#define SOMAS_ENGINE_STATUS_H_

#include <string>
#include <utility>

namespace somas {

// Ok, or an error with a message meant for the person who gave the input:
// it names the model, parameter, value and neuron index that were wrong.
class Status {
 public:
  Status() = default;
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}

  bool failed_ = false;
  std::string message_;
};

}  // namespace somas

#endif  // SOMAS_ENGINE_STATUS_H_
