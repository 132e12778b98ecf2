#include "fetch/bot_challenge.h"

#include <initializer_list>

#include "common/ascii.h"

namespace leadscan::fetch {
namespace {

// A response header whose value names a challenge outright.
struct HeaderMarker {
  const char* vendor;
  const char* name;   // lower-case
  const char* value;  // lower-case, the whole value
};

constexpr HeaderMarker kHeaderMarkers[] = {
    {"Cloudflare", "cf-mitigated", "challenge"},
    {"Vercel", "x-vercel-mitigated", "challenge"},
};

// Strings that must all be in the (lower-cased) start of the body; `status` 0 = any status.
// Each set is specific to a challenge or block page: the services' ordinary-page scripts
// (Cloudflare's /cdn-cgi/challenge-platform/scripts/jsd/, a Turnstile widget, DataDome's
// tags.js, PerimeterX's main.min.js and _pxAppId, Incapsula's SWJIYLWA script, Akamai's
// sensor) are not markers on their own.
struct BodyMarker {
  const char* vendor;
  int status;
  std::initializer_list<const char*> all;
};

const BodyMarker kBodyMarkers[] = {
    // Cloudflare's interstitial (managed, JS and interactive challenges) and block pages.
    {"Cloudflare", 0, {"<title>just a moment...</title>", "/cdn-cgi/challenge-platform/"}},
    {"Cloudflare", 0, {"window._cf_chl_opt"}},
    {"Cloudflare", 0, {"<title>attention required! | cloudflare</title>"}},
    {"Cloudflare", 0, {"id=\"cf-error-details\"", "you have been blocked"}},
    {"Cloudflare", 0, {"used cloudflare to restrict access"}},
    // Akamai Bot Manager's crypto challenge, and the edge's Access Denied page.
    {"Akamai", 0, {"sec-if-cpt-container"}},
    {"Akamai", 0, {"/_sec/cp_challenge/"}},
    {"Akamai", 0, {"<title>access denied</title>", "errors&#46;edgesuite&#46;net"}},
    {"Akamai", 0, {"<title>access denied</title>", "errors.edgesuite.net"}},
    // DataDome's captcha and device-check pages load from captcha-delivery.com.
    {"DataDome", 0, {"ct.captcha-delivery.com"}},
    {"DataDome", 0, {"geo.captcha-delivery.com"}},
    // PerimeterX / HUMAN block page ("Press & Hold").
    {"PerimeterX (HUMAN)", 0, {"id=\"px-captcha\""}},
    {"PerimeterX (HUMAN)", 0, {"captcha.px-cdn.net"}},
    {"PerimeterX (HUMAN)", 0, {"access to this page has been denied", "_pxappid"}},
    // Imperva / Incapsula: the incident page and its challenge frame; Imperva's Advanced Bot
    // Protection (formerly Distil) interstitial.
    {"Imperva (Incapsula)", 0, {"incapsula incident id"}},
    {"Imperva (Incapsula)", 0, {"/_incapsula_resource?swudnsai="}},
    {"Imperva", 0, {"<title>pardon our interruption</title>"}},
    // Kasada answers 429 with a page that loads its SDK.
    {"Kasada", 429, {"kpsdk"}},
    // AWS WAF's challenge and captcha actions.
    {"AWS WAF", 0, {"gokuprops", "awswaf.com"}},
    {"DDoS-Guard", 0, {"<title>ddos-guard</title>"}},
    {"DDoS-Guard", 0, {"/.well-known/ddos-guard/js-challenge"}},
    {"Sucuri", 0, {"sucuri_cloudproxy_js"}},
    {"Sucuri", 0, {"<title>sucuri website firewall"}},
    {"Vercel", 0, {"<title>vercel security checkpoint</title>"}},
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<BotChallenge> DetectBotChallenge(
    int status, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view body) {
  for (const auto& [name, value] : headers) {
    for (const HeaderMarker& m : kHeaderMarkers) {
      if (name == m.name && common::AsciiLower(Trim(value)) == m.value)
        return BotChallenge{m.vendor, std::string("header ") + m.name + ": " + m.value};
    }
  }
  const std::string text = common::AsciiLower(body.substr(0, kMaxChallengeScanBytes));
  for (const BodyMarker& m : kBodyMarkers) {
    if (m.status != 0 && m.status != status)
      continue;
    bool all = true;
    for (const char* s : m.all)
      all = all && text.find(s) != std::string::npos;
    if (!all)
      continue;
    std::string marker;
    for (const char* s : m.all)
      marker += (marker.empty() ? "" : " + ") + std::string("\"") + s + "\"";
    if (m.status != 0)
      marker += " (HTTP " + std::to_string(m.status) + ")";
    return BotChallenge{m.vendor, marker};
  }
  return std::nullopt;
}

}  // namespace leadscan::fetch
