// Typed streams of generated clients and services.
//
// Client side, returned by a generated client's streaming methods:
//   ClientReader<Response>                   server streaming
//   ClientWriter<Request, Response>          client streaming
//   ClientReaderWriter<Request, Response>    bidirectional streaming
// Server side, passed to a generated service's streaming handlers:
//   ServerWriter<Response>, ServerReader<Request>,
//   ServerReaderWriter<Request, Response>.
//
// Read() returns false once the peer has no more messages (or the call
// failed); Write() returns false once the call is over. A client stream's
// Finish() returns the call's final status and must be called once, after
// reading until Read() returned false. A stream is used by one thread at a
// time, except that Cancel() may be called from any thread.
#ifndef MESHUP_STREAMS_H_
#define MESHUP_STREAMS_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "meshup/call_options.h"
#include "meshup/method_info.h"

namespace meshup {

class Channel;

namespace internal {

// The untyped stream the typed wrappers below forward to.
class ClientStream {
 public:
  virtual ~ClientStream() = default;
  virtual bool Read(google::protobuf::Message* message) = 0;
  virtual bool Write(const google::protobuf::Message& message) = 0;
  virtual bool WritesDone() = 0;
  virtual absl::Status Finish() = 0;
  virtual void Cancel() = 0;
};

// Starts a streaming call of `method`. For server streaming, `request` is the
// single request; for client streaming, `response` receives the single
// response at Finish(). A call that cannot start yields a stream whose
// Finish() returns why.
std::unique_ptr<ClientStream> OpenClientStream(Channel& channel, const MethodInfo& method,
                                               const CallOptions& options,
                                               const google::protobuf::Message* request,
                                               google::protobuf::Message* response);

class ServerStream {
 public:
  virtual ~ServerStream() = default;
  virtual bool Read(google::protobuf::Message* message) = 0;
  virtual bool Write(const google::protobuf::Message& message) = 0;
};

}  // namespace internal

template <class Response>
class ClientReader {
 public:
  ClientReader(Channel& channel, const MethodInfo& method, const CallOptions& options,
               const google::protobuf::Message& request)
      : stream_(internal::OpenClientStream(channel, method, options, &request, nullptr)) {}

  bool Read(Response* response) { return stream_->Read(response); }
  absl::Status Finish() { return stream_->Finish(); }
  void Cancel() { stream_->Cancel(); }

 private:
  std::unique_ptr<internal::ClientStream> stream_;
};

template <class Request, class Response>
class ClientWriter {
 public:
  ClientWriter(Channel& channel, const MethodInfo& method, const CallOptions& options)
      : stream_(internal::OpenClientStream(channel, method, options, nullptr, &response_)) {}

  bool Write(const Request& request) { return stream_->Write(request); }
  // Closes the request stream and waits for the response.
  absl::StatusOr<Response> Finish() {
    stream_->WritesDone();
    absl::Status status = stream_->Finish();
    if (!status.ok()) return status;
    return std::move(response_);
  }
  void Cancel() { stream_->Cancel(); }

 private:
  Response response_;
  std::unique_ptr<internal::ClientStream> stream_;
};

template <class Request, class Response>
class ClientReaderWriter {
 public:
  ClientReaderWriter(Channel& channel, const MethodInfo& method, const CallOptions& options)
      : stream_(internal::OpenClientStream(channel, method, options, nullptr, nullptr)) {}

  bool Write(const Request& request) { return stream_->Write(request); }
  // Tells the server no more requests will come.
  bool WritesDone() { return stream_->WritesDone(); }
  bool Read(Response* response) { return stream_->Read(response); }
  absl::Status Finish() { return stream_->Finish(); }
  void Cancel() { stream_->Cancel(); }

 private:
  std::unique_ptr<internal::ClientStream> stream_;
};

template <class Response>
class ServerWriter {
 public:
  explicit ServerWriter(internal::ServerStream& stream) : stream_(stream) {}
  bool Write(const Response& response) { return stream_.Write(response); }

 private:
  internal::ServerStream& stream_;
};

template <class Request>
class ServerReader {
 public:
  explicit ServerReader(internal::ServerStream& stream) : stream_(stream) {}
  bool Read(Request* request) { return stream_.Read(request); }

 private:
  internal::ServerStream& stream_;
};

template <class Request, class Response>
class ServerReaderWriter {
 public:
  explicit ServerReaderWriter(internal::ServerStream& stream) : stream_(stream) {}
  bool Read(Request* request) { return stream_.Read(request); }
  bool Write(const Response& response) { return stream_.Write(response); }

 private:
  internal::ServerStream& stream_;
};

}  // namespace meshup

#endif  // MESHUP_STREAMS_H_
