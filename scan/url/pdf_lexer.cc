#include "scan/url/pdf_lexer.h"

namespace sluice::url {
namespace {

bool is_pdf_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\0';
}

bool is_pdf_delimiter(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '/' ||
         c == '%';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

}  // namespace

void PdfLexer::reset() {
  state_ = State::Outside;
  depth_ = 0;
  hex_high_ = -1;
  octal_ = 0;
  octal_digits_ = 0;
  token_ = Token::None;
  token_text_.clear();
  token_overlong_ = false;
  name_escape_ = -1;
  awaiting_filter_ = false;
  flate_ = false;
  flate_body_ = false;
}

size_t PdfLexer::lex(std::string_view bytes, std::string& strings) {
  flate_body_ = false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const bool eol_pending = state_ == State::StreamEol;
    step(bytes[i], strings);
    if (!flate_body_) continue;
    // From StreamEol, a byte other than the end of line is already the body's first byte (lenient, as readers).
    const bool consumed = !eol_pending || bytes[i] == '\n';
    return consumed ? i + 1 : i;
  }
  return bytes.size();
}

void PdfLexer::end_input(std::string& strings) {
  switch (state_) {
    case State::Octal:
      strings += static_cast<char>(octal_);
      end_string(strings);
      break;
    case State::Hex:
      if (hex_high_ >= 0) strings += static_cast<char>(hex_high_ * 16);
      end_string(strings);
      break;
    case State::Literal:
    case State::Escape:
    case State::EscapeCr:
      end_string(strings);
      break;
    default:
      break;
  }
  state_ = State::Outside;
  token_ = Token::None;
}

void PdfLexer::step(char c, std::string& out) {
  switch (state_) {
    case State::Outside:
      step_outside(c);
      return;
    case State::Comment:
      if (c == '\r' || c == '\n') state_ = State::Outside;
      return;
    case State::AfterLess:
      hex_high_ = -1;
      if (c == '<') {
        state_ = State::Outside;   // "<<" opens a dictionary
        return;
      }
      state_ = State::Hex;
      step(c, out);
      return;
    case State::Hex: {
      if (is_pdf_whitespace(c)) return;
      const int value = hex_value(c);
      if (value >= 0) {
        if (hex_high_ < 0) {
          hex_high_ = value;
        } else {
          out += static_cast<char>(hex_high_ * 16 + value);
          hex_high_ = -1;
        }
        return;
      }
      // '>' ends it (an odd last digit counts as if followed by 0); anything else means it was not a hex
      // string (binary data, a stray '<'): what was decoded still ends at a string boundary.
      if (c == '>' && hex_high_ >= 0) out += static_cast<char>(hex_high_ * 16);
      end_string(out);
      if (c != '>') step(c, out);
      return;
    }
    case State::Literal:
      step_literal(c, out);
      return;
    case State::Escape:
      state_ = State::Literal;
      switch (c) {
        case 'n': out += '\n'; return;
        case 'r': out += '\r'; return;
        case 't': out += '\t'; return;
        case 'b': out += '\b'; return;
        case 'f': out += '\f'; return;
        case '\n': return;                             // backslash-newline: the string continues
        case '\r': state_ = State::EscapeCr; return;   // ... also as backslash-CR-LF
        default: break;
      }
      if (is_octal(c)) {
        state_ = State::Octal;
        octal_ = static_cast<uint8_t>(c - '0');
        octal_digits_ = 1;
        return;
      }
      out += c;   // "\(", "\)", "\\", and an unknown escape is the character itself
      return;
    case State::Octal:
      if (is_octal(c) && octal_digits_ < 3) {
        octal_ = static_cast<uint8_t>(octal_ * 8 + (c - '0'));   // "\777" wraps to a byte, as readers do
        ++octal_digits_;
        return;
      }
      out += static_cast<char>(octal_);
      state_ = State::Literal;
      step_literal(c, out);
      return;
    case State::EscapeCr:
      state_ = State::Literal;
      if (c != '\n') step_literal(c, out);
      return;
    case State::StreamEol:
      // "stream" then CRLF or LF (§7.3.8.1); spaces and a lone CR before it are tolerated as readers do.
      if (c == '\r' || c == ' ' || c == '\t') return;
      state_ = State::Outside;
      flate_body_ = true;
      return;
  }
}

void PdfLexer::step_outside(char c) {
  if (track_streams_) {
    if (is_pdf_whitespace(c)) {
      end_token();
      if (state_ == State::StreamEol && c == '\n') {   // "stream" LF: the body starts with the next byte
        state_ = State::Outside;
        flate_body_ = true;
      }
      return;   // StreamEol (after "stream" CR or space) waits for the LF in step()
    }
    if (is_pdf_delimiter(c)) {
      end_token();
      if (state_ == State::StreamEol) state_ = State::Outside;   // "stream<" is no stream keyword
      if (c == '/') {
        token_ = Token::Name;
      } else if (c != '[' && c != '%') {
        awaiting_filter_ = false;   // "/Filter [" and comments keep waiting for the first filter's name
      }
    } else {
      if (token_ == Token::None) token_ = Token::Keyword;
      token_byte(c);
      return;
    }
  }
  if (c == '(') {
    state_ = State::Literal;
    depth_ = 1;
  } else if (c == '<') {
    state_ = State::AfterLess;
  } else if (c == '%') {
    state_ = State::Comment;   // "(" in a comment opens nothing
  }
}

void PdfLexer::token_byte(char c) {
  if (token_ == Token::Name && name_escape_ >= 0) {
    const int value = hex_value(c);
    if (value < 0) {
      token_overlong_ = true;   // "#" not followed by two hex digits: a name no reader calls FlateDecode
      name_escape_ = -1;
      return;
    }
    name_escape_value_ = static_cast<uint8_t>(name_escape_value_ * 16 + value);
    if (++name_escape_ < 2) return;
    name_escape_ = -1;
    c = static_cast<char>(name_escape_value_);
  } else if (token_ == Token::Name && c == '#') {
    name_escape_ = 0;   // "/Fl#61teDecode" is /FlateDecode (§7.3.5)
    name_escape_value_ = 0;
    return;
  }
  if (token_text_.size() >= kMaxToken) {
    token_overlong_ = true;
    return;
  }
  token_text_ += c;
}

void PdfLexer::end_token() {
  const Token token = token_;
  token_ = Token::None;
  if (token == Token::None) return;
  const bool matchable = !token_overlong_ && name_escape_ < 0;
  token_overlong_ = false;
  name_escape_ = -1;
  if (token == Token::Name) {
    on_name(matchable ? std::string_view(token_text_) : std::string_view("\x01"));
  } else {
    on_keyword(matchable ? std::string_view(token_text_) : std::string_view("\x01"));
  }
  token_text_.clear();
}

void PdfLexer::on_name(std::string_view name) {
  if (awaiting_filter_) {
    flate_ = name == "FlateDecode" || name == "Fl";
    awaiting_filter_ = false;
  } else if (name == "Filter") {
    awaiting_filter_ = true;
    flate_ = false;
  }
}

void PdfLexer::on_keyword(std::string_view word) {
  awaiting_filter_ = false;
  if (word == "obj" || word == "endobj" || word == "endstream") {
    flate_ = false;
  } else if (word == "stream") {
    if (flate_) state_ = State::StreamEol;   // the whitespace that ended the keyword decides (step_outside)
    flate_ = false;
  }
}

void PdfLexer::step_literal(char c, std::string& out) {
  if (c == '\\') {
    state_ = State::Escape;
  } else if (c == '(') {
    ++depth_;
    out += c;
  } else if (c == ')') {
    if (--depth_ == 0) {
      end_string(out);
    } else {
      out += c;
    }
  } else {
    out += c;
  }
}

void PdfLexer::end_string(std::string& out) {
  out += ' ';
  state_ = State::Outside;
}

}  // namespace sluice::url
