// Company names as a domain search compares them: folded to lower-case ASCII words (å ä ö æ ø
// and the other Latin letters folded), company-form words (AB, AS, ApS, A/S, Oy, GmbH, ...) and
// location phrases ("i Göteborg") dropped. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadscan::search {

// Lower-case words of `text` separated by single spaces: letters folded (å ä -> a, ö ø -> o,
// æ -> ae, é -> e, ß -> ss, ...), digits kept, everything else (punctuation, symbols, invalid
// UTF-8) a separator. Letters outside Latin (Cyrillic, Greek, CJK...) are kept as they are.
std::string FoldText(std::string_view text);

// As FoldText, with the spellings Danish and Norwegian domains often use: å -> aa, ä æ -> ae,
// ö ø -> oe, ü -> ue.
std::string FoldTextAlternative(std::string_view text);

struct CompanyName {
  std::string input;  // as given (trimmed)
  // The cache key: the folded words with company forms and known location phrases dropped,
  // joined by one space ("kaffebonan" for "Kaffebönan i Göteborg AB"). Empty when nothing is
  // left (the name was only a company form or punctuation).
  std::string key;
  std::vector<std::string> words;              // the words of key
  std::vector<std::string> alternative_words;  // the same under FoldTextAlternative
  // Forms a domain label may take, without spaces, best first: the key's words run together,
  // the alternative folding, and the words before a trailing " i <anything>" / " in <...>"
  // ("alltibygg" and "allt" for "Allt i Bygg AB"). No duplicates, none empty.
  std::vector<std::string> compact_forms;
  std::string acronym;  // first letters of the words when there are at least two ("hm")
};

// Normalises a company name as above. Never fails; see CompanyName::key for the empty case.
CompanyName NormaliseCompanyName(std::string_view name);

// True for a word (folded) that only says what kind of company it is: ab, as, asa, aps, oy,
// oyj, hb, kb, ltd, gmbh, ...
bool IsCompanyFormWord(std::string_view folded_word);

}  // namespace leadscan::search
