// control/notify/base64.h — base64 (RFC 4648) of a byte string, one line, no breaks.
//
// Owns: the one encoder the outbound mail code (AUTH PLAIN/LOGIN, MIME bodies and encoded words) and
// `diagnose scan file` (a file wrapped as a message's attachment) share. May call: OpenSSL (EVP_EncodeBlock).
#pragma once

#include <string>
#include <string_view>

namespace sluice::control::notify {

std::string base64(std::string_view in);

}  // namespace sluice::control::notify
