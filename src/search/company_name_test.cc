#include "search/company_name.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace leadscan::search {
namespace {

bool HasForm(const CompanyName& n, const std::string& form) {
  return std::find(n.compact_forms.begin(), n.compact_forms.end(), form) != n.compact_forms.end();
}

TEST(FoldTextTest, FoldsNordicLettersAndSeparatesPunctuation) {
  EXPECT_EQ(FoldText("ÅÄÖ åäö Æøé ß"), "aao aao aeoe ss");
  EXPECT_EQ(FoldText("Kaffebönan – rosteri, Örebro!"), "kaffebonan rosteri orebro");
  EXPECT_EQ(FoldText("  H&M  "), "h m");
  EXPECT_EQ(FoldTextAlternative("Åhléns Smørrebrød Müller"), "aahlens smoerrebroed mueller");
}

TEST(FoldTextTest, InvalidUtf8AndOtherScriptsNeverBreakIt) {
  EXPECT_EQ(FoldText("ab\xff\xfe"
                     "cd"),
            "ab cd");
  EXPECT_EQ(FoldText("\xc0\xaf"
                     "x"),
            "x");                                   // overlong '/': a separator
  EXPECT_EQ(FoldText("\xe2\x82"), "");              // truncated sequence at the end
  EXPECT_EQ(FoldText("Москва Ltd"), "Москва ltd");  // Cyrillic kept as it is
  EXPECT_EQ(FoldText("a\xc2\xa0"
                     "b"),
            "a b");  // NBSP separates
}

TEST(CompanyNameTest, DropsCompanyFormsOfEveryNordicCountry) {
  EXPECT_EQ(NormaliseCompanyName("Kaffebönan AB").key, "kaffebonan");
  EXPECT_EQ(NormaliseCompanyName("Kaffebönan AB (publ)").key, "kaffebonan");
  EXPECT_EQ(NormaliseCompanyName("Aktiebolaget Kaffebönan").key, "kaffebonan");
  EXPECT_EQ(NormaliseCompanyName("Tepotten HB").key, "tepotten");
  EXPECT_EQ(NormaliseCompanyName("Tepotten KB").key, "tepotten");
  EXPECT_EQ(NormaliseCompanyName("Fjellutstyr AS").key, "fjellutstyr");
  EXPECT_EQ(NormaliseCompanyName("Fjellutstyr ASA").key, "fjellutstyr");
  EXPECT_EQ(NormaliseCompanyName("Hyggekrogen ApS").key, "hyggekrogen");
  EXPECT_EQ(NormaliseCompanyName("Hyggekrogen A/S").key, "hyggekrogen");
  EXPECT_EQ(NormaliseCompanyName("Saunatupa Oy").key, "saunatupa");
  EXPECT_EQ(NormaliseCompanyName("Saunatupa Oyj").key, "saunatupa");
  EXPECT_EQ(NormaliseCompanyName("Saunatupa Ab").key, "saunatupa");
  EXPECT_EQ(NormaliseCompanyName("Nordvind Studio Ltd").key, "nordvind studio");
  EXPECT_EQ(NormaliseCompanyName("Werkzeug GmbH").key, "werkzeug");
  EXPECT_EQ(NormaliseCompanyName("Ek. för. Konsum").key, "konsum");
}

TEST(CompanyNameTest, DropsLocationPhrasesAndKeepsWordsThatAreNotPlaces) {
  EXPECT_EQ(NormaliseCompanyName("Kaffebönan i Göteborg AB").key, "kaffebonan");
  EXPECT_EQ(NormaliseCompanyName("Tepotten i Stockholm").key, "tepotten");
  EXPECT_EQ(NormaliseCompanyName("Fjellutstyr i Oslo AS").key, "fjellutstyr");
  EXPECT_EQ(NormaliseCompanyName("Tepotten HB, Göteborg").key, "tepotten");
  EXPECT_EQ(NormaliseCompanyName("IKEA Sverige AB").key, "ikea");
  // "Bygg" is no place: the name keeps its words, and the words before "i" are one more form.
  CompanyName allt = NormaliseCompanyName("Allt i Bygg AB");
  EXPECT_EQ(allt.key, "allt i bygg");
  EXPECT_TRUE(HasForm(allt, "alltibygg"));
  EXPECT_TRUE(HasForm(allt, "allt"));
  EXPECT_EQ(allt.compact_forms.front(), "alltibygg");
}

TEST(CompanyNameTest, CompactFormsAcronymAndAlternativeFolding) {
  CompanyName hm = NormaliseCompanyName("Hennes & Mauritz AB");
  EXPECT_EQ(hm.key, "hennes mauritz");
  EXPECT_EQ(hm.acronym, "hm");
  EXPECT_TRUE(HasForm(hm, "hennesmauritz"));

  CompanyName ahlens = NormaliseCompanyName("Åhléns AB");
  EXPECT_EQ(ahlens.key, "ahlens");
  EXPECT_TRUE(HasForm(ahlens, "ahlens"));
  EXPECT_TRUE(HasForm(ahlens, "aahlens"));
  EXPECT_EQ(ahlens.acronym, "");  // one word: no initials

  CompanyName smor = NormaliseCompanyName("Smørrebrød A/S");
  EXPECT_EQ(smor.key, "smorrebrod");
  EXPECT_TRUE(HasForm(smor, "smoerrebroed"));
}

TEST(CompanyNameTest, NamesWithNothingToSearchForHaveAnEmptyKey) {
  EXPECT_EQ(NormaliseCompanyName("").key, "");
  EXPECT_EQ(NormaliseCompanyName("  --- ").key, "");
  EXPECT_TRUE(NormaliseCompanyName("!!!").compact_forms.empty());
  // A name that is only a company form keeps it rather than becoming empty.
  EXPECT_EQ(NormaliseCompanyName("AB").key, "ab");
  EXPECT_EQ(NormaliseCompanyName("  Kaffebönan AB \n").input, "Kaffebönan AB");
}

TEST(CompanyNameTest, FormWordsAreRecognisedOnlyWhole) {
  EXPECT_TRUE(IsCompanyFormWord("ab"));
  EXPECT_TRUE(IsCompanyFormWord("aps"));
  EXPECT_TRUE(IsCompanyFormWord("oyj"));
  EXPECT_FALSE(IsCompanyFormWord("abba"));
  EXPECT_FALSE(IsCompanyFormWord("AB"));  // callers pass folded words
  EXPECT_EQ(NormaliseCompanyName("Abba Seafood AB").key, "abba seafood");
}

}  // namespace
}  // namespace leadscan::search
