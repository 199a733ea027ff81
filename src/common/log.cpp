// Event logging on spdlog: stderr (default) or syslog's mail facility, text
// or JSON. spdlog stays inside this file so no other module pulls it in.
#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

#include <atomic>
#include <memory>
#include <mutex>

namespace postino::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::text};
std::mutex g_mutex;  // guards g_logger replacement only
std::shared_ptr<spdlog::logger> g_logger;

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> current() {
  std::lock_guard lock(g_mutex);
  if (!g_logger) {
    g_logger = std::make_shared<spdlog::logger>("postino", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    g_logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    g_logger->set_level(spdlog::level::debug);
  }
  return g_logger;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  }
  return false;
}

void append_escaped(std::string& out, std::string_view v) {
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through unchanged
        }
    }
  }
}

void emit(Level level, const std::string& text) {
  current()->log(to_spdlog(level), "{}", text);
}

}  // namespace

void configure(const Settings& settings, std::string_view program) {
  std::shared_ptr<spdlog::logger> logger;
  if (settings.target == Target::syslog_mail) {
    auto sink = std::make_shared<spdlog::sinks::syslog_sink_mt>(std::string(program), LOG_PID, LOG_MAIL, true);
    logger = std::make_shared<spdlog::logger>("postino", sink);
    logger->set_pattern("%v");
  } else {
    logger = std::make_shared<spdlog::logger>("postino", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern(settings.format == Format::json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::debug);
  g_level = settings.level;
  g_format = settings.format;
  std::lock_guard lock(g_mutex);
  g_logger = std::move(logger);
}

bool enabled(Level level) { return static_cast<int>(level) >= static_cast<int>(g_level.load()); }

std::string format_text(std::string_view name, const std::vector<Field>& fields) {
  std::string out(name);
  for (const auto& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    if (f.quoted && needs_quotes(f.value)) {
      out += '"';
      append_escaped(out, f.value);
      out += '"';
    } else {
      out += f.value;
    }
  }
  return out;
}

std::string format_json(std::string_view name, const std::vector<Field>& fields) {
  std::string out = "{\"event\":\"";
  append_escaped(out, name);
  out += '"';
  for (const auto& f : fields) {
    out += ",\"";
    append_escaped(out, f.key);
    out += "\":";
    if (f.quoted) {
      out += '"';
      append_escaped(out, f.value);
      out += '"';
    } else {
      out += f.value;
    }
  }
  out += '}';
  return out;
}

void event(Level level, std::string_view name, const std::vector<Field>& fields) {
  if (!enabled(level)) return;
  emit(level, g_format == Format::json ? format_json(name, fields) : format_text(name, fields));
}

void event(Level level, std::string_view name, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  event(level, name, std::vector<Field>(fields));
}

void line(Level level, std::string_view component, std::string_view text) {
  if (!enabled(level)) return;
  if (g_format == Format::json) {
    event(level, "mail_log", {{"component", component}, {"text", text}});
    return;
  }
  std::string out(component);
  out += ": ";
  out += text;
  emit(level, out);
}

void Context::set(std::string_view key, std::string_view value) {
  for (auto& f : base_) {
    if (f.key == key) {
      f.value = value;
      return;
    }
  }
  base_.emplace_back(key, value);
}

void Context::event(Level level, std::string_view name, std::initializer_list<Field> fields) const {
  if (!enabled(level)) return;
  std::vector<Field> all = base_;
  all.insert(all.end(), fields.begin(), fields.end());
  log::event(level, name, all);
}

}  // namespace postino::log
