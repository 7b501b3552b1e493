// control/cli/help_text.cc — the help sluicectl prints, laid out from the command table.
//
// Layout (docs/cli.md's reference section has the same content as Markdown):
//   <Group>
//     <syntax>
//         <summary>
//         example: <example>
#include <string>

#include "control/cli/command_lookup.h"
#include "control/cli/command_table.h"
#include "control/cli/syntax_words.h"

namespace sluice::control::cli {

namespace {

constexpr std::string_view kHeader =
    "sluicectl commands. Notation: <value> you type, <value...> one or more, [optional], <a|b> one of.\n"
    "help <words> shows only the commands that start with those words.\n";

std::string format(const std::vector<const CommandSpec*>& specs) {
  std::string text(kHeader);
  for (std::string_view group : command_groups()) {
    bool heading = false;
    for (const CommandSpec* spec : specs) {
      if (spec->group != group) continue;
      if (!heading) {
        text.append("\n").append(group).append("\n");
        heading = true;
      }
      text.append("  ").append(spec->syntax).append("\n");
      text.append("      ").append(spec->summary).append("\n");
      text.append("      example: ").append(spec->example).append("\n");
    }
  }
  return text;
}

}  // namespace

std::string help_text() {
  std::vector<const CommandSpec*> all;
  for (const CommandSpec& spec : command_table()) all.push_back(&spec);
  return format(all);
}

std::string help_text_for(std::span<const std::string_view> words, bool* found) {
  std::vector<const CommandSpec*> specs = find_commands(words);
  // "help show log follow" or "help rollback 12": a whole command line names its command.
  const CommandMatch match = specs.empty() ? lookup_command(words) : CommandMatch{};
  if (match.spec != nullptr) specs.push_back(match.spec);
  if (found != nullptr) *found = !specs.empty();
  if (!specs.empty()) return format(specs);
  return "no help for '" + joined(words) + "': " + match.error + "\n";
}

}  // namespace sluice::control::cli
