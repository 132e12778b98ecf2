#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/org_id.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace leadscan::store {
namespace {

namespace fs = std::filesystem;

class SqliteBackupTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("leadscan-backup-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(SqliteBackupTest, CopiesEveryCommittedRowWhileAnotherThreadWrites) {
  auto store = OpenStore("sqlite://" + Path("live.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto created = (*store)->CreateOrganization("acme");
  ASSERT_TRUE(created.ok());
  const auto org = common::OrgId::Parse(created->id);
  ASSERT_TRUE(org.has_value());
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE((*store)->CreateLead(*org, {"Lead " + std::to_string(i), "", {}}).ok());

  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i)
      (void)(*store)->CreateLead(*org, {"More " + std::to_string(i), "", {}});
  });
  Status s = BackupStore("sqlite://" + Path("live.db"), Path("copy.db"));
  stop = true;
  writer.join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(fs::exists(Path("copy.db.partial")));

  auto copy = OpenStore("sqlite://" + Path("copy.db"), {.migrate = false});
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto copied_org = (*copy)->FindOrganizationByName("acme");
  ASSERT_TRUE(copied_org.ok());
  LeadFilter filter;
  filter.limit = 1;
  auto page = (*copy)->ListLeads(*common::OrgId::Parse(copied_org->id), filter);
  ASSERT_TRUE(page.ok());
  EXPECT_GE(page->total, 100);
}

TEST_F(SqliteBackupTest, RefusesAnExistingTargetAMissingSourceAndPostgres) {
  ASSERT_TRUE(OpenStore("sqlite://" + Path("live.db")).ok());
  ASSERT_TRUE(BackupStore("sqlite://" + Path("live.db"), Path("copy.db")).ok());
  EXPECT_EQ(BackupStore("sqlite://" + Path("live.db"), Path("copy.db")).error_code(),
            "already_exists");
  EXPECT_EQ(BackupStore("sqlite://" + Path("missing.db"), Path("other.db")).error_code(),
            "not_found");
  EXPECT_FALSE(fs::exists(Path("missing.db")));  // a backup never creates its source
  Status pg = BackupStore("postgresql://127.0.0.1/leadscan", Path("pg.db"));
  EXPECT_EQ(pg.error_code(), "backup_unsupported");
  EXPECT_NE(pg.message().find("pg_dump"), std::string::npos);
  EXPECT_EQ(BackupStore("sqlite::memory:", Path("mem.db")).error_code(), "invalid_store_url");
}

}  // namespace
}  // namespace leadscan::store
