#include "history/analysis_reach.h"

#include <algorithm>

#include "common/ascii.h"

namespace leadscan::history {
namespace {

const std::string& StringAt(const Json& object, const char* key) {
  static const std::string kEmpty;
  if (!object.is_object())
    return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ref<const std::string&>() : kEmpty;
}

int IntAt(const Json& object, const char* key) {
  if (!object.is_object())
    return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// Errors that name a page but say nothing about what was read of it.
bool Informational(const std::string& code) {
  return code == "https_fallback";
}

}  // namespace

const std::vector<std::string>& FindingFields() {
  static const std::vector<std::string> kFields = {"ecommerce_platform", "checkout_solutions",
                                                   "payment_methods",    "carriers",
                                                   "shipping_software",  "technologies"};
  return kFields;
}

bool IsFindingField(std::string_view field) {
  const auto& fields = FindingFields();
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

std::vector<std::string> FieldsOfType(std::string_view analysis_type) {
  if (analysis_type == "tech_analysis")
    return {"ecommerce_platform", "technologies"};
  if (analysis_type == "checkout_scraping")
    return {"checkout_solutions", "payment_methods", "carriers", "shipping_software"};
  if (analysis_type == "ecommerce_detection")
    return {"ecommerce_platform"};
  if (analysis_type == "carrier_detection")
    return {"carriers", "shipping_software"};
  return FindingFields();
}

std::string PageKey(std::string_view url, bool browser) {
  if (url.empty())
    return "";
  std::string_view rest = url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos)
    rest.remove_prefix(scheme + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  size_t host_end = rest.find_first_of("/?");
  std::string host = common::AsciiLower(rest.substr(0, host_end));
  std::string path = host_end == std::string_view::npos ? "" : std::string(rest.substr(host_end));
  if (size_t at = host.rfind('@'); at != std::string::npos)
    host.erase(0, at + 1);
  if (size_t colon = host.rfind(':');
      colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    host.erase(colon);
  }
  if (host.rfind("www.", 0) == 0 && host.size() > 4)
    host.erase(0, 4);
  std::string query;
  if (size_t q = path.find('?'); q != std::string::npos) {
    query = path.substr(q);
    path.erase(q);
  }
  if (path.empty())
    path.push_back('/');
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  if (query == "?")
    query.clear();
  return (browser ? "browser:" : "") + host + path + query;
}

std::set<std::string> EvidencePages(const Json& evidence) {
  std::set<std::string> out;
  if (!evidence.is_array())
    return out;
  for (const Json& e : evidence) {
    const std::string& page = StringAt(e, "page");
    if (page.empty())
      continue;
    out.insert(PageKey(page, StringAt(e, "source") == "browser"));
  }
  return out;
}

bool AnalysisReach::Covers(std::string_view field) const {
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

AnalysisReach ReachOf(const Json& result, std::string_view analysis_type) {
  AnalysisReach reach;
  std::string type(analysis_type);
  if (type.empty())
    type = StringAt(result, "analysis_type");
  reach.fields = FieldsOfType(type);
  if (!result.is_object())
    return reach;

  if (auto it = result.find("errors"); it != result.end() && it->is_array()) {
    for (const Json& e : *it) {
      const std::string& code = StringAt(e, "code");
      const std::string& url = StringAt(e, "url");
      if (url.empty()) {
        // The lead's time budget ran out with fetched pages not analysed (analyzer.cc).
        if (code == "timeout")
          reach.partial = true;
        continue;
      }
      if (Informational(code))
        continue;
      // Rendering problems (a failed or cut-short rendering) concern the browser's page.
      const bool browser =
          code == "render_budget" || StringAt(e, "message").rfind("rendering:", 0) == 0;
      reach.unreached.insert(PageKey(url, browser));
    }
  }

  auto pages = result.find("pages");
  if (pages == result.end() || !pages->is_array())
    return reach;
  bool has_home_reason = false;
  for (const Json& p : *pages)
    has_home_reason = has_home_reason || StringAt(p, "reason") == "home";
  bool first = true;
  std::string home_key;
  for (const Json& p : *pages) {
    const std::string key = PageKey(StringAt(p, "url"), StringAt(p, "via") == "browser");
    const int status = IntAt(p, "status");
    const bool ok = StringAt(p, "error_code").empty() && status >= 200 && status < 400;
    const bool is_home = has_home_reason ? StringAt(p, "reason") == "home" : first;
    first = false;
    if (key.empty())
      continue;
    if (ok) {
      reach.reached.insert(key);
      if (is_home && home_key.empty())
        home_key = key;
    } else {
      reach.unreached.insert(key);
    }
  }
  for (const std::string& key : reach.unreached)
    reach.reached.erase(key);
  reach.home_reached = !home_key.empty() && reach.reached.count(home_key) > 0;

  if (auto it = result.find("set_aside"); it != result.end() && it->is_array()) {
    for (const Json& f : *it) {
      const std::string& field = StringAt(f, "field");
      const std::string& name = StringAt(f, "name");
      if (!field.empty() && !name.empty())
        reach.set_aside.emplace(field, name);
    }
  }
  return reach;
}

}  // namespace leadscan::history
