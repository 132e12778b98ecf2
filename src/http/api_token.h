// API tokens: generation, hashing and comparison. A token is "lsk_" followed by 43 base64url
// characters (32 random bytes from the OS CSPRNG); only its SHA-256 hex digest is stored.
// Free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace leadscan::http {

inline constexpr std::string_view kApiTokenPrefix = "lsk_";

// A new random token, e.g. "lsk_Vq3...". Shown to the user once; store HashApiToken(token).
std::string NewApiToken();

// True when `token` has the prefix and 43 base64url characters after it.
bool LooksLikeApiToken(std::string_view token);

// Lower-case hex SHA-256 of the token text (64 characters).
std::string HashApiToken(std::string_view token);

// Lower-case hex SHA-256 of any bytes.
std::string Sha256Hex(std::string_view data);

// Compares in time that depends only on the lengths, not on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace leadscan::http
