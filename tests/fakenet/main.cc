// leadscan-fakenet: runs the fake internet until SIGTERM or SIGINT, for demos and benchmarks.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fake_internet.h"

int main(int argc, char** argv) {
  namespace fakenet = leadscan::fakenet;
  fakenet::Options options;
  std::string ca_out;
  int http_port = 0;
  int https_port = 0;
  CLI::App app{"leadscan-fakenet: loopback HTTP(S) server hosting many sites by Host name"};
  app.add_option("--sites", options.sites_dir, "folder of sites, <DIR>/<host>/...")
      ->check(CLI::ExistingDirectory);
  app.add_option("--corpus", options.corpus_dir, "folder with MANIFEST.tsv")
      ->check(CLI::ExistingDirectory);
  app.add_option("--address", options.address, "loopback listen address")->capture_default_str();
  app.add_option("--http-port", http_port, "0: any free port")->check(CLI::Range(0, 65535));
  app.add_option("--https-port", https_port, "0: any free port")->check(CLI::Range(0, 65535));
  app.add_option("--ca-out", ca_out, "also write the test CA's PEM here");
  app.add_option("--threads", options.threads, "server threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  options.http_port = static_cast<uint16_t>(http_port);
  options.https_port = static_cast<uint16_t>(https_port);

  // Block the stop signals before the server threads start, so only sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto started = fakenet::FakeInternet::Start(options);
  if (!started.ok()) {
    std::cerr << "leadscan-fakenet: " << started.status().ToString() << "\n";
    return 1;
  }
  std::unique_ptr<fakenet::FakeInternet> net = std::move(started).value();
  std::string ca_file = net->ca_file();
  if (!ca_out.empty()) {
    std::ofstream out(ca_out, std::ios::binary);
    out << net->ca_pem();
    if (!out) {
      std::cerr << "leadscan-fakenet: cannot write " << ca_out << "\n";
      return 1;
    }
    ca_file = std::filesystem::absolute(ca_out).string();
  }
  const std::string host =
      net->address().find(':') != std::string::npos ? "[" + net->address() + "]" : net->address();
  std::cout << "fakenet http=" << host << ":" << net->http_port() << " https=" << host << ":"
            << net->https_port() << " ca=" << ca_file << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  net->Stop();
  std::cerr << "leadscan-fakenet: stopped after " << net->TotalRequests() << " requests\n";
  return 0;
}
