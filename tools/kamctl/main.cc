// kamctl: the command-line client of the kam services. This file only
// reads the command line and dispatches; see commands.cc for the subcommands
// and USAGE.md for the manual.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/flags.h"

namespace kam::kamctl {
namespace {

// CommandLine is argv taken apart: flags (checked and in "--name=value"
// form) and positional words.
struct CommandLine {
  std::vector<std::string> flag_args;
  std::vector<std::string> positional;
  std::set<std::string, std::less<>> given;  // flag names
  bool help = false;
};

// Scan checks each flag in `args` (known, value parses) and sorts args into
// *out. Doing this before absl::ParseCommandLine turns mistakes into usage
// errors (exit 2) that name the flag, and lets flags come anywhere, also in
// the "--name value" form, without ambiguity.
absl::Status Scan(const std::vector<std::string>& args, CommandLine* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out->positional.insert(out->positional.end(), args.begin() + i + 1,
                             args.end());
      break;
    }
    if (arg == "-h" || arg == "-help" || arg == "--help") {
      out->help = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      out->positional.push_back(arg);
      continue;
    }
    absl::string_view body(arg);
    body.remove_prefix(arg[1] == '-' ? 2 : 1);
    const size_t eq = body.find('=');
    const std::string name(body.substr(0, eq));
    std::optional<std::string> value;
    if (eq != absl::string_view::npos) value = std::string(body.substr(eq + 1));

    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no") && !value) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag != nullptr && flag->IsOfType<bool>()) {
        value = "false";
      } else {
        flag = nullptr;
      }
    }
    if (flag == nullptr || flag->IsRetired()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
    }
    std::string error;
    if (!flag->ParseFrom(*value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", error));
    }
    out->flag_args.push_back(absl::StrCat("--", flag->Name(), "=", *value));
    out->given.insert(std::string(flag->Name()));
  }
  return absl::OkStatus();
}

// EnvFlagArgs returns "--name=value" for each global flag whose KAM_<NAME>
// environment variable is set; they go before the real arguments so that the
// command line wins.
absl::StatusOr<std::vector<std::string>> EnvFlagArgs() {
  std::vector<std::string> args;
  for (const std::string& name : GlobalFlags()) {
    const std::string variable =
        absl::StrCat("KAM_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!absl::FindCommandLineFlag(name)->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("environment variable ", variable, ": ", error));
    }
    args.push_back(absl::StrCat("--", name, "=", value));
  }
  return args;
}

// RewriteShortOutput turns "-o X" and "-o=X" into "--output=X".
std::vector<std::string> RewriteShortOutput(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      args.insert(args.end(), argv + i, argv + argc);
      break;
    }
    if (arg == "-o" && i + 1 < argc) {
      args.push_back(absl::StrCat("--output=", argv[++i]));
    } else if (absl::StartsWith(arg, "-o=")) {
      args.push_back(absl::StrCat("--output=", arg.substr(3)));
    } else {
      args.push_back(arg);
    }
  }
  return args;
}

int PrintUsage(std::ostream& out, int exit_code) {
  out << UsageText();
  return exit_code;
}

// FindCommand finds the command `words` start with. A verb wins over a
// one-word command of the same group ("score history acme" is the history,
// "score acme" the one-word command).
const Command* FindCommand(const std::vector<std::string>& words,
                           size_t* consumed) {
  if (words.size() > 1) {
    for (const Command& command : Commands()) {
      if (words[0] == command.group && *command.verb != '\0' &&
          words[1] == command.verb) {
        *consumed = 2;
        return &command;
      }
    }
  }
  for (const Command& command : Commands()) {
    if (words[0] == command.group && *command.verb == '\0') {
      *consumed = 1;
      return &command;
    }
  }
  return nullptr;
}

int Run(int argc, char** argv) {
  CommandLine line;
  absl::StatusOr<std::vector<std::string>> env_args = EnvFlagArgs();
  if (!env_args.ok()) return UsageError(env_args.status().message());
  if (absl::Status s = Scan(RewriteShortOutput(argc, argv), &line); !s.ok()) {
    return UsageError(s.message());
  }

  // The official parse, of the canonical form; it cannot fail now.
  std::vector<std::string> canonical = {argv[0]};
  canonical.insert(canonical.end(), env_args->begin(), env_args->end());
  canonical.insert(canonical.end(), line.flag_args.begin(),
                   line.flag_args.end());
  canonical.push_back("--");
  canonical.insert(canonical.end(), line.positional.begin(),
                   line.positional.end());
  std::vector<char*> canonical_argv;
  for (std::string& arg : canonical) canonical_argv.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(canonical_argv.size()),
                         canonical_argv.data());

  if (line.help || (!line.positional.empty() && line.positional[0] == "help")) {
    return PrintUsage(std::cout, kExitOk);
  }
  if (line.positional.empty()) return PrintUsage(std::cerr, kExitUsage);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output != "table" && output != "json") {
    return UsageError(
        absl::StrCat("--output: must be table or json, got \"", output, "\""));
  }

  size_t consumed = 0;
  const Command* command = FindCommand(line.positional, &consumed);
  if (command == nullptr) {
    std::vector<std::string> verbs;
    for (const Command& c : Commands()) {
      if (line.positional[0] == c.group) verbs.push_back(c.verb);
    }
    if (!verbs.empty()) {
      return UsageError(
          absl::StrCat("'", line.positional[0],
                       "' needs one of: ", absl::StrJoin(verbs, ", ")));
    }
    std::cerr << "kamctl: unknown command \""
              << absl::StrJoin(line.positional.begin(),
                               line.positional.begin() +
                                   std::min<size_t>(2, line.positional.size()),
                               " ")
              << "\"\n\n";
    return PrintUsage(std::cerr, kExitUsage);
  }
  const std::string name =
      *command->verb == '\0' ? command->group
                             : absl::StrCat(command->group, " ", command->verb);
  const std::string usage =
      absl::StrCat("usage: kamctl ", name,
                   *command->synopsis == '\0' ? "" : " ", command->synopsis);
  Invocation invocation;
  invocation.args.assign(line.positional.begin() + consumed,
                         line.positional.end());
  invocation.flags = line.given;
  if (invocation.args.size() < command->min_args ||
      invocation.args.size() > command->max_args) {
    return UsageError(usage);
  }
  for (const std::string& flag : invocation.flags) {
    const auto& globals = GlobalFlags();
    const bool allowed =
        std::find(globals.begin(), globals.end(), flag) != globals.end() ||
        std::find(command->flags.begin(), command->flags.end(), flag) !=
            command->flags.end();
    if (!allowed) {
      return UsageError(absl::StrCat("--", flag, " does not apply to 'kamctl ",
                                     name, "'; ", usage));
    }
  }
  return command->run(invocation);
}

}  // namespace
}  // namespace kam::kamctl

int main(int argc, char** argv) { return kam::kamctl::Run(argc, argv); }
