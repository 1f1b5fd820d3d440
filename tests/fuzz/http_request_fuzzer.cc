// libFuzzer target: any bytes as what a client sends on one HTTP
// connection. The first byte picks how the rest is split into reads; every
// request parsed goes through routing, handlers that use the request
// helpers (query, form, cookies, headers), and response serialization, as
// the server does. Nothing may crash, hang or leak, and the parser must stop
// after an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "http/handler_table.h"
#include "http/request_parser.h"
#include "http/response_writer.h"

namespace {

const meshup::internal::HandlerTable& Table() {
  static const auto* table = [] {
    auto* t = new meshup::internal::HandlerTable();
    t->Add(
        "/echo", false,
        [](const meshup::HttpRequest& request) {
          std::string text;
          for (const auto& [name, value] : request.QueryParams())
            absl::StrAppend(&text, name, value);
          for (const auto& [name, value] : request.FormParams())
            absl::StrAppend(&text, name, value);
          for (const auto& [name, value] : request.Cookies()) absl::StrAppend(&text, name, value);
          meshup::HttpResponse response = meshup::HttpResponse::Text(200, text);
          // Request bytes flow into answer headers, as a careless handler might.
          response.headers.Add("X-Echo", std::string(request.headers.Get("x-echo").value_or("")));
          response.headers.Add(std::string(request.headers.Get("x-name").value_or("X-Empty")), "v");
          return response;
        },
        {"GET", "POST"});
    t->Add("/", true,
           [](const meshup::HttpRequest& request) {
             return meshup::HttpResponse::Redirect(meshup::UrlDecode(request.path));
           },
           {});
    return t;
  }();
  return *table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  meshup::internal::RequestParser parser(4096, 65536);
  std::vector<meshup::internal::ParsedRequest> requests;
  for (size_t i = 0; i < bytes.size(); i += piece) {
    const bool stopped_before = parser.state() == meshup::internal::RequestParser::State::kStopped;
    const size_t parsed_before = requests.size();
    parser.Feed(absl::string_view(bytes).substr(i, piece), requests);
    if (stopped_before && requests.size() != parsed_before) std::abort();
    (void)parser.TakeContinueRequest();
  }
  for (const auto& parsed : requests) {
    meshup::HttpResponse response = Table().Dispatch(parsed.request);
    meshup::internal::ResponseFraming framing;
    framing.head = parsed.request.method == "HEAD";
    framing.close = !parsed.keep_alive;
    const std::string out = meshup::internal::SerializeResponse(response, framing);
    // Whatever the handler put in headers, the head of the answer has no
    // bare CR or LF other than line ends.
    const size_t end = out.find("\r\n\r\n");
    if (end == std::string::npos) std::abort();
    for (size_t i = 0; i < end; ++i) {
      if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) std::abort();
      if (out[i] == '\r' && out[i + 1] != '\n') std::abort();
    }
  }
  if (parser.error_status() != 0) {
    (void)meshup::internal::SerializeResponse(
        meshup::internal::StatusResponse(parser.error_status()), {});
  }
  return 0;
}
