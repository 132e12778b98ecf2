#include "search/candidate_scoring.h"

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "common/ascii.h"
#include "fetch/target.h"
#include "search/search_responses.h"

namespace leadscan::search {
namespace {

constexpr double kContainsBase = 0.6;
constexpr double kAcronymValue = 0.7;
constexpr double kPartialCap = 0.8;
constexpr size_t kMinContainLength = 4;
constexpr size_t kMinRunTogetherLength = 5;
constexpr size_t kMinSignificantWord = 3;
constexpr size_t kMaxTitleBytes = 300;

// The first label of the host's registrable domain with hyphens dropped ("kaffebonan" for
// "www.kaffe-bonan.se").
std::string DomainLabel(std::string_view host) {
  std::string h = common::AsciiLower(host);
  while (!h.empty() && h.back() == '.')
    h.pop_back();
  std::string registrable = fetch::RegistrableDomain(h);
  if (registrable.empty())
    registrable = h;
  std::string label = registrable.substr(0, registrable.find('.'));
  label.erase(std::remove(label.begin(), label.end(), '-'), label.end());
  return label;
}

std::vector<std::string> Words(std::string_view folded) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < folded.size()) {
    size_t j = folded.find(' ', i);
    if (j == std::string_view::npos)
      j = folded.size();
    if (j > i)
      out.emplace_back(folded.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

double Dice(std::string_view a, std::string_view b) {
  if (a.size() < 2 || b.size() < 2)
    return 0;
  std::multiset<std::string_view> pairs;
  for (size_t i = 0; i + 1 < a.size(); ++i)
    pairs.insert(a.substr(i, 2));
  size_t common = 0;
  for (size_t i = 0; i + 1 < b.size(); ++i) {
    auto it = pairs.find(b.substr(i, 2));
    if (it != pairs.end()) {
      ++common;
      pairs.erase(it);
    }
  }
  return 2.0 * static_cast<double>(common) / static_cast<double>(a.size() + b.size() - 2);
}

// True when `needle` (words) appears as consecutive words of `hay`.
bool HasPhrase(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
  if (needle.empty() || hay.size() < needle.size())
    return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (std::equal(needle.begin(), needle.end(), hay.begin() + static_cast<std::ptrdiff_t>(i)))
      return true;
  }
  return false;
}

std::string Percent(double v) {
  return std::to_string(static_cast<int>(v * 100 + 0.5)) + "%";
}

// The words of the name worth looking for (3+ letters), or all of them when none is that long.
std::vector<std::string> SignificantWords(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (w.size() >= kMinSignificantWord)
      out.push_back(w);
  }
  return out.empty() ? words : out;
}

bool TextNames(const CompanyName& name, std::string_view text, bool run_together) {
  if (text.empty() || name.words.empty())
    return false;
  const std::vector<std::string> main = Words(FoldText(text));
  if (HasPhrase(main, name.words))
    return true;
  const std::vector<std::string> alt = Words(FoldTextAlternative(text));
  if (HasPhrase(alt, name.alternative_words))
    return true;
  for (const std::string& form : name.compact_forms) {
    if (form.size() < kMinRunTogetherLength)
      continue;
    for (const auto* words : {&main, &alt}) {
      for (const std::string& w : *words) {
        if (w.find(form) != std::string::npos)
          return true;
      }
      if (run_together) {
        std::string joined;
        for (const std::string& w : *words)
          joined += w;
        if (joined.find(form) != std::string::npos)
          return true;
      }
    }
  }
  return false;
}

// Case-insensitive ASCII search for `needle` (lower-case) in `hay` from `from`.
size_t FindNoCase(std::string_view hay, std::string_view needle, size_t from) {
  if (needle.empty() || hay.size() < needle.size())
    return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && common::AsciiLower(hay[i + k]) == needle[k])
      ++k;
    if (k == needle.size())
      return i;
  }
  return std::string_view::npos;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == ':' || c == '_';
}

// The attributes of a tag from just after its name to its '>' (exclusive), lower-case names.
std::vector<std::pair<std::string, std::string>> Attributes(std::string_view tag) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < tag.size()) {
    while (i < tag.size() && !IsNameChar(tag[i]))
      ++i;
    const size_t name_start = i;
    while (i < tag.size() && IsNameChar(tag[i]))
      ++i;
    std::string name = common::AsciiLower(tag.substr(name_start, i - name_start));
    while (i < tag.size() && tag[i] == ' ')
      ++i;
    std::string value;
    if (i < tag.size() && tag[i] == '=') {
      ++i;
      while (i < tag.size() && tag[i] == ' ')
        ++i;
      if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
        const char quote = tag[i++];
        const size_t end = tag.find(quote, i);
        const size_t stop = end == std::string_view::npos ? tag.size() : end;
        value = std::string(tag.substr(i, stop - i));
        i = stop + 1;
      } else {
        const size_t start = i;
        while (i < tag.size() && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\n')
          ++i;
        value = std::string(tag.substr(start, i - start));
      }
    }
    if (!name.empty())
      out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace

Similarity DomainNameSimilarity(const CompanyName& name, std::string_view host) {
  Similarity best;
  const std::string label = DomainLabel(host);
  if (label.empty() || name.compact_forms.empty())
    return best;
  auto offer = [&best](double value, std::string why) {
    if (value > best.value) {
      best.value = value;
      best.why = std::move(why);
    }
  };
  for (const std::string& form : name.compact_forms) {
    if (form == label) {
      offer(1.0, "domain name equals the company name");
      continue;
    }
    const size_t shorter = std::min(form.size(), label.size());
    const size_t longer = std::max(form.size(), label.size());
    if (shorter >= kMinContainLength) {
      const double v = kContainsBase + (1 - kContainsBase) * static_cast<double>(shorter) /
                                           static_cast<double>(longer);
      if (label.find(form) != std::string::npos)
        offer(v, "domain name contains the company name");
      else if (form.find(label) != std::string::npos)
        offer(v, "company name contains the domain name");
    }
    const double dice = Dice(form, label) * kPartialCap;
    if (dice > 0)
      offer(dice, "domain name resembles the company name (" + Percent(Dice(form, label)) + ")");
  }
  if (name.acronym.size() >= 2 && name.acronym == label)
    offer(kAcronymValue, "domain name is the company's initials");
  const std::vector<std::string> words = SignificantWords(name.words);
  if (!words.empty()) {
    size_t found = 0;
    for (const auto& w : words) {
      if (label.find(w) != std::string::npos)
        ++found;
    }
    if (found > 0) {
      offer(kPartialCap * static_cast<double>(found) / static_cast<double>(words.size()),
            "domain name has " + std::to_string(found) + " of " + std::to_string(words.size()) +
                " name words");
    }
  }
  return best;
}

Similarity TextNameSimilarity(const CompanyName& name, std::string_view text) {
  Similarity out;
  if (text.empty() || name.words.empty())
    return out;
  const std::vector<std::string> main = Words(FoldText(text));
  if (HasPhrase(main, name.words) ||
      HasPhrase(Words(FoldTextAlternative(text)), name.alternative_words)) {
    out.value = 1;
    out.why = "names the company";
    return out;
  }
  const std::set<std::string> have(main.begin(), main.end());
  const std::vector<std::string> words = SignificantWords(name.words);
  size_t found = 0;
  for (const auto& w : words) {
    if (have.count(w) > 0)
      ++found;
  }
  if (found > 0) {
    out.value = static_cast<double>(found) / static_cast<double>(words.size());
    out.why =
        "has " + std::to_string(found) + " of " + std::to_string(words.size()) + " name words";
  }
  return out;
}

int CountryTldPoints(std::string_view host, std::string_view country, std::string* why) {
  why->clear();
  std::string h = common::AsciiLower(host);
  while (!h.empty() && h.back() == '.')
    h.pop_back();
  const size_t dot = h.rfind('.');
  if (dot == std::string::npos || country.empty())
    return 0;
  const std::string tld = h.substr(dot + 1);
  std::string want = common::AsciiLower(country);
  if (want == "gb")
    want = "uk";
  if (tld == want) {
    *why = "." + tld + " is the country's domain";
    return kCountryTldPoints;
  }
  // Two-letter TLDs that are used as generic ones.
  static constexpr std::array<std::string_view, 9> kGenericCc = {"nu", "io", "co", "me", "tv",
                                                                 "ai", "eu", "ly", "gg"};
  const bool letters =
      std::all_of(tld.begin(), tld.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (tld.size() == 2 && letters &&
      std::find(kGenericCc.begin(), kGenericCc.end(), tld) == kGenericCc.end()) {
    *why = "." + tld + " is another country's domain";
    return -kCountryTldPoints;
  }
  return 0;
}

HomePageText ExtractHomePageText(std::string_view html) {
  HomePageText out;
  html = html.substr(0, std::min(html.size(), kMaxHomePageScanBytes));
  std::string body;
  std::string title;
  size_t i = 0;
  while (i < html.size() && body.size() < kMaxHomeBodyTextBytes * 2) {
    const size_t lt = html.find('<', i);
    const size_t text_end = lt == std::string_view::npos ? html.size() : lt;
    if (text_end > i) {
      body.append(html.substr(i, text_end - i));
      body.push_back(' ');
    }
    if (lt == std::string_view::npos)
      break;
    if (html.substr(lt, 4) == "<!--") {
      const size_t end = html.find("-->", lt + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const size_t gt = html.find('>', lt);
    if (gt == std::string_view::npos)
      break;
    size_t n = lt + 1;
    while (n < gt && IsNameChar(html[n]))
      ++n;
    const std::string tag = common::AsciiLower(html.substr(lt + 1, n - lt - 1));
    i = gt + 1;
    if (tag == "script" || tag == "style" || tag == "template") {
      const size_t end = FindNoCase(html, "</" + tag, i);
      i = end == std::string_view::npos ? html.size() : end;
    } else if (tag == "title" && title.empty()) {
      const size_t end = FindNoCase(html, "</title", i);
      const size_t stop = end == std::string_view::npos ? html.size() : end;
      title = std::string(html.substr(i, std::min(stop - i, kMaxTitleBytes * 4)));
      i = stop;
    } else if (tag == "meta" && out.site_name.empty()) {
      std::string property, content;
      for (auto& [k, v] : Attributes(html.substr(n, gt - n))) {
        if (k == "property" || k == "name")
          property = common::AsciiLower(v);
        else if (k == "content")
          content = std::move(v);
      }
      if (property == "og:site_name")
        out.site_name = PlainText(content, kMaxTitleBytes);
    }
  }
  out.title = PlainText(title, kMaxTitleBytes);
  out.body_text = PlainText(body, kMaxHomeBodyTextBytes);
  return out;
}

std::string WhereHomePageNamesCompany(const CompanyName& name, const HomePageText& page) {
  if (TextNames(name, page.title, true))
    return "title";
  if (TextNames(name, page.site_name, true))
    return "og:site_name";
  if (TextNames(name, page.body_text, false))
    return "body text";
  return "";
}

}  // namespace leadscan::search
