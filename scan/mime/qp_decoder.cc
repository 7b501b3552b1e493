#include "scan/mime/qp_decoder.h"

namespace sluice::mime {
namespace {

int hex_value(char c, bool& lowercase) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') {
    lowercase = true;
    return c - 'a' + 10;
  }
  return -1;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

void QuotedPrintableDecoder::feed(std::string_view in, std::string& out) {
  for (char c : in) {
    if (!step(c, out)) {
      state_ = State::Text;
      step(c, out);
    }
  }
}

void QuotedPrintableDecoder::spill_held(std::string& out) {
  out += held_;
  held_.clear();
}

bool QuotedPrintableDecoder::step(char c, std::string& out) {
  bool lowercase = false;
  switch (state_) {
    case State::Text:
      if (c == '=') {
        spill_held(out);
        state_ = State::Eq;
      } else if (is_wsp(c)) {
        if (held_.size() >= kMaxHeldWhitespace) spill_held(out);
        held_.push_back(c);
      } else if (c == '\r') {
        state_ = State::Cr;
      } else if (c == '\n') {
        held_.clear();  // padding before a hard line break
        out.push_back('\n');
      } else {
        spill_held(out);
        out.push_back(c);
      }
      return true;
    case State::Cr:
      if (c == '\n') {
        held_.clear();
        out += "\r\n";
        state_ = State::Text;
        return true;
      }
      spill_held(out);
      out.push_back('\r');  // bare CR is data
      return false;
    case State::Eq:
      if (hex_value(c, lowercase) >= 0) {
        hex1_ = c;
        state_ = State::EqHex;
      } else if (c == '\r') {
        state_ = State::SoftCr;
      } else if (c == '\n') {
        state_ = State::Text;
      } else if (is_wsp(c)) {
        held_.assign(1, '=');
        held_.push_back(c);
        state_ = State::EqSpace;
      } else {
        invalid_ = true;
        out.push_back('=');
        return false;
      }
      return true;
    case State::EqHex: {
      const int lo = hex_value(c, lowercase);
      if (lo < 0) {
        invalid_ = true;
        out.push_back('=');
        out.push_back(hex1_);
        return false;
      }
      const int hi = hex_value(hex1_, lowercase);
      if (lowercase) invalid_ = true;
      out.push_back(static_cast<char>(hi * 16 + lo));
      state_ = State::Text;
      return true;
    }
    case State::EqSpace:
      if (is_wsp(c) && held_.size() < kMaxHeldWhitespace) {
        held_.push_back(c);
        return true;
      }
      if (c == '\r' || c == '\n') {  // `= \r\n`: soft break with padding
        held_.clear();
        state_ = c == '\r' ? State::SoftCr : State::Text;
        return true;
      }
      invalid_ = true;
      spill_held(out);
      return false;
    case State::SoftCr:
      state_ = State::Text;
      return c == '\n';  // `=\r` alone is still a soft break
  }
  return true;
}

void QuotedPrintableDecoder::finish(std::string& out) {
  switch (state_) {
    case State::Text: held_.clear(); break;  // trailing padding at the end
    case State::Cr: held_.clear(); out.push_back('\r'); break;
    case State::Eq: invalid_ = true; out.push_back('='); break;
    case State::EqHex:
      invalid_ = true;
      out.push_back('=');
      out.push_back(hex1_);
      break;
    case State::EqSpace: invalid_ = true; spill_held(out); break;
    case State::SoftCr: break;
  }
  state_ = State::Text;
}

void QuotedPrintableDecoder::reset() {
  state_ = State::Text;
  held_.clear();
  hex1_ = 0;
  invalid_ = false;
}

}  // namespace sluice::mime
