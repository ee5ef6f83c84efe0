#ifndef KAM_TOOLS_KAMCTL_COMMANDS_H_
#define KAM_TOOLS_KAMCTL_COMMANDS_H_

#include <string>
#include <vector>

#include "tools/kamctl/cli.h"

namespace kam::kamctl {

// Command describes one subcommand: how it is called, what it takes, and the
// function that runs it. The usage text and the checks of argument counts and
// flags are derived from this table, so they cannot drift apart.
//
// A group may have both a one-word command and verbs ("score ACCOUNT_ID" and
// "score history ACCOUNT_ID"): a second word that is one of the group's verbs
// picks that verb, anything else is the one-word command's argument.
struct Command {
  const char* group;     // "accounts"
  const char* verb;      // "list"; empty for a one-word command ("health")
  const char* synopsis;  // positional arguments and flags, for the usage text
  const char* summary;   // one line
  size_t min_args;       // positional arguments after the command words
  size_t max_args;
  // The flags it takes besides the global ones.
  std::vector<std::string> flags;
  int (*run)(const Invocation& invocation);
};

// All subcommands, in the order the usage text lists them.
const std::vector<Command>& Commands();

// The flags every subcommand takes.
const std::vector<std::string>& GlobalFlags();

// UsageText is the text `kamctl help` prints.
std::string UsageText();

// The subcommands (one file per group).
int RunHealth(const Invocation& invocation);
int RunAdminCheckpoint(const Invocation& invocation);
int RunAccountsList(const Invocation& invocation);
int RunAccountsGet(const Invocation& invocation);
int RunAccountsCreate(const Invocation& invocation);
int RunAccountsUpdate(const Invocation& invocation);
int RunAccountsDelete(const Invocation& invocation);
int RunAccountsHierarchy(const Invocation& invocation);
int RunContactsList(const Invocation& invocation);
int RunContactsGet(const Invocation& invocation);
int RunContactsCreate(const Invocation& invocation);
int RunContactsUpdate(const Invocation& invocation);
int RunContactsDelete(const Invocation& invocation);
int RunContactsOrgChart(const Invocation& invocation);
int RunFinancialsList(const Invocation& invocation);
int RunFinancialsRecord(const Invocation& invocation);
int RunImport(const Invocation& invocation);
int RunFeedWatch(const Invocation& invocation);
int RunInteractionsList(const Invocation& invocation);
int RunInteractionsContact(const Invocation& invocation);
int RunInteractionsGet(const Invocation& invocation);
int RunInteractionsLog(const Invocation& invocation);
int RunInteractionsUpdate(const Invocation& invocation);
int RunInteractionsDelete(const Invocation& invocation);
int RunInteractionsImport(const Invocation& invocation);
int RunSurveysRecord(const Invocation& invocation);
int RunSurveysImport(const Invocation& invocation);
int RunSatisfaction(const Invocation& invocation);
int RunCadenceList(const Invocation& invocation);
int RunCadenceSet(const Invocation& invocation);
int RunOverdue(const Invocation& invocation);
int RunCoverage(const Invocation& invocation);
int RunStageGet(const Invocation& invocation);
int RunStageSet(const Invocation& invocation);
int RunSummary(const Invocation& invocation);
int RunModelsList(const Invocation& invocation);
int RunModelsGet(const Invocation& invocation);
int RunModelsCreate(const Invocation& invocation);
int RunModelsUpdate(const Invocation& invocation);
int RunModelsDelete(const Invocation& invocation);
int RunModelsActivate(const Invocation& invocation);
int RunModelsEvaluate(const Invocation& invocation);
int RunRatingsSet(const Invocation& invocation);
int RunRatingsList(const Invocation& invocation);
int RunImportRatings(const Invocation& invocation);
int RunScore(const Invocation& invocation);
int RunScoreHistory(const Invocation& invocation);
int RunScoresList(const Invocation& invocation);
int RunTier(const Invocation& invocation);
int RunTierOverride(const Invocation& invocation);
int RunTierClear(const Invocation& invocation);
int RunTierHistory(const Invocation& invocation);
int RunTiers(const Invocation& invocation);
int RunTiersWatch(const Invocation& invocation);
int RunAbc(const Invocation& invocation);
int RunPortfolioMatrix(const Invocation& invocation);
int RunPortfolioSummary(const Invocation& invocation);
int RunRescore(const Invocation& invocation);
int RunRunsList(const Invocation& invocation);
int RunRunsGet(const Invocation& invocation);
int RunRunsCancel(const Invocation& invocation);
int RunPlansCreate(const Invocation& invocation);
int RunPlansGet(const Invocation& invocation);
int RunPlansList(const Invocation& invocation);
int RunPlansUpdate(const Invocation& invocation);
int RunPlansActivate(const Invocation& invocation);
int RunPlansReviewStart(const Invocation& invocation);
int RunPlansReview(const Invocation& invocation);
int RunPlansClose(const Invocation& invocation);
int RunPlansDelete(const Invocation& invocation);
int RunPlansProgress(const Invocation& invocation);
int RunPlansAction(const Invocation& invocation);
int RunPlansAgree(const Invocation& invocation);
int RunPlansRevisions(const Invocation& invocation);
int RunPlansRevision(const Invocation& invocation);
int RunPlansOverdueActions(const Invocation& invocation);
int RunPlansDueForReview(const Invocation& invocation);
int RunPlansCoverage(const Invocation& invocation);
int RunPlansExport(const Invocation& invocation);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_COMMANDS_H_
