// Bookinfo's one book (product 0), said once: what details, ratings, reviews
// and productpage answer about it. The reviews' texts and the summary are
// MeshUp's own.
#ifndef BOOKINFO_BOOK_H_
#define BOOKINFO_BOOK_H_

#include <map>
#include <string>
#include <vector>

#include "bookinfo/details.pb.h"

namespace bookinfo {

inline constexpr int kProductId = 0;
inline constexpr char kTitle[] = "The Comedy of Errors";

// The summary, as HTML (it goes into the page and into descriptionHtml).
const std::string& SummaryHtml();
const Details& BookDetails();
// Reviewer -> stars.
const std::map<std::string, int>& BookRatings();

struct ReviewText {
  std::string reviewer;
  std::string text;
};
const std::vector<ReviewText>& BookReviews();

}  // namespace bookinfo

#endif  // BOOKINFO_BOOK_H_
