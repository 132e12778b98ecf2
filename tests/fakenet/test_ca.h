// TestCa: the fake internet's certificate authority. Generates a CA (EC P-256) at
// construction and issues leaf certificates per host name on demand, cached; also the
// deliberately bad certificates of the hostile hosts (other CA, self-signed, expired, wrong
// name). Thread-safe; owns every OpenSSL object it hands out.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"

namespace leadscan::fakenet {

enum class CertKind {
  kValid,        // issued by the test CA for the name
  kUntrustedCa,  // issued for the name by a second CA nobody trusts
  kSelfSigned,   // self-signed for the name
  kExpired,      // issued by the test CA for the name, validity ended 30 days ago
  kWrongName,    // issued by the test CA for another name
};

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

class TestCa {
 public:
  // Generates the CA key and certificate; fails with tls_setup_failed when OpenSSL does.
  static common::Result<std::unique_ptr<TestCa>> Create();

  // PEM of the CA certificate.
  const std::string& ca_pem() const { return ca_pem_; }

  // The certificate to present for `name` (a host name or an IP literal) of the given kind,
  // generated on first use and cached (up to a bound); the caller gets its own reference.
  // Null when OpenSSL fails.
  X509Ptr Leaf(const std::string& name, CertKind kind);

  // The one private key all leaves share (generating a key per name would be slow).
  EVP_PKEY* leaf_key() const { return leaf_key_.get(); }

 private:
  TestCa() = default;

  PkeyPtr ca_key_;
  X509Ptr ca_cert_;
  PkeyPtr other_ca_key_;
  X509Ptr other_ca_cert_;
  PkeyPtr leaf_key_;
  std::string ca_pem_;
  std::mutex mu_;
  std::map<std::pair<std::string, CertKind>, X509Ptr> leaves_;  // guarded by mu_
};

}  // namespace leadscan::fakenet
