#include "control/telemetry/metrics_text.h"

namespace sluice::control::telemetry {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// HELP text escapes only backslash and newline (exposition format 0.0.4).
void append_help_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

// Label values escape backslash, double quote and newline.
void append_label_value_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = is_alpha(c) || c == '_' || c == ':' || (i > 0 && is_digit(c));
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = is_alpha(c) || c == '_' || (i > 0 && is_digit(c));
    if (!ok) return false;
  }
  return true;
}

bool MetricsText::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  return false;
}

bool MetricsText::family(std::string_view name, std::string_view help, std::string_view type) {
  if (!valid_metric_name(name)) return fail("invalid metric name '" + std::string(name) + "'");
  if (type != "counter" && type != "gauge") {
    return fail("metric '" + std::string(name) + "': type must be counter or gauge, not '" + std::string(type) + "'");
  }
  if (families_.contains(name)) return fail("metric family '" + std::string(name) + "' started twice");
  families_.emplace(name);
  current_family_.assign(name);
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_help_escaped(text_, help);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
  return true;
}

bool MetricsText::sample(std::string_view name, uint64_t value, std::initializer_list<Label> labels) {
  if (!valid_metric_name(name)) return fail("invalid metric name '" + std::string(name) + "'");
  if (name != current_family_) {
    return fail("sample '" + std::string(name) + "' outside its family (last family: '" + current_family_ + "')");
  }
  for (auto label = labels.begin(); label != labels.end(); ++label) {
    if (!valid_label_name(label->first)) {
      return fail("metric '" + std::string(name) + "': invalid label name '" + std::string(label->first) + "'");
    }
    for (auto earlier = labels.begin(); earlier != label; ++earlier) {
      if (earlier->first == label->first) {
        return fail("metric '" + std::string(name) + "': label '" + std::string(label->first) + "' given twice");
      }
    }
  }
  text_ += name;
  if (labels.size() > 0) {
    text_ += '{';
    bool first = true;
    for (const Label& label : labels) {
      if (!first) text_ += ',';
      first = false;
      text_ += label.first;
      text_ += "=\"";
      append_label_value_escaped(text_, label.second);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += std::to_string(value);
  text_ += '\n';
  return true;
}

void MetricsText::clear() {
  text_.clear();
  error_.clear();
  current_family_.clear();
  families_.clear();
}

}  // namespace sluice::control::telemetry
