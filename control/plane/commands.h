// control/plane/commands.h — the daemon's answer to each sluicectl command.
//
// Owns: dispatching one request line (checked against control/cli's command table first, so a command cannot
// exist here and not in `help` and docs/cli.md) to its handler, grouped by file: configuration
// (commands_config.cc), show (commands_show.cc), diagnose (commands_diagnose.cc), execute
// (commands_execute.cc). Handlers write "+" lines and finish with ok() or error(); streaming handlers set the
// connection's Streaming state and the control loop feeds it (stream_more()).
// May call: control/cli, control/edit, control/notify, control/plane/*.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "control/plane/cli_connection.h"
#include "control/plane/plane_state.h"

namespace sluice::control::plane {

void run_command(PlaneState& state, CliConnection& conn, std::string_view line);
// The connection's stream, if any: sends what is new. Called by the control loop every pass.
void stream_more(PlaneState& state, CliConnection& conn);
// The client sent "stop" (or went away) during a stream.
void stop_stream(PlaneState& state, CliConnection& conn);

using Words = std::vector<std::string>;
void run_config_command(PlaneState&, CliConnection&, const Words& words, std::string_view line);
void run_show_command(PlaneState&, CliConnection&, const Words& words);
void run_diagnose_command(PlaneState&, CliConnection&, const Words& words);
void run_execute_command(PlaneState&, CliConnection&, const Words& words);

// The running configuration as text (what a new candidate starts from).
std::string running_text(const PlaneState& state);
// Commits `policy`/`text` and reports on conn (shared by commit, rollback and file reloads).
bool commit_and_report(PlaneState& state, CliConnection* conn, const Policy& policy, const std::string& text,
                       const std::string& user, const std::string& comment);

}  // namespace sluice::control::plane
