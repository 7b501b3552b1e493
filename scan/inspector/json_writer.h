// scan/inspector/json_writer.h — a tiny append-only JSON writer for log records.
//
// Why our own: records are written per message on the worker, into a reused buffer, with strict escaping
// (mail headers carry raw 8-bit, invalid UTF-8 and control characters — a log line must stay one valid JSON
// line whatever the attacker sent). Invalid UTF-8 becomes U+FFFD; controls become \u00XX.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::scan {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(uint64_t number);
  void value(int64_t number);
  void value(int number) { value(static_cast<int64_t>(number)); }
  void value(uint32_t number) { value(static_cast<uint64_t>(number)); }
  void value(uint16_t number) { value(static_cast<uint64_t>(number)); }
  void value(bool flag);
  void null();

  template <typename T>
  void field(std::string_view name, const T& v) {
    key(name);
    value(v);
  }

 private:
  void open(char bracket);
  void close(char bracket);
  void separate();

  std::string& out_;
  bool need_comma_ = false;
};

// Appends `text` as a JSON string body (no quotes), escaping as described above.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace sluice::scan
