// scan/inspector/view_scan.h — scanning of one decoded MIME view.
//
// Owns, for one view at a time (reused across views): the Hyperscan stream of the view, URL extraction for
// text and HTML views and for any other view that turns out to be a PDF (url::PdfUrlScanner), and — when the
// first bytes are an archive — the archive expander with one Hyperscan stream per archive depth, and URL
// extraction for the archive's entries: markup members (Office Open XML parts and their .rels relationships,
// ODF content.xml, any member whose first non-blank byte is '<') through an HTML-mode UrlExtractor, so
// `Target="https://..."` and `xlink:href="..."` values are found, and PDF members through a PdfUrlScanner; one
// of each per archive depth, made on first use. Results are appended to the MessageRecord it is given.
// Calls: engine (StreamScanner), url (UrlExtractor, PdfUrlScanner, UrlLists), archive (ArchiveExpander).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scan/archive/archive_expander.h"
#include "scan/engine/engine.h"
#include "scan/inspector/message_record.h"
#include "scan/inspector/policy_snapshot.h"
#include "scan/mime/part_info.h"
#include "scan/url/pdf_url_scanner.h"
#include "scan/url/url_extractor.h"

namespace sluice::scan {

class HitCollector;

class ViewScan final : private archive::ArchiveSink {
 public:
  ViewScan(const PolicySnapshot&, engine::Scratch&);
  ~ViewScan() override;

  void begin(uint32_t view_id, const mime::PartInfo&, mime::ViewKind, MessageRecord*, HitCollector*);
  // deadline_tsc: when archive expansion inside this call must stop (0 = none); see ArchiveExpander.
  void feed(std::string_view bytes, uint64_t deadline_tsc);
  void end();
  uint32_t view_id() const { return view_id_; }
  uint32_t archive_events() const { return archive_events_; }
  bool scan_error() const { return scan_error_; }   // Hyperscan failed on this view or an entry of it

 private:
  void on_entry_begin(uint32_t depth, std::string_view name) override;
  void on_entry_data(uint32_t depth, std::string_view bytes) override;
  void on_entry_end(uint32_t depth) override;

  void start_archive_if_any();
  void finish_urls(const std::vector<url::Url>& urls, uint32_t dropped);
  std::string where() const;

  const PolicySnapshot& snapshot_;
  engine::Scratch& scratch_;
  engine::StreamScanner scanner_;
  url::UrlExtractor urls_;
  url::PdfUrlScanner pdf_urls_;   // every non-text view; it ignores content without a PDF header
  archive::ArchiveLimits archive_limits_;
  std::unique_ptr<archive::ArchiveExpander> expander_;          // created on the first archive seen
  std::vector<std::unique_ptr<engine::StreamScanner>> entry_scanners_;  // one per archive depth
  std::vector<std::string> entry_names_;                       // open entry name per depth
  // URL extraction of the open entry at each depth (index depth - 1).
  struct EntryUrls {
    enum class Markup : uint8_t { Undecided, Yes, No };
    explicit EntryUrls(const url::UrlLimits& limits) : markup(limits), pdf(limits) {}
    url::UrlExtractor markup;
    url::PdfUrlScanner pdf;
    Markup is_markup = Markup::Undecided;
    std::string head;   // leading BOM and blanks, until the first other byte decides
  };
  std::vector<std::unique_ptr<EntryUrls>> entry_urls_;
  url::UrlLimits url_limits_;

  MessageRecord* record_ = nullptr;
  HitCollector* hits_ = nullptr;
  uint32_t view_id_ = 0;
  mime::PartInfo part_;
  mime::ViewKind kind_ = mime::ViewKind::Decoded;
  bool text_ = false;
  bool declared_attachment_ = false;   // by its MIME headers (the content may still make it one)
  std::string head_;            // first bytes, until the archive sniff has enough of them
  bool archive_decided_ = false;
  bool archive_active_ = false;
  uint32_t archive_events_ = 0;
  uint64_t deadline_tsc_ = 0;   // the current feed's, handed to the expander
  bool scan_error_ = false;
};

}  // namespace sluice::scan
