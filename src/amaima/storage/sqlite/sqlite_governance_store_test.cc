#include "amaima/storage/sqlite/sqlite_governance_store.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/storage/sqlite/sqlite_test_support.h"

namespace amaima::storage {
namespace {

class SqliteGovernanceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteGovernanceStore::Open(path_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->InsertOrg({"acme", "Acme", "", 1000}).has_value());
  }

  StoredApiKey Key(std::string id, std::string hash_char) {
    StoredApiKey key;
    key.key_id = std::move(id);
    key.org_id = "acme";
    key.name = "ci";
    key.role = Role::kUser;
    key.prefix = "amk_abcd";
    key.secret_hash = std::string(64, hash_char[0]);
    key.scopes = {"decisions:write", "feedback"};
    key.created_at_ms = 2000;
    key.expires_at_ms = 9000;
    return key;
  }

  AuditEntry Event(std::string action) {
    AuditEntry entry;
    entry.event_id = "e-" + action + std::to_string(++events_);
    entry.created_at_ms = 1000 + events_;
    entry.org_id = "acme";
    entry.actor = "key:k1";
    entry.action = std::move(action);
    entry.target = "key:k2";
    entry.outcome = "success";
    entry.details_json = R"({"role":"user"})";
    return entry;
  }

  // Runs SQL directly on the file, as someone with access to the database would.
  void Tamper(const std::string& sql) {
    auto db = OpenSqliteConnection(path_, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(ExecSql(db->get(), sql.c_str()).has_value()) << sql;
  }

  TempDir dir_;
  std::string path_{dir_.File("amaima.db")};
  std::unique_ptr<SqliteGovernanceStore> store_;
  int events_{0};
};

TEST_F(SqliteGovernanceStoreTest, OrgsAreStoredListedAndSwitched) {
  EXPECT_EQ(store_->InsertOrg({"acme", "Other", "", 1}).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->InsertOrg({"other", "Acme", "", 1}).error().code, ErrorCode::kAlreadyExists);
  ASSERT_TRUE(store_->SetOrgExecutionMode("acme", "decision-only").has_value());
  EXPECT_EQ(store_->GetOrg("acme")->execution_mode, "decision-only");
  EXPECT_EQ(store_->SetOrgExecutionMode("nobody", "").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store_->SetOrgExecutionMode("acme", "sometimes").has_value());  // CHECK constraint
  EXPECT_EQ(store_->GetOrg("nobody").error().code, ErrorCode::kNotFound);
  ASSERT_EQ(store_->ListOrgs()->size(), 1U);
}

TEST_F(SqliteGovernanceStoreTest, KeysRoundTripAndAreFoundByTheirHashOnly) {
  const StoredApiKey key = Key("k1", "a");
  ASSERT_TRUE(store_->InsertApiKey(key).has_value());
  EXPECT_EQ(*store_->FindApiKeyByHash(key.secret_hash), key);
  EXPECT_EQ(*store_->GetApiKey("k1"), key);
  EXPECT_EQ(store_->FindApiKeyByHash(std::string(64, 'b')).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->InsertApiKey(key).error().code, ErrorCode::kAlreadyExists);
  StoredApiKey orphan = Key("k2", "c");
  orphan.org_id = "nobody";
  EXPECT_EQ(store_->InsertApiKey(orphan).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*store_->CountApiKeys(), 1);
}

TEST_F(SqliteGovernanceStoreTest, RevocationKeepsTheFirstTime) {
  ASSERT_TRUE(store_->InsertApiKey(Key("k1", "a")).has_value());
  ASSERT_TRUE(store_->RevokeApiKey("k1", 5000).has_value());
  ASSERT_TRUE(store_->RevokeApiKey("k1", 6000).has_value());
  EXPECT_EQ(store_->GetApiKey("k1")->revoked_at_ms, 5000);
  EXPECT_EQ(store_->RevokeApiKey("k9", 1).error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteGovernanceStoreTest, ListsKeysPerOrgNewestFirst) {
  ASSERT_TRUE(store_->InsertOrg({"globex", "Globex", "", 1}).has_value());
  StoredApiKey older = Key("k1", "a");
  StoredApiKey newer = Key("k2", "b");
  newer.created_at_ms = 3000;
  StoredApiKey elsewhere = Key("k3", "c");
  elsewhere.org_id = "globex";
  for (const StoredApiKey& key : {older, newer, elsewhere}) {
    ASSERT_TRUE(store_->InsertApiKey(key).has_value());
  }
  const auto acme = store_->ListApiKeys("acme");
  ASSERT_EQ(acme->size(), 2U);
  EXPECT_EQ((*acme)[0].key_id, "k2");
  EXPECT_EQ((*acme)[1].key_id, "k1");
  EXPECT_EQ(store_->ListApiKeys("")->size(), 3U);
}

TEST_F(SqliteGovernanceStoreTest, AuditRowsChainAndVerify) {
  const auto first = store_->AppendAudit(Event("key.create"));
  const auto second = store_->AppendAudit(Event("key.revoke"));
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->prev_hash, kAuditGenesisHash);
  EXPECT_EQ(second->prev_hash, first->row_hash);
  EXPECT_EQ(second->row_hash, AuditRowHash(*second));
  const auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->rows, 2);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

TEST_F(SqliteGovernanceStoreTest, ABatchExtendsTheChainInOneTransaction) {
  ASSERT_TRUE(store_->AppendAudit(Event("key.create")).has_value());
  std::vector<AuditEntry> batch = {Event("execution"), Event("execution"), Event("execution")};
  const auto appended = store_->AppendAuditBatch(batch);
  ASSERT_TRUE(appended.has_value()) << appended.error().message;
  ASSERT_EQ(appended->size(), 3U);
  EXPECT_EQ((*appended)[0].seq, 2);
  EXPECT_EQ((*appended)[2].seq, 4);
  EXPECT_EQ((*appended)[1].prev_hash, (*appended)[0].row_hash);
  // A batch with a duplicate event id fails whole: nothing of it is stored.
  std::vector<AuditEntry> bad = {Event("execution"), (*appended)[0]};
  EXPECT_FALSE(store_->AppendAuditBatch(bad).has_value());
  const auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->rows, 4);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
  EXPECT_TRUE(store_->AppendAuditBatch({})->empty());
  // The failed batch left nothing open: the next append extends the chain from row 4.
  const auto next = store_->AppendAudit(Event("key.revoke"));
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_EQ(next->seq, 5);
  EXPECT_EQ(next->prev_hash, (*appended)[2].row_hash);
  EXPECT_EQ(store_->VerifyAudit()->rows, 5);
}

TEST_F(SqliteGovernanceStoreTest, AnEditedRowIsNamed) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->AppendAudit(Event("key.create")).has_value());
  }
  Tamper("UPDATE audit_log SET actor = 'key:someone-else' WHERE seq = 3");
  const auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->first_broken_seq, 3);
  EXPECT_NE(verified->problem.find("changed"), std::string::npos) << verified->problem;
}

TEST_F(SqliteGovernanceStoreTest, ARehashedEditBreaksTheNextLink) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->AppendAudit(Event("key.create")).has_value());
  }
  // Someone who edits a row and recomputes its hash still breaks the link of the next row.
  AuditEntry edited = *store_->ListAudit({}, 10, "").value().entries.rbegin();  // seq 1
  ASSERT_EQ(edited.seq, 1);
  edited.outcome = "failure";
  Tamper("UPDATE audit_log SET outcome = 'failure', row_hash = '" + AuditRowHash(edited)
         + "' WHERE seq = 1");
  const auto verified = store_->VerifyAudit();
  EXPECT_EQ(verified->first_broken_seq, 2);
}

TEST_F(SqliteGovernanceStoreTest, DeletedRowsAreNamedInTheMiddleAndAtTheEnd) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->AppendAudit(Event("key.create")).has_value());
  }
  Tamper("DELETE FROM audit_log WHERE seq = 5");
  EXPECT_EQ(store_->VerifyAudit()->first_broken_seq, 5);
  Tamper("DELETE FROM audit_log WHERE seq = 2");
  EXPECT_EQ(store_->VerifyAudit()->first_broken_seq, 2);
}

TEST_F(SqliteGovernanceStoreTest, AppendsFromTwoProcessesExtendOneChain) {
  auto other = SqliteGovernanceStore::Open(path_);  // another process's connection
  ASSERT_TRUE(other.has_value());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store_->AppendAudit(Event("a")).has_value());
    ASSERT_TRUE((*other)->AppendAudit(Event("b")).has_value());
  }
  const auto verified = store_->VerifyAudit();
  EXPECT_EQ(verified->rows, 20);
  EXPECT_FALSE(verified->first_broken_seq.has_value()) << verified->problem;
}

TEST_F(SqliteGovernanceStoreTest, AuditListsFilterAndPaginate) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(store_->AppendAudit(Event(i % 2 == 0 ? "key.create" : "key.revoke")).has_value());
  }
  AuditFilter filter;
  filter.action = "key.create";
  const auto first = store_->ListAudit(filter, 3, "");
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->entries.size(), 3U);
  EXPECT_EQ(first->entries[0].seq, 7);
  EXPECT_EQ(first->entries[2].seq, 3);
  const auto second = store_->ListAudit(filter, 3, first->next_cursor);
  ASSERT_EQ(second->entries.size(), 1U);
  EXPECT_EQ(second->entries[0].seq, 1);
  EXPECT_TRUE(second->next_cursor.empty());
  EXPECT_EQ(store_->ListAudit({}, 3, "x1").error().reason, "VALIDATION_INVALID_CURSOR");
}

}  // namespace
}  // namespace amaima::storage
