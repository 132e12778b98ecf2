// leadscan-render-probe: renders one URL with a Renderer, prints "pid=<browser pid>
// dir=<browser folder>" and then waits to be killed, so a test can kill -9 it and check that
// no Chromium survives. Test helper only.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "render/renderer.h"

int main(int argc, char** argv) {
  leadscan::render::RenderOptions options;
  std::string url;
  CLI::App app{"leadscan-render-probe"};
  app.add_option("--url", url)->required();
  app.add_option("--allow-net", options.allow_net);
  app.add_option("--connect-to", options.connect_to);
  app.add_option("--ca-file", options.ca_file);
  CLI11_PARSE(app, argc, argv);
  auto renderer = leadscan::render::Renderer::Create(options);
  if (!renderer.ok()) {
    std::cerr << renderer.status().ToString() << "\n";
    return 2;
  }
  auto page = renderer.value()->Render({url, {}});
  if (!page.ok()) {
    std::cerr << page.status().ToString() << "\n";
    return 1;
  }
  std::cout << "pid=" << renderer.value()->browser_pid()
            << " dir=" << renderer.value()->browser_dir() << std::endl;
  while (true)
    pause();
}
