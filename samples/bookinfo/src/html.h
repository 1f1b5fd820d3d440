// HTML escaping for text and attribute values. Hand-written (five
// replacements): every value the product page inserts into HTML goes
// through it.
#ifndef BOOKINFO_HTML_H_
#define BOOKINFO_HTML_H_

#include <string>

#include "absl/strings/string_view.h"

namespace bookinfo {

// Replaces & < > " ' by their character references.
std::string HtmlEscape(absl::string_view text);

}  // namespace bookinfo

#endif  // BOOKINFO_HTML_H_
