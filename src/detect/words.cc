#include "detect/words.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <string>

#include "common/ascii.h"

namespace leadscan::detect {

namespace {

constexpr size_t kMaxSentence = 300;
// How far a sentence may reach on each side of a word (pages without punctuation).
constexpr size_t kSentenceReach = 200;
// Occurrences of one word examined per page.
constexpr int kMaxOccurrences = 50;

// Context vocabulary (sv, no, da, fi, en, de, fr, es, it, pt, nl, pl, cs, hu, ro), matched at
// the start of a word, lower-case (ASCII case folding: a word that starts with a non-ASCII
// capital letter must be listed as written).
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
    // French
    "livraison",
    "expédition",
    "paiement",
    "payer",
    "transporteur",
    "colis",
    "panier",
    "commande",
    // Spanish
    "envío",
    "envio",
    "entrega",
    "pago",
    "pagar",
    "transportista",
    "paquete",
    "carrito",
    "pedido",
    // Italian
    "spedizion",
    "consegna",
    "pagament",
    "pagare",
    "corriere",
    "pacco",
    "carrello",
    "ordine",
    // Portuguese
    "entrega",
    "pagamento",
    "transportadora",
    "encomenda",
    // Dutch
    "verzend",
    "bezorg",
    "levering",
    "betaal",
    "betaling",
    "winkelwagen",
    // Polish
    "wysyłk",
    "dostaw",
    "płatnoś",
    "płatnos",
    "zapłat",
    "kurier",
    "przesyłk",
    "koszyk",
    // Czech
    "doprav",
    "doručen",
    "platb",
    "zásilk",
    "košík",
    // Hungarian
    "szállítás",
    "fizetés",
    "futár",
    "kosár",
    // Romanian
    "livrare",
    "plată",
    "plata",
    "curier",
    "coș",
};

constexpr std::string_view kContextRoles[] = {"shipping", "payment", "checkout", "terms", "cart"};

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Whether the code point encoded at text[at] (a lead byte) is punctuation or a space outside
// ASCII: Latin-1's U+00A0-U+00BF (no-break space, « », ´, ·) and General Punctuation's
// U+2000-U+206F (’ ” – — …). "DHL´s" and "Australia Post’s" end the name there.
bool IsNonAsciiPunctuation(std::string_view text, size_t at) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  if (at + 1 < text.size() && b(at) == 0xC2 && b(at + 1) >= 0xA0 && b(at + 1) <= 0xBF)
    return true;
  return at + 2 < text.size() && b(at) == 0xE2 && (b(at + 1) == 0x80 || b(at + 1) == 0x81);
}

// Whether a word that ends before text[end] is followed by more of a word.
bool WordGoesOn(std::string_view text, size_t end) {
  if (end >= text.size() || !IsWordByte(static_cast<unsigned char>(text[end])))
    return false;
  return !IsNonAsciiPunctuation(text, end);
}

// Whether a word that starts at text[start] continues one before it.
bool WordCameBefore(std::string_view text, size_t start) {
  if (start == 0 || !IsWordByte(static_cast<unsigned char>(text[start - 1])))
    return false;
  if (static_cast<unsigned char>(text[start - 1]) < 0x80)
    return true;
  // The lead byte of the code point before (at most 3 continuation bytes back).
  size_t lead = start - 1;
  while (lead > 0 && start - lead < 4 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80)
    --lead;
  return !IsNonAsciiPunctuation(text, lead);
}

// The context words by their first byte, so a sentence is read once, word start by word start.
const std::array<std::vector<std::string_view>, 256>& ContextByFirstByte() {
  static const std::array<std::vector<std::string_view>, 256> table = [] {
    std::array<std::vector<std::string_view>, 256> t;
    for (std::string_view w : kContext)
      t[static_cast<unsigned char>(w[0])].push_back(w);
    return t;
  }();
  return table;
}

char LowerByte(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

constexpr uint32_t kNoLiteral = UINT32_MAX;

// first[l] becomes the index of the first value holding literal l (values.size() when none):
// one scan of the values joined by newlines (no literal holds one).
void FirstHolders(const LiteralSet& literals, const std::vector<std::string>& values,
                  hs_scratch_t* scratch, std::vector<size_t>* first) {
  first->assign(literals.size(), values.size());
  if (values.empty() || literals.size() == 0)
    return;
  if (scratch == nullptr) {  // no Vectorscan scratch: search each value
    for (uint32_t id = 0; id < literals.size(); ++id) {
      size_t i = 0;
      while (i < values.size() && values[i].find(literals.literal(id)) == std::string::npos)
        ++i;
      (*first)[id] = i;
    }
    return;
  }
  std::string joined;
  std::vector<size_t> starts;
  for (const std::string& v : values) {
    starts.push_back(joined.size());
    joined += v;
    joined += '\n';
  }
  std::vector<std::pair<uint32_t, size_t>> hits;
  literals.ScanAll(joined, scratch, &hits);
  for (const auto& [id, end] : hits) {
    const auto value = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), end - 1) -
                                           starts.begin() - 1);
    (*first)[id] = std::min((*first)[id], value);
  }
}

}  // namespace

bool InContext(std::string_view text, size_t pos, size_t len, std::string_view* sentence) {
  // The sentence (or block) around the match, at most kSentenceReach bytes each side.
  const size_t lo = pos > kSentenceReach ? pos - kSentenceReach : 0;
  const size_t hi = std::min(text.size(), pos + len + kSentenceReach);
  size_t start = lo;
  for (size_t i = pos; i > lo; --i) {
    char c = text[i - 1];
    if (c == '\n' || ((c == '.' || c == '!' || c == '?') && text[i] == ' ')) {
      start = i;
      break;
    }
  }
  size_t end = hi;
  for (size_t i = pos + len; i < hi; ++i) {
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
  // A context word starting the sentence or after a byte that is not a word byte (compared
  // lower-case).
  const auto& by_first = ContextByFirstByte();
  for (size_t p = 0; p < s.size(); ++p) {
    if (p > 0 && IsWordByte(static_cast<unsigned char>(LowerByte(s[p - 1]))))
      continue;
    for (std::string_view w : by_first[static_cast<unsigned char>(LowerByte(s[p]))]) {
      if (w.size() > s.size() - p)
        continue;
      size_t k = 1;
      while (k < w.size() && LowerByte(s[p + k]) == w[k])
        ++k;
      if (k == w.size())
        return true;
    }
  }
  return false;
}

void MatchWords(const RuleSet& rules, const std::vector<PageFeatures>& pages, hs_scratch_t* scratch,
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
  std::vector<size_t> first_file, first_alt;
  for (uint32_t page = 0; page < pages.size(); ++page) {
    const PageFeatures& f = pages[page];
    const bool role_context = std::find(std::begin(kContextRoles), std::end(kContextRoles),
                                        f.role) != std::end(kContextRoles);
    // Words: one literal scan of the text, then boundaries and context per occurrence.
    std::vector<std::pair<uint32_t, size_t>> hits;
    rules.words().ScanAll(f.text, scratch, &hits);
    std::set<std::pair<uint32_t, uint32_t>> done;  // (technology, word) found on this page
    std::map<std::pair<uint32_t, uint32_t>, int> tries;
    for (const auto& [id, end] : hits) {
      const size_t len = rules.words().literal(id).size();
      const size_t start = end - len;
      if (WordCameBefore(f.text, start) || WordGoesOn(f.text, end))
        continue;
      std::string_view sentence;
      bool context_known = false;
      bool context = false;
      for (const auto& [t, w] : rules.word_owners()[id]) {
        if (done.count({t, w}) || ++tries[{t, w}] > kMaxOccurrences)
          continue;
        if (!context_known) {
          context = InContext(f.text, start, len, &sentence) || role_context;
          context_known = true;
        }
        if (!context)
          continue;
        done.insert({t, w});
        Detection d;
        d.tech = t;
        d.page = page;
        d.field = Field::kText;
        d.a = 1000000 + w;  // after the technology's own text patterns
        d.confidence = kWordConfidence;
        d.evidence = Evidence{f.url, "text.words", std::string(sentence), f.source};
        found.push_back(std::move(d));
      }
    }
    // Image file names (path and query stripped) and alt texts, lower-case.
    std::vector<std::string> img_files;
    std::vector<std::string> img_alts;
    for (const std::string& src : f.img_src) {
      std::string s = common::AsciiLower(src);
      size_t q = s.find_first_of("?#");
      if (q != std::string::npos)
        s.resize(q);
      size_t slash = s.rfind('/');
      if (slash != std::string::npos)
        s = s.substr(slash + 1);
      img_files.push_back(std::move(s));
    }
    for (const std::string& alt : f.img_alt)
      img_alts.push_back(common::AsciiLower(alt));
    // The first file name and the first alt text holding each logo: one scan of each list.
    FirstHolders(rules.logos(), img_files, scratch, &first_file);
    FirstHolders(rules.logos(), img_alts, scratch, &first_alt);
    for (size_t ti = 0; ti < techs.size(); ++ti) {
      const uint32_t t = techs[ti];
      const Technology& tech = rules.technologies()[t];
      uint32_t order = static_cast<uint32_t>(tech.words.size());
      for (size_t li = 0; li < tech.logos.size(); ++li) {
        const uint32_t literal = tech.logo_literals[li];
        // Only a logo without a literal (one holding a newline) is searched value by value.
        const std::string l =
            literal == kNoLiteral ? common::AsciiLower(tech.logos[li]) : std::string();
        auto match = [&](const std::vector<std::string>& lowered,
                         const std::vector<std::string>& original, const std::vector<size_t>& first,
                         const char* field) {
          size_t i = 0;
          if (literal != kNoLiteral) {
            i = first[literal];
          } else {
            while (i < lowered.size() && lowered[i].find(l) == std::string::npos)
              ++i;
          }
          if (i < lowered.size()) {
            Detection d;
            d.tech = t;
            d.page = page;
            d.field = Field::kDom;
            d.a = 1000000 + order;
            d.confidence = kLogoConfidence;
            const std::string& v = original[i];
            d.evidence =
                Evidence{f.url, field, v.substr(0, std::min(v.size(), kMaxSentence)), f.source};
            found.push_back(std::move(d));
            return true;
          }
          return false;
        };
        if (!match(img_files, f.img_src, first_file, "logo.src"))
          match(img_alts, f.img_alt, first_alt, "logo.alt");
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
