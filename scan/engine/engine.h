// scan/engine — the Hyperscan scan engine. Include this header to use the whole engine.
//
// Owns: loading ClamAV signatures (.ndb, .hdb, .hsb), the built-in EICAR signature and anti-spam
// regex rules (SignatureSet); compiling them into ONE immutable Database shared read-only by all
// cores; per-core Scratch; scanning one decoded stream in Hyperscan streaming mode with content
// sniffing and hash signatures (StreamScanner); header rules in block mode (scan_header).
// Calls: Hyperscan and OpenSSL libcrypto only. Nothing here knows SMTP, MIME or DPDK.
//
// Typical use: control thread builds a SignatureSet, Database::compile()s it and publishes it;
// each worker owns a Scratch and StreamScanners for that Database; per MIME view:
// begin(), feed()…, end(), then read hits() and rule(id).
#pragma once

#include "scan/engine/content_type.h"
#include "scan/engine/database.h"
#include "scan/engine/header_scan.h"
#include "scan/engine/scratch.h"
#include "scan/engine/signature_set.h"
#include "scan/engine/stream_scanner.h"
