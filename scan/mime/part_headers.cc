#include "scan/mime/part_headers.h"

#include <algorithm>

#include "scan/mime/filename_sanitiser.h"
#include "scan/mime/header_params.h"
#include "scan/mime/rfc2047.h"
#include "scan/mime/rfc2231.h"

namespace sluice::mime {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool valid_media_type(std::string_view t) {
  const size_t slash = t.find('/');
  return slash != std::string_view::npos && slash > 0 && slash + 1 < t.size() &&
         t.find('/', slash + 1) == std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Appends `value` unless present or the list is full (its limit keeps this O(limit)).
void add_unique(std::vector<std::string>& list, std::string value, uint32_t limit) {
  if (list.size() >= limit) return;
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

struct ParsedHeader {
  std::string token;
  std::vector<AssembledParam> params;
};

void parse_all(const std::vector<std::string>& values, uint32_t max_sections,
               std::vector<ParsedHeader>& out) {
  StructuredValue raw;
  for (const std::string& v : values) {
    parse_structured_value(v, raw);
    ParsedHeader& p = out.emplace_back();
    p.token = raw.token;
    assemble_rfc2231(raw.params, max_sections, p.params);
  }
}

// A parameter value as MUAs read it: RFC 2047 words decoded (flagged, §5 forbids them).
std::string mua_value(const AssembledParam& p, AnomalyLog& log) {
  if (!has_rfc2047_word(p.value)) return p.value;
  log.raise(Anomaly::Rfc2047InParameter, p.name);
  return decode_rfc2047(p.value);
}

// Every reading of a boundary value other parsers are known to take (MIME-4).
void add_boundary_readings(const std::string& value, const MimeLimits& limits,
                           std::vector<std::string>& out, AnomalyLog& log) {
  if (value.size() > limits.max_boundary_length) {
    log.raise(Anomaly::BoundaryTooLong, "boundary over max_boundary_length ignored");
    return;
  }
  if (value.empty()) log.raise(Anomaly::MissingBoundary, "empty boundary parameter");
  const uint32_t limit = limits.max_boundary_candidates;
  add_unique(out, value, limit);
  std::string_view v = value;
  const size_t first = v.find_first_not_of(" \t");
  const size_t last = v.find_last_not_of(" \t");
  if (first != std::string_view::npos) {
    const std::string_view trimmed = v.substr(first, last - first + 1);
    add_unique(out, std::string(trimmed), limit);
    add_unique(out, std::string(trimmed.substr(0, trimmed.find_first_of(" \t"))), limit);
    if (trimmed.size() >= 2 && trimmed.front() == '\'' && trimmed.back() == '\'')
      add_unique(out, std::string(trimmed.substr(1, trimmed.size() - 2)), limit);
  }
}

void resolve_boundaries(const std::vector<ParsedHeader>& cts, const MimeLimits& limits,
                        ResolvedPart& out, AnomalyLog& log) {
  size_t occurrences = 0;
  for (const ParsedHeader& ct : cts) {
    for (const AssembledParam& p : ct.params) {
      if (p.name != "boundary") continue;
      ++occurrences;
      add_boundary_readings(p.value, limits, out.boundaries, log);
      if (has_rfc2047_word(p.value)) add_boundary_readings(mua_value(p, log), limits, out.boundaries, log);
    }
  }
  if (occurrences > 1) log.raise(Anomaly::DuplicateBoundary, "several boundary parameters");
}

void resolve_filenames(const std::vector<ParsedHeader>& cts, const std::vector<ParsedHeader>& cds,
                       const MimeLimits& limits, PartInfo& info, AnomalyLog& log) {
  auto take = [&](const std::vector<ParsedHeader>& headers, std::string_view param) {
    for (const ParsedHeader& h : headers) {
      for (const AssembledParam& p : h.params) {
        if (p.name != param) continue;
        std::string name = mua_value(p, log);
        if (sanitise_filename(name, limits.max_filename_length))
          log.raise(Anomaly::FilenameTooLong, "filename truncated");
        add_unique(info.filenames, std::move(name), limits.max_filename_candidates);
      }
    }
  };
  take(cts, "name");
  take(cds, "filename");
  if (info.filenames.size() > 1) log.raise(Anomaly::FilenameConflict, "several different filenames");
  for (const ParsedHeader& cd : cds)
    if (cd.token == "attachment") info.attachment = true;
  if (!info.filenames.empty()) info.attachment = true;
}

// The most structured reading wins: multipart, then message, then the first valid.
const ParsedHeader* choose_content_type(const std::vector<ParsedHeader>& cts) {
  const ParsedHeader* first_valid = nullptr;
  const ParsedHeader* first_message = nullptr;
  for (const ParsedHeader& ct : cts) {
    if (!valid_media_type(ct.token)) continue;
    if (starts_with(ct.token, "multipart/")) return &ct;
    if (!first_message && starts_with(ct.token, "message/")) first_message = &ct;
    if (!first_valid) first_valid = &ct;
  }
  return first_message ? first_message : first_valid;
}

}  // namespace

void HeaderFacts::clear() {
  content_types.clear();
  transfer_encodings.clear();
  dispositions.clear();
  mime_version = false;
}

void HeaderFacts::record(std::string_view name, std::string_view value) {
  if (iequals(name, "content-type")) content_types.emplace_back(value);
  else if (iequals(name, "content-transfer-encoding")) transfer_encodings.emplace_back(value);
  else if (iequals(name, "content-disposition")) dispositions.emplace_back(value);
  else if (iequals(name, "mime-version")) mime_version = true;
}

void resolve_part(const HeaderFacts& facts, const MimeLimits& limits, EntityContext context,
                  ResolvedPart& out, AnomalyLog& log) {
  PartInfo& info = out.info;
  info.content_type = context.in_digest ? "message/rfc822" : "text/plain";
  info.charset.clear();
  info.filenames.clear();
  info.attachment = false;
  out.boundaries.clear();
  out.digest = false;

  if (context.is_message && !facts.mime_version &&
      (!facts.content_types.empty() || !facts.transfer_encodings.empty()))
    log.raise(Anomaly::NoMimeVersion, "MIME headers without MIME-Version");
  if (facts.content_types.size() > 1)
    log.raise(Anomaly::DuplicateContentType, "several Content-Type headers");

  std::vector<ParsedHeader> cts, cds;
  parse_all(facts.content_types, limits.max_rfc2231_sections, cts);
  parse_all(facts.dispositions, limits.max_rfc2231_sections, cds);
  if (const ParsedHeader* chosen = choose_content_type(cts)) {
    info.content_type = chosen->token;
    for (const AssembledParam& p : chosen->params) {
      if (p.name != "charset") continue;
      info.charset = p.value;
      for (char& c : info.charset) c = lower(c);
      break;
    }
  }
  resolve_filenames(cts, cds, limits, info, log);

  const TransferEncodingVerdict cte = classify_transfer_encoding(facts.transfer_encodings);
  if (cte.conflicting) log.raise(Anomaly::ConflictingTransferEncoding, "transfer encodings disagree");
  if (cte.unknown) log.raise(Anomaly::UnknownTransferEncoding, "transfer encoding not in RFC 2045");
  info.transfer_encoding = cte.name;
  out.decoding = cte.decoding;
  out.shape = BodyShape::Leaf;

  const std::string& type = info.content_type;
  if (starts_with(type, "multipart/")) {
    resolve_boundaries(cts, limits, out, log);
    if (out.boundaries.empty()) {
      log.raise(Anomaly::MissingBoundary, "multipart without usable boundary");
      out.decoding = TransferDecoding::Identity;  // scanned as one text part
    } else {
      out.shape = BodyShape::Multipart;
      out.digest = type == "multipart/digest";
    }
  } else if (type == "message/rfc822" || type == "message/global") {
    if (cte.decoding == TransferDecoding::Base64 || cte.decoding == TransferDecoding::QuotedPrintable) {
      log.raise(Anomaly::EncodedRfc822, "message/rfc822 with base64/QP encoding");
      out.shape = BodyShape::EncodedMessage;
    } else if (cte.decoding != TransferDecoding::Ambiguous) {
      out.shape = BodyShape::Message;
    }
  } else if (type == "message/partial" || type == "message/external-body") {
    log.raise(Anomaly::PartialOrExternal, type);
  }
}

}  // namespace sluice::mime
