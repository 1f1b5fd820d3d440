#include "raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "http_parser.h"

namespace meshup::testing {
namespace {

struct ParseState {
  RawResponse response;
  std::string field;
  std::string value;
  bool in_value = false;
  bool complete = false;
  bool head = false;  // answer to HEAD: no body whatever Content-Length says
};

void Commit(ParseState& state) {
  if (!state.field.empty()) {
    state.response.headers[absl::AsciiStrToLower(state.field)] = state.value;
  }
  state.field.clear();
  state.value.clear();
  state.in_value = false;
}

// Waits until `fd` is readable or `deadline`; false on timeout.
bool WaitReadable(int fd, absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  if (ms <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(ms)) > 0;
}

}  // namespace

absl::StatusOr<RawClient> RawClient::Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect: ", strerror(error)));
  }
  return RawClient(fd);
}

RawClient::RawClient(RawClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

RawClient::~RawClient() {
  if (fd_ >= 0) close(fd_);
}

absl::Status RawClient::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) return absl::UnavailableError(absl::StrCat("send: ", strerror(errno)));
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return absl::OkStatus();
}

void RawClient::ShutdownWrite() { shutdown(fd_, SHUT_WR); }

absl::StatusOr<RawResponse> RawClient::Read(absl::Duration timeout, bool head) {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_header_field = [](http_parser* p, const char* data, size_t size) {
    auto* state = static_cast<ParseState*>(p->data);
    if (state->in_value) Commit(*state);
    state->field.append(data, size);
    return 0;
  };
  settings.on_header_value = [](http_parser* p, const char* data, size_t size) {
    auto* state = static_cast<ParseState*>(p->data);
    state->in_value = true;
    state->value.append(data, size);
    return 0;
  };
  settings.on_headers_complete = [](http_parser* p) {
    auto* state = static_cast<ParseState*>(p->data);
    Commit(*state);
    state->response.status = static_cast<int>(p->status_code);
    return state->head ? 1 : 0;  // 1: no body
  };
  settings.on_body = [](http_parser* p, const char* data, size_t size) {
    static_cast<ParseState*>(p->data)->response.body.append(data, size);
    return 0;
  };
  settings.on_message_complete = [](http_parser* p) {
    static_cast<ParseState*>(p->data)->complete = true;
    http_parser_pause(p, 1);  // one message only; the rest stays buffered
    return 0;
  };
  ParseState state;
  state.head = head;
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &state;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (!buffer_.empty()) {
      const size_t used = http_parser_execute(&parser, &settings, buffer_.data(), buffer_.size());
      const auto error = HTTP_PARSER_ERRNO(&parser);
      if (error != HPE_OK && error != HPE_PAUSED) {
        return absl::DataLossError(absl::StrCat("bad answer: ", http_errno_name(error)));
      }
      buffer_.erase(0, used);
      if (state.complete) {
        return state.response;
      }
    }
    if (!WaitReadable(fd_, deadline)) return absl::DeadlineExceededError("no answer in time");
    char chunk[65536];
    const ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
    if (got <= 0) return absl::UnavailableError("connection closed before a whole answer");
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

bool RawClient::WaitForClose(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (WaitReadable(fd_, deadline)) {
    char chunk[65536];
    const ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
    if (got <= 0) return true;
  }
  return false;
}

absl::StatusOr<RawResponse> Fetch(int port, absl::string_view method, absl::string_view target,
                                  absl::string_view extra_headers, absl::string_view body) {
  absl::StatusOr<RawClient> client = RawClient::Connect(port);
  if (!client.ok()) return client.status();
  std::string request = absl::StrCat(
      method, " ", target, " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n", extra_headers);
  if (!body.empty() || method == "POST") {
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  if (absl::Status sent = client->Send(request); !sent.ok()) return sent;
  return client->Read(absl::Seconds(10), method == "HEAD");
}

}  // namespace meshup::testing
