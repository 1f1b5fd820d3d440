// Serves Hello and calls it through the generated client.
#include <cstdio>
#include <string>

#include "hello/hello.meshup.h"
#include "meshup/environment.h"
#include "meshup/mesh.h"

class HelloService final : public hello::Hello::Service {
 public:
  absl::Status SayHello(meshup::ServerContext&, const hello::HelloRequest& request,
                        hello::HelloReply& reply) override {
    reply.set_message("Hello, " + request.name());
    return absl::OkStatus();
  }
};

int main() {
  meshup::MeshOptions defaults;
  defaults.service = "hello";
  auto options = meshup::MeshOptionsFromEnvironment(defaults);  // MESHUP_IDENTITY_DIR
  if (!options.ok()) return 1;
  auto mesh = meshup::Mesh::Create(*options);
  if (!mesh.ok()) {
    std::fprintf(stderr, "%s\n", mesh.status().ToString().c_str());
    return 1;
  }
  HelloService service;
  auto server = (*mesh)->NewServer();
  if (!server->AddService(service).ok()) return 1;
  auto port = server->Start();
  if (!port.ok()) {
    std::fprintf(stderr, "%s\n", port.status().ToString().c_str());
    return 1;
  }
  auto channel = (*mesh)->Connect("127.0.0.1:" + std::to_string(*port));
  if (!channel.ok()) return 1;
  hello::Hello::Client client(*channel);
  hello::HelloRequest request;
  request.set_name("outside project");
  auto reply = client.SayHello(request);
  if (!reply.ok() || reply->message() != "Hello, outside project") {
    std::fprintf(stderr, "call failed: %s\n", reply.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", reply->message().c_str());
  return 0;
}
