#include "test_ca.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <utility>

#include "common/status.h"

namespace leadscan::fakenet {
namespace {

using common::Status;

constexpr long kDaySeconds = 24L * 60 * 60;
constexpr long kBackdateSeconds = kDaySeconds;          // tolerate clock skew
constexpr long kValiditySeconds = 365L * kDaySeconds;   // valid certificates
constexpr long kExpiredEndSeconds = 30L * kDaySeconds;  // expired: ended this long ago
constexpr long kExpiredLengthSeconds = 60L * kDaySeconds;
constexpr int kSerialBytes = 16;
// Cached leaves before the cache is emptied; callers hold their own references, so dropping
// ours is safe at any time.
constexpr size_t kMaxCachedLeaves = 10000;
constexpr const char* kCaName = "leadscan fakenet test CA";
constexpr const char* kOtherCaName = "leadscan fakenet untrusted CA";
constexpr const char* kWrongName = "not-the-requested-name.test";

Status SslError(const char* what) {
  return Status::Error(common::StatusCode::kInternal, "tls_setup_failed",
                       std::string("OpenSSL failed: ") + what);
}

PkeyPtr NewKey() {
  return PkeyPtr(EVP_EC_gen("P-256"));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr)
    return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool SetRandomSerial(X509* cert) {
  unsigned char bytes[kSerialBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    return false;
  bytes[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  if (bn == nullptr)
    return false;
  bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  return ok;
}

bool IsIpLiteral(const std::string& name) {
  if (name.find(':') != std::string::npos)
    return true;
  for (char c : name) {
    if (!(c == '.' || (c >= '0' && c <= '9')))
      return false;
  }
  return !name.empty();
}

// Builds a certificate for subject `cn` with the given key, signed by issuer_key (issuer
// certificate `issuer`, or itself when issuer is null). `not_before`/`not_after` are offsets
// from now in seconds.
X509Ptr MakeCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                 bool is_ca, long not_before, long not_after) {
  X509Ptr cert(X509_new());
  if (!cert)
    return nullptr;
  X509* c = cert.get();
  if (X509_set_version(c, 2) != 1 || !SetRandomSerial(c))
    return nullptr;
  if (X509_gmtime_adj(X509_getm_notBefore(c), not_before) == nullptr)
    return nullptr;
  if (X509_gmtime_adj(X509_getm_notAfter(c), not_after) == nullptr)
    return nullptr;
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("leadscan fakenet"), -1, -1, 0);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1) {
    return nullptr;
  }
  X509* signer = issuer != nullptr ? issuer : c;
  if (X509_set_issuer_name(c, X509_get_subject_name(signer)) != 1)
    return nullptr;
  if (X509_set_pubkey(c, key) != 1)
    return nullptr;
  bool ok = AddExtension(c, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    ok = ok && AddExtension(c, signer, NID_authority_key_identifier, "keyid:always");
  }
  if (is_ca) {
    ok = ok && AddExtension(c, signer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    std::string san = (IsIpLiteral(cn) ? "IP:" : "DNS:") + cn;
    ok = ok && AddExtension(c, signer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(c, signer, NID_key_usage, "critical,digitalSignature") &&
         AddExtension(c, signer, NID_ext_key_usage, "serverAuth") &&
         AddExtension(c, signer, NID_subject_alt_name, san.c_str());
  }
  if (!ok)
    return nullptr;
  if (X509_sign(c, issuer_key, EVP_sha256()) == 0)
    return nullptr;
  return cert;
}

std::string ToPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr)
    return {};
  std::string pem;
  if (PEM_write_bio_X509(bio, cert) == 1) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  return pem;
}

}  // namespace

common::Result<std::unique_ptr<TestCa>> TestCa::Create() {
  std::unique_ptr<TestCa> ca(new TestCa());
  ca->ca_key_ = NewKey();
  ca->other_ca_key_ = NewKey();
  ca->leaf_key_ = NewKey();
  if (!ca->ca_key_ || !ca->other_ca_key_ || !ca->leaf_key_)
    return SslError("EC key generation");
  ca->ca_cert_ = MakeCert(kCaName, ca->ca_key_.get(), nullptr, ca->ca_key_.get(), true,
                          -kBackdateSeconds, kValiditySeconds);
  ca->other_ca_cert_ = MakeCert(kOtherCaName, ca->other_ca_key_.get(), nullptr,
                                ca->other_ca_key_.get(), true, -kBackdateSeconds, kValiditySeconds);
  if (!ca->ca_cert_ || !ca->other_ca_cert_)
    return SslError("CA certificate");
  ca->ca_pem_ = ToPem(ca->ca_cert_.get());
  if (ca->ca_pem_.empty())
    return SslError("PEM encoding");
  return ca;
}

X509Ptr TestCa::Leaf(const std::string& name, CertKind kind) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(name, kind);
  auto it = leaves_.find(key);
  if (it != leaves_.end()) {
    X509_up_ref(it->second.get());
    return X509Ptr(it->second.get());
  }
  X509Ptr cert;
  EVP_PKEY* leaf = leaf_key_.get();
  switch (kind) {
    case CertKind::kValid:
      cert = MakeCert(name, leaf, ca_cert_.get(), ca_key_.get(), false, -kBackdateSeconds,
                      kValiditySeconds);
      break;
    case CertKind::kUntrustedCa:
      cert = MakeCert(name, leaf, other_ca_cert_.get(), other_ca_key_.get(), false,
                      -kBackdateSeconds, kValiditySeconds);
      break;
    case CertKind::kSelfSigned:
      cert = MakeCert(name, leaf, nullptr, leaf, false, -kBackdateSeconds, kValiditySeconds);
      break;
    case CertKind::kExpired:
      cert = MakeCert(name, leaf, ca_cert_.get(), ca_key_.get(), false, -kExpiredLengthSeconds,
                      -kExpiredEndSeconds);
      break;
    case CertKind::kWrongName:
      cert = MakeCert(kWrongName, leaf, ca_cert_.get(), ca_key_.get(), false, -kBackdateSeconds,
                      kValiditySeconds);
      break;
  }
  if (!cert)
    return nullptr;
  if (leaves_.size() >= kMaxCachedLeaves)
    leaves_.clear();
  X509_up_ref(cert.get());
  X509Ptr copy(cert.get());
  leaves_.emplace(std::move(key), std::move(cert));
  return copy;
}

}  // namespace leadscan::fakenet
