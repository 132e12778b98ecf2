#include "store/testing/pg_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/uuid.h"

namespace leadscan::store::testing {
namespace {

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";
constexpr int kStartAttempts = 3;

// Runs a shell command; returns its exit status and appends its output to *out.
int RunCommand(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p)
    return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    if (out)
      out->append(buf, n);
  }
  int rc = pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

PgServer* PgServer::Shared() {
  static PgServer server;
  return &server;
}

PgServer::PgServer() {
  if (const char* url = std::getenv("LEADSCAN_TEST_PG_URL"); url && *url) {
    available_ = true;
    base_url_ = url;
    return;
  }
  const char* bin = std::getenv("LEADSCAN_PG_BIN");
  bin_dir_ = bin && *bin ? bin : kDefaultBinDir;
  available_ = std::filesystem::exists(bin_dir_ + "/initdb") &&
               std::filesystem::exists(bin_dir_ + "/pg_ctl");
  if (available_)
    Start();
}

void PgServer::Start() {
  char tmpl[] = "/tmp/leadscan-pg-XXXXXX";
  if (!mkdtemp(tmpl)) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  owned_ = true;
  // PostgreSQL refuses to run as root; run its programs as the postgres OS user.
  std::string as_user;
  if (geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (!pw) {
      error_ = "running as root and there is no postgres user";
      return;
    }
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      error_ = "chown " + dir_ + " failed";
      return;
    }
    as_user = "runuser -u postgres -- ";
  }
  std::string data = dir_ + "/data";
  std::string out;
  int rc = RunCommand(as_user + Quote(bin_dir_ + "/initdb") + " -D " + Quote(data) +
                          " -U postgres -A trust -E UTF8 --no-sync --no-instructions",
                      &out);
  if (rc != 0) {
    error_ = "initdb failed: " + out;
    return;
  }
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    int port = FreePort();
    std::string opts = "-p " + std::to_string(port) + " -k " + dir_ +
                       " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                       "-c full_page_writes=off -c max_connections=200";
    out.clear();
    rc = RunCommand(as_user + Quote(bin_dir_ + "/pg_ctl") + " -D " + Quote(data) + " -l " +
                        Quote(dir_ + "/server.log") + " -o " + Quote(opts) + " -w -t 60 start",
                    &out);
    if (rc == 0) {
      base_url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres";
      return;
    }
    std::ifstream log(dir_ + "/server.log");
    std::stringstream ss;
    ss << log.rdbuf();
    error_ = "pg_ctl start failed: " + out + "\n" + ss.str();
  }
}

PgServer::~PgServer() {
  if (!owned_)
    return;
  if (running()) {
    std::string as_user = geteuid() == 0 ? "runuser -u postgres -- " : "";
    RunCommand(as_user + Quote(bin_dir_ + "/pg_ctl") + " -D " + Quote(dir_ + "/data") +
                   " -m immediate -w stop",
               nullptr);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

common::Result<std::string> PgServer::NewSchemaUrl() {
  std::lock_guard lock(mu_);
  if (!running())
    return common::Status::IoError("PostgreSQL is not running: " + error_);
  std::string schema = "t_" + common::RandomHex(6);
  std::string out;
  int rc = RunCommand("psql -X -q -v ON_ERROR_STOP=1 " + Quote(base_url_) + " -c " +
                          Quote("CREATE SCHEMA " + schema),
                      &out);
  if (rc != 0)
    return common::Status::IoError("create schema failed: " + out);
  std::string sep = base_url_.find('?') == std::string::npos ? "?" : "&";
  return base_url_ + sep + "options=-csearch_path%3D" + schema;
}

common::Result<std::string> PgServer::Psql(const std::string& url, const std::string& sql) {
  std::string out;
  int rc = RunCommand("psql -X -q -A -t -v ON_ERROR_STOP=1 " + Quote(url) + " -c " +
                          Quote("SET TimeZone TO 'UTC'; " + sql),
                      &out);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  if (rc != 0)
    return common::Status::IoError("psql: " + out);
  return out;
}

}  // namespace leadscan::store::testing
