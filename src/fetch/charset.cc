#include "fetch/charset.h"

#include <iconv.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/ascii.h"
#include "common/utf8.h"

namespace leadscan::fetch {

namespace {

constexpr size_t kPrescanBytes = 1024;
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// WHATWG labels we know, lower-case, with their encoding name. Unknown labels are ignored
// (the next source decides), as browsers do.
constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"unicode11utf8", "UTF-8"},
    {"unicode20utf8", "UTF-8"},
    {"x-unicode20utf8", "UTF-8"},
    // ISO-8859-1 and ASCII labels mean windows-1252 (WHATWG Encoding Standard).
    {"windows-1252", "windows-1252"},
    {"cp1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"iso-8859-1", "windows-1252"},
    {"iso8859-1", "windows-1252"},
    {"iso88591", "windows-1252"},
    {"iso_8859-1", "windows-1252"},
    {"iso_8859-1:1987", "windows-1252"},
    {"latin1", "windows-1252"},
    {"l1", "windows-1252"},
    {"cp819", "windows-1252"},
    {"ibm819", "windows-1252"},
    {"iso-ir-100", "windows-1252"},
    {"csisolatin1", "windows-1252"},
    {"us-ascii", "windows-1252"},
    {"ascii", "windows-1252"},
    {"ansi_x3.4-1968", "windows-1252"},
    {"iso-8859-2", "ISO-8859-2"},
    {"latin2", "ISO-8859-2"},
    {"iso-8859-3", "ISO-8859-3"},
    {"iso-8859-4", "ISO-8859-4"},
    {"latin4", "ISO-8859-4"},
    {"iso-8859-5", "ISO-8859-5"},
    {"iso-8859-6", "ISO-8859-6"},
    {"iso-8859-7", "ISO-8859-7"},
    {"greek", "ISO-8859-7"},
    {"iso-8859-8", "ISO-8859-8"},
    {"iso-8859-8-i", "ISO-8859-8-I"},
    {"iso-8859-10", "ISO-8859-10"},
    {"latin6", "ISO-8859-10"},
    {"iso-8859-13", "ISO-8859-13"},
    {"iso-8859-14", "ISO-8859-14"},
    {"iso-8859-15", "ISO-8859-15"},
    {"latin9", "ISO-8859-15"},
    {"iso8859-15", "ISO-8859-15"},
    {"iso-8859-16", "ISO-8859-16"},
    {"windows-1250", "windows-1250"},
    {"cp1250", "windows-1250"},
    {"windows-1251", "windows-1251"},
    {"cp1251", "windows-1251"},
    {"windows-1253", "windows-1253"},
    {"windows-1254", "windows-1254"},
    {"iso-8859-9", "windows-1254"},
    {"latin5", "windows-1254"},
    {"windows-1255", "windows-1255"},
    {"windows-1256", "windows-1256"},
    {"windows-1257", "windows-1257"},
    {"windows-1258", "windows-1258"},
    {"windows-874", "windows-874"},
    {"iso-8859-11", "windows-874"},
    {"tis-620", "windows-874"},
    {"koi8-r", "KOI8-R"},
    {"koi8", "KOI8-R"},
    {"koi8-u", "KOI8-U"},
    {"ibm866", "IBM866"},
    {"cp866", "IBM866"},
    {"macintosh", "macintosh"},
    {"mac", "macintosh"},
    {"x-mac-roman", "macintosh"},
    {"x-mac-cyrillic", "x-mac-cyrillic"},
    {"shift_jis", "Shift_JIS"},
    {"shift-jis", "Shift_JIS"},
    {"sjis", "Shift_JIS"},
    {"ms_kanji", "Shift_JIS"},
    {"windows-31j", "Shift_JIS"},
    {"x-sjis", "Shift_JIS"},
    {"euc-jp", "EUC-JP"},
    {"iso-2022-jp", "ISO-2022-JP"},
    {"gbk", "GBK"},
    {"gb2312", "GBK"},
    {"chinese", "GBK"},
    {"x-gbk", "GBK"},
    {"gb18030", "gb18030"},
    {"big5", "Big5"},
    {"big5-hkscs", "Big5"},
    {"euc-kr", "EUC-KR"},
    {"korean", "EUC-KR"},
    {"ks_c_5601-1987", "EUC-KR"},
    {"windows-949", "EUC-KR"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16", "UTF-16LE"},
    {"unicode", "UTF-16LE"},
    {"ucs-2", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"x-user-defined", "x-user-defined"},
};

// The glibc iconv name of a WHATWG encoding.
constexpr std::pair<std::string_view, std::string_view> kIconvNames[] = {
    {"ISO-8859-8-I", "ISO-8859-8"},
    {"windows-1250", "CP1250"},
    {"windows-1251", "CP1251"},
    {"windows-1253", "CP1253"},
    {"windows-1254", "CP1254"},
    {"windows-1255", "CP1255"},
    {"windows-1256", "CP1256"},
    {"windows-1257", "CP1257"},
    {"windows-1258", "CP1258"},
    {"windows-874", "CP874"},
    {"macintosh", "MACINTOSH"},
    {"x-mac-cyrillic", "MAC-CYRILLIC"},
    {"Shift_JIS", "CP932"},
    {"GBK", "GBK"},
    {"gb18030", "GB18030"},
    {"Big5", "BIG5-HKSCS"},
    {"EUC-KR", "CP949"},
};

// windows-1252 bytes 0x80..0x9F; the five undefined ones map to the C1 control (WHATWG).
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string DecodeCp1252(std::string_view s, bool user_defined) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (unsigned char c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (user_defined) {
      AppendCodePoint(out, 0xF780 + c - 0x80);
    } else if (c < 0xA0) {
      AppendCodePoint(out, kCp1252High[c - 0x80]);
    } else {
      AppendCodePoint(out, c);
    }
  }
  return out;
}

std::string DecodeIconv(std::string_view s, const std::string& encoding) {
  std::string name = encoding;
  for (const auto& [whatwg, iconv_name] : kIconvNames) {
    if (whatwg == encoding)
      name = std::string(iconv_name);
  }
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1))
    return DecodeCp1252(s, false);
  std::string out;
  out.reserve(s.size() * 2 + 16);
  char buf[8192];
  char* in = const_cast<char*>(s.data());  // iconv's API is not const-correct
  size_t in_left = s.size();
  while (in_left > 0) {
    char* o = buf;
    size_t o_left = sizeof buf;
    size_t rc = iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buf, o - buf);
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG)
        continue;
      // EILSEQ / EINVAL: one byte cannot start a character here; replace it and go on.
      out += kReplacement;
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  char* o = buf;
  size_t o_left = sizeof buf;
  iconv(cd, nullptr, nullptr, &o, &o_left);
  out.append(buf, o - buf);
  iconv_close(cd);
  return common::ToValidUtf8(out);
}

// WHATWG "extracting a character encoding from a meta element" on a content attribute.
std::string CharsetFromContent(std::string_view v) {
  std::string lower = common::AsciiLower(v);
  size_t pos = 0;
  while (true) {
    pos = lower.find("charset", pos);
    if (pos == std::string::npos)
      return "";
    size_t i = pos + 7;
    while (i < lower.size() && IsSpace(lower[i]))
      ++i;
    if (i >= lower.size() || lower[i] != '=') {
      pos = i;
      continue;
    }
    ++i;
    while (i < lower.size() && IsSpace(lower[i]))
      ++i;
    if (i >= lower.size())
      return "";
    if (lower[i] == '"' || lower[i] == '\'') {
      char q = lower[i];
      size_t end = lower.find(q, i + 1);
      if (end == std::string::npos)
        return "";
      return std::string(v.substr(i + 1, end - i - 1));
    }
    size_t end = i;
    while (end < lower.size() && !IsSpace(lower[end]) && lower[end] != ';')
      ++end;
    return std::string(v.substr(i, end - i));
  }
}

// Reads one attribute at s[i] (WHATWG "get an attribute", simplified). Returns false at '>'
// or the end.
bool NextAttribute(std::string_view s, size_t& i, std::string& name, std::string& value) {
  name.clear();
  value.clear();
  while (i < s.size() && (IsSpace(s[i]) || s[i] == '/'))
    ++i;
  if (i >= s.size() || s[i] == '>')
    return false;
  while (i < s.size() && !IsSpace(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/') {
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    ++i;
  }
  while (i < s.size() && IsSpace(s[i]))
    ++i;
  if (i >= s.size() || s[i] != '=')
    return true;
  ++i;
  while (i < s.size() && IsSpace(s[i]))
    ++i;
  if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
    char q = s[i++];
    size_t end = s.find(q, i);
    if (end == std::string_view::npos)
      end = s.size();
    value = std::string(s.substr(i, end - i));
    i = end + 1;
  } else {
    while (i < s.size() && !IsSpace(s[i]) && s[i] != '>')
      value += s[i++];
  }
  return true;
}

}  // namespace

std::string CanonicalEncoding(std::string_view label) {
  while (!label.empty() && IsSpace(label.front()))
    label.remove_prefix(1);
  while (!label.empty() && IsSpace(label.back()))
    label.remove_suffix(1);
  if (label.size() >= 2 && (label.front() == '"' || label.front() == '\'') &&
      label.back() == label.front()) {
    label = label.substr(1, label.size() - 2);
  }
  std::string lower = common::AsciiLower(label);
  for (const auto& [l, name] : kLabels) {
    if (l == lower)
      return std::string(name);
  }
  return "";
}

std::string CharsetParameter(std::string_view content_type) {
  std::string lower = common::AsciiLower(content_type);
  size_t semi = lower.find(';');
  while (semi != std::string::npos) {
    size_t i = semi + 1;
    while (i < lower.size() && IsSpace(lower[i]))
      ++i;
    size_t next = lower.find(';', i);
    std::string_view param =
        std::string_view(content_type)
            .substr(i, next == std::string::npos ? std::string_view::npos : next - i);
    if (lower.compare(i, 8, "charset=") == 0) {
      std::string_view v = param.substr(8);
      while (!v.empty() && IsSpace(v.back()))
        v.remove_suffix(1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
        v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    semi = next;
  }
  return "";
}

std::string PrescanMetaCharset(std::string_view body) {
  std::string_view s = body.substr(0, kPrescanBytes);
  size_t i = 0;
  std::string name, value;
  while (i < s.size()) {
    if (s.compare(i, 4, "<!--") == 0) {
      size_t end = s.find("-->", i + 2);
      if (end == std::string_view::npos)
        return "";
      i = end + 3;
      continue;
    }
    if (s[i] == '<' && i + 5 < s.size() && common::AsciiLower(s.substr(i + 1, 4)) == "meta" &&
        (IsSpace(s[i + 5]) || s[i + 5] == '/')) {
      i += 5;
      bool got_pragma = false;
      int need_pragma = -1;  // -1 unknown, 0 false, 1 true
      std::string charset;
      bool seen_http_equiv = false, seen_content = false, seen_charset = false;
      while (NextAttribute(s, i, name, value)) {
        if (name == "http-equiv" && !seen_http_equiv) {
          seen_http_equiv = true;
          if (common::AsciiLower(value) == "content-type")
            got_pragma = true;
        } else if (name == "content" && !seen_content) {
          seen_content = true;
          std::string c = CharsetFromContent(value);
          if (!c.empty() && charset.empty()) {
            charset = c;
            need_pragma = 1;
          }
        } else if (name == "charset" && !seen_charset) {
          seen_charset = true;
          charset = value;
          need_pragma = 0;
        }
      }
      if (need_pragma == -1 || (need_pragma == 1 && !got_pragma))
        continue;
      std::string enc = CanonicalEncoding(charset);
      if (enc.empty())
        continue;
      if (enc == "UTF-16LE" || enc == "UTF-16BE")
        enc = "UTF-8";
      if (enc == "x-user-defined")
        enc = "windows-1252";
      return enc;
    }
    if (s[i] == '<' && i + 1 < s.size() &&
        (std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '/')) {
      // Another tag: skip its name and attributes (quoted values may contain '>').
      ++i;
      while (i < s.size() && !IsSpace(s[i]) && s[i] != '>')
        ++i;
      while (NextAttribute(s, i, name, value)) {
      }
      ++i;
      continue;
    }
    if (s[i] == '<' && i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '?')) {
      size_t end = s.find('>', i + 1);
      if (end == std::string_view::npos)
        return "";
      i = end + 1;
      continue;
    }
    ++i;
  }
  return "";
}

std::string DecodeAs(std::string_view bytes, const std::string& encoding) {
  if (encoding == "UTF-8")
    return common::ToValidUtf8(bytes);
  if (encoding == "windows-1252")
    return DecodeCp1252(bytes, false);
  if (encoding == "x-user-defined")
    return DecodeCp1252(bytes, true);
  return DecodeIconv(bytes, encoding);
}

DecodedText DecodeToUtf8(std::string_view body, std::string_view content_type, bool html) {
  DecodedText out;
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") {
    out.encoding = "UTF-8";
    out.source = "bom";
    body.remove_prefix(3);
  } else if (body.size() >= 2 && body.substr(0, 2) == "\xFE\xFF") {
    out.encoding = "UTF-16BE";
    out.source = "bom";
    body.remove_prefix(2);
  } else if (body.size() >= 2 && body.substr(0, 2) == "\xFF\xFE") {
    out.encoding = "UTF-16LE";
    out.source = "bom";
    body.remove_prefix(2);
  }
  if (out.encoding.empty()) {
    out.encoding = CanonicalEncoding(CharsetParameter(content_type));
    if (!out.encoding.empty())
      out.source = "header";
  }
  if (out.encoding.empty() && html) {
    out.encoding = PrescanMetaCharset(body);
    if (!out.encoding.empty())
      out.source = "meta";
  }
  if (out.encoding.empty()) {
    out.encoding = common::IsValidUtf8(body) ? "UTF-8" : "windows-1252";
    out.source = "sniff";
  }
  out.text = DecodeAs(body, out.encoding);
  return out;
}

}  // namespace leadscan::fetch
