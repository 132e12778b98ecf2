#include "search/directory_sites.h"

#include <gtest/gtest.h>

namespace leadscan::search {
namespace {

TEST(DirectorySitesTest, NordicDirectoriesAndRegistriesAreSkipped) {
  for (const char* host :
       {"www.allabolag.se",   "allabolag.se",        "www.hitta.se",       "www.eniro.se",
        "eniro.com",          "www.proff.se",        "proff.no",           "proff.dk",
        "www.merinfo.se",     "www.ratsit.se",       "www.gulesider.no",   "www.1881.no",
        "www.purehelp.no",    "www.krak.dk",         "www.degulesider.dk", "cvr.dk",
        "datacvr.virk.dk",    "www.finder.fi",       "www.fonecta.fi",     "www.asiakastieto.fi",
        "www.kauppalehti.fi", "www.bolagsverket.se", "w2.brreg.no"}) {
    auto kind = DirectorySiteKind(host);
    ASSERT_TRUE(kind.has_value()) << host;
    EXPECT_TRUE(*kind == "business directory" || *kind == "company registry")
        << host << " " << *kind;
  }
}

TEST(DirectorySitesTest, SocialVideoReviewEncyclopaediaAndMapsAreSkipped) {
  EXPECT_EQ(DirectorySiteKind("se.linkedin.com"), "social network");
  EXPECT_EQ(DirectorySiteKind("www.facebook.com"), "social network");
  EXPECT_EQ(DirectorySiteKind("m.facebook.com"), "social network");
  EXPECT_EQ(DirectorySiteKind("www.instagram.com"), "social network");
  EXPECT_EQ(DirectorySiteKind("x.com"), "social network");
  EXPECT_EQ(DirectorySiteKind("twitter.com"), "social network");
  EXPECT_EQ(DirectorySiteKind("www.tiktok.com"), "social network");
  EXPECT_EQ(DirectorySiteKind("sv.wikipedia.org"), "encyclopaedia");
  EXPECT_EQ(DirectorySiteKind("www.youtube.com"), "video site");
  EXPECT_EQ(DirectorySiteKind("youtu.be"), "video site");
  EXPECT_EQ(DirectorySiteKind("se.trustpilot.com"), "review site");
  EXPECT_EQ(DirectorySiteKind("dk.trustpilot.com"), "review site");
  EXPECT_EQ(DirectorySiteKind("maps.google.com"), "maps");
  EXPECT_EQ(DirectorySiteKind("www.google.se", "/maps/place/Kaffeb%C3%B6nan"), "maps");
  EXPECT_EQ(DirectorySiteKind("www.google.se", "/search"), "search engine");
  EXPECT_EQ(DirectorySiteKind("goo.gl"), "maps");
  EXPECT_EQ(DirectorySiteKind("WWW.HITTA.SE."), "business directory");
  EXPECT_EQ(DirectorySiteKind("Se.LinkedIn.com"), "social network");
}

TEST(DirectorySitesTest, CompaniesOwnSitesAreNotSkipped) {
  for (const char* host :
       {"kaffebonan.se", "www.kaffebonan.test", "shop.proffsverktyg.se", "hittaut.se",
        "linkedinn.se", "nyx.com", "maps-shop.se", "www.apple.com", "googleshop.se"}) {
    EXPECT_EQ(DirectorySiteKind(host), std::nullopt) << host;
  }
}

}  // namespace
}  // namespace leadscan::search
