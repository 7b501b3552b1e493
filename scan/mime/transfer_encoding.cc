#include "scan/mime/transfer_encoding.h"

#include "scan/mime/header_params.h"

namespace sluice::mime {
namespace {

// Maps a lowercased token to its normalised name, or "" when it is not defined.
std::string_view normalise(std::string_view token) {
  if (token == "7bit" || token == "8bit" || token == "binary" || token == "base64" ||
      token == "quoted-printable")
    return token;
  // Legacy uuencode spellings (MIME-11); all mean the same decoder.
  if (token == "x-uuencode" || token == "uuencode" || token == "x-uue" || token == "uue")
    return "x-uuencode";
  // Legacy BinHex spellings (MIME-11): the text as written, read as BinHex 4.0.
  if (token == "binhex" || token == "x-binhex" || token == "mac-binhex40") return "x-binhex";
  return {};
}

TransferDecoding decoding_of(std::string_view name) {
  if (name == "base64") return TransferDecoding::Base64;
  if (name == "quoted-printable") return TransferDecoding::QuotedPrintable;
  if (name == "x-uuencode") return TransferDecoding::Uuencode;
  if (name == "x-binhex") return TransferDecoding::Binhex;
  return TransferDecoding::Identity;
}

}  // namespace

TransferEncodingVerdict classify_transfer_encoding(const std::vector<std::string>& values) {
  TransferEncodingVerdict verdict;
  std::vector<std::string> words;
  std::string chosen;  // first valid name seen
  for (const std::string& value : values) {
    split_words_without_comments(value, words);
    if (words.size() != 1) {
      if (words.size() > 1) verdict.conflicting = true;
      else verdict.unknown = true;  // empty value
      for (const std::string& w : words)
        if (normalise(w).empty()) verdict.unknown = true;
      continue;
    }
    std::string token = words[0];
    for (char& c : token) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const std::string_view name = normalise(token);
    if (name.empty()) {
      verdict.unknown = true;
    } else if (chosen.empty()) {
      chosen.assign(name);
    } else if (chosen != name) {
      verdict.conflicting = true;
    }
  }
  if (verdict.conflicting || verdict.unknown) {
    verdict.decoding = TransferDecoding::Ambiguous;
    verdict.name = "ambiguous";
  } else if (!chosen.empty()) {
    verdict.decoding = decoding_of(chosen);
    verdict.name = chosen;
  }
  return verdict;
}

}  // namespace sluice::mime
