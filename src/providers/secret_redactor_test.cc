#include "providers/secret_redactor.h"

#include <gtest/gtest.h>

namespace leadscan::providers {
namespace {

TEST(SecretRedactorTest, RemovesEverySecretInEveryForm) {
  SecretRedactor r({"fc-S3cr3t/key+1", "", "other"});
  EXPECT_EQ(r.Redact("Bearer fc-S3cr3t/key+1 failed"), "Bearer [redacted] failed");
  EXPECT_EQ(r.Redact("GET /x?key=fc-S3cr3t%2Fkey%2B1&q=a"), "GET /x?key=[redacted]&q=a");
  EXPECT_EQ(r.Redact("key=fc-S3cr3t%2fkey%2b1"), "key=[redacted]");
  EXPECT_EQ(r.Redact("other and other"), "[redacted] and [redacted]");
  EXPECT_EQ(r.Redact("nothing here"), "nothing here");
}

TEST(SecretRedactorTest, NoSecretsLeavesTextAlone) {
  SecretRedactor r;
  EXPECT_EQ(r.Redact("fc-anything"), "fc-anything");
}

}  // namespace
}  // namespace leadscan::providers
