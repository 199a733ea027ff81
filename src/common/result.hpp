// Result<T>: the value channel for expected failures (STYLE.md habit 5).
// Shaped like std::expected (C++23), which GCC 12 offers only under -std=c++23.
// Programmer errors are not Results: they assert.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace postino {

// The catalogue of expected failures shared by every module; each protocol
// maps these to its own reply in one place.
enum class Errc {
  not_found,
  already_exists,
  invalid_argument,
  over_quota,
  disabled,
  permission_denied,
  temporary_failure,  // retry later: busy, I/O hiccup, remote down
  io_error,
  corrupt_data,
  unsupported,
};

const char* errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }
  Error&& take_error() { assert(!ok()); return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(failed_); return error_; }
  Error&& take_error() { assert(failed_); return std::move(error_); }

 private:
  Error error_{Errc::io_error, {}};
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace postino
