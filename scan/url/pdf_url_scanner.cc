#include "scan/url/pdf_url_scanner.h"

#include <algorithm>

#include "scan/url/url_lists.h"

namespace sluice::url {
namespace {

constexpr std::string_view kPdfHeader = "%PDF-";
constexpr std::string_view kEndstream = "endstream";

}  // namespace

PdfUrlScanner::PdfUrlScanner(const UrlLimits& limits)
    : limits_(limits),
      raw_(limits),
      strings_(limits),
      inflated_raw_(limits),
      inflated_strings_(limits),
      inflater_(limits) {
  head_.reserve(kPdfHeaderWindow);
}

void PdfUrlScanner::begin() {
  sniff_ = Sniff::Undecided;
  body_ = Body::None;
  head_.clear();
  decoded_.clear();
  endstream_tail_.clear();
  lexer_.reset();
  inflated_lexer_.reset();
  inflater_.begin_pdf();
  stats_ = {};
  urls_.clear();
  index_.clear();
  dropped_ = 0;
  listed_beyond_cap_ = 0;
  raw_.begin(false);
  strings_.begin(false);
  inflated_raw_.begin(false);
  inflated_strings_.begin(false);
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
  if (body_ == Body::Inflating) end_inflated_stream();   // a PDF cut short inside a compressed stream
  body_ = Body::None;
  raw_.end();
  strings_.end();
  inflated_raw_.end();
  inflated_strings_.end();
  merge(raw_);
  merge(strings_);
  merge(inflated_raw_);
  merge(inflated_strings_);
}

void PdfUrlScanner::scan(std::string_view bytes) {
  if (bytes.empty()) return;
  raw_.feed(bytes);
  decoded_.clear();
  while (!bytes.empty()) {
    switch (body_) {
      case Body::None:
        bytes.remove_prefix(lexer_.lex(bytes, decoded_));
        if (lexer_.flate_body()) start_body();
        break;
      case Body::Inflating:
        switch (inflater_.inflate(bytes, *this)) {
          case PdfStreamInflater::Status::NeedInput:
            break;
          case PdfStreamInflater::Status::Done:
            end_inflated_stream();
            body_ = Body::None;   // what follows ("endstream") is lexed as usual
            break;
          case PdfStreamInflater::Status::Corrupt:
            ++stats_.corrupt;
            end_inflated_stream();
            body_ = Body::None;   // lexing goes on right where zlib gave up: the raw reading never stopped
            break;
          case PdfStreamInflater::Status::Deadline:
            stats_.time_limit = true;
            [[fallthrough]];
          case PdfStreamInflater::Status::StreamBudget:
          case PdfStreamInflater::Status::PdfBudget:
            ++stats_.cut;
            end_inflated_stream();
            body_ = Body::Skipping;
            endstream_tail_.clear();
            break;
        }
        break;
      case Body::Skipping:
        skip_to_endstream(bytes);
        break;
    }
  }
  if (!decoded_.empty()) strings_.feed(decoded_);
}

void PdfUrlScanner::start_body() {
  ++stats_.streams;
  if (!stats_.time_limit && inflater_.begin_stream()) {
    body_ = Body::Inflating;
    inflated_lexer_.reset();
    return;
  }
  ++stats_.skipped;
  body_ = Body::Skipping;
  endstream_tail_.clear();
}

void PdfUrlScanner::on_inflated(std::string_view bytes) {
  stats_.inflated_bytes += bytes.size();
  inflated_raw_.feed(bytes);
  inflated_decoded_.clear();
  inflated_lexer_.lex(bytes, inflated_decoded_);
  if (!inflated_decoded_.empty()) inflated_strings_.feed(inflated_decoded_);
}

// One stream's text never runs into the next one's.
void PdfUrlScanner::end_inflated_stream() {
  inflated_decoded_.clear();
  inflated_lexer_.end_input(inflated_decoded_);
  inflated_decoded_ += ' ';
  inflated_strings_.feed(inflated_decoded_);
  inflated_raw_.feed(" ");
}

// A body that is not inflated is binary data to the lexer: a '(' in it would open a string that runs on into the
// objects after it, so it is passed over up to its "endstream" (the raw reading still sees every byte).
void PdfUrlScanner::skip_to_endstream(std::string_view& bytes) {
  while (!bytes.empty()) {
    endstream_tail_ += bytes.front();
    bytes.remove_prefix(1);
    if (endstream_tail_.size() > kEndstream.size()) endstream_tail_.erase(0, 1);
    if (endstream_tail_ == kEndstream) {
      body_ = Body::None;
      lexer_.reset();   // the keyword that ends the body was seen here, not by the lexer
      return;
    }
  }
}

void PdfUrlScanner::merge(const UrlExtractor& from) {
  dropped_ += from.dropped();
  for (const Url& url : from.urls()) {
    const auto seen = index_.find(url.normalized);
    if (seen != index_.end()) {
      urls_[seen->second].flags |= url.flags;
      continue;
    }
    const bool listed_beyond_cap = urls_.size() >= limits_.max_urls_per_view && limits_.keep_listed != nullptr &&
                                   listed_beyond_cap_ < kListedBeyondCap && limits_.keep_listed->match(url);
    if (urls_.size() >= limits_.max_urls_per_view && !listed_beyond_cap) {
      ++dropped_;
      continue;
    }
    if (listed_beyond_cap) ++listed_beyond_cap_;
    urls_.push_back(url);
    index_.emplace(urls_.back().normalized, urls_.size() - 1);
  }
}

}  // namespace sluice::url
