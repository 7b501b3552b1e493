// control/cli/command_table.cc — the command table itself, and lookups over its syntax words.
#include "control/cli/command_table.h"

#include <array>

#include "control/cli/syntax_words.h"

namespace sluice::control::cli {

namespace {

constexpr std::array<std::string_view, 5> kGroups = {"Configuration", "Show", "Diagnose", "Execute", "Shell"};

// Order within a group is the order help and docs/cli.md list them: the config-mode cycle first
// (enter, change, leave, look, commit), then history.
constexpr std::array<CommandSpec, 37> kCommands = {{
    // Configuration: the session's candidate configuration and the commit history.
    {"config <block...>",
     "Enter a block of the candidate configuration (a table such as firewall vip, or a settings block); "
     "the prompt shows where you are.",
     "config firewall vip", "Configuration"},
    {"edit <name>", "Open the named entry of the current table, creating it if it does not exist.",
     "edit mail-in", "Configuration"},
    {"set <key> <value...>", "Set a key of the current entry or block; values are words or \"quoted strings\".",
     "set extip 198.51.100.10", "Configuration"},
    {"unset <key>", "Return a key of the current entry or block to its default.", "unset mappedport",
     "Configuration"},
    {"delete <name>", "Remove the named entry from the current table.", "delete mail-in-v6", "Configuration"},
    {"next", "Keep the current entry and go back to its table.", "next", "Configuration"},
    {"end", "Keep the changes and leave the current block (back to the top level).", "end", "Configuration"},
    {"abort", "Leave the current entry or block and drop the changes made in it since it was entered.",
     "abort", "Configuration"},
    {"show full-configuration",
     "Print the candidate configuration in configuration-file syntax (inside a block: that block only).",
     "show full-configuration", "Configuration"},
    {"show diff", "Print what the candidate changes against the running configuration.", "show diff",
     "Configuration"},
    {"show running-configuration", "Print the configuration the workers are running now.",
     "show running-configuration", "Configuration"},
    {"commit [comment...]",
     "Validate and compile the candidate and publish it to the workers atomically, recording it in the "
     "history; a failing commit changes nothing.",
     "commit allow submission on 587", "Configuration"},
    {"discard", "Drop every change of the candidate; it becomes the running configuration again.", "discard",
     "Configuration"},
    {"rollback <version>",
     "Commit an earlier version from the history again (the rollback itself becomes a new version).",
     "rollback 12", "Configuration"},
    {"show history", "List the committed versions: number, time, who committed it and the comment.",
     "show history", "Configuration"},

    // Show: the running appliance.
    {"show vip", "List the VIPs with their addresses, ports, TLS profile and session counts.", "show vip",
     "Show"},
    {"show policy", "Summarise the running policy: version, signatures, lists and their sources.", "show policy",
     "Show"},
    {"show session [src <ip>] [dst <ip>] [port <n>] [vip <name>]",
     "List sessions in progress, filtered by client address, server address, port or VIP.",
     "show session src 203.0.113.7 port 25", "Show"},
    {"show stats [per-core]", "Print the counters and gauges, totalled or per worker core.",
     "show stats per-core", "Show"},
    {"show tls", "Show the TLS profiles: certificates, expiry, protocol versions and handshake counters.",
     "show tls", "Show"},
    {"show log [follow] [lines <n>]",
     "Print the newest log records; follow keeps printing new ones until Ctrl-C.", "show log follow",
     "Show"},
    {"show alertmail", "Show the alert mail settings and the queue: waiting, retrying, last error.",
     "show alertmail", "Show"},

    // Diagnose: troubleshooting without changing the configuration.
    {"diagnose debug flow filter <src|dst|port|vip|clear> [value]",
     "Choose which flows the trace follows (repeat to combine); clear removes every filter.",
     "diagnose debug flow filter src 203.0.113.7", "Diagnose"},
    {"diagnose debug flow show", "Print the flow trace filters in force.", "diagnose debug flow show",
     "Diagnose"},
    {"diagnose debug flow trace start <count>",
     "Print per-packet and per-SMTP-event trace lines of matching flows until count lines or Ctrl-C.",
     "diagnose debug flow trace start 100", "Diagnose"},
    {"diagnose debug flow trace stop", "Stop a flow trace started from another session.",
     "diagnose debug flow trace stop", "Diagnose"},
    {"diagnose test connection mailserver <vip-name|host[:port]> <from> <to>",
     "Probe a mail server: banner, reverse DNS, EHLO capabilities, STARTTLS and certificate, TLS version "
     "and cipher, open-relay check, timings.",
     "diagnose test connection mailserver mail-in probe@example.org postmaster@example.com", "Diagnose"},
    {"diagnose test alertmail [subject...]",
     "Send a test alert mail through the configured mail server and print the conversation.",
     "diagnose test alertmail relay check", "Diagnose"},
    {"diagnose scan file <path>",
     "Scan a file or an .eml message with the live signatures and print the verdict and matching rules.",
     "diagnose scan file /tmp/invoice.eml", "Diagnose"},
    {"diagnose tls stall <seconds> [worker <index>]",
     "Fault injection: the TLS workers (or the one given) stop polling for that many seconds, as behind a stuck "
     "crypto offload; TLS sessions wait and their time-outs run, plaintext ones go on.",
     "diagnose tls stall 5 worker 0", "Diagnose"},

    // Execute: actions on the running appliance.
    {"execute pause", "Stop accepting new sessions (drain); sessions in progress finish.", "execute pause",
     "Execute"},
    {"execute resume", "Accept new sessions again after execute pause.", "execute resume", "Execute"},
    {"execute restart workers",
     "Restart the dataplane workers with the running configuration, after draining their sessions.",
     "execute restart workers", "Execute"},
    {"execute log rotate", "Reopen the log files (as on SIGHUP), after they were moved away.",
     "execute log rotate", "Execute"},

    // Shell: answered by sluicectl itself, never sent to the daemon.
    {"help [command...]", "Print this help, or the help of the commands starting with the given words.",
     "help show log", "Shell"},
    {"exit", "Close the session; an uncommitted candidate is lost.", "exit", "Shell"},
    {"quit", "Same as exit.", "quit", "Shell"},
}};

}  // namespace

std::span<const std::string_view> command_groups() { return kGroups; }

std::span<const CommandSpec> command_table() { return kCommands; }

std::vector<const CommandSpec*> find_commands(std::span<const std::string_view> words) {
  std::vector<const CommandSpec*> found;
  for (const CommandSpec& spec : kCommands) {
    const std::vector<SyntaxToken> tokens = syntax_tokens(spec.syntax);
    if (words.size() > tokens.size()) continue;
    bool match = true;
    for (size_t i = 0; i < words.size() && match; ++i) {
      match = tokens[i].kind == SyntaxToken::Kind::Literal && tokens[i].text == words[i];
    }
    if (match) found.push_back(&spec);
  }
  return found;
}

std::string fixed_words(std::string_view syntax) {
  std::string words;
  for (const SyntaxToken& token : syntax_tokens(syntax)) {
    if (token.kind != SyntaxToken::Kind::Literal) break;
    if (!words.empty()) words += ' ';
    words += token.text;
  }
  return words;
}

std::vector<std::string> command_words() {
  std::vector<std::string> words;
  for (const CommandSpec& spec : kCommands) {
    std::string fixed = fixed_words(spec.syntax);
    bool seen = false;
    for (const std::string& w : words) seen = seen || w == fixed;
    if (!seen) words.push_back(std::move(fixed));
  }
  return words;
}

}  // namespace sluice::control::cli
