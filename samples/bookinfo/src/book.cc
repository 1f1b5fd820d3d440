#include "book.h"

namespace bookinfo {

const std::string& SummaryHtml() {
  static const auto* summary = new std::string(
      "Two pairs of twins, parted by a shipwreck, wash up in the same port on the same day. "
      "Nobody can tell master from master or servant from servant, and in one afternoon "
      "Ephesus fills with unpaid debts, locked doors, a stolen chain and a wife who no longer "
      "knows her husband. Shakespeare's shortest play runs on mistaken identity and ends in "
      "a family found again.");
  return *summary;
}

const Details& BookDetails() {
  static const auto* details = [] {
    auto* d = new Details();
    d->set_id(kProductId);
    d->set_author("William Shakespeare");
    d->set_year(1595);
    d->set_type("paperback");
    d->set_pages(200);
    d->set_publisher("PublisherA");
    d->set_language("English");
    d->set_isbn_10("1234567890");
    d->set_isbn_13("123-1234567890");
    return d;
  }();
  return *details;
}

const std::map<std::string, int>& BookRatings() {
  static const auto* ratings = new std::map<std::string, int>{{"Reviewer1", 5}, {"Reviewer2", 4}};
  return *ratings;
}

const std::vector<ReviewText>& BookReviews() {
  static const auto* reviews = new std::vector<ReviewText>{
      {"Reviewer1",
       "A farce built like clockwork: every misunderstanding winds the next one tighter, and "
       "the final scene lets it all spring loose at once. It still gets laughs."},
      {"Reviewer2",
       "Lighter than the later comedies, but the two Dromios carry it, and the reunion at "
       "the end is more moving than the slapstick before it would lead you to expect."},
  };
  return *reviews;
}

}  // namespace bookinfo
