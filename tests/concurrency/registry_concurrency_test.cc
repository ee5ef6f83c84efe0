// The registry's read-modify-write rules under many simultaneous writers,
// through the public API of a real kam-registry: an etag'd update never
// loses another caller's update, one id is created once, a request_id
// replays, no hierarchy or reporting-line cycle ever commits, no child hangs
// under a deleted parent, and the change feed, read from 0, is gap-free and
// replays to exactly the state the server shows (sequence order is commit
// order).
//
// Every test ends with that feed check over everything it wrote.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/concurrency/concurrent_callers.h"
#include "tests/registry/registry_testing.h"

namespace kam::registry_test {
namespace {

using concurrency_test::kMaxRetries;
using concurrency_test::RunConcurrently;
using concurrency_test::StatusTally;
using ::google::protobuf::util::MessageDifferencer;

constexpr int kCallers = 24;

bool IsContactName(const std::string& name) {
  return name.find("/contacts/") != std::string::npos;
}

class RegistryConcurrencyTest : public RegistryTest {
 protected:
  // Imports accounts and contacts in one call; every item must be created.
  void Import(
      const std::vector<rv1::Account>& accounts,
      const std::vector<std::pair<std::string, rv1::Contact>>& contacts = {}) {
    rv1::ImportRecordsRequest request;
    for (const rv1::Account& account : accounts)
      *request.add_accounts() = account;
    for (const auto& [account_id, contact] : contacts) {
      rv1::ImportContact* item = request.add_contacts();
      item->set_parent(AccountName(account_id));
      *item->mutable_contact() = contact;
    }
    rv1::ImportRecordsResponse response;
    ASSERT_TRUE(IsOk(client().Import(request, &response)));
    ASSERT_EQ(response.created(),
              static_cast<int>(accounts.size() + contacts.size()))
        << response.ShortDebugString();
  }

  std::vector<rv1::Account> MustListAccounts() {
    std::vector<rv1::Account> accounts;
    EXPECT_TRUE(IsOk(client().ListAllAccounts({}, &accounts)));
    return accounts;
  }

  std::vector<rv1::Contact> MustListContacts(const std::string& account_id) {
    rv1::ListContactsRequest request;
    request.set_parent(AccountName(account_id));
    std::vector<rv1::Contact> contacts;
    EXPECT_TRUE(IsOk(client().ListAllContacts(request, &contacts)));
    return contacts;
  }

  // The feed holds sequences 1..head without gap or duplicate, and its last
  // event per resource is the resource as the server shows it now (absent
  // when that event is a deletion): every account and contact the server
  // lists, and nothing else. With writers finished, any difference means an
  // event was numbered out of commit order, lost, or describes a write that
  // did not happen.
  void ExpectFeedReplaysToState() {
    absl::StatusOr<std::vector<cv1::ChangeEvent>> events = client().ReadFeed(0);
    ASSERT_TRUE(events.ok()) << events.status();
    absl::StatusOr<uint64_t> head = client().FeedHead();
    ASSERT_TRUE(head.ok()) << head.status();
    ASSERT_EQ(events->size(), *head);
    for (size_t i = 0; i < events->size(); ++i) {
      ASSERT_EQ((*events)[i].sequence(), i + 1)
          << "the feed has a gap or a duplicate at position " << i;
    }

    std::map<std::string, const cv1::ChangeEvent*> last;
    for (const cv1::ChangeEvent& event : *events) {
      last[event.resource_name()] = &event;
    }
    std::map<std::string, std::string> replayed;  // name -> debug string
    for (const auto& [name, event] : last) {
      if (event->kind() == cv1::ChangeEvent::DELETED) continue;
      if (IsContactName(name)) {
        rv1::Contact contact;
        ASSERT_TRUE(event->resource().UnpackTo(&contact)) << name;
        replayed[name] = contact.ShortDebugString();
      } else if (name.find("/financials/") == std::string::npos) {
        rv1::Account account;
        ASSERT_TRUE(event->resource().UnpackTo(&account)) << name;
        replayed[name] = account.ShortDebugString();
      }
    }

    std::map<std::string, std::string> shown;
    for (const rv1::Account& account : MustListAccounts()) {
      shown[account.name()] = account.ShortDebugString();
      for (const rv1::Contact& contact :
           MustListContacts(account.account_id())) {
        shown[contact.name()] = contact.ShortDebugString();
      }
    }
    // Compared name by name so a failure names the resource.
    for (const auto& [name, state] : shown) {
      auto it = replayed.find(name);
      if (it == replayed.end()) {
        ADD_FAILURE() << name << " exists but the feed's last event for it is "
                      << (last.count(name) ? "a deletion" : "missing");
        continue;
      }
      EXPECT_EQ(it->second, state) << name << ": the feed replays to "
                                   << it->second << " but Get shows " << state;
    }
    for (const auto& [name, state] : replayed) {
      EXPECT_TRUE(shown.count(name))
          << name << " does not exist, but the feed's last event for it is "
          << state;
    }
  }
};

// One caller's etag'd append of `tag` to the account's tags: read, append,
// write with the etag read; ABORTED means someone else wrote in between, so
// read again. Returns the final status (OK once written).
grpc::Status AppendTag(RegistryClient& client, const std::string& account_id,
                       const std::string& tag, int* attempts) {
  grpc::Status status;
  for (*attempts = 1; *attempts <= kMaxRetries; ++*attempts) {
    rv1::Account current;
    status = client.GetAccount(AccountName(account_id), &current);
    if (!status.ok()) return status;
    rv1::Account change;
    change.set_name(current.name());
    *change.mutable_tags() = current.tags();
    change.add_tags(tag);
    status = client.UpdateAccount(change, {"tags"}, nullptr, current.etag());
    if (status.error_code() != grpc::StatusCode::ABORTED) return status;
  }
  return status;
}

TEST_F(RegistryConcurrencyTest, EtagUpdatesOfOneAccountLoseNoUpdate) {
  // Two hot accounts, each written by every caller: 16 callers x 2 tags
  // fill an account's 32 tags exactly.
  constexpr int kWriters = 16;
  constexpr int kTagsEach = 2;
  const std::vector<std::string> hot = {"hot-a", "hot-b"};
  Import({NewAccount(hot[0]), NewAccount(hot[1])});

  absl::Mutex mu;
  std::map<std::string, std::set<std::string>> acknowledged;  // by account
  StatusTally finals;
  RunConcurrently(kWriters, [&](int caller) {
    for (int j = 0; j < kTagsEach; ++j) {
      for (int k = 0; k < 2; ++k) {
        // Half the callers go a then b, the other half b then a.
        const std::string& account_id = hot[(caller + k) % 2];
        const std::string tag = absl::StrCat("c", caller, "-", j);
        int attempts = 0;
        grpc::Status status = AppendTag(client(), account_id, tag, &attempts);
        finals.Add(status);
        EXPECT_TRUE(IsOk(status))
            << account_id << " += " << tag << " after " << attempts << " tries";
        if (status.ok()) {
          absl::MutexLock lock(&mu);
          acknowledged[account_id].insert(tag);
        }
      }
    }
  });
  EXPECT_EQ(finals.count(grpc::StatusCode::OK), kWriters * kTagsEach * 2)
      << finals.ToString();

  for (const std::string& account_id : hot) {
    rv1::Account account;
    ASSERT_TRUE(IsOk(client().GetAccount(AccountName(account_id), &account)));
    const std::set<std::string> tags(account.tags().begin(),
                                     account.tags().end());
    EXPECT_EQ(tags, acknowledged[account_id])
        << account_id << ": every acknowledged tag, and only those";
    EXPECT_EQ(account.tags_size(), static_cast<int>(tags.size()))
        << "duplicate tags: " << account.ShortDebugString();
  }

  // In feed order, each update of a hot account adds exactly one tag to the
  // previous one: the feed numbers the updates in the order they committed.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events = client().ReadFeed(0);
  ASSERT_TRUE(events.ok()) << events.status();
  std::map<std::string, std::vector<std::string>> previous;
  std::map<std::string, int> updates;
  for (const cv1::ChangeEvent& event : *events) {
    rv1::Account account;
    if (IsContactName(event.resource_name()) ||
        !event.resource().UnpackTo(&account)) {
      continue;
    }
    std::vector<std::string> tags(account.tags().begin(), account.tags().end());
    std::vector<std::string>& before = previous[event.resource_name()];
    if (event.kind() == cv1::ChangeEvent::UPDATED) {
      ++updates[event.resource_name()];
      ASSERT_EQ(tags.size(), before.size() + 1)
          << "sequence " << event.sequence() << " "
          << account.ShortDebugString();
      EXPECT_TRUE(std::equal(before.begin(), before.end(), tags.begin()))
          << "sequence " << event.sequence() << " does not extend the previous "
          << "update of " << event.resource_name();
    }
    before = std::move(tags);
  }
  for (const std::string& account_id : hot) {
    EXPECT_EQ(updates[AccountName(account_id)], kWriters * kTagsEach);
  }
  ExpectFeedReplaysToState();
}

TEST_F(RegistryConcurrencyTest, OneIdIsCreatedOnceAndARequestIdReplays) {
  constexpr int kRounds = 5;
  Import({NewAccount("home")});
  std::set<std::string> replayed_names;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    {  // The same account id, no request_id: one wins.
      StatusTally tally;
      RunConcurrently(kCallers, [&](int caller) {
        rv1::Account account = NewAccount(absl::StrCat("race-", round),
                                          absl::StrCat("Caller ", caller));
        tally.Add(client().CreateAccount(account, nullptr));
      });
      EXPECT_EQ(tally.count(grpc::StatusCode::OK), 1) << tally.ToString();
      EXPECT_EQ(tally.count(grpc::StatusCode::ALREADY_EXISTS), kCallers - 1)
          << tally.ToString();
    }
    {  // The same contact id in one account.
      StatusTally tally;
      RunConcurrently(kCallers, [&](int caller) {
        tally.Add(client().CreateContact(
            AccountName("home"), NewContact(absl::StrCat("jane-", round)),
            nullptr));
      });
      EXPECT_EQ(tally.count(grpc::StatusCode::OK), 1) << tally.ToString();
      EXPECT_EQ(tally.count(grpc::StatusCode::ALREADY_EXISTS), kCallers - 1)
          << tally.ToString();
    }
    {  // One request sent by every caller at once: all get the first result.
      const rv1::Account account = NewAccount(absl::StrCat("replay-", round));
      const rv1::Contact contact = NewContact(absl::StrCat("joe-", round));
      std::vector<rv1::Account> accounts(kCallers);
      std::vector<rv1::Contact> contacts(kCallers);
      StatusTally tally;
      RunConcurrently(kCallers, [&](int caller) {
        tally.Add(client().CreateAccount(account, &accounts[caller],
                                         absl::StrCat("req-account-", round)));
        tally.Add(client().CreateContact(AccountName("home"), contact,
                                         &contacts[caller],
                                         absl::StrCat("req-contact-", round)));
      });
      EXPECT_EQ(tally.count(grpc::StatusCode::OK), 2 * kCallers)
          << tally.ToString();
      rv1::Account stored_account;
      ASSERT_TRUE(IsOk(client().GetAccount(AccountName(account.account_id()),
                                           &stored_account)));
      rv1::Contact stored_contact;
      ASSERT_TRUE(IsOk(client().GetContact(
          ContactName("home", contact.contact_id()), &stored_contact)));
      for (int caller = 0; caller < kCallers; ++caller) {
        EXPECT_TRUE(
            MessageDifferencer::Equals(accounts[caller], stored_account))
            << "caller " << caller << " got "
            << accounts[caller].ShortDebugString() << ", stored "
            << stored_account.ShortDebugString();
        EXPECT_TRUE(
            MessageDifferencer::Equals(contacts[caller], stored_contact))
            << "caller " << caller << " got "
            << contacts[caller].ShortDebugString() << ", stored "
            << stored_contact.ShortDebugString();
      }
      replayed_names.insert(stored_account.name());
      replayed_names.insert(stored_contact.name());
    }
  }

  // Exactly one CREATED event per created resource, and nothing else about
  // them: a lost race or a replay writes nothing.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events = client().ReadFeed(0);
  ASSERT_TRUE(events.ok()) << events.status();
  std::map<std::string, std::vector<cv1::ChangeEvent::Kind>> kinds;
  for (const cv1::ChangeEvent& event : *events) {
    kinds[event.resource_name()].push_back(event.kind());
  }
  const std::vector<cv1::ChangeEvent::Kind> created_once = {
      cv1::ChangeEvent::CREATED};
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(kinds[AccountName(absl::StrCat("race-", round))], created_once);
    EXPECT_EQ(kinds[ContactName("home", absl::StrCat("jane-", round))],
              created_once);
  }
  for (const std::string& name : replayed_names) {
    EXPECT_EQ(kinds[name], created_once) << name;
  }
  ExpectFeedReplaysToState();
}

// Rings of parent moves: in each round, 4 pairs (a->b, b->a) and 4 rings of
// 4 (a->b, b->c, c->d, d->a), every edge set by its own caller at once.
// Whatever the order, the last edge of a ring to commit would close it, so
// exactly one edge per ring is refused.
TEST_F(RegistryConcurrencyTest, ParentMovesNeverCommitACycle) {
  constexpr int kRounds = 10;
  struct Edge {
    std::string child;
    std::string parent;
    std::string ring;
  };
  std::vector<std::vector<Edge>> rounds(kRounds);
  std::vector<rv1::Account> accounts;
  std::map<std::string, int> ring_sizes;
  for (int round = 0; round < kRounds; ++round) {
    auto add_ring = [&](const std::string& ring, int size) {
      ring_sizes[ring] = size;
      for (int pos = 0; pos < size; ++pos) {
        const std::string id = absl::StrCat(ring, "-", pos);
        accounts.push_back(NewAccount(id));
        rounds[round].push_back(
            {id, absl::StrCat(ring, "-", (pos + 1) % size), ring});
      }
    };
    for (int pair = 0; pair < 4; ++pair) {
      add_ring(absl::StrCat("r", round, "-pair", pair), 2);
    }
    for (int ring = 0; ring < 4; ++ring) {
      add_ring(absl::StrCat("r", round, "-ring", ring), 4);
    }
  }
  Import(accounts);

  absl::Mutex mu;
  std::map<std::string, StatusTally> by_ring;
  for (int round = 0; round < kRounds; ++round) {
    const std::vector<Edge>& edges = rounds[round];
    RunConcurrently(static_cast<int>(edges.size()), [&](int caller) {
      const Edge& edge = edges[caller];
      rv1::Account change;
      change.set_name(AccountName(edge.child));
      change.set_parent(AccountName(edge.parent));
      grpc::Status status = client().UpdateAccount(change, {"parent"}, nullptr);
      absl::MutexLock lock(&mu);
      by_ring[edge.ring].Add(status);
    });
  }
  for (const auto& [ring, size] : ring_sizes) {
    const StatusTally& tally = by_ring[ring];
    EXPECT_EQ(tally.count(grpc::StatusCode::OK), size - 1)
        << ring << ": " << tally.ToString();
    EXPECT_EQ(tally.count(grpc::StatusCode::FAILED_PRECONDITION), 1)
        << ring << ": " << tally.ToString();
  }

  // Every parent chain ends at a root, and the roots' trees hold every
  // account exactly once.
  std::map<std::string, std::string> parent_of;
  for (const rv1::Account& account : MustListAccounts()) {
    parent_of[account.name()] = account.parent();
  }
  ASSERT_EQ(parent_of.size(), accounts.size());
  int roots = 0;
  for (const auto& [name, parent] : parent_of) {
    std::string at = name;
    int steps = 0;
    while (!parent_of[at].empty() &&
           steps <= static_cast<int>(parent_of.size())) {
      ASSERT_TRUE(parent_of.count(parent_of[at]))
          << at << " has a parent that does not exist: " << parent_of[at];
      at = parent_of[at];
      ++steps;
    }
    ASSERT_TRUE(parent_of[at].empty()) << "a cycle through " << name;
    if (parent.empty()) ++roots;
  }
  EXPECT_EQ(roots, static_cast<int>(ring_sizes.size()));
  int in_trees = 0;
  std::function<void(const rv1::AccountHierarchy&)> count =
      [&](const rv1::AccountHierarchy& node) {
        ++in_trees;
        for (const rv1::AccountHierarchy& child : node.children()) count(child);
      };
  for (const auto& [name, parent] : parent_of) {
    if (!parent.empty()) continue;
    rv1::AccountHierarchy tree;
    ASSERT_TRUE(IsOk(client().GetHierarchy(name, 0, &tree))) << name;
    count(tree);
  }
  EXPECT_EQ(in_trees, static_cast<int>(accounts.size()));
  ExpectFeedReplaysToState();
}

// For each parent, at once: one caller deletes it, one creates a child
// under it, one moves an existing root under it. A parent with a child
// cannot be deleted and a deleted parent cannot take a child, so the delete
// succeeds exactly when neither attach does.
TEST_F(RegistryConcurrencyTest, NoChildEverHangsUnderADeletedParent) {
  constexpr int kRounds = 6;
  constexpr int kParentsPerRound = 8;
  std::vector<rv1::Account> accounts;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kParentsPerRound; ++i) {
      accounts.push_back(NewAccount(absl::StrCat("p", round, "-", i)));
      accounts.push_back(NewAccount(absl::StrCat("mover", round, "-", i)));
    }
  }
  Import(accounts);

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    std::vector<grpc::Status> deletes(kParentsPerRound);
    std::vector<grpc::Status> creates(kParentsPerRound);
    std::vector<grpc::Status> moves(kParentsPerRound);
    RunConcurrently(kParentsPerRound * 3, [&](int caller) {
      const int i = caller / 3;
      const std::string parent = AccountName(absl::StrCat("p", round, "-", i));
      switch (caller % 3) {
        case 0:
          deletes[i] = client().DeleteAccount(parent);
          break;
        case 1: {
          rv1::Account child = NewAccount(absl::StrCat("child", round, "-", i));
          child.set_parent(parent);
          creates[i] = client().CreateAccount(child, nullptr);
          break;
        }
        default: {
          rv1::Account change;
          change.set_name(AccountName(absl::StrCat("mover", round, "-", i)));
          change.set_parent(parent);
          moves[i] = client().UpdateAccount(change, {"parent"}, nullptr);
          break;
        }
      }
    });
    for (int i = 0; i < kParentsPerRound; ++i) {
      const bool attached = creates[i].ok() || moves[i].ok();
      EXPECT_NE(deletes[i].ok(), attached)
          << "p" << round << "-" << i << ": delete "
          << CodeName(deletes[i].error_code()) << ", create child "
          << CodeName(creates[i].error_code()) << ", move under "
          << CodeName(moves[i].error_code());
      for (const grpc::Status* status : {&deletes[i], &creates[i], &moves[i]}) {
        EXPECT_TRUE(status->ok() || status->error_code() ==
                                        grpc::StatusCode::FAILED_PRECONDITION)
            << CodeName(status->error_code()) << ": "
            << status->error_message();
      }
    }
  }

  std::set<std::string> names;
  const std::vector<rv1::Account> listed = MustListAccounts();
  for (const rv1::Account& account : listed) names.insert(account.name());
  for (const rv1::Account& account : listed) {
    EXPECT_TRUE(account.parent().empty() || names.count(account.parent()))
        << account.name() << " hangs under " << account.parent()
        << ", which does not exist";
  }
  ExpectFeedReplaysToState();
}

// The same ring game with reports_to inside one account's buying center.
TEST_F(RegistryConcurrencyTest, ReportingLinesNeverCommitACycle) {
  constexpr int kRounds = 10;
  struct Edge {
    std::string contact;
    std::string reports_to;
    std::string ring;
  };
  std::vector<std::vector<Edge>> rounds(kRounds);
  std::vector<std::pair<std::string, rv1::Contact>> contacts;
  std::map<std::string, int> ring_sizes;
  for (int round = 0; round < kRounds; ++round) {
    auto add_ring = [&](const std::string& ring, int size) {
      ring_sizes[ring] = size;
      for (int pos = 0; pos < size; ++pos) {
        const std::string id = absl::StrCat(ring, "-", pos);
        contacts.emplace_back("org", NewContact(id));
        rounds[round].push_back(
            {id, absl::StrCat(ring, "-", (pos + 1) % size), ring});
      }
    };
    for (int pair = 0; pair < 4; ++pair) {
      add_ring(absl::StrCat("r", round, "-pair", pair), 2);
    }
    for (int ring = 0; ring < 4; ++ring) {
      add_ring(absl::StrCat("r", round, "-ring", ring), 4);
    }
  }
  Import({NewAccount("org")}, contacts);

  absl::Mutex mu;
  std::map<std::string, StatusTally> by_ring;
  for (int round = 0; round < kRounds; ++round) {
    const std::vector<Edge>& edges = rounds[round];
    RunConcurrently(static_cast<int>(edges.size()), [&](int caller) {
      const Edge& edge = edges[caller];
      rv1::Contact change;
      change.set_name(ContactName("org", edge.contact));
      change.set_reports_to(ContactName("org", edge.reports_to));
      grpc::Status status =
          client().UpdateContact(change, {"reports_to"}, nullptr);
      absl::MutexLock lock(&mu);
      by_ring[edge.ring].Add(status);
    });
  }
  for (const auto& [ring, size] : ring_sizes) {
    const StatusTally& tally = by_ring[ring];
    EXPECT_EQ(tally.count(grpc::StatusCode::OK), size - 1)
        << ring << ": " << tally.ToString();
    EXPECT_EQ(tally.count(grpc::StatusCode::FAILED_PRECONDITION), 1)
        << ring << ": " << tally.ToString();
  }

  std::map<std::string, std::string> reports_to;
  for (const rv1::Contact& contact : MustListContacts("org")) {
    reports_to[contact.name()] = contact.reports_to();
  }
  ASSERT_EQ(reports_to.size(), contacts.size());
  for (const auto& [name, boss] : reports_to) {
    std::string at = name;
    int steps = 0;
    while (!reports_to[at].empty() &&
           steps <= static_cast<int>(reports_to.size())) {
      ASSERT_TRUE(reports_to.count(reports_to[at]))
          << at
          << " reports to a contact that does not exist: " << reports_to[at];
      at = reports_to[at];
      ++steps;
    }
    ASSERT_TRUE(reports_to[at].empty()) << "a reporting cycle through " << name;
  }
  ExpectFeedReplaysToState();
}

}  // namespace
}  // namespace kam::registry_test
