#include "discovery/http_client.h"

#include <curl/curl.h>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

void InitCurl() {
  static absl::once_flag once;
  absl::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct StreamState {
  const std::function<void(const std::string&)>* on_data;
  const std::function<bool()>* keep_going;
};

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t StreamBody(char* data, size_t size, size_t count, void* state) {
  (*static_cast<StreamState*>(state)->on_data)(std::string(data, size * count));
  return size * count;
}

int CheckKeepGoing(void* state, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<StreamState*>(state)->keep_going)() ? 0 : 1;
}

// A curl handle for a JSON POST, freed on scope exit.
class Request {
 public:
  Request(const std::string& url, const std::string& body) : curl_(curl_easy_init()) {
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_PROXY, "");  // control traffic never goes through a proxy
  }
  ~Request() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  CURL* get() { return curl_; }

 private:
  CURL* curl_;
  curl_slist* headers_;
};

absl::Status Finish(CURL* curl, CURLcode code, const std::string& url) {
  if (code != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(url, ": ", curl_easy_strerror(code)));
  }
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  if (http_status < 200 || http_status > 299) {
    return absl::UnavailableError(absl::StrCat(url, ": HTTP status ", http_status));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HttpGetResult> HttpGet(const std::string& url, absl::Duration timeout,
                                      const std::vector<std::string>& headers) {
  return HttpRequest("GET", url, "", timeout, headers);
}

absl::StatusOr<HttpGetResult> HttpRequest(const std::string& method, const std::string& url,
                                          const std::string& body, absl::Duration timeout,
                                          std::vector<std::string> headers) {
  InitCurl();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  if (!body.empty()) headers.push_back("Content-Type: application/json");
  curl_slist* header_list = nullptr;
  for (const std::string& header : headers) {
    header_list = curl_slist_append(header_list, header.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  HttpGetResult result;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(header_list);
  if (code != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(url, ": ", curl_easy_strerror(code)));
  }
  return result;
}

absl::StatusOr<std::string> PostJson(const std::string& url, const std::string& body,
                                     absl::Duration timeout) {
  absl::StatusOr<HttpGetResult> result = HttpRequest("POST", url, body, timeout);
  if (!result.ok()) return result.status();
  if (result->status < 200 || result->status > 299) {
    return absl::UnavailableError(absl::StrCat(url, ": HTTP status ", result->status));
  }
  return std::move(result->body);
}

absl::Status StreamPostJson(const std::string& url, const std::string& body,
                            const std::function<void(const std::string&)>& on_data,
                            const std::function<bool()>& keep_going,
                            absl::Duration connect_timeout) {
  InitCurl();
  Request request(url, body);
  StreamState state{&on_data, &keep_going};
  curl_easy_setopt(request.get(), CURLOPT_WRITEFUNCTION, &StreamBody);
  curl_easy_setopt(request.get(), CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(request.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(request.get(), CURLOPT_XFERINFOFUNCTION, &CheckKeepGoing);
  curl_easy_setopt(request.get(), CURLOPT_XFERINFODATA, &state);
  curl_easy_setopt(request.get(), CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(connect_timeout)));
  // A peer that died without closing is noticed when nothing moves for 30 s;
  // the caller then reconnects (and, for a watch, reads the state anew).
  curl_easy_setopt(request.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(request.get(), CURLOPT_LOW_SPEED_TIME, 30L);
  return Finish(request.get(), curl_easy_perform(request.get()), url);
}

}  // namespace meshup::internal
