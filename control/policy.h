// control/policy.h — the public face of Sluice's configuration.
//
// Owns: the typed Policy a configuration file binds into, its defaults, and the
// two entry points that turn text into a Policy (with every error found, each
// carrying file:line:col).
// May call: control/config/* (lexer, parser, schema binding) — nothing else.
// Callers (daemon, sluicectl, tests, fuzzers) include only this header; the
// schema table in control/config/schema.h is the second door, for the CLI.
// Every struct compares with == (member by member), so a candidate, a reload
// or a rollback can be checked against the Policy it should equal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::control {

// What to do with a message once a check has decided against it.
// Config words: pass tag quarantine tempfail reject.
enum class Action : uint8_t { Pass, Tag, Quarantine, Tempfail, Reject };

// The config word for an action ("pass", "tag", ...).
const char* action_name(Action);

// A lone LF (or CR) in SMTP text: rewrite it to CRLF, or refuse the message.
// Config words: normalize reject.
enum class BareNewlinePolicy : uint8_t { Normalize, Reject };

// One published address (config firewall vip, table: edit "<name>").
struct Vip {
  std::string name;              // the edit name, unique in the table
  std::string extip;             // "extip": the public address clients connect to (required)
  std::string mappedip;          // "mappedip": the internal server it maps to (required)
  std::vector<uint16_t> ports;   // "ports": published ports (empty = every port of smtp protocol-options)
  uint16_t mappedport = 0;       // "mappedport": backend port (0 = same as the port the client used)
  std::string ssl_profile;       // "ssl-profile": a config ssl profile name ("" = no TLS: STARTTLS hidden, SMTPS spliced)
  friend bool operator==(const Vip&, const Vip&) = default;
};

// One appliance port (config system interface, table: edit "outside" / "inside").
// The entry named "outside" faces the Internet MTAs; "inside" faces the protected servers.
struct Interface {
  std::string name;           // the edit name: "outside" or "inside" (live mode needs both)
  uint32_t port = 0;          // "port": DPDK port id (the order of the EAL --vdev / -a arguments)
  std::string ip;             // "ip": IPv4 address/prefix of the appliance on this link ("" = none)
  std::string ip6;            // "ip6": IPv6 address/prefix ("" = none)
  std::string gateway;        // "gateway": IPv4 next hop for destinations off this link ("" = on-link only)
  std::string gateway6;       // "gateway6": IPv6 next hop
  uint32_t mtu = 1500;        // "mtu": IP MTU of the link; the advertised TCP MSS follows from it
  friend bool operator==(const Interface&, const Interface&) = default;
};

// config system tcp — the appliance's own TCP endpoints (split proxy legs).
struct TcpSettings {
  uint32_t send_buffer_kb = 64;        // "send-buffer" KB per endpoint: bytes queued towards a peer
  uint32_t receive_buffer_kb = 64;     // "receive-buffer" KB per endpoint: the advertised window
  uint32_t window_scale = 7;           // "window-scale" 0..14: shift offered on SYN
  bool sack = true;                    // "sack" enable|disable: offer SACK-permitted
  uint32_t rto_min_ms = 200;           // "rto-min" ms (RFC 6298 says 1 s; Linux uses 200 ms)
  uint32_t rto_initial_ms = 1000;      // "rto-initial" ms (RFC 6298 2.1)
  uint32_t rto_max_ms = 60000;         // "rto-max" ms
  uint32_t max_retransmits = 8;        // "max-retransmits": RTO expiries of one segment before the flow is reset
  uint32_t syn_retries = 4;            // "syn-retries": SYN / SYN-ACK retransmissions
  uint32_t connect_timeout_s = 10;     // "connect-timeout" s: backend dial (else client RST), then client handshake (else both reset)
  uint32_t time_wait_s = 60;           // "time-wait" s: 2*MSL
  uint32_t fin_wait2_s = 60;           // "fin-wait2" s: orphaned FIN-WAIT-2
  // "max-half-open": sessions whose opening is unfinished (backend dialled, client handshake pending); each holds a
  // backend connection, so the bound is well under the backend's process limit. Beyond it: SYN cookies.
  uint32_t max_half_open = 64;
  bool syn_cookies = true;             // "syn-cookies" enable|disable (disable: SYNs beyond max-half-open are dropped)
  uint32_t neighbour_timeout_s = 300;  // "neighbour-timeout" s: ARP/ND entries are refreshed after this
  friend bool operator==(const TcpSettings&, const TcpSettings&) = default;
};

// config smtp protocol-options
struct SmtpOptions {
  std::vector<uint16_t> ports{25, 465, 587};  // "ports": inspected ports (offline mode also recognises SMTP by dialogue)
  uint32_t oversize_limit_mb = 10;            // "oversize-limit" (MB) 1..1024: larger messages are not scanned
  Action oversize_action = Action::Reject;    // "oversize-action" (FortiOS block/pass: 'block' is an alias of reject)
  uint32_t max_recipients = 1000;             // "max-recipients": RCPT TO commands per transaction
  uint32_t max_command_line = 2048;           // "max-command-line": bytes per SMTP command line
  uint32_t max_line_length = 2048;            // "max-line-length": bytes per DATA text line
  BareNewlinePolicy bare_newline = BareNewlinePolicy::Normalize;  // "bare-newline" normalize|reject
  uint32_t max_reply_line = 2048;             // "max-reply-line": bytes per server reply line kept whole
  uint32_t max_pipelined_commands = 1000;     // "max-pipelined-commands": commands awaiting a reply
  uint32_t max_pipelined_bytes = 65536;       // "max-pipelined-bytes": client bytes held until DATA/STARTTLS is answered
  bool chunking = true;                       // "chunking" enable|disable: advertise CHUNKING (BDAT), inspected like DATA
  // "hold-limit" KB 0..65536: content held before the backend sees any of it. A message that ends within it is
  // judged before the backend sees a byte; a larger one streams and only its end is held. 0 = always stream.
  uint32_t hold_limit_kb = 256;
  Action long_line_action = Action::Pass;     // "long-line-action" pass|reject: DATA line over max-line-length
  uint32_t max_errors = 20;                   // "max-errors": refused or malformed commands before 421 and close
  // "max-junk-commands": NOOP/RSET/VRFY/EXPN/HELP/HELO/EHLO a session may send free (Postfix
  // smtpd_junk_command_limit); each one after counts towards max-errors. Reset when a message is delivered.
  uint32_t max_junk_commands = 100;
  // "max-recipient-overshoot": RCPTs refused for max-recipients (452) per transaction that cost nothing (Postfix
  // smtpd_recipient_overshoot_limit); each one after counts towards max-errors.
  uint32_t max_recipient_overshoot = 1000;
  // "command-timeout" s: one command line must be complete this long after its first byte (RES-3: a command
  // trickled in keeps the connection alive but never finishes); beyond, 421 4.4.2 and close. Replies the client
  // leaves unread this long (RES-4: it pipelines and never reads) end the session too, without the 421.
  uint32_t command_timeout_s = 300;
  // "min-data-rate" B/s: message content must arrive at least this fast on average once command-timeout has
  // passed since the body began (Postfix smtpd_min_data_rate); 0 = off. Beyond, 421 4.4.2 and close.
  uint32_t min_data_rate = 500;
  friend bool operator==(const SmtpOptions&, const SmtpOptions&) = default;
};

// config smtp envelope — who may send, to whom Sluice relays. Address patterns (lists below):
// "user@domain" that address, "@domain" or "domain" every address of that domain, ".domain" that domain and
// every subdomain; all compared case-insensitively.
struct EnvelopeSettings {
  // "protected-domains": recipient domains Sluice relays for; others get 550 5.7.1 Relay access denied.
  // "example.com" is that domain only; ".example.com" is it and its subdomains. Empty = relay control off.
  std::vector<std::string> protected_domains;
  std::vector<std::string> sender_blocklist;     // "sender-blocklist": 550 5.7.1 at MAIL FROM
  std::vector<std::string> sender_safelist;      // "sender-safelist": skips anti-spam (never anti-virus)
  std::vector<std::string> recipient_blocklist;  // "recipient-blocklist": 550 5.7.1 at RCPT TO
  std::vector<std::string> recipient_safelist;   // "recipient-safelist": skips anti-spam (never anti-virus)
  friend bool operator==(const EnvelopeSettings&, const EnvelopeSettings&) = default;
};

// One client-address reputation list (config reputation list, table: edit "<name>").
struct ReputationList {
  std::string name;                   // the edit name, unique in the table; named in replies and logs
  std::vector<std::string> prefixes;  // "prefixes": CIDR prefixes, IPv4 and IPv6 (a bare address is /32 or /128)
  std::string file;                   // "file": one prefix per line, '#' comments (resolved to the config's directory)
  int score = 1;                      // "score": added to the client's reputation when its address is listed
  friend bool operator==(const ReputationList&, const ReputationList&) = default;
};

// config reputation settings — what the summed score of the matching lists does at MAIL FROM.
struct ReputationSettings {
  int reject_threshold = 5;    // "reject-threshold": at or above, 550 5.7.1
  int tempfail_threshold = 0;  // "tempfail-threshold": at or above (and below reject), 451 4.7.1; 0 = off
  friend bool operator==(const ReputationSettings&, const ReputationSettings&) = default;
};

// config greylist — per-worker triplet (client prefix, sender, recipient) greylisting.
struct GreylistSettings {
  bool enabled = false;                 // "status" enable|disable
  uint32_t delay_s = 300;               // "delay": a new triplet waits this long before a retry is accepted
  uint32_t retry_window_s = 2 * 86400;  // "retry-window": a retry later than this (after first seen) starts over
  uint32_t lifetime_s = 35 * 86400;     // "lifetime": an accepted triplet is known this long after its last use
  uint32_t max_entries = 100000;        // "max-entries": triplets kept per worker (least recently seen evicted)
  uint32_t ipv4_prefix = 24;            // "ipv4-prefix": client address bits in the triplet (sibling relays)
  uint32_t ipv6_prefix = 64;            // "ipv6-prefix"
  friend bool operator==(const GreylistSettings&, const GreylistSettings&) = default;
};

// config quarantine — where quarantine verdicts keep their copy.
struct QuarantineSettings {
  std::string directory;                // "directory": "" = off (the verdict acts as `action`, without a copy)
  Action after_action = Action::Reject; // "action" reject|pass: what the client hears after the copy is stored
  uint32_t max_size_mb = 25;            // "max-size" MB: larger messages are not copied
  friend bool operator==(const QuarantineSettings&, const QuarantineSettings&) = default;
};

// config mime limits — bounds that keep the streaming MIME parser's memory fixed.
struct MimeSettings {
  uint32_t max_depth = 20;               // "max-depth": nesting of multipart / message/rfc822
  uint32_t max_parts = 1000;             // "max-parts": parts per message
  uint32_t max_header_size = 102400;     // "max-header-size": bytes of one part's header block
  uint32_t max_line_length = 2048;       // "max-line-length": bytes per body line
  uint32_t max_boundary_length = 2048;   // "max-boundary-length": bytes of a multipart boundary
  uint32_t max_boundary_candidates = 32; // "max-boundary-candidates": boundary readings kept live per level
  uint32_t max_filename_length = 255;    // "max-filename-length": bytes of a decoded attachment name
  uint32_t max_flat_views = 64;          // "max-flat-views": base64 runs decoded as views past max-parts/max-depth
  Action ambiguity_action = Action::Reject;  // "ambiguity-action": structure two readers could parse differently
  friend bool operator==(const MimeSettings&, const MimeSettings&) = default;
};

// config archive — limits around zip/gzip/bzip2 expansion.
struct ArchiveSettings {
  uint32_t uncompressed_oversize_limit_mb = 10;  // "uncompressed-oversize-limit" (MB) expanded bytes scanned
  uint32_t max_ratio = 100;                      // "max-ratio": expanded/compressed size before it counts as a bomb
  uint32_t max_depth = 5;                        // "max-depth": archives inside archives
  uint32_t max_entries = 1000;                   // "max-entries": members per archive
  uint32_t ratio_floor_kb = 1024;                // "ratio-floor" (KB): expanded size before max-ratio applies
  uint32_t max_name_length = 1024;               // "max-name-length": bytes of a member name
  bool scan_bzip2 = true;                        // "scan-bzip2" enable|disable
  Action bomb_action = Action::Reject;           // "bomb-action": ratio, depth or entry limit exceeded
  Action encrypted_action = Action::Pass;        // "encrypted-action": password-protected members
  // "max-buffered-size" (MB): 7z, RAR and ISO 9660 need random access, so they are read from a bounded in-memory copy
  // of the attachment (one per archive depth, capacity kept); larger ones are not expanded (event buffer_limit).
  uint32_t max_buffered_size_mb = 25;
  Action buffer_limit_action = Action::Reject;   // "buffer-limit-action": a 7z/RAR/ISO too large to expand (unscanned)
  friend bool operator==(const ArchiveSettings&, const ArchiveSettings&) = default;
};

// config attachment-filter — banned attachment names (THREATS MIME-8). Applied to every candidate name of every
// MIME part (Content-Type name=, Content-Disposition filename=, uuencode names; already decoded from RFC 2231/2047
// and sanitised by the MIME parser) and to archive member names, after normalising: ASCII case folded, the
// basename only, trailing dots and spaces dropped (Windows drops them when it saves the file), and the name also
// read up to each '_' the sanitiser left for a NUL, control or bidi mark (a C-string reader stops at "evil.exe\0.pdf").
struct AttachmentFilterSettings {
  bool enabled = true;                       // "status" enable|disable
  // "banned-extensions": a name ending in "." + one of these is refused ("exe", ".exe" and "tar.gz" all work).
  // Default: what Windows runs on a double click, directly or through its default handler (Windows Script Host,
  // mshta, msiexec, the Java runtime, the control panel, Excel for .xll), plus the disk images (iso img vhd vhdx)
  // whose contents lose the Mark-of-the-Web when mounted. Archives and documents (zip, doc, pdf) are left to the
  // content scanners: banning them would refuse ordinary business mail.
  std::vector<std::string> banned_extensions{"exe", "com", "scr", "pif", "bat", "cmd", "cpl", "msi",  "msp",
                                             "mst", "msc", "hta", "js",  "jse", "vbs", "vbe", "wsf",  "wsh",
                                             "wsc", "sct", "ps1", "lnk", "jar", "reg", "chm", "xll",  "appx",
                                             "msix", "iso", "img", "vhd", "vhdx"};
  Action action = Action::Reject;            // "action": a banned name (reason attachment-filter:<ext>:<name>)
  bool archive_entries = true;               // "archive-entries" enable|disable: also archive member names
  // "truncated-name-action": a name cut at mime max-filename-length or archive max-name-length has lost its
  // extension, so it cannot be checked (THREATS MIME-8: a 1,000-character name); reason attachment-filter:truncated.
  Action truncated_name_action = Action::Reject;
  // By content, whatever the name says (reason attachment-filter:content:<type>:<name>, verdict `action`), on every
  // attachment and (with archive-entries) every archive member:
  // "executable-content" enable|disable: Windows PE (MZ with a DOS header), ELF and Mach-O executables;
  bool executable_content = true;
  // "disk-image-content" enable|disable: disk and volume images (ISO 9660, VHD, VHDX, QCOW, VMDK, FAT/NTFS boot
  // sectors), the containers that carried most malware past extension filters since 2019.
  bool disk_image_content = true;
  friend bool operator==(const AttachmentFilterSettings&, const AttachmentFilterSettings&) = default;
};

// config antivirus
struct AntivirusSettings {
  std::vector<std::string> signature_files;   // "signature-files" .ndb/.hdb/.hsb paths (resolved to the config's directory)
  bool builtin_eicar = true;                  // "builtin-eicar" enable|disable: the EICAR test string without any file
  Action action = Action::Reject;             // "action": on a signature match
  friend bool operator==(const AntivirusSettings&, const AntivirusSettings&) = default;
};

// config url-filter
struct UrlFilterSettings {
  std::vector<std::string> domain_lists;   // "domain-lists": files of blocked domains, one per line
  std::vector<std::string> url_lists;      // "url-lists": files of blocked URLs, one per line
  Action action = Action::Reject;          // "action": on a listed domain or URL
  uint32_t max_urls_per_part = 256;        // "max-urls-per-part": URLs kept per MIME part (more are counted)
  uint32_t max_url_length = 2048;          // "max-url-length": longer URLs are truncated and flagged
  // PDF FlateDecode streams inflated to find their links (MIME-14): MB per PDF in all, and per stream; 0 = off.
  uint32_t max_pdf_inflated_size_mb = 16;  // "max-pdf-inflated-size"
  uint32_t max_pdf_stream_inflated_size_mb = 4;  // "max-pdf-stream-inflated-size"
  friend bool operator==(const UrlFilterSettings&, const UrlFilterSettings&) = default;
};

// config spamfilter rule (table: edit "<name>")
struct SpamRule {
  std::string name;          // the edit name, unique in the table
  std::string pattern;       // "pattern": regular expression (required)
  bool header_scope = true;  // "scope" header|body
  std::string header;        // "header": only this header (empty = every header); header scope only
  int score = 1;             // "score": added to the message's spam score per match
  bool caseless = true;      // "caseless" enable|disable
  friend bool operator==(const SpamRule&, const SpamRule&) = default;
};

// config spamfilter settings (thresholds) + the rules of config spamfilter rule
struct SpamSettings {
  int tag_threshold = 5;         // "tag-threshold": score at which the message is tagged
  int reject_threshold = 10;     // "reject-threshold": score at which it is rejected
  std::vector<SpamRule> rules;   // from config spamfilter rule
  friend bool operator==(const SpamSettings&, const SpamSettings&) = default;
};

// config scan budget
struct ScanSettings {
  uint64_t cycles_per_message = 2'000'000'000;    // "cycles-per-message" (rdtsc cycles; ~0.7 s at 3 GHz)
  Action scan_timeout_action = Action::Tempfail;  // "scan-timeout-action" tempfail|pass|reject
  // "slice-cycles": TSC cycles of SMTP relaying/scanning per poll iteration before a worker returns to packet
  // I/O (the rest waits in the TCP receive buffers).
  uint64_t slice_cycles = 1'000'000;
  // "verdict-timeout" ms: wall clock from a message's end of data to its verdict; beyond, scan-timeout-action.
  uint32_t verdict_timeout_ms = 30000;
  friend bool operator==(const ScanSettings&, const ScanSettings&) = default;
};

// config system session
struct SessionSettings {
  uint32_t max_flows = 65536;          // "max-flows": concurrent TCP connections per worker; beyond: dropped, counted
  uint32_t idle_timeout_s = 300;       // "idle-timeout": seconds (RFC 5321 4.5.3.2: servers wait >= 5 min)
  uint32_t reassembly_memory_kb = 256; // "reassembly-memory": KB held out of order per direction of a flow
  uint32_t reassembly_segments = 128;  // "reassembly-segments": out-of-order pieces held per direction
  // "max-connections-per-client" 0..1,000,000 (0 = off): inspected sessions one client may hold at once (Postfix
  // smtpd_client_connection_count_limit, 50); beyond, 421 4.7.0 and close, before any backend is dialled. Each of
  // N workers holds its share, rounded up (clients' connections spread over the workers by source port).
  uint32_t max_connections_per_client = 50;
  // "client-v6-prefix" 32..128: an IPv6 client is counted by this prefix (one host usually holds a whole /64).
  uint32_t client_v6_prefix = 64;
  // "workers" 1..16: dataplane worker lcores (share-nothing, each owns the connections of its client ports);
  // read when the daemon starts (the ports' queues are made for it); `sluice --workers N` overrides.
  uint32_t workers = 1;
  // IP fragment reassembly in the live dataplane (THREATS TCP-6), per worker: "fragment-datagrams" 0..4096 held at
  // once (0 = drop every fragment), "fragment-timeout" ms 100..30000 from first fragment to whole datagram (Linux's
  // 30 s ipfrag_time is a host's; a proxy's slots are better recycled fast, and senders retransmit),
  // "fragments-per-datagram" 2..64 (a 1500-byte path cuts a 2 KB datagram in 2; 16 is generous).
  uint32_t fragment_datagrams = 64;
  uint32_t fragment_timeout_ms = 2000;
  uint32_t fragments_per_datagram = 16;
  friend bool operator==(const SessionSettings&, const SessionSettings&) = default;
};

// config log settings
struct LogSettings {
  std::string file;        // "file": JSON lines path ("" = stdout)
  bool log_all = true;     // "log-all" enable|disable (clean mail too; FIELD-NOTES says admins expect it)
  friend bool operator==(const LogSettings&, const LogSettings&) = default;
};

// How a VIP treats TLS (config ssl profile "mode").
// Config words: protecting-server certificate-inspection none.
enum class TlsMode : uint8_t {
  ProtectingServer,       // terminate with the protected server's own certificate, inspect, re-encrypt
  CertificateInspection,  // no decryption: after STARTTLS (or from the first byte on SMTPS) bytes are spliced
  None,                   // no TLS: STARTTLS not offered (502), SMTPS ports spliced uninspected
};
// The backend leg. Config words: starttls opportunistic implicit none.
//   starttls: STARTTLS to the backend, fail closed (421 4.7.0) if it refuses or the handshake fails;
//   opportunistic: STARTTLS if the backend offers it, else plaintext (logged);
//   implicit: TLS from the first byte (SMTPS backends); none: plaintext.
enum class BackendTls : uint8_t { Starttls, Opportunistic, Implicit, None };
// A client whose TLS handshake fails. Config words: close block.
//   close: alert and close; nothing remembered, so the MTA retries in plaintext (Postfix, large senders);
//   block: also refuse that client's connections (RST at SYN) for unsupported-ssl-block-time.
enum class UnsupportedSslAction : uint8_t { Close, Block };

// config ssl profile (table: edit "<name>"), referenced by a VIP's ssl-profile.
struct SslProfile {
  std::string name;
  TlsMode mode = TlsMode::ProtectingServer;                  // "mode"
  std::vector<std::string> server_certs;                     // "server-cert": PEM files (leaf, chain, key), RSA and
                                                             // ECDSA side by side; the first names are the SNI default
  std::vector<uint16_t> smtps_ports{465};                    // "smtps-ports": implicit TLS from the first byte
  std::vector<uint16_t> require_tls_ports{587};              // "require-tls-ports": before STARTTLS, MAIL gets 530 5.7.0
                                                             // and AUTH 538 5.7.11 (RFC 3207 / RFC 4954)
  BackendTls backend_tls = BackendTls::Starttls;             // "backend-tls" after a client STARTTLS: starttls|opportunistic|none
  BackendTls backend_smtps_tls = BackendTls::Implicit;       // "backend-smtps-tls" on smtps-ports: implicit|starttls|none
  bool backend_verify = false;                               // "backend-verify" enable|disable (TLS-7)
  std::string backend_ca_file;                               // "backend-ca-file": PEM CA(s) the backend chains to
  std::string backend_server_name;                           // "backend-server-name": SNI sent and name checked
  int min_version = 0x0303;                                  // "min-version" tls1.0|tls1.1|tls1.2|tls1.3 (client leg)
  int backend_min_version = 0x0303;                          // "backend-min-version"
  std::string ciphers12;                                     // "ciphers12": OpenSSL list for TLS <= 1.2 ("" = built-in)
  std::string ciphersuites13;                                // "ciphersuites13": TLS 1.3 suites ("" = built-in)
  bool session_tickets = true;                               // "session-tickets" enable|disable
  uint32_t ticket_key_lifetime_s = 3600;                     // "ticket-key-lifetime" s 60..604800
  UnsupportedSslAction unsupported_ssl_version = UnsupportedSslAction::Close;      // "unsupported-ssl-version"
  UnsupportedSslAction unsupported_ssl_cipher = UnsupportedSslAction::Close;       // "unsupported-ssl-cipher"
  UnsupportedSslAction unsupported_ssl_negotiation = UnsupportedSslAction::Close;  // "unsupported-ssl-negotiation"
  uint32_t unsupported_ssl_block_time_s = 600;               // "unsupported-ssl-block-time" s 1..86400
  uint32_t handshake_timeout_s = 30;                         // "handshake-timeout" s 1..600 (TLS-10: a trickled handshake)
  friend bool operator==(const SslProfile&, const SslProfile&) = default;
};

// config system tls — where TLS runs and with what crypto.
struct TlsSystemSettings {
  uint32_t workers = 0;           // "workers" 0..64: TLS lcores (0 = on the dataplane worker's own core)
  std::string engine;             // "engine": OpenSSL engine id, or a path to its shared object ("" = none)
  std::string provider;           // "provider": OpenSSL provider name ("" = none); not with engine
  std::string provider_path;      // "provider-path": directory holding the provider module ("" = OpenSSL's)
  bool async = true;              // "async" enable|disable: SSL_MODE_ASYNC (offloaded crypto may pause a handshake)
  uint32_t max_legs = 4096;       // "max-legs" 16..1048576: TLS legs per dataplane worker (two per inspected session)
  friend bool operator==(const TlsSystemSettings&, const TlsSystemSettings&) = default;
};

// config system control — the daemon's CLI socket and configuration history.
struct ControlSettings {
  std::string socket = "/run/sluice/sluice.sock";       // "socket": Unix socket path for sluicectl
  std::string group;                                    // "group": group allowed to use the socket (mode 0660);
                                                        // "" = root only (0600)
  std::string history_dir = "/var/lib/sluice/history";  // "history-dir": committed configurations
  uint32_t history_depth = 50;       // "history-depth" 1..10000: versions kept
  bool watch_files = true;           // "watch-files" enable|disable: recompile when a signature/URL/reputation
                                     // file changes (inotify)
  uint32_t trace_max_lines = 10000;  // "trace-max-lines" 1..1000000: upper bound for diagnose debug flow trace start N
  uint32_t drain_timeout_s = 60;     // "drain-timeout" s 1..3600: execute restart workers waits this long for
                                     // sessions to end
  // "probe-netns": network namespace (a name under /var/run/netns) that `diagnose test connection mailserver`
  // dials from, e.g. the one on the Internet side of the appliance; "" = the daemon's own.
  std::string probe_netns;
  friend bool operator==(const ControlSettings&, const ControlSettings&) = default;
};

// How alert mail reaches its relay. Config words: default none smtps starttls.
//   default: STARTTLS when the relay offers it, else plaintext; none: plaintext;
//   smtps: TLS from the first byte; starttls: STARTTLS required (no plaintext fallback).
enum class SecureOption : uint8_t { Default, None, Smtps, Starttls };

// config system alertemail — the appliance's own outbound mail (alerts, quarantine notices, daily summary).
struct AlertMailSettings {
  bool enabled = false;                  // "status" enable|disable
  std::string server;                    // "server": host name or IP of the relay
  uint16_t port = 0;                     // "port": 0 = 465 for smtps, else 25
  SecureOption secure_option = SecureOption::Default;  // "secure-option"
  std::string username;                  // "username": AUTH user ("" = no AUTH)
  std::string password;                  // "password"
  std::string client_cert;               // "client-cert": PEM file with certificate and key (TLS client auth); "" = none
  std::string ca_file;                   // "ca-file": CA bundle to verify the server; "" = system default store
  bool verify = false;                   // "verify" enable|disable: refuse a server certificate that does not verify
  std::string from = "sluice@localhost"; // "from"
  std::vector<std::string> to;           // "to": recipients (list)
  std::string helo;                      // "helo": name in EHLO ("" = the host name)
  std::string queue_dir = "/var/spool/sluice/alerts";  // "queue-dir": queued alerts survive a restart
  uint32_t retry_interval_s = 60;        // "retry-interval" s 1..86400
  uint32_t max_age_h = 72;               // "max-age" h 1..720: queued alerts older than this are dropped (logged)
  uint32_t timeout_s = 30;               // "timeout" s 1..600: per SMTP step
  bool quarantine_notices = true;        // "quarantine-notice" enable|disable
  bool critical_events = true;           // "critical-events" enable|disable
  bool daily_summary = true;             // "daily-summary" enable|disable
  std::string daily_summary_time = "07:00";  // "daily-summary-time" HH:MM local time
  friend bool operator==(const AlertMailSettings&, const AlertMailSettings&) = default;
};

// config system prometheus — counters as a Prometheus text endpoint.
struct PrometheusSettings {
  bool enabled = false;                  // "status"
  std::string listen = "127.0.0.1:9469"; // "listen": address:port, IPv6 as [addr]:port
  friend bool operator==(const PrometheusSettings&, const PrometheusSettings&) = default;
};

// Syslog transport. Config words: udp tcp.
enum class SyslogTransport : uint8_t { Udp, Tcp };

// config log syslogd — message records and events as RFC 5424 syslog.
struct SyslogSettings {
  bool enabled = false;                  // "status"
  std::string server;                    // "server": collector address (IP)
  uint16_t port = 514;                   // "port"
  SyslogTransport transport = SyslogTransport::Udp;  // "mode" udp|tcp
  std::string facility = "mail";         // "facility": kern user mail daemon auth syslog ... local0..local7
  friend bool operator==(const SyslogSettings&, const SyslogSettings&) = default;
};

// Everything one configuration file says. Defaults are the behaviour of an empty file.
struct Policy {
  std::vector<Interface> interfaces;  // config system interface
  std::vector<Vip> vips;          // config firewall vip
  SmtpOptions smtp;               // config smtp protocol-options
  EnvelopeSettings envelope;      // config smtp envelope
  ReputationSettings reputation;  // config reputation settings
  std::vector<ReputationList> reputation_lists;  // config reputation list
  GreylistSettings greylist;      // config greylist
  QuarantineSettings quarantine;  // config quarantine
  MimeSettings mime;              // config mime limits
  ArchiveSettings archive;        // config archive
  AntivirusSettings antivirus;    // config antivirus
  AttachmentFilterSettings attachment_filter;  // config attachment-filter
  UrlFilterSettings url_filter;   // config url-filter
  SpamSettings spam;              // config spamfilter settings + config spamfilter rule
  ScanSettings scan;              // config scan budget
  SessionSettings session;        // config system session
  TcpSettings tcp;                // config system tcp
  LogSettings log;                // config log settings
  std::vector<SslProfile> ssl_profiles;  // config ssl profile
  TlsSystemSettings tls;          // config system tls
  ControlSettings control;        // config system control
  AlertMailSettings alert_mail;   // config system alertemail
  PrometheusSettings prometheus;  // config system prometheus
  SyslogSettings syslog;          // config log syslogd
  friend bool operator==(const Policy&, const Policy&) = default;
};

// One problem found in a configuration. line/column are 1-based; 0 means the
// error concerns the whole file (e.g. it could not be read).
struct ConfigError {
  std::string file;
  uint32_t line = 0, column = 0;
  std::string message;
  // "file:line:col: message", or "file: message" when there is no position.
  std::string to_string() const;
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

// A bound Policy plus every error found (at most 20). The policy is only
// meaningful when ok(): with errors it holds whatever could be bound.
struct LoadResult {
  Policy policy;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// Reads and binds a file; relative paths inside resolve against its directory.
// An unreadable file gives one error naming it.
LoadResult load_config_file(const std::string& path);

// Binds text already in memory. file_name only labels errors; relative paths
// resolve against base_dir (left relative when base_dir is empty). Touches no
// global state and never throws on any input (it is a fuzz target).
LoadResult load_config_text(std::string_view text, const std::string& file_name, const std::string& base_dir);

}  // namespace sluice::control
