#include "scan/url/pdf_url_scanner.h"

#include <algorithm>

namespace sluice::url {
namespace {

constexpr std::string_view kPdfHeader = "%PDF-";

bool is_pdf_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\0';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

}  // namespace

PdfUrlScanner::PdfUrlScanner(const UrlLimits& limits) : limits_(limits), raw_(limits), strings_(limits) {
  head_.reserve(kPdfHeaderWindow);
}

void PdfUrlScanner::begin() {
  sniff_ = Sniff::Undecided;
  head_.clear();
  decoded_.clear();
  state_ = State::Outside;
  depth_ = 0;
  hex_high_ = -1;
  octal_ = 0;
  octal_digits_ = 0;
  urls_.clear();
  index_.clear();
  dropped_ = 0;
  raw_.begin(false);
  strings_.begin(false);
}

void PdfUrlScanner::feed(std::string_view bytes) {
  if (sniff_ == Sniff::NotPdf) return;
  if (sniff_ == Sniff::Pdf) {
    scan(bytes);
    return;
  }
  const size_t take = std::min(bytes.size(), kPdfHeaderWindow - head_.size());
  // Re-search the last bytes already held too: the header may straddle two feeds.
  const size_t search_from = head_.size() >= kPdfHeader.size() ? head_.size() - (kPdfHeader.size() - 1) : 0;
  head_.append(bytes.substr(0, take));
  if (head_.find(kPdfHeader, search_from) != std::string::npos) {
    sniff_ = Sniff::Pdf;
    scan(head_);
    scan(bytes.substr(take));
    head_.clear();
    return;
  }
  if (head_.size() >= kPdfHeaderWindow) {
    sniff_ = Sniff::NotPdf;
    head_.clear();
  }
}

void PdfUrlScanner::end() {
  if (sniff_ != Sniff::Pdf) {
    sniff_ = Sniff::NotPdf;
    return;
  }
  raw_.end();
  strings_.end();
  merge(raw_);
  merge(strings_);
}

void PdfUrlScanner::scan(std::string_view bytes) {
  if (bytes.empty()) return;
  raw_.feed(bytes);
  decoded_.clear();
  for (char c : bytes) step(c);
  if (!decoded_.empty()) strings_.feed(decoded_);
}

// PDF lexing just far enough to know where strings are (ISO 32000-1 §7.2, §7.3.4).
void PdfUrlScanner::step(char c) {
  switch (state_) {
    case State::Outside:
      if (c == '(') {
        state_ = State::Literal;
        depth_ = 1;
      } else if (c == '<') {
        state_ = State::AfterLess;
      } else if (c == '%') {
        state_ = State::Comment;   // "(" in a comment opens nothing
      }
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
      step(c);
      return;
    case State::Hex: {
      if (is_pdf_whitespace(c)) return;
      const int value = hex_value(c);
      if (value >= 0) {
        if (hex_high_ < 0) {
          hex_high_ = value;
        } else {
          emit(static_cast<char>(hex_high_ * 16 + value));
          hex_high_ = -1;
        }
        return;
      }
      // '>' ends it (an odd last digit counts as if followed by 0); anything else means it was not a hex
      // string (binary data, a stray '<'): what was decoded still ends at a string boundary.
      if (c == '>' && hex_high_ >= 0) emit(static_cast<char>(hex_high_ * 16));
      end_string();
      if (c != '>') step(c);
      return;
    }
    case State::Literal:
      step_literal(c);
      return;
    case State::Escape:
      state_ = State::Literal;
      switch (c) {
        case 'n': emit('\n'); return;
        case 'r': emit('\r'); return;
        case 't': emit('\t'); return;
        case 'b': emit('\b'); return;
        case 'f': emit('\f'); return;
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
      emit(c);   // "\(", "\)", "\\", and an unknown escape is the character itself
      return;
    case State::Octal:
      if (is_octal(c) && octal_digits_ < 3) {
        octal_ = static_cast<uint8_t>(octal_ * 8 + (c - '0'));   // "\777" wraps to a byte, as readers do
        ++octal_digits_;
        return;
      }
      emit(static_cast<char>(octal_));
      state_ = State::Literal;
      step_literal(c);
      return;
    case State::EscapeCr:
      state_ = State::Literal;
      if (c != '\n') step_literal(c);
      return;
  }
}

void PdfUrlScanner::step_literal(char c) {
  if (c == '\\') {
    state_ = State::Escape;
  } else if (c == '(') {
    ++depth_;
    emit(c);
  } else if (c == ')') {
    if (--depth_ == 0) {
      end_string();
    } else {
      emit(c);
    }
  } else {
    emit(c);
  }
}

void PdfUrlScanner::end_string() {
  emit(' ');
  state_ = State::Outside;
}

void PdfUrlScanner::merge(const UrlExtractor& from) {
  dropped_ += from.dropped();
  for (const Url& url : from.urls()) {
    const auto seen = index_.find(url.normalized);
    if (seen != index_.end()) {
      urls_[seen->second].flags |= url.flags;
      continue;
    }
    if (urls_.size() >= limits_.max_urls_per_view) {
      ++dropped_;
      continue;
    }
    urls_.push_back(url);
    index_.emplace(urls_.back().normalized, urls_.size() - 1);
  }
}

}  // namespace sluice::url
