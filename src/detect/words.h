// Our extension's commerce signals in visible text: "words" (provider names that count only in
// a shipping/payment/checkout context) and "logos" (image file names and alt texts). Internal
// to detect; pure functions, thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "detect/detection.h"
#include "detect/page_features.h"
#include "detect/rule_set.h"

namespace leadscan::detect {

// Confidence of one word-in-context or logo signal.
inline constexpr int kWordConfidence = 80;
inline constexpr int kLogoConfidence = 80;

// Appends word and logo detections for the pages to *detections. A word counts on a page
// whose role is shipping, payment, checkout, terms or cart, or when its sentence (or block)
// holds a context word; the evidence keeps that sentence. Technologies marked strong_only get
// word/logo detections only when *detections already holds another signal for them.
void MatchWords(const RuleSet& rules, const std::vector<PageFeatures>& pages, hs_scratch_t* scratch,
                std::vector<Detection>* detections);

// True when text around [pos, pos+len) (the same sentence or block) holds a context word.
bool InContext(std::string_view text, size_t pos, size_t len, std::string_view* sentence);

}  // namespace leadscan::detect
