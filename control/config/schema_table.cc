// control/config/schema_table.cc — the schema: every block and key of the
// language, one row each. README.md documents the same table for people; keep
// them in step (tests/unit/control fails when README misses a block or key).
#include <string>

#include "control/config/schema_fields.h"

namespace sluice::control::config {

namespace {

using namespace fields;

constexpr EnumWord kEnableDisable[] = {{"enable", 1}, {"disable", 0}};
constexpr EnumWord kHeaderBody[] = {{"header", 1}, {"body", 0}};

constexpr uint8_t as_word(Action action) { return static_cast<uint8_t>(action); }

constexpr EnumWord kActions[] = {
    {"pass", as_word(Action::Pass)},         {"tag", as_word(Action::Tag)},
    {"quarantine", as_word(Action::Quarantine)}, {"tempfail", as_word(Action::Tempfail)},
    {"reject", as_word(Action::Reject)},
};
// FortiOS admins write oversize-action block|pass; 'block' means reject here.
constexpr EnumWord kOversizeActions[] = {
    {"pass", as_word(Action::Pass)},         {"tag", as_word(Action::Tag)},
    {"quarantine", as_word(Action::Quarantine)}, {"tempfail", as_word(Action::Tempfail)},
    {"reject", as_word(Action::Reject)},     {"block", as_word(Action::Reject)},
};
// A scan that ran out of budget has no verdict to tag or quarantine on.
constexpr EnumWord kTimeoutActions[] = {
    {"tempfail", as_word(Action::Tempfail)}, {"pass", as_word(Action::Pass)}, {"reject", as_word(Action::Reject)}};
constexpr EnumWord kPassReject[] = {{"pass", as_word(Action::Pass)}, {"reject", as_word(Action::Reject)}};
// After a quarantine copy the message can still only be refused or delivered.
constexpr EnumWord kRejectPass[] = {{"reject", as_word(Action::Reject)}, {"pass", as_word(Action::Pass)}};
constexpr EnumWord kBareNewline[] = {
    {"normalize", static_cast<uint8_t>(BareNewlinePolicy::Normalize)},
    {"reject", static_cast<uint8_t>(BareNewlinePolicy::Reject)}};

constexpr EnumWord kTlsModes[] = {
    {"protecting-server", static_cast<uint8_t>(TlsMode::ProtectingServer)},
    {"certificate-inspection", static_cast<uint8_t>(TlsMode::CertificateInspection)},
    {"none", static_cast<uint8_t>(TlsMode::None)}};
// After a client's STARTTLS the backend is already talking plaintext SMTP, so
// 'implicit' (TLS from its first byte) cannot apply there; on SMTPS ports
// 'opportunistic' has no plaintext phase to fall back from.
constexpr EnumWord kBackendTls[] = {
    {"starttls", static_cast<uint8_t>(BackendTls::Starttls)},
    {"opportunistic", static_cast<uint8_t>(BackendTls::Opportunistic)},
    {"none", static_cast<uint8_t>(BackendTls::None)}};
constexpr EnumWord kBackendSmtpsTls[] = {
    {"implicit", static_cast<uint8_t>(BackendTls::Implicit)},
    {"starttls", static_cast<uint8_t>(BackendTls::Starttls)},
    {"none", static_cast<uint8_t>(BackendTls::None)}};
constexpr EnumWord kCloseBlock[] = {
    {"close", static_cast<uint8_t>(UnsupportedSslAction::Close)},
    {"block", static_cast<uint8_t>(UnsupportedSslAction::Block)}};
// Protocol versions as they go on the wire (and as OpenSSL's TLS1_x_VERSION).
constexpr EnumWord kTlsVersions[] = {{"tls1.0", 0x0301}, {"tls1.1", 0x0302}, {"tls1.2", 0x0303}, {"tls1.3", 0x0304}};

constexpr EnumWord kSecureOptions[] = {
    {"default", static_cast<uint8_t>(SecureOption::Default)},
    {"none", static_cast<uint8_t>(SecureOption::None)},
    {"smtps", static_cast<uint8_t>(SecureOption::Smtps)},
    {"starttls", static_cast<uint8_t>(SecureOption::Starttls)}};
constexpr EnumWord kSyslogTransports[] = {
    {"udp", static_cast<uint8_t>(SyslogTransport::Udp)}, {"tcp", static_cast<uint8_t>(SyslogTransport::Tcp)}};
// RFC 5424 section 6.2.1 facility names; the value is the facility code (PRI = code * 8 + severity).
constexpr EnumWord kSyslogFacilities[] = {
    {"kern", 0},    {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},    {"syslog", 5},
    {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},    {"authpriv", 10}, {"ftp", 11},
    {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20}, {"local5", 21},
    {"local6", 22}, {"local7", 23}};

constexpr int64_t kMaxMessageMb = 1024;
constexpr int64_t kMaxLineBytes = 1 << 20;

constexpr KeySpec kInterfaceKeys[] = {
    integer<&Interface::port, 0, 1023>("port", "DPDK port id"),
    string<&Interface::ip>("ip", ValueKind::Prefix, "IPv4 address/prefix on this link"),
    string<&Interface::ip6>("ip6", ValueKind::Prefix, "IPv6 address/prefix on this link"),
    string<&Interface::gateway>("gateway", ValueKind::Address, "IPv4 next hop off this link"),
    string<&Interface::gateway6>("gateway6", ValueKind::Address, "IPv6 next hop off this link"),
    integer<&Interface::mtu, 576, 9000>("mtu", "IP MTU of the link"),
};

constexpr KeySpec kTcpKeys[] = {
    integer<&TcpSettings::send_buffer_kb, 4, 16384>("send-buffer", "KB queued towards a peer per endpoint"),
    integer<&TcpSettings::receive_buffer_kb, 4, 16384>("receive-buffer", "KB advertised window per endpoint"),
    integer<&TcpSettings::window_scale, 0, 14>("window-scale", "window scale shift offered on SYN"),
    toggle<&TcpSettings::sack>("sack", kEnableDisable, "offer SACK-permitted"),
    integer<&TcpSettings::rto_min_ms, 10, 10000>("rto-min", "ms, lower bound of the retransmission timeout"),
    integer<&TcpSettings::rto_initial_ms, 100, 10000>("rto-initial", "ms, retransmission timeout before an RTT sample"),
    integer<&TcpSettings::rto_max_ms, 1000, 600000>("rto-max", "ms, upper bound after back-off"),
    integer<&TcpSettings::max_retransmits, 1, 30>("max-retransmits", "expiries of one segment before reset"),
    integer<&TcpSettings::syn_retries, 1, 10>("syn-retries", "SYN and SYN-ACK retransmissions"),
    integer<&TcpSettings::connect_timeout_s, 1, 300>("connect-timeout", "seconds for the whole opening: backend dial, then client handshake"),
    integer<&TcpSettings::time_wait_s, 0, 240>("time-wait", "seconds in TIME-WAIT (2*MSL)"),
    integer<&TcpSettings::fin_wait2_s, 1, 3600>("fin-wait2", "seconds an orphaned FIN-WAIT-2 is kept"),
    integer<&TcpSettings::max_half_open, 1, 1'000'000>("max-half-open", "unfinished openings before SYN cookies"),
    toggle<&TcpSettings::syn_cookies>("syn-cookies", kEnableDisable, "answer SYN floods with SYN cookies"),
    integer<&TcpSettings::neighbour_timeout_s, 5, 86400>("neighbour-timeout", "seconds an ARP/ND entry is trusted"),
};

constexpr KeySpec kVipKeys[] = {
    required(string<&Vip::extip>("extip", ValueKind::Address, "public address clients connect to")),
    required(string<&Vip::mappedip>("mappedip", ValueKind::Address, "internal mail server it maps to")),
    port_list<&Vip::ports>("ports", "published ports (default: every port of smtp protocol-options)"),
    integer<&Vip::mappedport, 0, 65535>("mappedport", "backend port (0 = the port the client used)"),
    string<&Vip::ssl_profile>("ssl-profile", ValueKind::Text,
                              "config ssl profile entry (\"\" = no TLS: STARTTLS hidden, SMTPS spliced)"),
};

constexpr KeySpec kSslProfileKeys[] = {
    choice<&SslProfile::mode>("mode", kTlsModes, "terminate with the server's certificate, splice, or no TLS"),
    readable_file_list<&SslProfile::server_certs>("server-cert", "PEM files: leaf, chain, key (RSA and ECDSA)"),
    port_list<&SslProfile::smtps_ports>("smtps-ports", "ports with TLS from the first byte"),
    port_list<&SslProfile::require_tls_ports>("require-tls-ports", "ports refusing MAIL and AUTH before STARTTLS"),
    choice<&SslProfile::backend_tls>("backend-tls", kBackendTls, "backend leg after a client's STARTTLS"),
    choice<&SslProfile::backend_smtps_tls>("backend-smtps-tls", kBackendSmtpsTls, "backend leg on smtps-ports"),
    toggle<&SslProfile::backend_verify>("backend-verify", kEnableDisable,
                                        "verify the backend's chain and name, fail closed"),
    string<&SslProfile::backend_ca_file>("backend-ca-file", ValueKind::ReadableFile, "PEM CAs the backend chains to"),
    string<&SslProfile::backend_server_name>("backend-server-name", ValueKind::Text,
                                             "SNI sent to the backend and the name its certificate must carry"),
    named_number<&SslProfile::min_version>("min-version", kTlsVersions, "lowest TLS version a client may use"),
    named_number<&SslProfile::backend_min_version>("backend-min-version", kTlsVersions,
                                                   "lowest TLS version accepted from the backend"),
    string<&SslProfile::ciphers12>("ciphers12", ValueKind::Text, "OpenSSL cipher list for TLS 1.2 and below"),
    string<&SslProfile::ciphersuites13>("ciphersuites13", ValueKind::Text, "TLS 1.3 cipher suites"),
    toggle<&SslProfile::session_tickets>("session-tickets", kEnableDisable, "resume sessions with tickets"),
    integer<&SslProfile::ticket_key_lifetime_s, 60, 604800>("ticket-key-lifetime",
                                                            "seconds a ticket key encrypts before rotation"),
    choice<&SslProfile::unsupported_ssl_version>("unsupported-ssl-version", kCloseBlock,
                                                 "client offering only versions below min-version"),
    choice<&SslProfile::unsupported_ssl_cipher>("unsupported-ssl-cipher", kCloseBlock,
                                                "client sharing no cipher with us"),
    choice<&SslProfile::unsupported_ssl_negotiation>("unsupported-ssl-negotiation", kCloseBlock,
                                                     "any other failed client handshake"),
    integer<&SslProfile::unsupported_ssl_block_time_s, 1, 86400>("unsupported-ssl-block-time",
                                                                 "seconds a blocked client's SYNs get RST"),
    integer<&SslProfile::handshake_timeout_s, 1, 600>("handshake-timeout", "seconds a TLS handshake may take"),
};

constexpr KeySpec kTlsSystemKeys[] = {
    integer<&TlsSystemSettings::workers, 0, 64>("workers", "TLS lcores (0 = on each dataplane worker's core)"),
    string<&TlsSystemSettings::engine>("engine", ValueKind::NameOrPath, "OpenSSL engine id, or its .so file"),
    string<&TlsSystemSettings::provider>("provider", ValueKind::Text, "OpenSSL provider name"),
    string<&TlsSystemSettings::provider_path>("provider-path", ValueKind::Path, "directory holding the provider"),
    toggle<&TlsSystemSettings::async>("async", kEnableDisable, "let offloaded crypto pause a handshake"),
    integer<&TlsSystemSettings::max_legs, 16, 1048576>("max-legs", "TLS legs per dataplane worker"),
};

constexpr KeySpec kSmtpKeys[] = {
    port_list<&SmtpOptions::ports>("ports", "ports inspected as SMTP"),
    integer<&SmtpOptions::oversize_limit_mb, 1, kMaxMessageMb>("oversize-limit", "largest message scanned, MB"),
    choice<&SmtpOptions::oversize_action>("oversize-action", kOversizeActions, "verdict above oversize-limit"),
    integer<&SmtpOptions::max_recipients, 1, 100000>("max-recipients", "RCPT TO commands per transaction"),
    // RFC 5321 4.5.3.1: command lines of 512 bytes must be accepted.
    integer<&SmtpOptions::max_command_line, 512, 65536>("max-command-line", "bytes per command line"),
    // RFC 5321 4.5.3.1.6: text lines of 1000 bytes must be accepted.
    integer<&SmtpOptions::max_line_length, 1000, kMaxLineBytes>("max-line-length", "bytes per DATA text line"),
    choice<&SmtpOptions::bare_newline>("bare-newline", kBareNewline, "lone LF in DATA: rewrite to CRLF or refuse"),
    // RFC 5321 4.5.3.1.5: reply lines of 512 bytes must be accepted.
    integer<&SmtpOptions::max_reply_line, 512, 65536>("max-reply-line", "bytes per reply line"),
    integer<&SmtpOptions::max_pipelined_commands, 1, 100000>("max-pipelined-commands", "commands awaiting a reply"),
    integer<&SmtpOptions::max_pipelined_bytes, 1024, 16 << 20>("max-pipelined-bytes",
                                                              "client bytes held until DATA/STARTTLS is answered"),
    toggle<&SmtpOptions::chunking>("chunking", kEnableDisable, "advertise CHUNKING (BDAT), inspected like DATA"),
    integer<&SmtpOptions::hold_limit_kb, 0, 65536>("hold-limit",
                                                   "KB of a message held from the backend until the verdict (0 = stream)"),
    choice<&SmtpOptions::long_line_action>("long-line-action", kPassReject,
                                           "DATA line over max-line-length: forward and log, or refuse (552)"),
    integer<&SmtpOptions::max_errors, 1, 1000>("max-errors", "refused or malformed commands before 421 and close"),
    integer<&SmtpOptions::max_junk_commands, 1, 100000>("max-junk-commands",
                                                       "NOOP/RSET/VRFY/HELO... before each counts as an error"),
    integer<&SmtpOptions::max_recipient_overshoot, 0, 100000>(
        "max-recipient-overshoot", "RCPTs refused for max-recipients before each counts as an error"),
    integer<&SmtpOptions::command_timeout_s, 1, 3600>("command-timeout", "seconds from a command's first byte to its end"),
    integer<&SmtpOptions::min_data_rate, 0, 1 << 30>("min-data-rate", "bytes/s of message content, 0 = off"),
};

constexpr KeySpec kEnvelopeKeys[] = {
    string_list<&EnvelopeSettings::protected_domains>(
        "protected-domains", ValueKind::DomainList,
        "recipient domains relayed for (.example.com adds subdomains; none = relay control off)"),
    string_list<&EnvelopeSettings::sender_blocklist>("sender-blocklist", ValueKind::AddressPatternList,
                                                     "senders refused at MAIL FROM"),
    string_list<&EnvelopeSettings::sender_safelist>("sender-safelist", ValueKind::AddressPatternList,
                                                    "senders whose mail skips anti-spam"),
    string_list<&EnvelopeSettings::recipient_blocklist>("recipient-blocklist", ValueKind::AddressPatternList,
                                                        "recipients refused at RCPT TO"),
    string_list<&EnvelopeSettings::recipient_safelist>("recipient-safelist", ValueKind::AddressPatternList,
                                                       "recipients whose mail skips anti-spam"),
};

constexpr KeySpec kReputationSettingsKeys[] = {
    integer<&ReputationSettings::reject_threshold, -1000, 1000>("reject-threshold",
                                                                 "listed client's score refused at MAIL FROM (550)"),
    integer<&ReputationSettings::tempfail_threshold, -1000, 1000>("tempfail-threshold",
                                                                   "listed client's score deferred (451; 0 = off)"),
};

constexpr KeySpec kReputationListKeys[] = {
    string_list<&ReputationList::prefixes>("prefixes", ValueKind::PrefixList, "client networks on this list"),
    string<&ReputationList::file>("file", ValueKind::Path, "file of prefixes, one per line"),
    integer<&ReputationList::score, -1000, 1000>("score", "added to a listed client's reputation"),
};

constexpr KeySpec kGreylistKeys[] = {
    toggle<&GreylistSettings::enabled>("status", kEnableDisable, "greylist new (client, sender, recipient) triplets"),
    integer<&GreylistSettings::delay_s, 0, 86400>("delay", "seconds a new triplet waits before a retry passes"),
    integer<&GreylistSettings::retry_window_s, 60, 30 * 86400>("retry-window",
                                                               "seconds after first sight a retry still counts"),
    integer<&GreylistSettings::lifetime_s, 60, 365 * 86400>("lifetime",
                                                            "seconds a passed triplet is kept after its last use"),
    integer<&GreylistSettings::max_entries, 1024, 16 << 20>("max-entries", "triplets kept per worker"),
    integer<&GreylistSettings::ipv4_prefix, 8, 32>("ipv4-prefix", "IPv4 client address bits in a triplet"),
    integer<&GreylistSettings::ipv6_prefix, 32, 128>("ipv6-prefix", "IPv6 client address bits in a triplet"),
};

constexpr KeySpec kQuarantineKeys[] = {
    string<&QuarantineSettings::directory>("directory", ValueKind::Path, "where copies are stored (\"\" = off)"),
    choice<&QuarantineSettings::after_action>("action", kRejectPass, "what the client hears after the copy"),
    integer<&QuarantineSettings::max_size_mb, 1, 1024>("max-size", "largest message copied, MB"),
};

constexpr KeySpec kMimeKeys[] = {
    integer<&MimeSettings::max_depth, 1, 1000>("max-depth", "nesting of multiparts and attached messages"),
    integer<&MimeSettings::max_parts, 1, 100000>("max-parts", "parts per message"),
    integer<&MimeSettings::max_header_size, 1024, 16 << 20>("max-header-size", "bytes of one part's headers"),
    integer<&MimeSettings::max_line_length, 1000, kMaxLineBytes>("max-line-length", "bytes per body line"),
    // RFC 2046 caps boundaries at 70 characters; the default tolerates sloppy senders.
    integer<&MimeSettings::max_boundary_length, 70, 65536>("max-boundary-length", "bytes of a multipart boundary"),
    integer<&MimeSettings::max_boundary_candidates, 1, 1024>("max-boundary-candidates",
                                                             "boundary readings kept live per level"),
    integer<&MimeSettings::max_filename_length, 16, 4096>("max-filename-length", "bytes of a decoded file name"),
    integer<&MimeSettings::max_flat_views, 1, 100000>("max-flat-views",
                                                      "base64 runs decoded as views in content scanned flat"),
    choice<&MimeSettings::ambiguity_action>("ambiguity-action", kActions, "verdict on structure readers may disagree on"),
};

constexpr KeySpec kArchiveKeys[] = {
    integer<&ArchiveSettings::uncompressed_oversize_limit_mb, 1, 4096>("uncompressed-oversize-limit",
                                                                        "expanded MB scanned per archive"),
    integer<&ArchiveSettings::max_ratio, 1, 100000>("max-ratio", "expanded/compressed ratio before it is a bomb"),
    integer<&ArchiveSettings::max_depth, 1, 64>("max-depth", "archives inside archives"),
    integer<&ArchiveSettings::max_entries, 1, 1000000>("max-entries", "members per archive"),
    integer<&ArchiveSettings::ratio_floor_kb, 0, 1 << 20>("ratio-floor", "expanded KB before max-ratio applies"),
    integer<&ArchiveSettings::max_name_length, 16, 65536>("max-name-length", "bytes of a member name"),
    toggle<&ArchiveSettings::scan_bzip2>("scan-bzip2", kEnableDisable, "expand bzip2 streams"),
    choice<&ArchiveSettings::bomb_action>("bomb-action", kActions, "verdict when a limit is exceeded"),
    choice<&ArchiveSettings::encrypted_action>("encrypted-action", kActions, "verdict on encrypted members"),
    integer<&ArchiveSettings::max_buffered_size_mb, 1, 1024>("max-buffered-size",
                                                             "MB of a 7z, RAR or ISO held to expand it"),
    choice<&ArchiveSettings::buffer_limit_action>("buffer-limit-action", kActions,
                                                  "verdict on a 7z, RAR or ISO over max-buffered-size"),
};

constexpr KeySpec kAntivirusKeys[] = {
    path_list<&AntivirusSettings::signature_files>("signature-files", "ClamAV .ndb/.hdb/.hsb signature files"),
    toggle<&AntivirusSettings::builtin_eicar>("builtin-eicar", kEnableDisable, "detect the EICAR test file"),
    choice<&AntivirusSettings::action>("action", kActions, "verdict on a signature match"),
};

// Extensions have the grammar of domain labels (letters, digits, '-', '_', dot-separated: "exe", "tar.gz", and a
// leading dot is allowed: ".exe"), so the domain list's word check is the extension list's.
constexpr KeySpec kAttachmentFilterKeys[] = {
    toggle<&AttachmentFilterSettings::enabled>("status", kEnableDisable, "check attachment names"),
    string_list<&AttachmentFilterSettings::banned_extensions>("banned-extensions", ValueKind::DomainList,
                                                              "extensions refused in any candidate name"),
    choice<&AttachmentFilterSettings::action>("action", kActions, "verdict on a banned name"),
    toggle<&AttachmentFilterSettings::archive_entries>("archive-entries", kEnableDisable,
                                                       "also check archive member names"),
    choice<&AttachmentFilterSettings::truncated_name_action>("truncated-name-action", kActions,
                                                             "verdict on a name cut at its length limit"),
    toggle<&AttachmentFilterSettings::executable_content>("executable-content", kEnableDisable,
                                                          "refuse PE, ELF and Mach-O content under any name"),
    toggle<&AttachmentFilterSettings::disk_image_content>("disk-image-content", kEnableDisable,
                                                          "refuse ISO, VHD(X), QCOW, VMDK and volume images"),
};

constexpr KeySpec kUrlFilterKeys[] = {
    path_list<&UrlFilterSettings::domain_lists>("domain-lists", "files of blocked domains"),
    path_list<&UrlFilterSettings::url_lists>("url-lists", "files of blocked URLs"),
    choice<&UrlFilterSettings::action>("action", kActions, "verdict on a listed domain or URL"),
    integer<&UrlFilterSettings::max_urls_per_part, 1, 100000>("max-urls-per-part", "URLs kept per MIME part"),
    integer<&UrlFilterSettings::max_url_length, 64, 65536>("max-url-length", "longer URLs are truncated"),
    integer<&UrlFilterSettings::max_pdf_inflated_size_mb, 0, 1024>("max-pdf-inflated-size",
                                                                   "MB of a PDF's compressed streams inflated for links"),
    integer<&UrlFilterSettings::max_pdf_stream_inflated_size_mb, 0, 1024>("max-pdf-stream-inflated-size",
                                                                          "MB inflated per PDF stream"),
};

constexpr KeySpec kSpamSettingsKeys[] = {
    integer<&SpamSettings::tag_threshold, -1000, 1000>("tag-threshold", "score at which mail is tagged"),
    integer<&SpamSettings::reject_threshold, -1000, 1000>("reject-threshold", "score at which mail is rejected"),
};

constexpr KeySpec kSpamRuleKeys[] = {
    toggle<&SpamRule::header_scope>("scope", kHeaderBody, "match headers or body text"),
    string<&SpamRule::header>("header", ValueKind::Text, "only this header (header scope)"),
    required(string<&SpamRule::pattern>("pattern", ValueKind::Text, "regular expression")),
    integer<&SpamRule::score, -1000, 1000>("score", "added to the spam score per match"),
    toggle<&SpamRule::caseless>("caseless", kEnableDisable, "ignore letter case"),
};

constexpr KeySpec kScanKeys[] = {
    integer<&ScanSettings::cycles_per_message, 1'000'000, 1'000'000'000'000>("cycles-per-message",
                                                                              "rdtsc cycles of scanning per message"),
    choice<&ScanSettings::scan_timeout_action>("scan-timeout-action", kTimeoutActions, "verdict when the budget runs out"),
    integer<&ScanSettings::slice_cycles, 10'000, 10'000'000'000>("slice-cycles",
                                                                "TSC cycles of SMTP work per poll before packet I/O"),
    integer<&ScanSettings::verdict_timeout_ms, 100, 600'000>("verdict-timeout",
                                                             "ms from end of data to verdict before the timeout action"),
};

constexpr KeySpec kSessionKeys[] = {
    integer<&SessionSettings::max_flows, 16, 16'777'216>("max-flows", "concurrent TCP connections per worker"),
    integer<&SessionSettings::max_connections_per_client, 0, 1'000'000>(
        "max-connections-per-client", "inspected sessions one client may hold (0 = no limit); beyond: 421"),
    integer<&SessionSettings::client_v6_prefix, 32, 128>("client-v6-prefix",
                                                         "IPv6 clients are counted per prefix of this length"),
    integer<&SessionSettings::idle_timeout_s, 1, 86400>("idle-timeout", "seconds before an idle flow is closed"),
    integer<&SessionSettings::reassembly_memory_kb, 4, 65536>("reassembly-memory",
                                                             "KB held out of order per direction of a flow"),
    integer<&SessionSettings::reassembly_segments, 4, 65536>("reassembly-segments",
                                                             "out-of-order pieces held per direction"),
    integer<&SessionSettings::workers, 1, 16>("workers", "dataplane worker lcores (read at daemon start)"),
    integer<&SessionSettings::fragment_datagrams, 0, 4096>(
        "fragment-datagrams", "IP datagrams in fragment reassembly at once per worker (0 = drop fragments)"),
    integer<&SessionSettings::fragment_timeout_ms, 100, 30000>("fragment-timeout",
                                                               "ms from first fragment to whole datagram"),
    integer<&SessionSettings::fragments_per_datagram, 2, 64>("fragments-per-datagram",
                                                             "fragments one IP datagram may arrive in"),
};

constexpr KeySpec kLogKeys[] = {
    string<&LogSettings::file>("file", ValueKind::Path, "JSON lines file (\"\" = stdout)"),
    toggle<&LogSettings::log_all>("log-all", kEnableDisable, "log clean mail too"),
};

constexpr KeySpec kControlKeys[] = {
    string<&ControlSettings::socket>("socket", ValueKind::Path, "Unix socket sluicectl connects to"),
    string<&ControlSettings::group>("group", ValueKind::Text, "group allowed on the socket, mode 0660 (\"\" = root only)"),
    string<&ControlSettings::history_dir>("history-dir", ValueKind::Path, "directory of committed configurations"),
    integer<&ControlSettings::history_depth, 1, 10000>("history-depth", "committed versions kept"),
    toggle<&ControlSettings::watch_files>("watch-files", kEnableDisable,
                                          "recompile when a signature, URL or reputation file changes"),
    integer<&ControlSettings::trace_max_lines, 1, 1'000'000>("trace-max-lines",
                                                             "most lines one 'diagnose debug flow trace' may ask for"),
    integer<&ControlSettings::drain_timeout_s, 1, 3600>("drain-timeout",
                                                        "seconds 'execute restart workers' waits for sessions to end"),
    string<&ControlSettings::probe_netns>("probe-netns", ValueKind::Text,
                                          "network namespace the mail server probe dials from (\"\" = the daemon's)"),
};

constexpr KeySpec kAlertMailKeys[] = {
    toggle<&AlertMailSettings::enabled>("status", kEnableDisable, "send alert mail"),
    string<&AlertMailSettings::server>("server", ValueKind::Host, "relay host name or address"),
    integer<&AlertMailSettings::port, 0, 65535>("port", "relay port (0 = 465 for smtps, else 25)"),
    choice<&AlertMailSettings::secure_option>("secure-option", kSecureOptions,
                                              "TLS to the relay: try STARTTLS, none, SMTPS, or STARTTLS required"),
    string<&AlertMailSettings::username>("username", ValueKind::Text, "AUTH user (\"\" = no AUTH)"),
    string<&AlertMailSettings::password>("password", ValueKind::Text, "AUTH password"),
    string<&AlertMailSettings::client_cert>("client-cert", ValueKind::ReadableFile,
                                            "PEM certificate and key for TLS client authentication"),
    string<&AlertMailSettings::ca_file>("ca-file", ValueKind::ReadableFile,
                                        "PEM CAs the relay chains to (\"\" = system store)"),
    toggle<&AlertMailSettings::verify>("verify", kEnableDisable, "refuse a relay certificate that does not verify"),
    string<&AlertMailSettings::from>("from", ValueKind::Mailbox, "sender address of alert mail"),
    string_list<&AlertMailSettings::to>("to", ValueKind::MailboxList, "recipients of alert mail"),
    string<&AlertMailSettings::helo>("helo", ValueKind::Host, "name sent in EHLO (\"\" = the host name)"),
    string<&AlertMailSettings::queue_dir>("queue-dir", ValueKind::Path, "queued alerts, kept across restarts"),
    integer<&AlertMailSettings::retry_interval_s, 1, 86400>("retry-interval", "seconds between delivery attempts"),
    integer<&AlertMailSettings::max_age_h, 1, 720>("max-age", "hours a queued alert is kept before it is dropped"),
    integer<&AlertMailSettings::timeout_s, 1, 600>("timeout", "seconds per SMTP step"),
    toggle<&AlertMailSettings::quarantine_notices>("quarantine-notice", kEnableDisable, "mail each quarantine"),
    toggle<&AlertMailSettings::critical_events>("critical-events", kEnableDisable, "mail critical events"),
    toggle<&AlertMailSettings::daily_summary>("daily-summary", kEnableDisable, "mail a daily summary"),
    string<&AlertMailSettings::daily_summary_time>("daily-summary-time", ValueKind::TimeOfDay,
                                                   "local time of the daily summary, HH:MM"),
};

constexpr KeySpec kPrometheusKeys[] = {
    toggle<&PrometheusSettings::enabled>("status", kEnableDisable, "serve counters as Prometheus text"),
    string<&PrometheusSettings::listen>("listen", ValueKind::SocketAddress,
                                        "address:port of the endpoint ([addr]:port for IPv6)"),
};

constexpr KeySpec kSyslogKeys[] = {
    toggle<&SyslogSettings::enabled>("status", kEnableDisable, "send records and events as RFC 5424 syslog"),
    string<&SyslogSettings::server>("server", ValueKind::Address, "collector address"),
    integer<&SyslogSettings::port, 1, 65535>("port", "collector port"),
    choice<&SyslogSettings::transport>("mode", kSyslogTransports, "transport: udp or tcp"),
    keyword<&SyslogSettings::facility>("facility", kSyslogFacilities, "syslog facility of every message"),
};

template <auto Member>
void* settings_of(Policy& policy) {
  return &(policy.*Member);
}

template <auto Member>
const void* settings_view(const Policy& policy) {
  return &(policy.*Member);
}

template <class Entry>
std::vector<NamedEntry> named(const std::vector<Entry>& table) {
  std::vector<NamedEntry> result;
  for (const Entry& entry : table) result.push_back({entry.name, &entry});
  return result;
}

void* append_interface(Policy& policy, const std::string& name) {
  return &policy.interfaces.emplace_back(Interface{.name = name});
}

std::vector<NamedEntry> interface_entries(const Policy& policy) { return named(policy.interfaces); }

void* append_vip(Policy& policy, const std::string& name) {
  return &policy.vips.emplace_back(Vip{.name = name});
}

std::vector<NamedEntry> vip_entries(const Policy& policy) { return named(policy.vips); }

void* append_spam_rule(Policy& policy, const std::string& name) {
  return &policy.spam.rules.emplace_back(SpamRule{.name = name});
}

std::vector<NamedEntry> spam_rule_entries(const Policy& policy) { return named(policy.spam.rules); }

void* append_reputation_list(Policy& policy, const std::string& name) {
  return &policy.reputation_lists.emplace_back(ReputationList{.name = name});
}

std::vector<NamedEntry> reputation_list_entries(const Policy& policy) { return named(policy.reputation_lists); }

void* append_ssl_profile(Policy& policy, const std::string& name) {
  return &policy.ssl_profiles.emplace_back(SslProfile{.name = name});
}

std::vector<NamedEntry> ssl_profile_entries(const Policy& policy) { return named(policy.ssl_profiles); }

// Rows of kBlocks, spelled once per shape.
template <auto Member>
constexpr BlockSpec settings_block(std::string_view path, std::span<const KeySpec> keys, std::string_view help) {
  return BlockSpec{path, BlockShape::Settings, keys, help, &settings_of<Member>, &settings_view<Member>, nullptr, nullptr};
}

constexpr BlockSpec table_block(std::string_view path, std::span<const KeySpec> keys, std::string_view help,
                                void* (*append)(Policy&, const std::string&),
                                std::vector<NamedEntry> (*entries)(const Policy&)) {
  return BlockSpec{path, BlockShape::Table, keys, help, nullptr, nullptr, append, entries};
}

constexpr BlockSpec kBlocks[] = {
    table_block("system interface", kInterfaceKeys, "appliance ports and addresses", &append_interface,
                &interface_entries),
    table_block("firewall vip", kVipKeys, "published addresses", &append_vip, &vip_entries),
    table_block("ssl profile", kSslProfileKeys, "TLS on the client and backend legs of a VIP", &append_ssl_profile,
                &ssl_profile_entries),
    settings_block<&Policy::smtp>("smtp protocol-options", kSmtpKeys, "SMTP session limits"),
    settings_block<&Policy::envelope>("smtp envelope", kEnvelopeKeys, "relay control and sender/recipient lists"),
    settings_block<&Policy::reputation>("reputation settings", kReputationSettingsKeys,
                                        "what a client's reputation score does"),
    table_block("reputation list", kReputationListKeys, "scored client address lists", &append_reputation_list,
                &reputation_list_entries),
    settings_block<&Policy::greylist>("greylist", kGreylistKeys, "greylisting of new triplets"),
    settings_block<&Policy::mime>("mime limits", kMimeKeys, "MIME parser bounds"),
    settings_block<&Policy::archive>("archive", kArchiveKeys, "archive expansion limits"),
    settings_block<&Policy::antivirus>("antivirus", kAntivirusKeys, "signature scanning"),
    settings_block<&Policy::attachment_filter>("attachment-filter", kAttachmentFilterKeys,
                                               "banned attachment names"),
    settings_block<&Policy::url_filter>("url-filter", kUrlFilterKeys, "URL and domain lists"),
    settings_block<&Policy::spam>("spamfilter settings", kSpamSettingsKeys, "spam thresholds"),
    table_block("spamfilter rule", kSpamRuleKeys, "scored spam patterns", &append_spam_rule, &spam_rule_entries),
    settings_block<&Policy::quarantine>("quarantine", kQuarantineKeys, "copies of quarantined messages"),
    settings_block<&Policy::scan>("scan budget", kScanKeys, "scanning time limits"),
    settings_block<&Policy::session>("system session", kSessionKeys, "flow table and reassembly memory"),
    settings_block<&Policy::tcp>("system tcp", kTcpKeys, "the appliance's TCP endpoints"),
    settings_block<&Policy::tls>("system tls", kTlsSystemKeys, "where TLS runs and with what crypto"),
    settings_block<&Policy::control>("system control", kControlKeys, "sluicectl socket and configuration history"),
    settings_block<&Policy::alert_mail>("system alertemail", kAlertMailKeys, "the appliance's own alert mail"),
    settings_block<&Policy::prometheus>("system prometheus", kPrometheusKeys, "Prometheus text endpoint"),
    settings_block<&Policy::log>("log settings", kLogKeys, "message log"),
    settings_block<&Policy::syslog>("log syslogd", kSyslogKeys, "RFC 5424 syslog to a collector"),
};

}  // namespace

std::span<const BlockSpec> config_blocks() { return kBlocks; }

const BlockSpec* find_block(std::string_view path) {
  for (const BlockSpec& block : kBlocks) {
    if (block.path == path) return &block;
  }
  return nullptr;
}

const KeySpec* find_key(const BlockSpec& block, std::string_view name) {
  for (const KeySpec& key : block.keys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::vector<std::string_view> block_paths() {
  std::vector<std::string_view> paths;
  for (const BlockSpec& block : kBlocks) paths.push_back(block.path);
  return paths;
}

std::vector<std::string_view> key_names(const BlockSpec& block) {
  std::vector<std::string_view> names;
  for (const KeySpec& key : block.keys) names.push_back(key.name);
  return names;
}

std::vector<std::string_view> enum_words(const KeySpec& key) {
  std::vector<std::string_view> words;
  for (const EnumWord& word : key.words) words.push_back(word.word);
  return words;
}

}  // namespace sluice::control::config
