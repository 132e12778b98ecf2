// DetectBotChallenge: tells a bot-protection page (a challenge, captcha or block page put in
// front of a site by Cloudflare, Akamai, DataDome, PerimeterX/HUMAN, Imperva/Incapsula, Kasada,
// AWS WAF, DDoS-Guard, Sucuri or Vercel) from the site itself, so it is reported as
// `bot_challenge` and never analysed as the site. Markers are specific to the challenge pages
// (not the scripts these services also put on ordinary pages). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscan::fetch {

// Only this much of a body is looked at: every challenge page we know names itself in its
// first few kilobytes.
inline constexpr size_t kMaxChallengeScanBytes = 64 * 1024;

struct BotChallenge {
  std::string vendor;  // "Cloudflare", "DataDome", ...
  std::string marker;  // what gave it away: "header cf-mitigated: challenge", "title ..."
};

// `headers`: names lower-case (as fetch and render hand them out); `body`: the page as
// received (HTML; any encoding whose markup is ASCII). nullopt for an ordinary page.
std::optional<BotChallenge> DetectBotChallenge(
    int status, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view body);

}  // namespace leadscan::fetch
