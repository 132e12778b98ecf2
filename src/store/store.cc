#include "store/store.h"

#include <date/date.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace leadscan::store {
namespace {

template <typename E, size_t N>
std::optional<E> ParseName(std::string_view text, const std::array<const char*, N>& names) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i])
      return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<const char*, 2> kRoleNames = {"admin", "member"};
constexpr std::array<const char*, 6> kJobStatusNames = {"pending",   "scheduled", "running",
                                                        "completed", "failed",    "cancelled"};
constexpr std::array<const char*, 5> kRunStatusNames = {"running", "completed", "failed",
                                                        "cancelled", "skipped"};
constexpr std::array<const char*, 3> kRunTriggerNames = {"manual", "scheduled", "api"};
constexpr std::array<const char*, 5> kItemStatusNames = {"pending", "processing", "completed",
                                                         "failed", "cancelled"};
constexpr std::array<const char*, 3> kDeliveryStatusNames = {"pending", "delivered", "failed"};

}  // namespace

const char* RoleName(Role role) {
  return kRoleNames[static_cast<size_t>(role)];
}

const char* JobStatusName(JobStatus status) {
  return kJobStatusNames[static_cast<size_t>(status)];
}

const char* RunStatusName(RunStatus status) {
  return kRunStatusNames[static_cast<size_t>(status)];
}

const char* RunTriggerName(RunTrigger trigger) {
  return kRunTriggerNames[static_cast<size_t>(trigger)];
}

const char* ItemStatusName(ItemStatus status) {
  return kItemStatusNames[static_cast<size_t>(status)];
}

std::optional<Role> ParseRole(std::string_view text) {
  return ParseName<Role>(text, kRoleNames);
}

std::optional<JobStatus> ParseJobStatus(std::string_view text) {
  return ParseName<JobStatus>(text, kJobStatusNames);
}

std::optional<RunStatus> ParseRunStatus(std::string_view text) {
  return ParseName<RunStatus>(text, kRunStatusNames);
}

std::optional<RunTrigger> ParseRunTrigger(std::string_view text) {
  return ParseName<RunTrigger>(text, kRunTriggerNames);
}

std::optional<ItemStatus> ParseItemStatus(std::string_view text) {
  return ParseName<ItemStatus>(text, kItemStatusNames);
}

const char* DeliveryStatusName(DeliveryStatus status) {
  return kDeliveryStatusNames[static_cast<size_t>(status)];
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view text) {
  return ParseName<DeliveryStatus>(text, kDeliveryStatusNames);
}

bool IsFinal(JobStatus status) {
  return status == JobStatus::kCompleted || status == JobStatus::kFailed ||
         status == JobStatus::kCancelled;
}

bool IsFinal(ItemStatus status) {
  return status == ItemStatus::kCompleted || status == ItemStatus::kFailed ||
         status == ItemStatus::kCancelled;
}

TimePoint TruncateTime(TimePoint t) {
  return std::chrono::time_point_cast<std::chrono::microseconds>(t);
}

std::string FormatTime(TimePoint t) {
  auto us = std::chrono::floor<std::chrono::microseconds>(t);
  return date::format("%Y-%m-%dT%H:%M:%SZ", us);
}

std::optional<TimePoint> ParseTime(std::string_view text) {
  // YYYY-MM-DD[T ]HH:MM:SS[.f+][Z|+00|+00:00]
  auto num = [&](size_t pos, size_t len, int& out) {
    if (pos + len > text.size())
      return false;
    auto r = std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == text.data() + pos + len;
  };
  int y, mo, d, h, mi, s;
  if (text.size() < 19 || !num(0, 4, y) || text[4] != '-' || !num(5, 2, mo) || text[7] != '-' ||
      !num(8, 2, d) || (text[10] != 'T' && text[10] != ' ') || !num(11, 2, h) || text[13] != ':' ||
      !num(14, 2, mi) || text[16] != ':' || !num(17, 2, s)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6)
        micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0)
      return std::nullopt;
    for (int i = digits; i < 6; ++i)
      micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size()) {
    std::string_view tz = text.substr(pos);
    if (tz == "Z" || tz == "z") {
      offset_minutes = 0;
    } else if (tz[0] == '+' || tz[0] == '-') {
      int oh = 0, om = 0;
      if (!num(pos + 1, 2, oh))
        return std::nullopt;
      size_t p = pos + 3;
      if (p < text.size() && text[p] == ':')
        ++p;
      if (p < text.size()) {
        if (!num(p, 2, om) || p + 2 != text.size())
          return std::nullopt;
      }
      offset_minutes = (oh * 60 + om) * (tz[0] == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  auto tp = date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
            std::chrono::seconds{s} + std::chrono::microseconds{micros} -
            std::chrono::minutes{offset_minutes};
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(tp.time_since_epoch())};
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options) {
  auto starts = [&](std::string_view prefix) { return url.rfind(prefix, 0) == 0; };
  std::string path;
  if (url == "sqlite::memory:" || url == "sqlite://:memory:") {
    path = ":memory:";
  } else if (starts("sqlite://")) {
    path = url.substr(std::string_view("sqlite://").size());
    auto q = path.find('?');
    if (q != std::string::npos)
      path.resize(q);
  } else if (starts("postgresql://") || starts("postgres://")) {
    auto store = PostgresStore::Open(url, options);
    if (!store.ok())
      return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  } else {
    return Status::InvalidArgument(
        "invalid_store_url", "store URL must start with sqlite:// or postgresql://: " + url, "db");
  }
  if (path.empty()) {
    return Status::InvalidArgument("invalid_store_url", "no database path in " + url, "db");
  }
  auto store = SqliteStore::Open(path, options);
  if (!store.ok())
    return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

Status BackupStore(const std::string& url, const std::string& out_path) {
  auto starts = [&](std::string_view prefix) { return url.rfind(prefix, 0) == 0; };
  if (starts("postgresql://") || starts("postgres://")) {
    return Status::InvalidArgument(
        "backup_unsupported",
        "leadscan backup copies SQLite databases only; back up PostgreSQL with pg_dump "
        "(e.g. pg_dump --format=custom --file=leadscan.dump URL)",
        "db");
  }
  if (!starts("sqlite://") || url == "sqlite://:memory:") {
    return Status::InvalidArgument(
        "invalid_store_url", "backup needs a SQLite file URL (sqlite:///path/file.db): " + url,
        "db");
  }
  std::string path = url.substr(std::string_view("sqlite://").size());
  if (auto q = path.find('?'); q != std::string::npos)
    path.resize(q);
  if (path.empty())
    return Status::InvalidArgument("invalid_store_url", "no database path in " + url, "db");
  return SqliteStore::Backup(path, out_path);
}

}  // namespace leadscan::store
