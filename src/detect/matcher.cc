#include "detect/matcher.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

#include "detect/compiled_cache.h"
#include "detect/required_literals.h"

namespace leadscan::detect {

namespace {

using common::Result;
using common::Status;

// Shared, read-only after first use: match limits for every PCRE2 match.
pcre2_match_context* LimitContext() {
  static pcre2_match_context* ctx = [] {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(c, kPcreMatchLimit);
    pcre2_set_depth_limit(c, kPcreDepthLimit);
    return c;
  }();
  return ctx;
}

// Per-thread match data large enough for any pattern's captures.
pcre2_match_data* ThreadMatchData() {
  struct Holder {
    pcre2_match_data* md = pcre2_match_data_create(64, nullptr);

    ~Holder() { pcre2_match_data_free(md); }
  };

  thread_local Holder holder;
  return holder.md;
}

// Databases are built for the generic x86-64 target: Vectorscan 5.4.9's AVX-512 code paths
// miss prefilter matches depending on the buffer's alignment (seen on this machine's CPU).
const hs_platform_info_t* Platform() {
  static hs_platform_info_t info = [] {
    hs_platform_info_t p{};
    if (hs_populate_platform(&p) != HS_SUCCESS)
      p = hs_platform_info_t{};
    p.cpu_features = 0;
    return p;
  }();
  return &info;
}

// The start of a compiled-rules cache key for a database of this kind, compiled with these
// flags in block mode for Platform(); the caller adds its expressions.
CompiledCache::Key DatabaseKey(std::string_view kind, unsigned flags) {
  CompiledCache::Key key;
  key.Add(kind);
  key.AddPlatform(Platform());
  key.Add(uint64_t{HS_MODE_BLOCK});
  key.Add(uint64_t{flags});
  return key;
}

}  // namespace

Result<std::unique_ptr<Regex>> Regex::Compile(std::string_view pcre) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre.data()), pcre.size(),
                                   PCRE2_CASELESS | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS,
                                   &error, &offset, cctx);
  pcre2_compile_context_free(cctx);
  if (code == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(error, buf, sizeof(buf));
    return Status::InvalidArgument(
        "invalid_regex", "PCRE2: " + std::string(reinterpret_cast<char*>(buf)) + " at offset " +
                             std::to_string(offset));
  }
  std::unique_ptr<Regex> re(new Regex());
  re->code_ = code;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &re->capture_count_);
  if (re->capture_count_ >= 63) {
    return Status::InvalidArgument("invalid_regex", "too many capture groups");
  }
  return re;
}

Regex::~Regex() {
  pcre2_code_free(code_);
}

Regex::Outcome Regex::Match(std::string_view text,
                            std::vector<std::optional<std::string>>* groups) const {
  std::call_once(jit_once_, [this] {
    pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);  // falls back to the interpreter on failure
  });
  pcre2_match_data* md = ThreadMatchData();
  int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, md,
                       LimitContext());
  if (rc == PCRE2_ERROR_NOMATCH)
    return Outcome::kNoMatch;
  if (rc < 0)
    return Outcome::kLimit;  // match/depth/JIT stack limits and other run errors
  if (groups != nullptr) {
    groups->clear();
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    for (uint32_t i = 0; i <= capture_count_; ++i) {
      if (static_cast<int>(i) >= rc || ov[2 * i] == PCRE2_UNSET) {
        groups->push_back(std::nullopt);
      } else {
        groups->push_back(std::string(text.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i])));
      }
    }
  }
  return Outcome::kMatch;
}

ScratchPool::~ScratchPool() {
  for (hs_scratch_t* s : free_)
    hs_free_scratch(s);
  if (prototype_ != nullptr)
    hs_free_scratch(prototype_);
}

Status ScratchPool::Fit(const hs_database_t* db) {
  if (hs_alloc_scratch(db, &prototype_) != HS_SUCCESS) {
    return Status::Internal("hs_alloc_scratch failed");
  }
  return Status::Ok();
}

hs_scratch_t* ScratchPool::Acquire() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      hs_scratch_t* s = free_.back();
      free_.pop_back();
      return s;
    }
  }
  if (prototype_ == nullptr)
    return nullptr;
  hs_scratch_t* s = nullptr;
  if (hs_clone_scratch(prototype_, &s) != HS_SUCCESS)
    return nullptr;
  return s;
}

void ScratchPool::Release(hs_scratch_t* scratch) const {
  if (scratch == nullptr)
    return;
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(scratch);
}

MultiMatcher::~MultiMatcher() {
  for (hs_database_t* db : dbs_)
    hs_free_database(db);
}

MultiMatcher::MultiMatcher(MultiMatcher&& other) noexcept
    : ids_(std::move(other.ids_)),
      sources_(std::move(other.sources_)),
      fallback_(std::move(other.fallback_)),
      dbs_(std::move(other.dbs_)),
      literals_(std::move(other.literals_)),
      anchored_(std::move(other.anchored_)),
      literal_prefiltered_(other.literal_prefiltered_),
      multi_value_(other.multi_value_),
      extra_(std::move(other.extra_)),
      extra_of_literal_(std::move(other.extra_of_literal_)) {
  other.dbs_.clear();
}

uint32_t MultiMatcher::AddExtraLiteral(std::string literal) {
  extra_.push_back(std::move(literal));
  return static_cast<uint32_t>(extra_.size() - 1);
}

void MultiMatcher::Add(uint32_t id, std::string pcre) {
  ids_.push_back(id);
  sources_.push_back(std::move(pcre));
}

Status MultiMatcher::Build(ScratchPool* pool, bool multi_value, CompiledCache* cache) {
  multi_value_ = multi_value;
  const unsigned kFlags =
      multi_value ? HS_FLAG_CASELESS | HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY | HS_FLAG_MULTILINE
                  : HS_FLAG_CASELESS | HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
  if (sources_.size() < kMinVectorscanPatterns) {  // a database costs more than PCRE2 here
    fallback_ = ids_;
    sources_.clear();
    return Status::Ok();
  }
  literals_ = std::make_unique<LiteralSet>(/*all_matches=*/multi_value);
  std::vector<uint32_t> pending;  // the patterns a regex database has to prefilter
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (auto clauses = RequiredLiterals(sources_[i], kMinRequiredLiteral)) {
      for (const std::vector<std::string>& clause : *clauses) {
        auto anchor = std::max_element(
            clause.begin(), clause.end(),
            [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
        Clause c{ids_[i], {}};
        for (auto it = clause.begin(); it != clause.end(); ++it) {
          if (it != anchor)
            c.others.push_back(literals_->Add(*it));
        }
        const uint32_t li = literals_->Add(*anchor);
        if (li >= anchored_.size())
          anchored_.resize(li + 1);
        anchored_[li].push_back(std::move(c));
      }
      ++literal_prefiltered_;
      continue;
    }
    pending.push_back(static_cast<uint32_t>(i));
  }
  std::optional<CompiledCache::Key> key;
  std::optional<CompiledCache::Entry> cached;
  if (cache != nullptr && !pending.empty()) {
    key = DatabaseKey("multi", kFlags);
    key->Add(uint64_t{kMaxPatternsPerDatabase});
    for (uint32_t i : pending) {
      key->Add(uint64_t{i});
      key->Add(sources_[i]);
    }
    cached = cache->Find(*key);
  }
  if (cached && std::any_of(cached->fallback.begin(), cached->fallback.end(),
                            [&](uint32_t i) { return i >= ids_.size(); })) {
    for (hs_database_t* db : cached->dbs)  // not a file of this key after all: compile
      hs_free_database(db);
    cached.reset();
  }
  if (cached) {
    for (uint32_t i : cached->fallback)
      fallback_.push_back(ids_[i]);
    dbs_ = std::move(cached->dbs);
  } else if (!pending.empty()) {
    Result<std::vector<uint32_t>> refused = Compile(pending, kFlags);
    if (!refused.ok())
      return refused.status();
    for (uint32_t i : *refused)
      fallback_.push_back(ids_[i]);
    if (key)
      cache->Store(*key, *refused, dbs_);
  }
  if (pool != nullptr) {
    for (hs_database_t* db : dbs_)
      LEADSCAN_RETURN_IF_ERROR(pool->Fit(db));
  }
  sources_.clear();
  sources_.shrink_to_fit();
  for (uint32_t e = 0; e < extra_.size(); ++e) {
    const uint32_t li = literals_->Add(extra_[e]);
    if (li >= extra_of_literal_.size())
      extra_of_literal_.resize(li + 1, UINT32_MAX);
    extra_of_literal_[li] = e;
  }
  extra_of_literal_.resize(literals_->size(), UINT32_MAX);
  if (literals_->size() == 0) {
    literals_.reset();
    return Status::Ok();
  }
  return literals_->Build(pool, cache);
}

Result<std::vector<uint32_t>> MultiMatcher::Compile(const std::vector<uint32_t>& pending,
                                                    unsigned flags) {
  std::vector<uint32_t> refused;
  std::vector<const char*> exprs;
  std::vector<unsigned> idx;
  for (uint32_t i : pending) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_expression_info(sources_[i].c_str(), flags, &info, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      refused.push_back(i);
      continue;
    }
    free(info);  // NOLINT: allocated by Vectorscan with malloc
    exprs.push_back(sources_[i].c_str());
    idx.push_back(i);
  }
  // A pattern can pass the syntax check and still fail to compile (too large): drop it to
  // the fallback list and compile that chunk again. (exprs points into sources_.)
  for (size_t begin = 0; begin < exprs.size(); begin += kMaxPatternsPerDatabase) {
    size_t end = std::min(exprs.size(), begin + kMaxPatternsPerDatabase);
    std::vector<const char*> ce(exprs.begin() + begin, exprs.begin() + end);
    std::vector<unsigned> ci(idx.begin() + begin, idx.begin() + end);
    while (!ce.empty()) {
      std::vector<unsigned> cf(ce.size(), flags);
      hs_database_t* db = nullptr;
      hs_compile_error_t* err = nullptr;
      hs_error_t rc =
          hs_compile_multi(ce.data(), cf.data(), ci.data(), static_cast<unsigned>(ce.size()),
                           HS_MODE_BLOCK, Platform(), &db, &err);
      if (rc == HS_SUCCESS) {
        dbs_.push_back(db);
        break;
      }
      int bad = err != nullptr ? err->expression : -1;
      std::string message = err != nullptr && err->message != nullptr ? err->message : "unknown";
      hs_free_compile_error(err);
      if (bad < 0 || static_cast<size_t>(bad) >= ce.size()) {
        return Status::Internal("Vectorscan compile failed: " + message);
      }
      refused.push_back(ci[bad]);
      ce.erase(ce.begin() + bad);
      ci.erase(ci.begin() + bad);
    }
  }
  return refused;
}

namespace {

struct ScanContext {
  const std::vector<uint32_t>* ids;
  std::vector<uint32_t>* out;
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
            unsigned int /*flags*/, void* ctx) {
  auto* c = static_cast<ScanContext*>(ctx);
  c->out->push_back((*c->ids)[id]);
  return 0;
}

}  // namespace

template <typename Emit>
void MultiMatcher::Satisfied(const std::pair<uint32_t, size_t>* begin,
                             const std::pair<uint32_t, size_t>* end,
                             const std::vector<uint32_t>& stamps, uint32_t mark, Emit emit) const {
  for (const auto* hit = begin; hit != end; ++hit) {
    if (hit->first >= anchored_.size())
      continue;
    for (const Clause& clause : anchored_[hit->first]) {
      if (std::all_of(clause.others.begin(), clause.others.end(),
                      [&](uint32_t other) { return stamps[other] == mark; }))
        emit(clause.id);
    }
  }
}

void MultiMatcher::Candidates(std::string_view text, hs_scratch_t* scratch,
                              std::vector<uint32_t>* out, std::vector<bool>* extra) const {
  const bool want_extra = extra != nullptr && has_extra();
  if (want_extra)
    extra->assign(extra_.size(), scratch == nullptr);  // as LiteralSet::Scan without scratch
  out->insert(out->end(), fallback_.begin(), fallback_.end());
  if (dbs_.empty() && literals_ == nullptr)
    return;
  if (scratch == nullptr) {  // no scratch: offer everything, PCRE2 decides
    out->insert(out->end(), ids_.begin(), ids_.end());
    return;
  }
  if (literals_ != nullptr) {
    thread_local std::vector<std::pair<uint32_t, size_t>> hits;
    thread_local std::vector<uint32_t> stamps;
    hits.clear();
    literals_->ScanAll(text, scratch, &hits);  // each literal once
    stamps.assign(literals_->size(), 0);
    for (const auto& hit : hits) {
      stamps[hit.first] = 1;
      if (want_extra && extra_of_literal_[hit.first] != UINT32_MAX)
        (*extra)[extra_of_literal_[hit.first]] = true;
    }
    Satisfied(hits.data(), hits.data() + hits.size(), stamps, 1,
              [&](uint32_t id) { out->push_back(id); });
  }
  ScanContext ctx{&ids_, out};
  for (const hs_database_t* db : dbs_) {
    hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, OnMatch, &ctx);
  }
}

LiteralSet::~LiteralSet() {
  if (db_ != nullptr)
    hs_free_database(db_);
}

uint32_t LiteralSet::Add(const std::string& literal) {
  auto [it, added] = index_.emplace(literal, static_cast<uint32_t>(literals_.size()));
  if (added)
    literals_.push_back(literal);
  return it->second;
}

Status LiteralSet::Build(ScratchPool* pool, CompiledCache* cache) {
  if (literals_.empty())
    return Status::Ok();
  const unsigned flag = all_matches_ ? HS_FLAG_CASELESS : HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
  std::optional<CompiledCache::Key> key;
  if (cache != nullptr) {
    key = DatabaseKey("literals", flag);
    for (const std::string& literal : literals_)
      key->Add(literal);
    if (std::optional<CompiledCache::Entry> cached = cache->Find(*key)) {
      if (cached->dbs.size() == 1 && cached->fallback.empty()) {
        db_ = cached->dbs[0];
        return pool != nullptr ? pool->Fit(db_) : Status::Ok();
      }
      for (hs_database_t* db : cached->dbs)  // not a file of this key after all: compile
        hs_free_database(db);
    }
  }
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags(literals_.size(), flag);
  std::vector<unsigned> ids;
  for (size_t i = 0; i < literals_.size(); ++i) {
    exprs.push_back(literals_[i].data());
    lens.push_back(literals_[i].size());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, Platform(), &db_,
                           &err) != HS_SUCCESS) {
    std::string message = err != nullptr && err->message != nullptr ? err->message : "unknown";
    hs_free_compile_error(err);
    db_ = nullptr;
    return Status::Internal("Vectorscan literal compile failed: " + message);
  }
  if (key)
    cache->Store(*key, {}, {db_});
  return pool != nullptr ? pool->Fit(db_) : Status::Ok();
}

namespace {

int OnLiteral(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
              unsigned int /*flags*/, void* ctx) {
  (*static_cast<std::vector<bool>*>(ctx))[id] = true;
  return 0;
}

}  // namespace

void LiteralSet::Scan(std::string_view text, hs_scratch_t* scratch,
                      std::vector<bool>* present) const {
  present->assign(literals_.size(), db_ == nullptr || scratch == nullptr);
  if (db_ == nullptr || scratch == nullptr)
    return;
  hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch, OnLiteral, present);
}

namespace {

int OnLiteralHit(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                 unsigned int /*flags*/, void* ctx) {
  static_cast<std::vector<std::pair<uint32_t, size_t>>*>(ctx)->emplace_back(
      id, static_cast<size_t>(to));
  return 0;
}

}  // namespace

void LiteralSet::ScanAll(std::string_view text, hs_scratch_t* scratch,
                         std::vector<std::pair<uint32_t, size_t>>* hits) const {
  if (db_ == nullptr || scratch == nullptr)
    return;
  hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch, OnLiteralHit, hits);
}

namespace {

struct MultiScanContext {
  const std::vector<uint32_t>* ids;
  const std::vector<size_t>* starts;
  std::vector<std::pair<uint32_t, uint32_t>>* out;
};

int OnMultiMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                 unsigned int /*flags*/, void* ctx) {
  auto* c = static_cast<MultiScanContext*>(ctx);
  auto it = std::upper_bound(c->starts->begin(), c->starts->end(), static_cast<size_t>(to));
  auto value = static_cast<uint32_t>(it - c->starts->begin() - 1);
  c->out->emplace_back(value, (*c->ids)[id]);
  return 0;
}

}  // namespace

void MultiMatcher::CandidatesPerValue(const std::vector<std::string>& values, hs_scratch_t* scratch,
                                      std::vector<std::pair<uint32_t, uint32_t>>* out) const {
  for (uint32_t v = 0; v < values.size(); ++v) {
    for (uint32_t id : fallback_)
      out->emplace_back(v, id);
  }
  if ((dbs_.empty() && literals_ == nullptr) || values.empty())
    return;
  if (scratch == nullptr || !multi_value_) {
    for (uint32_t v = 0; v < values.size(); ++v) {
      std::vector<uint32_t> ids;
      if (scratch == nullptr) {
        ids = ids_;
      } else {
        Candidates(values[v], scratch, &ids);
        ids.erase(ids.begin(), ids.begin() + static_cast<long>(fallback_.size()));
      }
      for (uint32_t id : ids)
        out->emplace_back(v, id);
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
  if (literals_ != nullptr) {
    // Every occurrence, turned into (literal, value) and grouped by value.
    thread_local std::vector<std::pair<uint32_t, size_t>> hits;
    thread_local std::vector<uint32_t> stamps;
    hits.clear();
    literals_->ScanAll(joined, scratch, &hits);
    for (auto& hit : hits) {
      auto it = std::upper_bound(starts.begin(), starts.end(), hit.second);
      hit.second = static_cast<size_t>(it - starts.begin() - 1);
    }
    std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first < b.first;
    });
    hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    stamps.assign(literals_->size(), 0);
    for (size_t begin = 0; begin < hits.size();) {
      const auto value = static_cast<uint32_t>(hits[begin].second);
      size_t end = begin;
      for (; end < hits.size() && hits[end].second == value; ++end)
        stamps[hits[end].first] = value + 1;
      Satisfied(hits.data() + begin, hits.data() + end, stamps, value + 1,
                [&](uint32_t id) { out->emplace_back(value, id); });
      begin = end;
    }
  }
  MultiScanContext ctx{&ids_, &starts, out};
  for (const hs_database_t* db : dbs_) {
    hs_scan(db, joined.data(), static_cast<unsigned>(joined.size()), 0, scratch, OnMultiMatch,
            &ctx);
  }
}

}  // namespace leadscan::detect
