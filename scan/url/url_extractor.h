// scan/url/url_extractor.h — finds URLs in decoded text and HTML, streamed.
//
// Owns: the per-view scan. Bytes arrive in arbitrary chunks; HTML character
// references are decoded on the fly (html_entity_decoder.h), markup is
// tracked just enough to end URLs at attribute quotes (html_context.h), and
// every candidate is canonicalised with normalize_url() (url.h). Between
// chunks it keeps only a 16-byte look-behind window, a reference decoder of
// a dozen bytes and the current candidate (at most max_url_length bytes).
// In plain text a URL opened right after '<' may be folded across lines
// (RFC 3986 appendix C); the fold is skipped, bounded by UrlLimits.
// May call: url.h, url_opener.h, html_entity_decoder.h, html_context.h and
// the C++ standard library.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scan/url/html_context.h"
#include "scan/url/html_entity_decoder.h"
#include "scan/url/url.h"

namespace sluice::url {

class UrlExtractor {
 public:
  explicit UrlExtractor(const UrlLimits& limits);

  // Starts a new view. html: decode references and follow attributes
  // (href/src/srcset/action/background/..., CSS url(), meta refresh) as well
  // as text; plain: text only.
  void begin(bool html);
  // Arbitrary chunking: a URL split across chunks is found once.
  void feed(std::string_view decoded_bytes);
  // Ends the view: a URL running to the last byte is reported.
  void end();

  // De-duplicated by normalized form, in first-seen order; a URL seen again
  // with other flags keeps the union of its flags.
  const std::vector<Url>& urls() const { return urls_; }
  // Distinct URLs beyond max_urls_per_view (not de-duplicated among themselves).
  uint32_t dropped() const { return dropped_; }

 private:
  // Enough look-behind for the longest opener plus the byte before it.
  static constexpr size_t kWindow = 16;

  void feed_text(std::string_view bytes);
  void remember_plain(std::string_view run);
  void on_byte(const detail::DecodedByte& byte);
  void remember(const detail::DecodedByte& byte);
  std::string_view window() const;
  void try_start(const detail::HtmlByteRole& role);
  void start_candidate(size_t length_in_window, const detail::HtmlByteRole& role);
  void append_to_candidate(const detail::DecodedByte& byte);
  bool may_fold(char c) const;
  void start_fold(char c);
  bool consume_fold(char c);
  void finish_candidate();
  void report(std::string_view text, uint16_t extra_flags);
  void rebuild_index();
  // Past max_urls_per_view: whether a URL is still kept because limits_.keep_listed lists it.
  bool keep_beyond_cap(const Url& url);

  UrlLimits limits_;
  bool html_ = false;
  detail::HtmlEntityDecoder references_;
  detail::HtmlContext markup_;

  // Look-behind: the last kWindow decoded bytes, kept contiguous by sliding
  // the second half down when the buffer fills (amortised O(1) per byte).
  std::array<char, 2 * kWindow> window_bytes_{};
  std::array<bool, 2 * kWindow> window_evasive_{};
  size_t window_length_ = 0;

  bool in_candidate_ = false;
  bool candidate_truncated_ = false;
  bool candidate_evasive_ = false;
  bool candidate_in_quoted_url_value_ = false;
  std::string candidate_;

  // Folding (plain text, "<http://...>" only). The candidate before its first
  // line break is what is reported if the '>' never comes: joining lines of
  // an unclosed URL would glue the next line's prose onto it.
  bool candidate_bracketed_ = false;   // opened right after '<'
  bool candidate_closed_ = false;      // ended at that '>'
  uint32_t candidate_folds_ = 0;       // line breaks joined so far
  size_t candidate_unfolded_length_ = 0;
  bool folding_ = false;               // inside a line break and its indentation
  bool fold_saw_newline_ = false;
  uint32_t fold_indent_ = 0;

  Url scratch_;  // reused by normalize_url_into
  std::vector<Url> urls_;
  // Keys view urls_[i].normalized; rebuilt whenever urls_ reallocates.
  std::unordered_map<std::string_view, size_t> index_;
  uint32_t dropped_ = 0;
  uint32_t listed_beyond_cap_ = 0;
};

}  // namespace sluice::url
