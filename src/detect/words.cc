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

// Context vocabulary (sv, no, da, fi, en, de, fr, es, it, pt, nl, pl, cs, hu, ro, tr, el, ja),
// matched at the start of a word, lower-case (ASCII case folding: a word that starts with a
// non-ASCII capital letter must be listed as written).
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
    "transportör",
    "transportföretag",
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
    "transportør",
    "transportselskap",
    "fragtfirma",
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
    "kuljetus",
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
    "plăți",  // payments: "procesatorul de plăți"
    "card bancar",
    "curier",
    "coș",
    // Turkish (a capital Ö or Ş is listed as written)
    "ödeme",
    "Ödeme",
    "kargo",
    "teslimat",
    "sepet",
    "sipariş",
    "Sipariş",
    // Greek
    "πληρωμ",
    "Πληρωμ",
    "αποστολ",
    "Αποστολ",
    "παράδοσ",
    "Παράδοσ",
    "παραλαβ",
    "Παραλαβ",
    "μεταφορ",
    // Japanese (no spaces: a word starts after punctuation, kana or a kanji)
    "支払",
    "お支払",
    "決済",
    "送料",
    "配送",
    "発送",
    "お届け",
};

constexpr std::string_view kContextRoles[] = {"shipping", "payment", "checkout", "terms", "cart"};

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Whether the code point encoded at text[at] (a lead byte) ends a word written in Latin
// letters: Latin-1's U+00A0-U+00BF (no-break space, « », ´, ·, ®), General Punctuation's
// U+2000-U+206F (’ ” – — …), the trade mark sign U+2122, and East Asian text U+3000-U+D7FF
// (CJK punctuation, kana, ideographs, Hangul) and full-width punctuation, which sets words off
// without spaces. "DHL´s", "Australia Post’s", "PayPal™" and "・VISA" end or start the name there.
bool IsNonAsciiPunctuation(std::string_view text, size_t at) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  if (at + 1 < text.size() && b(at) == 0xC2 && b(at + 1) >= 0xA0 && b(at + 1) <= 0xBF)
    return true;
  if (at + 2 >= text.size())
    return false;
  if (b(at) == 0xE2)
    return b(at + 1) == 0x80 || b(at + 1) == 0x81 || (b(at + 1) == 0x84 && b(at + 2) == 0xA2);
  if (b(at) >= 0xE3 && b(at) <= 0xED)
    return true;
  return b(at) == 0xEF && b(at + 1) == 0xBC && (b(at + 2) <= 0x8F || b(at + 2) >= 0x9A);
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

// Whether no word byte touches value[begin, end) on either side.
bool WholeWordAt(std::string_view value, size_t begin, size_t end) {
  return (begin == 0 || !IsWordByte(static_cast<unsigned char>(value[begin - 1]))) &&
         (end == value.size() || !IsWordByte(static_cast<unsigned char>(value[end])));
}

// `needle` occurs in `value` (lower-case); with `whole_words`, only where no word byte
// touches it on either side: an alt text's "Theaterregisseur" holds no SEUR logo. File names
// are searched without it ("creditcardvisa.gif").
bool Holds(std::string_view value, std::string_view needle, bool whole_words) {
  for (size_t at = value.find(needle); at != std::string_view::npos;
       at = value.find(needle, at + 1)) {
    if (!whole_words || WholeWordAt(value, at, at + needle.size()))
      return true;
  }
  return false;
}

// first[l] becomes the index of the first value holding literal l (values.size() when none):
// one scan of the values joined by newlines (no literal holds one).
void FirstHolders(const LiteralSet& literals, const std::vector<std::string>& values,
                  hs_scratch_t* scratch, bool whole_words, std::vector<size_t>* first) {
  first->assign(literals.size(), values.size());
  if (values.empty() || literals.size() == 0)
    return;
  if (scratch == nullptr) {  // no Vectorscan scratch: search each value
    for (uint32_t id = 0; id < literals.size(); ++id) {
      size_t i = 0;
      while (i < values.size() && !Holds(values[i], literals.literal(id), whole_words))
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
    // Values are joined with '\n', which is no word byte: the neighbours are the value's own.
    if (whole_words && !WholeWordAt(joined, end - literals.literal(id).size(), end))
      continue;
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
    if (WordCameBefore(s, p))
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
    // Words: one literal scan of the text, then boundaries and context per occurrence; then
    // the same over the page's JSON state (json_state.h), where a line's key path is its
    // context ("shippingMethods.name: PostNord MyPack Home").
    std::set<std::pair<uint32_t, uint32_t>> done;  // (technology, word) found on this page
    std::map<std::pair<uint32_t, uint32_t>, int> tries;
    auto scan = [&](std::string_view text, const char* field) {
      std::vector<std::pair<uint32_t, size_t>> hits;
      rules.words().ScanAll(text, scratch, &hits);
      for (const auto& [id, end] : hits) {
        const size_t len = rules.words().literal(id).size();
        const size_t start = end - len;
        if (WordCameBefore(text, start) || WordGoesOn(text, end))
          continue;
        std::string_view sentence;
        bool context_known = false;
        bool context = false;
        for (const auto& [t, w] : rules.word_owners()[id]) {
          if (done.count({t, w}) || ++tries[{t, w}] > kMaxOccurrences)
            continue;
          if (!context_known) {
            context = InContext(text, start, len, &sentence) || role_context;
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
          d.evidence = Evidence{f.url, field, std::string(sentence), f.source};
          found.push_back(std::move(d));
        }
      }
    };
    scan(f.text, "text.words");
    scan(f.json_state, "json.words");
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
    FirstHolders(rules.logos(), img_files, scratch, /*whole_words=*/false, &first_file);
    FirstHolders(rules.logos(), img_alts, scratch, /*whole_words=*/true, &first_alt);
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
                         const char* field, bool whole_words) {
          size_t i = 0;
          if (literal != kNoLiteral) {
            i = first[literal];
          } else {
            while (i < lowered.size() && !Holds(lowered[i], l, whole_words))
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
        if (!match(img_files, f.img_src, first_file, "logo.src", false))
          match(img_alts, f.img_alt, first_alt, "logo.alt", true);
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
