// Content-Transfer-Encoding classification (MIME-3): turns every CTE header of one
// part into one decoding choice. Uses header_params.h for comment stripping.
// A value is valid when, after comments and folding are removed, it is exactly
// one RFC 2045 token (case-insensitive). Everything else is ambiguous and the
// part is read three ways (raw, base64, quoted-printable).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::mime {

enum class TransferDecoding : uint8_t { Identity, Base64, QuotedPrintable, Uuencode, Binhex, Ambiguous };

struct TransferEncodingVerdict {
  TransferDecoding decoding = TransferDecoding::Identity;
  std::string name = "7bit";  // normalised name, "ambiguous" when decoding is
  bool conflicting = false;   // several tokens or headers that disagree
  bool unknown = false;       // a token RFC 2045 does not define
};

// `values`: the raw values of every CTE header of the part, in order (may be empty).
TransferEncodingVerdict classify_transfer_encoding(const std::vector<std::string>& values);

}  // namespace sluice::mime
