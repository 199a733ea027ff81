// Structured event logging: one line per event, a stable snake_case event
// name, key=value fields, and the context (session id, queue id) of the
// connection or message on every line (STYLE.md habit 9).
// Security: callers never pass passwords, tokens or message bodies.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace postino::log {

enum class Level { debug, info, warn, error };
enum class Target { stderr_stream, syslog_mail };
enum class Format { text, json };

struct Settings {
  Level level = Level::info;
  Target target = Target::stderr_stream;
  Format format = Format::text;
};

// Installs the process-wide logger. Safe to call again (on reload).
// `program` is the syslog ident, e.g. "postino".
void configure(const Settings& settings, std::string_view program = "postino");

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, std::uint64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  std::string key;
  std::string value;
  bool quoted = false;  // strings are quoted in text form when they need it
};

bool enabled(Level level);
void event(Level level, std::string_view name, std::initializer_list<Field> fields);
void event(Level level, std::string_view name, const std::vector<Field>& fields);

// A free-form line in another program's established shape (Postfix's
// "3F2A1B: to=<...>, status=sent", Dovecot's login lines), so that
// pflogsumm, fail2ban and admins' habits keep working.
void line(Level level, std::string_view component, std::string_view text);

// Renders one event as text; exposed for tests.
std::string format_text(std::string_view name, const std::vector<Field>& fields);
std::string format_json(std::string_view name, const std::vector<Field>& fields);

// Context fields carried by a session or a message, prepended to each event.
class Context {
 public:
  Context() = default;
  explicit Context(std::vector<Field> base) : base_(std::move(base)) {}
  void set(std::string_view key, std::string_view value);
  void event(Level level, std::string_view name, std::initializer_list<Field> fields) const;
  void info(std::string_view name, std::initializer_list<Field> fields = {}) const { event(Level::info, name, fields); }
  void warn(std::string_view name, std::initializer_list<Field> fields = {}) const { event(Level::warn, name, fields); }
  void error(std::string_view name, std::initializer_list<Field> fields = {}) const { event(Level::error, name, fields); }
  void debug(std::string_view name, std::initializer_list<Field> fields = {}) const { event(Level::debug, name, fields); }

 private:
  std::vector<Field> base_;
};

inline void info(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::info, name, fields); }
inline void warn(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::warn, name, fields); }
inline void error(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::error, name, fields); }
inline void debug(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::debug, name, fields); }

}  // namespace postino::log
