#include "detect/words.h"

#include <algorithm>
#include <array>
#include <string>

namespace leadscan::detect {

namespace {

constexpr size_t kMaxSentence = 300;

// Context vocabulary (sv, no, da, fi, en, de), matched at the start of a word, lower-case.
constexpr std::string_view kContext[] = {
    // Swedish
    "frakt",
    "leverans",
    "leverera",
    "skickas",
    "hemleverans",
    "ombud",
    "utlämning",
    "paket",
    "betalning",
    "betala",
    "betalsätt",
    "kassa",
    "faktura",
    "delbetal",
    "köpvillkor",
    "villkor",
    "kortbetalning",
    "fraktfri",
    // Norwegian / Danish
    "levering",
    "sending",
    "hentested",
    "betaling",
    "betale",
    "kasse",
    "vilkår",
    "pakke",
    "fragt",
    "forsendelse",
    "pakkeshop",
    "handelsbetingelser",
    "utlevering",
    "fraktmetode",
    // Finnish
    "toimitus",
    "toimitukset",
    "toimitusta",
    "toimitustavat",
    "nouto",
    "maksu",
    "maksaa",
    "maksutavat",
    "paketti",
    "rahti",
    "kassalle",
    "tilaus",
    // English
    "shipping",
    "delivery",
    "deliver",
    "ship",
    "carrier",
    "parcel",
    "freight",
    "dispatch",
    "pickup",
    "pick-up",
    "payment",
    "pay",
    "checkout",
    "invoice",
    "terms",
    "returns",
    "cart",
    "postage",
    "courier",
    "tracking",
    // German
    "versand",
    "lieferung",
    "liefer",
    "zustellung",
    "zahlung",
    "bezahl",
    "zahlungsart",
    "agb",
    "warenkorb",
    "paketdienst",
    "rechnung",
    "kauf",
    "bestellung",
    "porto",
};

constexpr std::string_view kContextRoles[] = {"shipping", "payment", "checkout", "terms", "cart"};

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Finds needle (lower-case) in hay (lower-case) as a whole word, from `from`.
size_t FindWord(const std::string& hay, const std::string& needle, size_t from) {
  for (size_t p = hay.find(needle, from); p != std::string::npos; p = hay.find(needle, p + 1)) {
    bool left = p == 0 || !IsWordByte(static_cast<unsigned char>(hay[p - 1]));
    size_t e = p + needle.size();
    bool right = e >= hay.size() || !IsWordByte(static_cast<unsigned char>(hay[e]));
    if (left && right)
      return p;
  }
  return std::string::npos;
}

}  // namespace

bool InContext(std::string_view text, size_t pos, size_t len, std::string_view* sentence) {
  size_t start = 0;
  for (size_t i = pos; i > 0; --i) {
    char c = text[i - 1];
    if (c == '\n' || ((c == '.' || c == '!' || c == '?') && i < text.size() && text[i] == ' ')) {
      start = i;
      break;
    }
  }
  size_t end = text.size();
  for (size_t i = pos + len; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || ((c == '.' || c == '!' || c == '?') &&
                      (i + 1 >= text.size() || text[i + 1] == ' ' || text[i + 1] == '\n'))) {
      end = i + (c == '\n' ? 0 : 1);
      break;
    }
  }
  while (start < end && text[start] == ' ')
    ++start;
  std::string_view s = text.substr(start, end - start);
  if (sentence != nullptr)
    *sentence = s.substr(0, std::min(s.size(), kMaxSentence));
  std::string lower = Lower(s);
  for (std::string_view w : kContext) {
    for (size_t p = lower.find(w); p != std::string::npos; p = lower.find(w, p + 1)) {
      if (p == 0 || !IsWordByte(static_cast<unsigned char>(lower[p - 1])))
        return true;
    }
  }
  return false;
}

void MatchWords(const RuleSet& rules, const std::vector<PageFeatures>& pages,
                std::vector<Detection>* detections) {
  std::vector<uint32_t> techs;
  for (uint32_t t = 0; t < rules.technologies().size(); ++t) {
    const Technology& tech = rules.technologies()[t];
    if (!tech.words.empty() || !tech.logos.empty())
      techs.push_back(t);
  }
  if (techs.empty())
    return;
  std::vector<bool> has_signal(rules.technologies().size(), false);
  for (const Detection& d : *detections)
    has_signal[d.tech] = true;
  std::vector<Detection> found;
  for (uint32_t page = 0; page < pages.size(); ++page) {
    const PageFeatures& f = pages[page];
    const bool role_context = std::find(std::begin(kContextRoles), std::end(kContextRoles),
                                        f.role) != std::end(kContextRoles);
    const std::string text = Lower(f.text);
    for (uint32_t t : techs) {
      const Technology& tech = rules.technologies()[t];
      uint32_t order = 0;
      for (const std::string& word : tech.words) {
        const std::string w = Lower(word);
        for (size_t p = FindWord(text, w, 0); p != std::string::npos;
             p = FindWord(text, w, p + 1)) {
          std::string_view sentence;
          bool context = InContext(f.text, p, w.size(), &sentence);
          if (!context && !role_context)
            continue;
          Detection d;
          d.tech = t;
          d.page = page;
          d.field = Field::kText;
          d.a = 1000000 + order;  // after the technology's own text patterns
          d.confidence = kWordConfidence;
          d.evidence = Evidence{f.url, "text.words", std::string(sentence)};
          found.push_back(std::move(d));
          break;
        }
        ++order;
      }
      for (const std::string& logo : tech.logos) {
        const std::string l = Lower(logo);
        auto match = [&](const std::vector<std::string>& values, const char* field,
                         bool file_name) {
          for (const std::string& v : values) {
            std::string s = Lower(v);
            if (file_name) {
              size_t q = s.find_first_of("?#");
              if (q != std::string::npos)
                s.resize(q);
              size_t slash = s.rfind('/');
              if (slash != std::string::npos)
                s = s.substr(slash + 1);
            }
            if (s.find(l) != std::string::npos) {
              Detection d;
              d.tech = t;
              d.page = page;
              d.field = Field::kDom;
              d.a = 1000000 + order;
              d.confidence = kLogoConfidence;
              d.evidence = Evidence{f.url, field, v.substr(0, std::min(v.size(), kMaxSentence))};
              found.push_back(std::move(d));
              return true;
            }
          }
          return false;
        };
        if (!match(f.img_src, "logo.src", true))
          match(f.img_alt, "logo.alt", false);
        ++order;
      }
    }
  }
  for (Detection& d : found) {
    if (rules.technologies()[d.tech].strong_only && !has_signal[d.tech])
      continue;
    detections->push_back(std::move(d));
  }
}

}  // namespace leadscan::detect
