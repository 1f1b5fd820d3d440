// Bookinfo's product page, as HTTP handlers on meshup::HttpServer:
//
//   GET  /                              a small index
//   GET  /productpage                   the page (page_renderer.h)
//   POST /login                         form fields username, passwd: any non-empty
//                                       username logs in (cookie user=<name>), 302;
//                                       one over 256 bytes is refused, 400
//   GET|POST /logout                    clears the cookie, 302
//   GET  /health                        200 "Product page is healthy"
//   GET  /api/v1/products               the product list
//   GET  /api/v1/products/<id>          details, or 404 / 503 {"error"}
//   GET  /api/v1/products/<id>/reviews  reviews with `version`, or 404 / 503
//   GET  /api/v1/products/<id>/ratings  ratings, or 404 / 503
//
// The logged-in user's name goes to every backend call as the `end-user`
// header (when it is printable ASCII, as gRPC metadata must be). A failed
// backend call never fails the page: its part says it is unavailable.
// Thread-safe: handlers run concurrently on the server's workers.
#ifndef BOOKINFO_PRODUCTPAGE_H_
#define BOOKINFO_PRODUCTPAGE_H_

#include <string>

#include "absl/status/statusor.h"
#include "bookinfo/details.pb.h"
#include "bookinfo/ratings.pb.h"
#include "bookinfo/reviews.pb.h"
#include "meshup/http_server.h"

namespace bookinfo {

// The services the page calls; `end_user` empty: nobody logged in.
class Backends {
 public:
  virtual ~Backends() = default;
  virtual absl::StatusOr<Details> GetDetails(int product_id, const std::string& end_user) = 0;
  virtual absl::StatusOr<ProductReviews> GetReviews(int product_id,
                                                    const std::string& end_user) = 0;
  virtual absl::StatusOr<Ratings> GetRatings(int product_id, const std::string& end_user) = 0;
};

class ProductPage {
 public:
  // `backends` must outlive the page.
  explicit ProductPage(Backends& backends) : backends_(backends) {}

  // Routes every path above to this page.
  void Register(meshup::HttpServer& server);

  meshup::HttpResponse Index(const meshup::HttpRequest& request) const;
  meshup::HttpResponse Page(const meshup::HttpRequest& request) const;
  meshup::HttpResponse Login(const meshup::HttpRequest& request) const;
  meshup::HttpResponse Logout(const meshup::HttpRequest& request) const;
  meshup::HttpResponse Health(const meshup::HttpRequest& request) const;
  meshup::HttpResponse Products(const meshup::HttpRequest& request) const;
  // Everything under /api/v1/products/.
  meshup::HttpResponse Product(const meshup::HttpRequest& request) const;

  // The logged-in user from the request's `user` cookie; empty: none.
  static std::string User(const meshup::HttpRequest& request);

 private:
  Backends& backends_;
};

}  // namespace bookinfo

#endif  // BOOKINFO_PRODUCTPAGE_H_
