// protoc-gen-meshup: run by protoc as --meshup_out=DIR [--meshup_opt=templates_dir=DIR].
#include "codegen/generator.h"
#include "google/protobuf/compiler/plugin.h"

int main(int argc, char* argv[]) {
  meshup::codegen::MeshupGenerator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
