#include "scan/inspector/view_scan.h"

#include "scan/inspector/component_limits.h"
#include "scan/inspector/hit_collector.h"

namespace sluice::scan {
namespace {

using archive::kArchiveSniffBytes;
constexpr size_t kMaxUrlsPerMessage = 512;   // beyond: counted in urls_dropped
// An archive member whose first non-blank byte is not within this many bytes is not markup.
constexpr size_t kMarkupSniffBytes = 64;

bool ends_with_ignoring_case(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  const std::string_view tail = name.substr(name.size() - suffix.size());
  for (size_t i = 0; i < suffix.size(); ++i) {
    const char c = tail[i] >= 'A' && tail[i] <= 'Z' ? static_cast<char>(tail[i] - 'A' + 'a') : tail[i];
    if (c != suffix[i]) return false;
  }
  return true;
}

// Office Open XML parts (word/document.xml), their relationships (word/_rels/document.xml.rels, where hyperlinks
// live as Target="..." TargetMode="External"), legacy drawing (.vml) and ODF (content.xml, styles.xml). A part may
// carry any name its [Content_Types].xml maps, so members are also sniffed by content (first non-blank byte '<').
bool markup_by_name(std::string_view name) {
  for (std::string_view suffix : {".xml", ".rels", ".vml", ".htm", ".html", ".svg"}) {
    if (ends_with_ignoring_case(name, suffix)) return true;
  }
  return false;
}

std::vector<std::string> url_flag_names(uint16_t flags) {
  std::vector<std::string> names;
  for (uint16_t bit = 1; bit != 0 && bit <= flags; bit = static_cast<uint16_t>(bit << 1)) {
    if (flags & bit) names.emplace_back(url::url_flag_name(static_cast<url::UrlFlag>(bit)));
  }
  return names;
}

// Past the per-view URL cap a listed URL is still kept (url::UrlLimits::keep_listed).
url::UrlLimits url_limits_for(const PolicySnapshot& snapshot) {
  url::UrlLimits limits = url_limits_from(snapshot.policy.url_filter);
  limits.keep_listed = &snapshot.url_lists;
  return limits;
}

}  // namespace

ViewScan::ViewScan(const PolicySnapshot& snapshot, engine::Scratch& scratch)
    : snapshot_(snapshot),
      scratch_(scratch),
      scanner_(*snapshot.database, scratch),
      urls_(url_limits_for(snapshot)),
      pdf_urls_(url_limits_for(snapshot)),
      archive_limits_(archive_limits_from(snapshot.policy.archive)),
      url_limits_(url_limits_for(snapshot)) {}

ViewScan::~ViewScan() = default;

void ViewScan::begin(uint32_t view_id, const mime::PartInfo& part, mime::ViewKind kind, MessageRecord* record,
                     HitCollector* hits) {
  view_id_ = view_id;
  part_ = part;
  kind_ = kind;
  record_ = record;
  hits_ = hits;
  text_ = part.is_text() || part.is_html();
  // Attachments are logged with their SHA-256; a body gets one only if its content turns out binary.
  declared_attachment_ = part.attachment || !part.filenames.empty() || kind == mime::ViewKind::Uuencoded || !text_;
  head_.clear();
  archive_decided_ = false;
  archive_active_ = false;
  archive_events_ = 0;
  deadline_tsc_ = 0;
  scan_error_ = false;
  scanner_.begin(declared_attachment_ ? engine::ContentDigest::Always : engine::ContentDigest::IfBinary);
  if (text_) {
    urls_.begin(part.is_html());
  } else {
    pdf_urls_.begin();   // by content, whatever the part's label says
  }
}

void ViewScan::feed(std::string_view bytes, uint64_t deadline_tsc) {
  deadline_tsc_ = deadline_tsc;
  if (archive_active_) expander_->set_deadline_tsc(deadline_tsc_);
  pdf_urls_.set_deadline_tsc(deadline_tsc_);   // inflating a PDF's streams stops there too
  scanner_.feed(bytes);
  if (text_) {
    urls_.feed(bytes);
  } else {
    pdf_urls_.feed(bytes);
  }
  if (!archive_decided_) {
    const size_t take = std::min(bytes.size(), kArchiveSniffBytes - head_.size());
    head_.append(bytes.substr(0, take));
    if (head_.size() < kArchiveSniffBytes) return;
    start_archive_if_any();  // feeds the head to the expander
    bytes.remove_prefix(take);
  }
  if (archive_active_ && !bytes.empty()) expander_->feed(bytes);
}

void ViewScan::start_archive_if_any() {
  archive_decided_ = true;
  const archive::ArchiveFormat format = archive::detect_archive(head_);
  if (format == archive::ArchiveFormat::None) return;
  if (!expander_) expander_ = std::make_unique<archive::ArchiveExpander>(archive_limits_, static_cast<archive::ArchiveSink&>(*this));
  archive_active_ = true;
  expander_->set_deadline_tsc(deadline_tsc_);
  expander_->begin(format);
  expander_->feed(head_);
}

void ViewScan::end() {
  if (!archive_decided_) start_archive_if_any();  // a view shorter than the sniff length
  if (archive_active_) {
    expander_->finish();
    archive_events_ = expander_->events();
  }
  scanner_.end();
  scan_error_ = scan_error_ || !scanner_.ok();
  hits_->add(scanner_.hits(), where());
  const bool attachment = declared_attachment_ || engine::is_binary(scanner_.content_type());
  if (attachment && kind_ != mime::ViewKind::RawAlternate) {
    AttachmentRecord a;
    a.names = part_.filenames;
    a.name = a.names.empty() ? "" : a.names.front();
    a.declared_type = part_.content_type;
    a.detected_type = engine::content_type_name(scanner_.content_type());
    a.size = scanner_.bytes();
    a.sha256 = scanner_.sha256_hex();
    record_->attachments.push_back(std::move(a));
  }
  if (text_) {
    urls_.end();
    finish_urls(urls_.urls(), urls_.dropped());
  } else {
    pdf_urls_.end();
    if (pdf_urls_.is_pdf()) finish_urls(pdf_urls_.urls(), pdf_urls_.dropped());
  }
}

void ViewScan::finish_urls(const std::vector<url::Url>& urls, uint32_t dropped) {
  record_->urls_dropped += dropped;
  for (const url::Url& u : urls) {
    bool known = false;
    for (const UrlRecord& r : record_->urls) known = known || r.url == u.normalized;
    if (known) continue;
    auto match = snapshot_.url_lists.match(u);
    // Past the cap only listed URLs are kept (at most kListedBeyondCap more): the verdict needs them, and a sender
    // must not push one out of reach with kMaxUrlsPerMessage harmless links before it.
    const bool full = record_->urls.size() >= kMaxUrlsPerMessage;
    if (full && (!match || record_->urls.size() >= kMaxUrlsPerMessage + url::kListedBeyondCap)) {
      ++record_->urls_dropped;
      continue;
    }
    UrlRecord r{u.normalized, url_flag_names(u.flags), ""};
    if (match) r.listed = match->entry;
    record_->urls.push_back(std::move(r));
  }
}

std::string ViewScan::where() const {
  if (!part_.filenames.empty()) return part_.filenames.front();
  std::string w = "part " + std::to_string(part_.index);
  if (kind_ != mime::ViewKind::Decoded) w += std::string(" (") + mime::view_kind_name(kind_) + ")";
  return w;
}

// Archive entries arrive properly nested, one open entry per depth (depth 1 = the attachment's entries).
void ViewScan::on_entry_begin(uint32_t depth, std::string_view name) {
  const size_t slot = depth - 1;
  while (entry_scanners_.size() <= slot) {
    entry_scanners_.push_back(std::make_unique<engine::StreamScanner>(*snapshot_.database, scratch_));
    entry_names_.emplace_back();
  }
  entry_names_[slot].assign(name);
  entry_scanners_[slot]->begin();
  while (entry_urls_.size() <= slot) entry_urls_.push_back(std::make_unique<EntryUrls>(url_limits_));
  EntryUrls& urls = *entry_urls_[slot];
  urls.head.clear();
  urls.is_markup = markup_by_name(name) ? EntryUrls::Markup::Yes : EntryUrls::Markup::Undecided;
  urls.markup.begin(true);   // HTML mode: attribute values end at their quote, &amp; is decoded
  urls.pdf.begin();          // by content: a PDF inside a zip is read as one attached directly
}

void ViewScan::on_entry_data(uint32_t depth, std::string_view bytes) {
  entry_scanners_[depth - 1]->feed(bytes);
  EntryUrls& urls = *entry_urls_[depth - 1];
  urls.pdf.set_deadline_tsc(deadline_tsc_);
  urls.pdf.feed(bytes);
  if (urls.is_markup == EntryUrls::Markup::Undecided) {
    // A UTF-8 BOM and blanks may come first; the first other byte decides.
    size_t i = 0;
    for (; i < bytes.size(); ++i) {
      const auto b = static_cast<uint8_t>(bytes[i]);
      const bool bom = (b == 0xEF || b == 0xBB || b == 0xBF) && urls.head.size() + i < 3;
      if (!bom && b != ' ' && b != '\t' && b != '\r' && b != '\n') break;
    }
    if (i == bytes.size() && urls.head.size() + i < kMarkupSniffBytes) {
      urls.head.append(bytes);
      return;
    }
    if (i < bytes.size() && bytes[i] == '<') {
      urls.is_markup = EntryUrls::Markup::Yes;
      urls.markup.feed(urls.head);
    } else {
      urls.is_markup = EntryUrls::Markup::No;
    }
    urls.head.clear();
  }
  if (urls.is_markup == EntryUrls::Markup::Yes) urls.markup.feed(bytes);
}

void ViewScan::on_entry_end(uint32_t depth) {
  const size_t slot = depth - 1;
  engine::StreamScanner& s = *entry_scanners_[slot];
  s.end();
  scan_error_ = scan_error_ || !s.ok();
  std::string container = part_.filenames.empty() ? where() : part_.filenames.front();
  for (size_t outer = 0; outer < slot; ++outer) container += "/" + entry_names_[outer];
  AttachmentRecord a;
  a.name = entry_names_[slot];
  a.declared_type = "archive-entry";
  a.detected_type = engine::content_type_name(s.content_type());
  a.container = container;
  a.depth = depth;
  a.size = s.bytes();
  a.sha256 = s.sha256_hex();
  hits_->add(s.hits(), container + "/" + a.name);
  record_->attachments.push_back(std::move(a));
  EntryUrls& urls = *entry_urls_[slot];
  if (urls.is_markup == EntryUrls::Markup::Yes) {
    urls.markup.end();
    finish_urls(urls.markup.urls(), urls.markup.dropped());
  }
  urls.pdf.end();
  if (urls.pdf.is_pdf()) finish_urls(urls.pdf.urls(), urls.pdf.dropped());
}

}  // namespace sluice::scan
