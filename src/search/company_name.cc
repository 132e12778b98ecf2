#include "search/company_name.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <set>

namespace leadscan::search {
namespace {

// One code point decoded from UTF-8, or nullopt for a byte that does not start a valid
// sequence (it is then skipped as a separator). Advances *i past what it read.
std::optional<uint32_t> NextCodePoint(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = 0;
  uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++*i;
    return std::nullopt;
  }
  if (*i + static_cast<size_t>(len) > s.size()) {
    ++*i;
    return std::nullopt;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr std::array<uint32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[static_cast<size_t>(len)] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return std::nullopt;
  }
  *i += static_cast<size_t>(len);
  return cp;
}

// What a Latin letter of U+00C0..U+017F folds to ("" when the code point is no letter this
// table knows). Upper and lower case fold alike.
std::string_view FoldLatin(uint32_t cp, bool alternative) {
  switch (cp) {
    case 0xC0:
    case 0xC1:
    case 0xC2:
    case 0xC3:
    case 0xE0:
    case 0xE1:
    case 0xE2:
    case 0xE3:
    case 0x100:
    case 0x101:
    case 0x102:
    case 0x103:
    case 0x104:
    case 0x105:
      return "a";
    case 0xC4:
    case 0xE4:
      return alternative ? "ae" : "a";
    case 0xC5:
    case 0xE5:
      return alternative ? "aa" : "a";
    case 0xC6:
    case 0xE6:
      return "ae";
    case 0xC7:
    case 0xE7:
    case 0x106:
    case 0x107:
    case 0x10C:
    case 0x10D:
      return "c";
    case 0xC8:
    case 0xC9:
    case 0xCA:
    case 0xCB:
    case 0xE8:
    case 0xE9:
    case 0xEA:
    case 0xEB:
    case 0x118:
    case 0x119:
    case 0x11A:
    case 0x11B:
      return "e";
    case 0xCC:
    case 0xCD:
    case 0xCE:
    case 0xCF:
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:
      return "i";
    case 0xD0:
    case 0xF0:
    case 0x110:
    case 0x111:
      return "d";
    case 0xD1:
    case 0xF1:
    case 0x143:
    case 0x144:
    case 0x147:
    case 0x148:
      return "n";
    case 0xD2:
    case 0xD3:
    case 0xD4:
    case 0xD5:
    case 0xF2:
    case 0xF3:
    case 0xF4:
    case 0xF5:
    case 0x150:
    case 0x151:
      return "o";
    case 0xD6:
    case 0xF6:
    case 0xD8:
    case 0xF8:
      return alternative ? "oe" : "o";
    case 0xD9:
    case 0xDA:
    case 0xDB:
    case 0xF9:
    case 0xFA:
    case 0xFB:
    case 0x16E:
    case 0x16F:
      return "u";
    case 0xDC:
    case 0xFC:
      return alternative ? "ue" : "u";
    case 0xDD:
    case 0xFD:
    case 0xFF:
      return "y";
    case 0xDE:
    case 0xFE:
      return "th";
    case 0xDF:
      return "ss";
    case 0x141:
    case 0x142:
      return "l";
    case 0x158:
    case 0x159:
      return "r";
    case 0x15A:
    case 0x15B:
    case 0x160:
    case 0x161:
      return "s";
    case 0x164:
    case 0x165:
      return "t";
    case 0x179:
    case 0x17A:
    case 0x17B:
    case 0x17C:
    case 0x17D:
    case 0x17E:
      return "z";
    default:
      return "";
  }
}

// Punctuation and symbols outside ASCII that separate words: Latin-1 symbols, general
// punctuation (dashes, quotes, NBSP-like spaces), currency and letter-like symbols.
bool IsSeparator(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
         (cp >= 0x20A0 && cp <= 0x214F) || cp == 0x3000 || cp == 0xFEFF || cp == 0xFFFD;
}

std::string Fold(std::string_view text, bool alternative) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  auto put = [&](std::string_view piece) {
    if (pending_space && !out.empty())
      out.push_back(' ');
    pending_space = false;
    out.append(piece);
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    std::optional<uint32_t> cp = NextCodePoint(text, &i);
    if (!cp) {
      pending_space = true;
      continue;
    }
    const uint32_t c = *cp;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      const char ch = static_cast<char>(c);
      put(std::string_view(&ch, 1));
    } else if (c >= 'A' && c <= 'Z') {
      const char ch = static_cast<char>(c - 'A' + 'a');
      put(std::string_view(&ch, 1));
    } else if (c < 0x80 || IsSeparator(c)) {
      pending_space = true;
    } else if (c >= 0xC0 && c <= 0x17F) {
      std::string_view folded = FoldLatin(c, alternative);
      if (folded.empty()) {
        pending_space = true;
      } else {
        put(folded);
      }
    } else {
      put(text.substr(start, i - start));  // a letter of another script, kept
    }
  }
  return out;
}

std::vector<std::string> SplitWords(std::string_view folded) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < folded.size()) {
    size_t j = folded.find(' ', i);
    if (j == std::string_view::npos)
      j = folded.size();
    if (j > i)
      words.emplace_back(folded.substr(i, j - i));
    i = j + 1;
  }
  return words;
}

std::string Join(const std::vector<std::string>& words, size_t begin, size_t end,
                 std::string_view sep) {
  std::string out;
  for (size_t i = begin; i < end && i < words.size(); ++i) {
    if (i > begin)
      out += sep;
    out += words[i];
  }
  return out;
}

const std::set<std::string, std::less<>>& FormWords() {
  static const std::set<std::string, std::less<>> kWords = {
      // Sweden
      "ab", "aktiebolag", "aktiebolaget", "publ", "hb", "handelsbolag", "handelsbolaget", "kb",
      "kommanditbolag", "kommanditbolaget", "ef",
      // Norway
      "as", "asa", "ans", "da", "nuf", "sa", "enk",
      // Denmark
      "aps", "ivs", "amba",
      // Finland
      "oy", "oyj", "ky", "tmi", "ay", "osk",
      // elsewhere
      "ltd", "limited", "llc", "inc", "corp", "plc", "gmbh", "ag", "kg", "bv", "nv", "sarl", "sas",
      "srl", "spa"};
  return kWords;
}

// Places that follow "i" / "in" / "på" in Nordic company names, and country words; folded.
const std::set<std::string, std::less<>>& PlaceWords() {
  static const std::set<std::string, std::less<>> kPlaces = {
      // countries and regions
      "sverige", "sweden", "norge", "norway", "noreg", "danmark", "denmark", "suomi", "finland",
      "skandinavien", "scandinavia", "norden", "norrland", "skane", "vastsverige",
      // Sweden
      "stockholm", "goteborg", "gothenburg", "malmo", "uppsala", "vasteras", "orebro", "linkoping",
      "helsingborg", "jonkoping", "norrkoping", "lund", "umea", "gavle", "boras", "sodertalje",
      "eskilstuna", "halmstad", "vaxjo", "karlstad", "sundsvall", "ostersund", "trollhattan",
      "lulea", "kalmar", "kristianstad", "skovde", "falun", "visby", "kiruna", "karlskrona",
      "nykoping", "varberg", "uddevalla", "motala", "borlange", "solna", "nacka",
      // Norway
      "oslo", "bergen", "trondheim", "stavanger", "drammen", "fredrikstad", "kristiansand",
      "tromso", "sandnes", "bodo", "alesund", "tonsberg", "moss", "haugesund", "hamar",
      // Denmark
      "kobenhavn", "copenhagen", "aarhus", "arhus", "odense", "aalborg", "alborg", "esbjerg",
      "randers", "kolding", "horsens", "vejle", "roskilde", "herning", "silkeborg",
      // Finland
      "helsinki", "helsingfors", "espoo", "tampere", "tammerfors", "vantaa", "oulu", "turku", "abo",
      "jyvaskyla", "lahti", "kuopio", "pori", "vaasa", "vasa"};
  return kPlaces;
}

bool IsPlace(std::string_view w) {
  return PlaceWords().count(w) > 0;
}

// Country words dropped at the end of a name even without "i" ("IKEA Sverige").
bool IsCountry(std::string_view w) {
  static constexpr std::string_view kCountries[] = {
      "sverige", "sweden", "norge", "norway", "noreg", "danmark", "denmark", "suomi", "finland"};
  return std::find(std::begin(kCountries), std::end(kCountries), w) != std::end(kCountries);
}

bool IsLocationPreposition(std::string_view w) {
  return w == "i" || w == "in" || w == "pa";
}

// Removes multi-word forms ("a s" from A/S is handled before folding), "ek for" and
// "ekonomisk forening", and single form words, unless nothing would be left.
std::vector<std::string> DropForms(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i + 1 < words.size() && ((words[i] == "ek" && words[i + 1] == "for") ||
                                 (words[i] == "ekonomisk" && words[i + 1] == "forening"))) {
      ++i;
      continue;
    }
    if (IsCompanyFormWord(words[i]))
      continue;
    out.push_back(words[i]);
  }
  return out.empty() ? words : out;
}

// Drops a trailing "i <place>" (one or two place words) and trailing country words after the
// first word.
std::vector<std::string> DropKnownLocation(std::vector<std::string> words) {
  for (size_t j = 1; j < words.size(); ++j) {
    if (!IsLocationPreposition(words[j]))
      continue;
    const size_t rest = words.size() - j - 1;
    if (rest >= 1 && rest <= 2 &&
        std::all_of(words.begin() + static_cast<std::ptrdiff_t>(j) + 1, words.end(),
                    [](const std::string& w) { return IsPlace(w); })) {
      words.resize(j);
      break;
    }
  }
  while (words.size() > 1 && IsCountry(words.back()))
    words.pop_back();
  return words;
}

// The company-form spellings with a slash (A/S, I/S, K/S, P/S) and dotted ones (A.S.) that
// folding would split into single letters: blanked out before folding.
std::string BlankSlashForms(std::string_view name) {
  std::string out(name);
  for (size_t i = 0; i + 2 < out.size(); ++i) {
    const char a = static_cast<char>(out[i] | 0x20);
    const bool at_start = i == 0 || !std::isalnum(static_cast<unsigned char>(out[i - 1]));
    const bool at_end =
        i + 3 >= out.size() || !std::isalnum(static_cast<unsigned char>(out[i + 3]));
    if (at_start && at_end && (a == 'a' || a == 'i' || a == 'k' || a == 'p') && out[i + 1] == '/' &&
        (out[i + 2] | 0x20) == 's') {
      out[i] = out[i + 1] = out[i + 2] = ' ';
    }
  }
  return out;
}

// Drops ", <place>" at the end of the raw name.
std::string DropTrailingCommaPlace(std::string_view name) {
  const size_t comma = name.rfind(',');
  if (comma == std::string_view::npos || comma == 0)
    return std::string(name);
  std::vector<std::string> tail = SplitWords(FoldText(name.substr(comma + 1)));
  if (tail.empty() || tail.size() > 2 ||
      !std::all_of(tail.begin(), tail.end(), [](const std::string& w) { return IsPlace(w); })) {
    return std::string(name);
  }
  return std::string(name.substr(0, comma));
}

std::string_view Trim(std::string_view s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos)
    return {};
  const size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

struct Processed {
  std::vector<std::string> words;  // forms and known locations dropped
  std::string before_preposition;  // words before a trailing " i ...", run together; or ""
};

Processed Process(const std::string& folded) {
  Processed p;
  p.words = DropKnownLocation(DropForms(SplitWords(folded)));
  for (size_t j = 1; j < p.words.size(); ++j) {
    if (IsLocationPreposition(p.words[j]) && p.words.size() - j - 1 <= 3) {
      p.before_preposition = Join(p.words, 0, j, "");
      break;
    }
  }
  return p;
}

}  // namespace

std::string FoldText(std::string_view text) {
  return Fold(text, false);
}

std::string FoldTextAlternative(std::string_view text) {
  return Fold(text, true);
}

bool IsCompanyFormWord(std::string_view folded_word) {
  return FormWords().count(folded_word) > 0;
}

CompanyName NormaliseCompanyName(std::string_view name) {
  CompanyName out;
  out.input = std::string(Trim(name));
  const std::string cleaned = BlankSlashForms(DropTrailingCommaPlace(out.input));
  Processed main = Process(FoldText(cleaned));
  Processed alt = Process(FoldTextAlternative(cleaned));
  out.words = main.words;
  out.alternative_words = alt.words;
  out.key = Join(main.words, 0, main.words.size(), " ");
  auto add = [&out](std::string form) {
    if (!form.empty() && std::find(out.compact_forms.begin(), out.compact_forms.end(), form) ==
                             out.compact_forms.end()) {
      out.compact_forms.push_back(std::move(form));
    }
  };
  add(Join(main.words, 0, main.words.size(), ""));
  add(Join(alt.words, 0, alt.words.size(), ""));
  add(main.before_preposition);
  add(alt.before_preposition);
  if (main.words.size() >= 2) {
    for (const std::string& w : main.words) {
      if (!w.empty() && static_cast<unsigned char>(w[0]) < 0x80)
        out.acronym.push_back(w[0]);
    }
  }
  return out;
}

}  // namespace leadscan::search
