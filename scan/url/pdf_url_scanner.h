// scan/url/pdf_url_scanner.h — URLs in a PDF file, from its uncompressed bytes.
//
// Owns: deciding whether a view is a PDF ("%PDF-" within its first kPdfHeaderWindow bytes, as readers accept it,
// whatever the part was labelled), and finding the URLs in one: link annotations (/URI (http://...)) and any
// http(s)/www text in uncompressed objects. Two plain-text UrlExtractors run side by side: one reads the raw
// bytes (what a text scan of the file sees), the other reads only the content of PDF strings with their escapes
// decoded — literal strings ("(http:\/\/ev\151l.example)", balanced parentheses, backslash-newline
// continuations) and hex strings ("<687474703a2f2f...>") — each string ended by a space, so a link written in
// escapes is found as the reader would follow it. Work is O(1) per byte; memory is the two extractors and a
// head of at most kPdfHeaderWindow bytes.
// Not done: compressed streams (FlateDecode etc.) are not inflated here, so links inside them (object streams,
// compressed content) are not found; UTF-16 strings (FE FF ...) are read byte by byte, so their NULs end URLs.
// May call: url_extractor.h and the C++ standard library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scan/url/url.h"
#include "scan/url/url_extractor.h"

namespace sluice::url {

class PdfUrlScanner {
 public:
  // PDF readers look for the header within the first 1024 bytes (ISO 32000 implementation notes).
  static constexpr size_t kPdfHeaderWindow = 1024;

  explicit PdfUrlScanner(const UrlLimits& limits);

  // Starts a new view of unknown content; bytes that turn out not to be a PDF are ignored.
  void begin();
  // Arbitrary chunking: the result does not depend on how the bytes are split.
  void feed(std::string_view bytes);
  void end();

  bool is_pdf() const { return sniff_ == Sniff::Pdf; }
  // Both readings merged, de-duplicated by normalized form (flags united), raw reading first; at most
  // max_urls_per_view.
  const std::vector<Url>& urls() const { return urls_; }
  uint32_t dropped() const { return dropped_; }

 private:
  enum class Sniff : uint8_t { Undecided, Pdf, NotPdf };
  enum class State : uint8_t { Outside, Comment, AfterLess, Hex, Literal, Escape, Octal, EscapeCr };

  void scan(std::string_view bytes);
  void step(char c);
  void step_literal(char c);
  void emit(char c) { decoded_ += c; }
  void end_string();
  void merge(const UrlExtractor& from);

  UrlLimits limits_;
  UrlExtractor raw_;
  UrlExtractor strings_;
  Sniff sniff_ = Sniff::Undecided;
  std::string head_;       // bytes before the header was found, at most kPdfHeaderWindow
  std::string decoded_;    // string content decoded from the current feed, handed to strings_ at its end

  State state_ = State::Outside;
  uint64_t depth_ = 0;     // literal string parentheses; PDF allows any nesting
  int hex_high_ = -1;      // first nibble of a hex pair, or -1
  uint8_t octal_ = 0;      // value of a \ddd escape so far
  uint8_t octal_digits_ = 0;

  std::vector<Url> urls_;
  std::unordered_map<std::string, size_t> index_;   // normalized form -> position in urls_
  uint32_t dropped_ = 0;
};

}  // namespace sluice::url
